"""The scheduler process (`flask --app wsgi scheduler`): one APScheduler that only polls.

Correctness lives in the database; jobs are short and safe to run again. The jobs are listed
by the composition root (diversion/app.py, JOBS) and handed over by `scheduling.init_app`.
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

JOBS_KEY = "scheduling.jobs"


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


def _in_context(app: Flask, job: Job) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                job.run()
            except Exception:
                log.exception("scheduled job %s failed", job.name)

    return run


def jobs_of(app: Flask) -> tuple[Job, ...]:
    """The jobs this app's scheduler runs (given by create_app)."""
    jobs: tuple[Job, ...] = app.extensions.get(JOBS_KEY, ())
    return jobs


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A blocking scheduler with every job, each running at most one at a time."""
    scheduler = BlockingScheduler(timezone="UTC")
    for job in jobs_of(app):
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
    log.info("scheduler started with %d jobs", len(jobs_of(app)))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
