"""Migrations: `upgrade head` on an empty database builds exactly the schema the models describe.

Runs on a fresh SQLite file, or on PostgreSQL when TEST_DATABASE_URL is set (the tables there
are dropped first, and alembic_version afterwards, so the next test starts clean).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Engine

from diversion.app import create_app
from diversion.cli import alembic_config
from diversion.db import Base

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def drop_every_table(engine: Engine) -> None:
    """Drop whatever is there, alembic_version included."""
    found = MetaData()
    with engine.begin() as conn:
        found.reflect(conn)
        found.drop_all(conn)


def differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, Base.metadata)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


@pytest.fixture
def migrated_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database that nothing but the migrations will build."""
    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret-key"})
    engine: Engine = app.extensions["diversion.db"][0]
    drop_every_table(engine)
    assert table_names(engine) == set()
    try:
        with app.app_context():
            yield app
    finally:
        if POSTGRES_URL:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        engine.dispose()


def test_upgrade_head_builds_the_schema_the_models_describe(migrated_app: Flask) -> None:
    engine: Engine = migrated_app.extensions["diversion.db"][0]

    command.upgrade(alembic_config(), "head")

    assert table_names(engine) == {t.name for t in Base.metadata.sorted_tables} | {
        "alembic_version"
    }
    assert differences(engine) == []


def test_the_database_is_at_the_newest_revision_after_upgrade(migrated_app: Flask) -> None:
    config = alembic_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"migrations have branched: {heads}"

    command.upgrade(config, "head")

    engine: Engine = migrated_app.extensions["diversion.db"][0]
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == tuple(heads)


def test_downgrade_to_base_then_upgrade_again_works(migrated_app: Flask) -> None:
    engine: Engine = migrated_app.extensions["diversion.db"][0]
    config = alembic_config()
    command.upgrade(config, "head")

    command.downgrade(config, "base")
    assert table_names(engine) <= {"alembic_version"}

    command.upgrade(config, "head")
    assert differences(engine) == []


def test_every_revision_steps_down_and_up_again(migrated_app: Flask) -> None:
    config = alembic_config()
    revisions = list(ScriptDirectory.from_config(config).walk_revisions())  # newest first
    command.upgrade(config, "head")

    for _ in revisions:
        command.downgrade(config, "-1")
    command.upgrade(config, "head")

    engine: Engine = migrated_app.extensions["diversion.db"][0]
    assert differences(engine) == []


def test_receiving_numbers_keep_stored_replies_and_mark_those_of_a_shared_number(
    migrated_app: Flask,
) -> None:
    """12a0c0de0001: replies stored with no organisation stay so (administrators only now);
    one stored with an organisation but no client came from a number two clients held."""
    engine: Engine = migrated_app.extensions["diversion.db"][0]
    config = alembic_config()
    command.upgrade(config, "9b5013b5103c")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (id, name, kind) VALUES (1, 'Old', 'project')"))
        for row_id, organisation, client in ((1, None, None), (2, 1, None)):
            conn.execute(
                text(
                    "INSERT INTO inbound_message (id, provider_id, received_at, from_number,"
                    " body, organisation_id, client_id, action) VALUES (:id, :sid,"
                    " '2026-12-01 10:00:00', 'x', 'x', :org, :client, 'inbox')"
                ),
                {"id": row_id, "sid": f"SM{row_id}", "org": organisation, "client": client},
            )

    command.upgrade(config, "head")

    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, organisation_id, shared_number, to_number FROM inbound_message"
                " ORDER BY id"
            )
        ).all()
    assert [(i, o, bool(s), t) for i, o, s, t in rows] == [
        (1, None, False, None),
        (2, 1, True, None),
    ]
    command.downgrade(config, "9b5013b5103c")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM inbound_message"))
        conn.execute(text("DELETE FROM organisation"))
