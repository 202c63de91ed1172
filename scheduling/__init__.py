"""Dates and bookings: court calendar rules, availability, proposals, booking, calendars."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask

from scheduling.process import JOBS_KEY, Job, scheduler_command


def init_app(app: Flask, *, jobs: Sequence[Job]) -> None:
    """Add the scheduler command and the jobs it runs (web workers never run jobs)."""
    app.extensions[JOBS_KEY] = tuple(jobs)
    app.cli.add_command(scheduler_command)
