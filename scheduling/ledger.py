"""Once per period: the ledger (job_run) that makes a daily or per-sitting-day job do its
period's work once, however many schedulers tick and whenever one catches up.

A job claims (job, period) by inserting a job_run row; the pair is unique, so of two claims
of one period one wins and the other finds the row (ON CONFLICT DO NOTHING, on PostgreSQL and
SQLite alike). A row means the period is done or being done. Two ways to claim:

- `claim_with`, for work done in one transaction (retention, a court's sitting-day list): the
  row is written in that transaction and commits or rolls back with the work. On PostgreSQL a
  second claimant waits for the first's commit and then finds the row. A crash rolls both
  back, so nothing is left to clean up.
- `claim`, for work spread over many transactions (the at-risk recheck commits each case):
  the row is committed at once with `finished_at` empty, set by `finish` when the work is
  done; `release` gives the period back when the work fails, so the next tick tries again.

A crashed run (claimed, never finished, never released: the process was killed) leaves its
row unfinished. Once it is older than STALE_AFTER, the next claim re-takes it with a
compare-and-set (the row's `started_at` moves on, so of two re-takers one wins). A run that
is alive holds its job's lock (scheduling.job_lock) for as long as it runs, so no tick of
the same job reaches the ledger meanwhile: the age only guards work started some other way.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from diversion.db import db
from diversion.formatting import LONDON
from diversion.models import JobRun

log = logging.getLogger(__name__)

# An unfinished claim older than this is taken to be a crashed run's, and may be re-taken.
STALE_AFTER = timedelta(minutes=30)


def claimant() -> str:
    """Which process claims: host name and pid (for whoever reads the ledger; no one's data)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def daily_period(now: datetime, at: time) -> str:
    """The period of a once-a-day job run at `now`: the London date of the latest `at` at or
    before it (a run before `at` belongs to yesterday's slot), as an ISO date."""
    local = now.astimezone(LONDON)
    day = local.date() if local.time() >= at else local.date() - timedelta(days=1)
    return day.isoformat()


def sitting_day_period(day: date, court_id: int) -> str:
    """The period of a per-sitting-day job's work for one court."""
    return f"{day.isoformat()} court {court_id}"


def _insert(session: Session, *, job: str, period: str, now: datetime, done: bool) -> Insert:
    values = {
        "job": job,
        "period": period,
        "started_at": now,
        "finished_at": now if done else None,
        "claimed_by": claimant(),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(JobRun)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["job", "period"])
        .returning(JobRun.id)
    )


def claim_with(session: Session, *, job: str, period: str, now: datetime) -> bool:
    """Claim the period inside the session's transaction, to commit with the period's work:
    whether this run won it (False: done, or being done by a transaction that commits first)."""
    return session.scalar(_insert(session, job=job, period=period, now=now, done=True)) is not None


def claim(
    *, job: str, period: str, now: datetime, stale_after: timedelta = STALE_AFTER
) -> int | None:
    """Claim the period at once (committed) for work spread over several transactions: the
    claim's id, or None when the period is done or a run that is not stale holds it."""
    session = db.session
    session.rollback()  # the claim is its own transaction, seen by every scheduler at once
    claim_id: int | None = session.scalar(
        _insert(session, job=job, period=period, now=now, done=False)
    )
    if claim_id is None:
        claim_id = session.scalar(
            update(JobRun)
            .where(JobRun.job == job, JobRun.period == period)
            .where(JobRun.finished_at.is_(None), JobRun.started_at < now - stale_after)
            .values(started_at=now, claimed_by=claimant())
            .returning(JobRun.id)
        )
        if claim_id is not None:
            log.warning("job %s: re-took the stale claim of period %s", job, period)
    session.commit()
    return claim_id


def finish(claim_id: int, *, now: datetime) -> None:
    """Mark the claim done, in the caller's transaction (with the run's last writes)."""
    db.session.execute(update(JobRun).where(JobRun.id == claim_id).values(finished_at=now))


def release(claim_id: int) -> None:
    """Give an unfinished claim back after its work failed, so the next tick runs it again.
    If the database cannot be reached now, the claim is left to go stale (STALE_AFTER)."""
    session = db.session
    try:
        session.rollback()
        session.execute(delete(JobRun).where(JobRun.id == claim_id, JobRun.finished_at.is_(None)))
        session.commit()
    except SQLAlchemyError as error:
        session.rollback()
        log.warning(
            "claim %s not released (%s): re-taken once stale", claim_id, type(error).__name__
        )
