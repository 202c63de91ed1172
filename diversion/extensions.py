"""Flask extensions created once and bound to the app in create_app (diversion/app.py)."""

from __future__ import annotations

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
"""CSRF protection for every form; only the signed Twilio webhooks are exempt (security.md 9)."""
