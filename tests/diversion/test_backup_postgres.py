"""PostgreSQL backups as docs/deploy.md gives them: pg_dump as the owner role, the restored
database's roles made by scripts/postgres-roles.sh, pg_restore, migrate, and the app running on
the restored copy as its own role."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from diversion.app import create_app
from diversion.audit_ddl import REFUSAL
from tests.conftest import POSTGRES_URL
from tests.diversion.test_database_roles import Install, migrate, psycopg_url, run_script, url_for

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL or not shutil.which("pg_dump") or not shutil.which("pg_restore"),
    reason="needs PostgreSQL (TEST_DATABASE_URL) and its pg_dump and pg_restore",
)


@pytest.fixture
def two_installs() -> Iterator[tuple[Install, Install]]:
    """The live database and the one restored into, with the same two roles, dropped after."""
    assert POSTGRES_URL is not None
    name = f"backup_test_{secrets.token_hex(4)}"
    owner, app = f"{name}_owner", f"{name}_app"
    installs = tuple(
        Install(
            database=database,
            owner=owner,
            app=app,
            owner_url=url_for(owner, database),
            app_url=url_for(app, database),
        )
        for database in (name, f"{name}_restored")
    )
    server = create_engine(psycopg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        yield installs  # type: ignore[misc]
    finally:
        with server.connect() as connection:
            for install in installs:
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{install.database}" WITH (FORCE)')
                )
            for role in (app, owner):
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        server.dispose()


def app_on(install: Install) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DIVERSION_ENV": "development",
            "DATABASE_URL": psycopg_url(install.app_url),
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": False,
        }
    )


def test_a_dump_restores_into_a_fresh_database_and_the_app_runs_on_it(
    two_installs: tuple[Install, Install], tmp_path: Path
) -> None:
    live, restored = two_installs
    run_script(live)
    migrate(live)
    app = app_on(live)
    engine = app.extensions["diversion.db"][0]
    with engine.begin() as connection:  # as the app's own role
        for n in range(25):
            connection.execute(
                text("INSERT INTO audit_event (action, detail) VALUES ('backup_test', :d)"),
                {"d": f"row {n}"},
            )
    engine.dispose()

    # The runbook's commands, as the owner role.
    dump = tmp_path / "diversion.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", live.owner_url],
        check=True,
    )
    run_script(restored)
    subprocess.run(
        [
            *("pg_restore", "--no-owner", "--exit-on-error"),
            *(f"--dbname={restored.owner_url}", str(dump)),
        ],
        check=True,
    )
    migrate(restored)

    again = app_on(restored)
    assert again.test_client().get("/healthz").status_code == 200
    copy = again.extensions["diversion.db"][0]
    with copy.connect() as connection:
        count = connection.scalar(
            text("SELECT count(*) FROM audit_event WHERE action = 'backup_test'")
        )
        # The audit trail is still append-only in the copy, for the app's own role.
        with pytest.raises(DBAPIError, match="permission denied"):
            connection.execute(text("DELETE FROM audit_event"))
    copy.dispose()
    assert count == 25
    owner = create_engine(psycopg_url(restored.owner_url))
    # And for the owner too: the trigger came back with the restore.
    with owner.connect() as connection, pytest.raises(DBAPIError, match=REFUSAL):
        connection.execute(text("DELETE FROM audit_event"))
    owner.dispose()
