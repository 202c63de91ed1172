"""The scheduler process (`flask --app wsgi scheduler`): one APScheduler that only polls.

Correctness lives in the database; jobs are short and safe to run again. Later features
add their jobs to JOBS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from diversion.db import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A job the scheduler runs inside an application context every `seconds`."""

    name: str
    seconds: int
    run: Callable[[], object]


def check_database() -> None:
    """Fail loudly in the log when the database cannot be reached."""
    db.session.execute(text("SELECT 1"))
    db.session.rollback()


def _dispatch() -> None:
    from notifications.jobs import dispatch_job

    dispatch_job()


def _simulated_receipts() -> None:
    from notifications.jobs import simulated_receipts_job

    simulated_receipts_job()


def _deliver_mail() -> None:
    from diversion.reports import deliver_mail_job

    deliver_mail_job()


def _retention() -> None:
    from diversion.services.retention import retention_job

    retention_job()


def _report_reminders() -> None:
    from diversion.report_schedule import reminders_job

    reminders_job()


def _sitting_day_lists() -> None:
    from diversion.report_schedule import lists_job

    lists_job()


JOBS: list[Job] = [
    Job("database-check", 300, check_database),
    Job("text-message-dispatcher", 30, _dispatch),
    # Development only (SMS_SENDER "outbox"): delivery receipts for what the outbox "sent".
    Job("simulated-delivery-receipts", 10, _simulated_receipts),
    # Reports and lists to the court and the CPS: what is waiting, and retries of failures.
    Job("mail-delivery", 60, _deliver_mail),
    # From 09:00 each working day: remind workers of reports due next (once a day each).
    Job("report-reminders", 300, _report_reminders),
    # At each sitting day's report time: its list to the court; unsent reports flagged.
    Job("sitting-day-lists", 300, _sitting_day_lists),
    # Retention (security.md 13): polled every 15 minutes, runs once a day after 02:30 London.
    Job("retention", 900, _retention),
]


def _in_context(app: Flask, job: Job) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                job.run()
            except Exception:
                log.exception("scheduled job %s failed", job.name)

    return run


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A blocking scheduler with every job, each running at most one at a time."""
    scheduler = BlockingScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(
            _in_context(app, job),
            "interval",
            seconds=job.seconds,
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
        )
    return scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler process in the foreground until stopped."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # APScheduler logs every run of every job at INFO (a line every 10 seconds); our jobs
    # log what they did themselves, so only its warnings and errors are kept.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = build_scheduler(app)
    log.info("scheduler started with %d jobs", len(JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
