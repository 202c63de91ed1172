"""How the engine connects: SQLite in write-ahead-log mode, PostgreSQL without GSSAPI."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import text

from diversion.db import make_engine
from tests.conftest import POSTGRES_URL, _postgres_url


def test_a_sqlite_file_is_written_through_a_write_ahead_log(tmp_path: Path) -> None:
    """Pages read while the scheduler writes, and a commit syncs the log once."""
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    try:
        with engine.begin() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            # Still a commit that is on disk when it returns.
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        assert (tmp_path / "wal.sqlite-wal").exists()
    finally:
        engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (set TEST_DATABASE_URL)")
def test_postgresql_connections_never_try_gssapi_encryption() -> None:
    engine = make_engine(_postgres_url())
    try:
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert raw is not None
            options = {o.keyword: o.val for o in raw.pgconn.info}
            assert options[b"gssencmode"] == b"disable"
    finally:
        engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (set TEST_DATABASE_URL)")
def test_postgresql_sessions_read_instants_in_plain_utc_and_keep_the_urls_options() -> None:
    engine = make_engine(_postgres_url())  # its URL sets synchronous_commit for the tests
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW TimeZone")).scalar() == "UTC"
            assert connection.execute(text("SHOW synchronous_commit")).scalar() == "off"
            instant = connection.execute(text("SELECT now()")).scalar()
            assert instant.tzinfo is UTC
    finally:
        engine.dispose()
