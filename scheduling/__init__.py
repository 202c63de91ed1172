"""Dates and bookings: court calendar rules, availability, proposals, booking, calendars."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the booking pages and the scheduler command (web workers never run jobs)."""
    from scheduling.process import scheduler_command
    from scheduling.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(scheduler_command)
