"""PostgreSQL backups as docs/deploy.md gives them: pg_dump, pg_restore into a fresh database,
and the app running on the restored copy."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from diversion.app import create_app
from diversion.audit_ddl import REFUSAL
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL or not shutil.which("pg_dump") or not shutil.which("pg_restore"),
    reason="needs PostgreSQL (TEST_DATABASE_URL) and its pg_dump and pg_restore",
)


def libpq(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def two_databases() -> Iterator[tuple[str, str]]:
    """Two new, empty databases (the live one and the one restored into), dropped after."""
    assert POSTGRES_URL is not None
    server = create_engine(
        "postgresql+psycopg://" + with_database(POSTGRES_URL, "postgres").split("://", 1)[1],
        isolation_level="AUTOCOMMIT",
    )
    names = [f"backup_test_{secrets.token_hex(4)}" for _ in range(2)]
    with server.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield tuple(libpq(with_database(POSTGRES_URL, name)) for name in names)  # type: ignore[misc]
    finally:
        with server.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def app_on(url: str):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "postgresql+psycopg://" + url.split("://", 1)[1],
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": False,
        }
    )
    return app


def test_a_dump_restores_into_a_fresh_database_and_the_app_runs_on_it(
    two_databases, tmp_path: Path
) -> None:
    live, restored = two_databases
    app = app_on(live)
    upgraded = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    engine = app.extensions["diversion.db"][0]
    with engine.begin() as connection:
        for n in range(25):
            connection.execute(
                text("INSERT INTO audit_event (action, detail) VALUES ('backup_test', :d)"),
                {"d": f"row {n}"},
            )
    engine.dispose()

    dump = tmp_path / "diversion.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", live],
        check=True,
    )
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", str(dump)],
        check=True,
    )

    again = app_on(restored)
    upgraded = again.test_cli_runner().invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert again.test_client().get("/healthz").status_code == 200
    copy = again.extensions["diversion.db"][0]
    with copy.connect() as connection:
        count = connection.scalar(
            text("SELECT count(*) FROM audit_event WHERE action = 'backup_test'")
        )
        # The audit trail is still append-only in the copy: the database's own trigger.
        with pytest.raises(DBAPIError, match=REFUSAL):
            connection.execute(text("DELETE FROM audit_event"))
    copy.dispose()
    assert count == 25
