"""Migrations: `upgrade head` on an empty database builds exactly the schema the models describe.

Runs on a fresh SQLite file, or on PostgreSQL when TEST_DATABASE_URL is set (the tables there
are dropped first, and alembic_version afterwards, so the next test starts clean).
"""

from __future__ import annotations

import email.policy
import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import MetaData, column, insert, inspect, select, table, text
from sqlalchemy.engine import Engine

from diversion.admin.reference import seed_requirement_types
from diversion.app import create_app
from diversion.cli import alembic_config
from diversion.court.list_csv import CSV_HEADER, RETURNING, csv_text
from diversion.crypto import looks_like_token
from diversion.db import Base, UTCDateTime, db
from diversion.models import OutgoingMail, User
from scheduling import queries
from tests.factories import Factory

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


# --- revision 12a0c0de0003: emails encrypted, lists linked to the cases they name ------------

BEFORE_MAIL_REVISION = "9b5013b5103c"


def _list_email(*rows: tuple[str, str, str]) -> bytes:
    """A sitting-day list as the job sent it before this revision: (name, born, court ref)."""
    message = EmailMessage()
    message["From"] = "scheduler@project.example.org"
    message["To"] = "listing@court.example.org"
    message["Subject"] = "Court list"
    message.set_content("The list is attached.")
    table = [CSV_HEADER] + [
        (RETURNING, name, born, ref, "", "2026-12-30", "", "", "", "", "")
        for name, born, ref in rows
    ]
    message.add_attachment(
        csv_text(table).encode(), maintype="text", subtype="csv", filename="court-list.csv"
    )
    return message.as_bytes(policy=email.policy.SMTP)


def test_the_mail_revision_encrypts_stored_emails_and_links_lists_already_sent(
    migrated_app: Flask,
) -> None:
    engine: Engine = migrated_app.extensions["diversion.db"][0]
    config = alembic_config()
    command.upgrade(config, BEFORE_MAIL_REVISION)
    seed_requirement_types()
    db.session.commit()
    make = Factory(migrated_app)
    court = make.court()
    her = make.client(organisation=make.organisation(), first_name="Marisol", last_name="Tenterden")
    case = make.case(client=her, court=court, return_date=date(2026, 12, 30), court_reference="R1")
    make.session.close()
    listed = _list_email(
        ("Marisol Tenterden", "1990-01-01", "R1"), ("Nobody Known", "1980-05-05", "R9")
    )
    report = b"Subject: Compliance report\r\n\r\nMAILMARKER Marisol Tenterden\r\n"
    originals = {1: listed, 2: report, 3: b"[erased]"}
    mail = table(
        "outgoing_mail",
        column("id"),
        column("kind"),
        column("court_id"),
        column("sitting_date"),
        column("recipient"),
        column("recipient_role"),
        column("subject"),
        column("message"),
        column("content_sha256"),
        column("status"),
        column("attempts"),
        column("created_at"),
    )
    with engine.begin() as conn:
        for mail_id, message in originals.items():
            conn.execute(
                insert(mail).values(
                    id=mail_id,
                    kind="sitting_day_list" if mail_id == 1 else "compliance_report",
                    court_id=court.id,
                    sitting_date=date(2026, 12, 30),
                    recipient="listing@court.example.org",
                    recipient_role="court",
                    subject="Court list",
                    message=message,
                    content_sha256="0" * 64,
                    status="sent",
                    attempts=1,
                    created_at=datetime(2026, 12, 29, 12, 0, tzinfo=UTC),
                )
            )

    command.upgrade(config, "head")

    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, message FROM outgoing_mail")).all())
        links = conn.execute(
            text("SELECT outgoing_mail_id, case_id, list_row FROM outgoing_mail_case")
        ).all()
    assert stored[3] == "[erased]"
    for mail_id in (1, 2):
        assert looks_like_token(stored[mail_id]) and "Marisol" not in stored[mail_id]
    db.session.expire_all()
    assert {m.id: m.message for m in db.session.scalars(select(OutgoingMail))} == originals
    # Her row is linked; a row that matches nobody is not.
    assert [tuple(link) for link in links] == [(1, case.id, 1)]

    db.session.rollback()
    command.downgrade(config, BEFORE_MAIL_REVISION)
    with engine.connect() as conn:
        back = {i: bytes(m) for i, m in conn.execute(text("SELECT id, message FROM outgoing_mail"))}
    assert back == originals
    assert "outgoing_mail_case" not in table_names(engine)


# --- revision 12a0c0de0004: calendar feed secrets hashed ---------------------------------------

BEFORE_FEED_HASH = "12a0c0de0003"
FEED_HASH = "12a0c0de0004"
OLD_FEED_TOKEN = "an-old-plain-feed-secret-of-forty-three-chr"
ISSUED = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)


def test_a_plain_feed_secret_is_hashed_in_place_and_its_calendars_keep_working(
    migrated_app: Flask,
) -> None:
    engine: Engine = migrated_app.extensions["diversion.db"][0]
    config = alembic_config()
    command.upgrade(config, BEFORE_FEED_HASH)
    users = sa.table(
        "user_account",
        *(sa.column(name) for name in ("id", "email", "name", "password_hash", "role")),
        *(sa.column(name) for name in ("organisation_id", "active", "session_version")),
        sa.column("created_at", UTCDateTime()),
        sa.column("calendar_token"),
    )
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO organisation (id, name, kind) VALUES (1, 'Old', 'project')")
        )
        conn.execute(
            sa.insert(users),
            [
                {
                    "id": user_id,
                    "email": f"worker{user_id}@example.org",
                    "name": f"Worker {user_id}",
                    "password_hash": "not-a-real-hash",
                    "role": "worker",
                    "organisation_id": 1,
                    "active": True,
                    "session_version": 1,
                    "created_at": ISSUED,
                    "calendar_token": token,
                }
                for user_id, token in ((1, OLD_FEED_TOKEN), (2, None))
            ],
        )
        conn.execute(
            sa.insert(
                sa.table(
                    "audit_event",
                    sa.column("occurred_at", UTCDateTime()),
                    *(sa.column(name) for name in ("user_id", "action", "object_type")),
                    sa.column("object_id"),
                )
            ),
            [
                {
                    "occurred_at": ISSUED - timedelta(days=3),
                    "user_id": 1,
                    "action": "calendar_feed_issued",
                    "object_type": "user",
                    "object_id": 1,
                },
                {
                    "occurred_at": ISSUED,
                    "user_id": 1,
                    "action": "calendar_feed_issued",
                    "object_type": "user",
                    "object_id": 1,
                },
            ],
        )

    command.upgrade(config, "head")

    with engine.connect() as conn:
        stored = [
            " ".join(map(str, row)) for row in conn.execute(sa.text("SELECT * FROM user_account"))
        ]
    assert not any(OLD_FEED_TOKEN in row for row in stored)
    worker = db.session.get(User, 1)
    assert worker is not None
    assert worker.calendar_token_hash == hashlib.sha256(OLD_FEED_TOKEN.encode()).hexdigest()
    assert worker.calendar_token_created_at == ISSUED  # the newest issue the audit recorded
    assert queries.feed_owner(OLD_FEED_TOKEN) is worker  # her subscribed calendar still works
    other = db.session.get(User, 2)
    assert other is not None and other.calendar_token_hash is None
    db.session.rollback()

    # Down again: a hash cannot become the secret, so the feeds are off (not broken).
    command.downgrade(config, BEFORE_FEED_HASH)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT calendar_token FROM user_account")).scalars().all() == [
            None,
            None,
        ]
    command.upgrade(config, FEED_HASH)
