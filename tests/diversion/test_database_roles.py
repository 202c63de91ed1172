"""The app's own database role cannot change the audit trail (security.md 29, issue 11).

As docs/deploy.md gives it: scripts/postgres-roles.sh makes a database and its two roles,
`flask --app wsgi db upgrade` migrates as the owner, and then the app's own connection
writes as usual but is refused every way of changing or removing audit rows, and every
change to the schema. Needs a PostgreSQL server (TEST_DATABASE_URL); it creates its own
database and roles there, with random names, and drops them after. The TEST_DATABASE_URL
database itself is only the maintenance connection: nothing is created in it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from diversion import audit
from diversion.app import create_app
from diversion.audit_ddl import POSTGRESQL_TRIGGER, TABLE
from diversion.db import db
from diversion.models import AuditEvent, Organisation, OrganisationKind
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "postgres-roles.sh"


@dataclass(frozen=True)
class Install:
    database: str
    owner: str
    app: str
    owner_url: str  # postgresql:// as an operator writes it
    app_url: str


def server_env() -> dict[str, str]:
    """libpq's variables for the superuser's maintenance connection (TEST_DATABASE_URL)."""
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL)
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[name] = str(value)
    return env


def url_for(role: str, database: str) -> str:
    assert POSTGRES_URL is not None
    server = make_url(POSTGRES_URL)
    return str(
        server.set(
            drivername="postgresql", username=role, password=None, database=database
        ).render_as_string(hide_password=False)
    )


def psycopg_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def run_script(install: Install) -> str:
    done = subprocess.run(
        ["bash", str(SCRIPT), install.database, install.owner, install.app],
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def migrate(install: Install) -> str:
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    env.update(
        DIVERSION_ENV="development",
        DATABASE_OWNER_URL=install.owner_url,
        DATABASE_URL=install.app_url,
    )
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def install() -> Iterator[Install]:
    """A database and its two roles, made by the script; all three dropped after."""
    assert POSTGRES_URL is not None
    name = f"roles_test_{secrets.token_hex(4)}"
    made = Install(
        database=name,
        owner=f"{name}_owner",
        app=f"{name}_app",
        owner_url=url_for(f"{name}_owner", name),
        app_url=url_for(f"{name}_app", name),
    )
    server = create_engine(psycopg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        yield made
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{made.database}" WITH (FORCE)'))
            for role in (made.app, made.owner):
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        server.dispose()


@pytest.fixture
def migrated(install: Install) -> Install:
    assert "owns nothing" in run_script(install)
    assert "the audit trail: read and add only" in migrate(install)
    return install


def as_role(url: str) -> Engine:
    return create_engine(psycopg_url(url))


def test_the_app_role_writes_rows_and_audit_events(migrated: Install) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DIVERSION_ENV": "development",
            "DATABASE_URL": migrated.app_url,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        organisation = Organisation(name="Roles test project", kind=OrganisationKind.PROJECT)
        db.session.add(organisation)
        db.session.flush()
        audit.add("roles_test", object_type="organisation", object_id=organisation.id)
        db.session.commit()
        organisation.phone = "0"  # an ordinary row may be changed
        db.session.commit()
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "roles_test" in actions
    app.extensions["diversion.db"][0].dispose()


# The names are spelt out: audit_ddl's constants are frozen, and these must match them.
assert (TABLE, POSTGRESQL_TRIGGER) == ("audit_event", "audit_event_append_only")

REFUSED = {
    "update": "UPDATE audit_event SET action = 'changed'",
    "delete": "DELETE FROM audit_event",
    "truncate": "TRUNCATE audit_event",
    "drop trigger": "DROP TRIGGER audit_event_append_only ON audit_event",
    "disable trigger": "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
    "alter table": "ALTER TABLE audit_event ADD COLUMN note text",
    "alter another table": "ALTER TABLE client ADD COLUMN note text",
    "drop table": "DROP TABLE audit_event",
    "drop another table": "DROP TABLE client CASCADE",
    "create table": "CREATE TABLE audit_copy (id integer)",
    "move the migrations": "UPDATE alembic_version SET version_num = 'x'",
}


def test_the_app_role_is_refused_every_change_to_the_audit_trail_and_the_schema(
    migrated: Install,
) -> None:
    engine = as_role(migrated.app_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO audit_event (action) VALUES ('roles_test')"))
        for what, statement in REFUSED.items():
            with engine.connect() as connection:
                with pytest.raises(DBAPIError) as refused:
                    connection.execute(text(statement))
                connection.rollback()
            error = refused.value.orig
            # Refused by privileges, not by the append-only trigger (which raises the same
            # SQLSTATE with its own words): the trigger alone could be dropped by its owner.
            assert isinstance(error, psycopg.errors.InsufficientPrivilege), what
            assert "append-only" not in str(error), what
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM audit_event")) >= 1
    finally:
        engine.dispose()


def privileges(connection, role: str) -> dict[str, set[str]]:
    rows = connection.execute(
        text(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = :role AND table_schema = 'public'"
        ),
        {"role": role},
    )
    out: dict[str, set[str]] = {}
    for table, privilege in rows:
        out.setdefault(table, set()).add(privilege)
    return out


def test_the_app_role_owns_nothing_and_has_exactly_its_privileges_after_every_upgrade(
    migrated: Install,
) -> None:
    # A stray grant, as a restored dump might carry, goes at the next upgrade.
    owner = as_role(migrated.owner_url)
    with owner.begin() as connection:
        connection.execute(text(f'GRANT ALL ON {TABLE} TO "{migrated.app}"'))
    migrate(migrated)
    assert run_script(migrated)  # the script, run again, changes nothing that matters
    try:
        with owner.connect() as connection:
            granted = privileges(connection, migrated.app)
            tables = set(
                connection.scalars(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            )
            owned = connection.scalar(
                text("SELECT count(*) FROM pg_class WHERE pg_get_userbyid(relowner) = :r"),
                {"r": migrated.app},
            )
            sequences = connection.execute(
                text(
                    "SELECT c.relname, has_sequence_privilege(:r, c.oid, 'USAGE'), "
                    "has_sequence_privilege(:r, c.oid, 'UPDATE') "
                    "FROM pg_class c WHERE c.relkind = 'S' "
                    "AND c.relnamespace = 'public'::regnamespace"
                ),
                {"r": migrated.app},
            ).all()
    finally:
        owner.dispose()
    assert owned == 0
    full = {"SELECT", "INSERT", "UPDATE", "DELETE"}
    expected = {table: full for table in tables}
    expected[TABLE] = {"SELECT", "INSERT"}
    expected["alembic_version"] = {"SELECT"}
    assert granted == expected
    assert sequences
    assert all(usage and not update for _name, usage, update in sequences)
