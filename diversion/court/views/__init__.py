"""Sitting-day list pages and compliance report pages."""
