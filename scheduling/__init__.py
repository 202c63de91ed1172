"""Dates and bookings: court calendar rules, and the scheduler process."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the scheduler command; web workers never start a scheduler themselves."""
    from scheduling.process import scheduler_command

    app.cli.add_command(scheduler_command)
