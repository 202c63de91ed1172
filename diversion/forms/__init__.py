"""WTForms forms, one module per area; shared fields live in fields.py."""
