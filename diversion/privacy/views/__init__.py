"""The audit trail's search page, and the retention and register pages."""
