"""The scheduler process (`flask --app wsgi scheduler`): an APScheduler that only polls.

Correctness lives in the database; jobs are short and safe to run again. The jobs are listed
by the composition root (diversion/app.py, JOBS) and handed over by `scheduling.init_app`.

On PostgreSQL a scheduler runs on every server: each tick of a job holds the job's lock
(scheduling.job_lock), so one tick of it runs at a time across them, and a daily job claims
its day in the ledger (scheduling.ledger). On SQLite one scheduler only may start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from diversion.db import db
from scheduling.job_lock import hold_scheduler_lock, job_lock

log = logging.getLogger(__name__)

JOBS_KEY = "scheduling.jobs"
# Jobs running at once in one scheduler: each holds two connections (its lock's and its
# session's), within the pool's 5 plus 10 overflow.
JOB_THREADS = 5


@dataclass(frozen=True)
class Job:
    """A job the scheduler runs inside an application context every `seconds`. An exclusive
    job's ticks run one at a time across every scheduler; the others run in each."""

    name: str
    seconds: int
    run: Callable[[], object]
    exclusive: bool = True


def check_database() -> None:
    """Fail loudly in the log when the database cannot be reached."""
    db.session.execute(text("SELECT 1"))
    db.session.rollback()


def run_tick(job: Job) -> bool:
    """Run one tick of the job, unless another scheduler's tick of it holds its lock (then
    skip it: the job polls again at its next tick). Whether it ran."""
    if not job.exclusive:
        job.run()
        return True
    with job_lock(db.engine, job.name) as held:
        if not held:
            log.debug("job %s: another scheduler is running it; tick skipped", job.name)
            return False
        job.run()
        return True


def _in_context(app: Flask, job: Job) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                run_tick(job)
            except Exception:
                log.exception("scheduled job %s failed", job.name)

    return run


def jobs_of(app: Flask) -> tuple[Job, ...]:
    """The jobs this app's scheduler runs (given by create_app)."""
    jobs: tuple[Job, ...] = app.extensions.get(JOBS_KEY, ())
    return jobs


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A blocking scheduler with every job, each running at most one at a time, and each
    first run at once (a scheduler started after downtime catches up without waiting)."""
    scheduler = BlockingScheduler(
        timezone="UTC", executors={"default": ThreadPoolExecutor(JOB_THREADS)}
    )
    started = datetime.now(UTC)
    for job in jobs_of(app):
        scheduler.add_job(
            _in_context(app, job),
            "interval",
            seconds=job.seconds,
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
            next_run_time=started,
            misfire_grace_time=job.seconds,
        )
    return scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler process in the foreground until stopped."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        hold_scheduler_lock(app.config["DATABASE_URL"])
    except RuntimeError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    # APScheduler logs every run of every job at INFO (a line every 10 seconds); our jobs
    # log what they did themselves, so only its warnings and errors are kept.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = build_scheduler(app)
    log.info("scheduler started with %d jobs", len(jobs_of(app)))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
