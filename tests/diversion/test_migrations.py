"""Migrations: `upgrade head` on an empty database builds exactly the schema the models describe.

Runs on a fresh SQLite file, or on PostgreSQL when TEST_DATABASE_URL is set (the tables there
are dropped first, and alembic_version afterwards, so the next test starts clean).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Engine

from diversion.app import create_app
from diversion.cli import alembic_config
from diversion.court_wording import DEFAULT_COURT_WORDINGS, NEUTRAL_WORDING
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


# --- Court wordings (issue 12) ---------------------------------------------------------

BEFORE_WORDINGS = "9b5013b5103c"
WORDINGS = "12a0c0de0002"


def test_the_court_wordings_migration_never_copies_a_reason_into_what_the_court_reads(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'wordings.sqlite'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret-key"})
    stamp = "2026-11-29 09:00:00.000000"
    with app.app_context():
        command.upgrade(alembic_config(), BEFORE_WORDINGS)
        # A bare connection without the app's foreign-key pragma: only these two tables matter.
        plain = create_engine(url)
        with plain.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO requirement_type (id, code, name, description, sessions, "
                    "window_rule, min_gap_days, sessions_chosen_per_case, active, slot_minutes) "
                    "VALUES (1, 'CD', 'Court diversion', '', '[]', 'court_to_return', 2, 0, 1, 15)"
                )
            )
            for number, (status, reason) in enumerate(
                [
                    ("did_not_attend", "ciphertext of: REASONMARKER she was in hospital"),
                    ("cancelled_by_client", None),
                    ("attended", None),
                ],
                start=1,
            ):
                conn.execute(
                    text(
                        "INSERT INTO appointment (id, case_id, session_number, kind, starts_at, "
                        "ends_at, venue_id, worker_id, status, reason, sequence, created_at, "
                        "updated_at) VALUES (:id, 1, 1, 'assessment', :t, :t, 1, 1, :status, "
                        ":reason, 0, :t, :t)"
                    ),
                    {"id": number, "t": stamp, "status": status, "reason": reason},
                )

        command.upgrade(alembic_config(), WORDINGS)

        with plain.connect() as conn:
            wordings = conn.execute(text("SELECT court_wordings FROM requirement_type")).scalar()
            rows = conn.execute(
                text("SELECT id, reason, court_wording FROM appointment ORDER BY id")
            ).all()
        assert json.loads(wordings) == list(DEFAULT_COURT_WORDINGS)
        assert [(row.id, row.court_wording) for row in rows] == [
            (1, NEUTRAL_WORDING),
            (2, None),
            (3, None),
        ]
        # The worker's reason is kept as it was, for her organisation.
        assert rows[0].reason == "ciphertext of: REASONMARKER she was in hospital"

        command.downgrade(alembic_config(), BEFORE_WORDINGS)
        with plain.connect() as conn:
            kept = conn.execute(text("SELECT reason FROM appointment WHERE id = 1")).scalar()
        assert kept == "ciphertext of: REASONMARKER she was in hospital"
        plain.dispose()
    engine_of_app: Engine = app.extensions["diversion.db"][0]
    engine_of_app.dispose()
