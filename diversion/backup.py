"""Backups of the embedded SQLite database (PostgreSQL uses pg_dump and pg_restore).

A backup is a consistent copy made with SQLite's online backup API while the web app and the
scheduler keep working. A restore replaces the database with a backup, and only while nothing
uses it: the web app and the scheduler each hold a shared lock on `<database>.in-use` for as
long as they run, and a restore must get that lock alone, or it refuses and says what to stop.
"""

from __future__ import annotations

import fcntl
import sqlite3
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

NOT_SQLITE = (
    "This database is not SQLite: back up PostgreSQL with pg_dump and restore it with "
    "pg_restore (docs/deploy.md)."
)
IN_USE = (
    "The database is in use by the web app or the scheduler: stop both first "
    "(Ctrl-C in the terminal running `make run`, or stop their services), then restore."
)


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason to show."""


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite database URL, or BackupError for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(NOT_SQLITE)
    return Path(url.database)


def in_use_lock_path(database: Path) -> Path:
    """The lock file a running web app or scheduler holds (shared) beside the database."""
    return database.with_name(database.name + ".in-use")


_held: IO[str] | None = None


def hold_in_use(database_url: str) -> None:
    """Take the shared in-use lock for the rest of this process's life (wsgi.py does, so the
    web app and the scheduler both hold it). Nothing for a database that is not a SQLite file."""
    global _held
    try:
        database = sqlite_path(database_url)
    except BackupError:
        return
    if _held is not None:
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    handle = in_use_lock_path(database).open("a")
    fcntl.flock(handle, fcntl.LOCK_SH)
    _held = handle


def _release_own_hold() -> None:
    """The restore command loads the app too: its own shared lock must not count."""
    global _held
    if _held is not None:
        _held.close()
        _held = None


def _check_is_ours(connection: sqlite3.Connection, what: str) -> None:
    """Refuse a file that is not a sound SQLite database of this service."""
    try:
        ok = connection.execute("PRAGMA quick_check").fetchone()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{what} is not a SQLite database.") from error
    if ok is None or ok[0] != "ok":
        raise BackupError(f"{what} is damaged (SQLite's check failed).")
    if "alembic_version" not in tables or "client" not in tables:
        raise BackupError(f"{what} is not a database of this service.")


def backup(database_url: str, target: Path) -> int:
    """Copy the live database to `target` (a new file), consistently; return its size."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError("There is no database to back up yet.")
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file for the backup.")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # SQLite's online backup API: one consistent snapshot
        _check_is_ours(copy, "The backup")
    finally:
        copy.close()
        source.close()
    return target.stat().st_size


def restore(database_url: str, backup_file: Path) -> None:
    """Replace the database with a backup, refusing while the web app or scheduler runs."""
    database = sqlite_path(database_url)
    if not backup_file.exists():
        raise BackupError(f"There is no backup at {backup_file}.")
    _release_own_hold()
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        _check_is_ours(source, "The backup")
        database.parent.mkdir(parents=True, exist_ok=True)
        with in_use_lock_path(database).open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BackupError(IN_USE) from None
            target = sqlite3.connect(database)
            try:
                source.backup(target)
            finally:
                target.close()
                fcntl.flock(lock, fcntl.LOCK_UN)
    finally:
        source.close()
