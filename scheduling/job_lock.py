"""Several schedulers, one tick at a time: a job's lock across servers, and on SQLite a lock
that lets one scheduler start at all.

PostgreSQL is the coordination engine (docs/deploy.md, "Several servers"): each tick of a job
holds `pg_try_advisory_xact_lock` on a key derived from the job's name, in a transaction of a
connection of its own (the job's body commits its own transactions on the session, and an
xact lock would go with the first of those commits). A scheduler that does not get the lock
skips that tick: another server's tick of the same job is running. The lock is released when
the lock's transaction ends, and by PostgreSQL itself when the connection dies, so a scheduler
killed mid-tick (SIGKILL, a lost server) leaves nothing locked.

SQLite is one file on one machine: only one scheduler may run on it, which a lock file beside
the database enforces when `flask scheduler` starts.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from diversion.backup import BackupError, sqlite_path

log = logging.getLogger(__name__)

ONE_SCHEDULER_ON_SQLITE = (
    "Refusing to start: another scheduler is running on this SQLite database ({lock}). Only "
    "one scheduler may run on SQLite, which cannot share its jobs between processes; run "
    "several (one per server) only on PostgreSQL (docs/deploy.md)."
)


def lock_key(job_name: str) -> int:
    """The advisory lock key of a job: a signed 64-bit integer from its name, the same in
    every process and release (Python's hash() is salted per process, so not that)."""
    digest = hashlib.sha256(f"diversion.scheduler.job:{job_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _end(connection: Connection) -> None:
    """End the lock's transaction (releasing the lock) and give the connection back; a
    connection that died meanwhile is discarded, so the next tick connects afresh."""
    try:
        connection.rollback()
    except SQLAlchemyError:
        log.warning("a job lock's connection was lost; the next tick connects again")
        connection.invalidate()
    finally:
        connection.close()


@contextmanager
def job_lock(engine: Engine, job_name: str) -> Iterator[bool]:
    """Hold the job's lock for the block, if no other scheduler's tick holds it: whether it
    is held. Always held on a database other than PostgreSQL (one scheduler runs there)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    connection = engine.connect()
    try:
        connection.begin()
        # The lock's connection sits idle in its transaction for the whole tick: a server-wide
        # idle_in_transaction_session_timeout would end it, and the lock with it, mid-tick.
        connection.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
        held = bool(
            connection.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(job_name)}
            )
        )
    except BaseException:
        _end(connection)
        raise
    try:
        yield held
    finally:
        _end(connection)


_scheduler_lock: IO[str] | None = None


def scheduler_lock_path(database: Path) -> Path:
    """The lock file the one scheduler of a SQLite database holds, beside the database."""
    return database.with_name(database.name + ".scheduler-lock")


def hold_scheduler_lock(database_url: str) -> None:
    """On SQLite, take the scheduler's lock for the rest of this process's life, or raise
    RuntimeError saying why this scheduler may not start. Nothing on PostgreSQL."""
    global _scheduler_lock
    try:
        database = sqlite_path(database_url)
    except BackupError:
        return
    if _scheduler_lock is not None:
        return
    lock = scheduler_lock_path(database)
    lock.parent.mkdir(parents=True, exist_ok=True)
    handle = lock.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RuntimeError(ONE_SCHEDULER_ON_SQLITE.format(lock=lock.name)) from None
    _scheduler_lock = handle
