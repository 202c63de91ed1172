"""Migrations: `upgrade head` on an empty database builds exactly the schema the models describe.

Runs on a fresh SQLite file, or on PostgreSQL when TEST_DATABASE_URL is set (the tables there
are dropped first, and alembic_version afterwards, so the next test starts clean).
"""

from __future__ import annotations

import email.policy
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    MetaData,
    Time,
    column,
    create_engine,
    insert,
    inspect,
    select,
    table,
    text,
)
from sqlalchemy.engine import Engine

from diversion.admin.reference import seed_requirement_types
from diversion.app import create_app
from diversion.cli import alembic_config
from diversion.court.list_csv import CSV_HEADER, RETURNING, csv_text
from diversion.court_wording import DEFAULT_COURT_WORDINGS, NEUTRAL_WORDING
from diversion.crypto import looks_like_token
from diversion.db import Base, UTCDateTime, db
from diversion.models import Case, OutgoingMail, User
from scheduling import queries
from tests.conftest import forget_postgres_schema
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
    forget_postgres_schema()  # the next test's app builds the models' schema again
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
    # Her case is made with today's models at the newest revision, then the schema steps
    # back to before this revision (rows kept), where the mail of that time is stored.
    command.upgrade(config, "head")
    seed_requirement_types()
    db.session.commit()
    make = Factory(migrated_app)
    court = make.court()
    her = make.client(organisation=make.organisation(), first_name="Marisol", last_name="Tenterden")
    case = make.case(client=her, court=court, return_date=date(2026, 12, 30), court_reference="R1")
    make.session.close()
    db.session.close()
    command.downgrade(config, BEFORE_MAIL_REVISION)
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


# --- Court wordings (issue 12) ---------------------------------------------------------

BEFORE_WORDINGS = "12a0c0de0001"
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


class _Row:
    def __init__(self, row_id: int) -> None:
        self.id = row_id


def _old_court_and_case(
    engine: Engine,
    client_id: int,
    organisation_id: int,
    court_name: str = "Testbury Magistrates' Court",
    **case: object,
) -> tuple[_Row, _Row]:
    """Insert a court and a case with only the columns an older revision has."""
    court = table(
        "court",
        column("name"),
        column("sitting_weekdays", JSON),
        column("report_lead_working_days"),
        column("report_due_time", Time),
        column("active", Boolean),
    )
    cases = table(
        "diversion_case",
        column("client_id"),
        column("organisation_id"),
        column("requirement_type_id"),
        column("charge"),
        column("custody_drug_test"),
        column("court_id"),
        column("first_court_date", Date),
        column("status"),
        column("created_at", UTCDateTime(timezone=True)),
        *(column(name, Date if isinstance(value, date) else None) for name, value in case.items()),
    )
    with engine.begin() as conn:
        conn.execute(
            insert(court).values(
                name=court_name,
                sitting_weekdays=[2],
                report_lead_working_days=2,
                report_due_time=time(12, 0),
                active=True,
            )
        )
        court_id = conn.execute(text("SELECT max(id) FROM court")).scalar_one()
        requirement_id = conn.execute(text("SELECT min(id) FROM requirement_type")).scalar_one()
        conn.execute(
            insert(cases).values(
                client_id=client_id,
                organisation_id=organisation_id,
                requirement_type_id=requirement_id,
                charge="Loitering",
                custody_drug_test="not_tested",
                court_id=court_id,
                first_court_date=date(2026, 12, 2),
                status="on_scheme",
                created_at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
                **case,
            )
        )
        case_id = conn.execute(text("SELECT max(id) FROM diversion_case")).scalar_one()
    return _Row(court_id), _Row(case_id)


# --- revision 13a0c0de0001: a court's list time, the time of each court date ------------------

BEFORE_HEARING_TIMES = "12a0c0de0002"


def _old_client(conn: sa.Connection) -> tuple[int, int]:
    """Her organisation and record as an older revision had them (the models have more now,
    such as the caseload check's keys): (client id, organisation id)."""
    organisation_id = conn.execute(
        text(
            "INSERT INTO organisation (name, kind, phone) "
            "VALUES ('Her Project', 'project', '020 7946 0000') RETURNING id"
        )
    ).scalar_one()
    her_id = conn.execute(
        text(
            "INSERT INTO client (organisation_id, first_name, last_name, date_of_birth, "
            "consent_to_texts, created_at, updated_at) VALUES (:organisation, 'Ada', "
            "'Example', '1990-01-01', false, :now, :now) RETURNING id"
        ),
        {"organisation": organisation_id, "now": datetime(2026, 12, 1, tzinfo=UTC)},
    ).scalar_one()
    return her_id, organisation_id


def test_the_hearing_times_revision_puts_recorded_dates_at_their_courts_list_time(
    migrated_app: Flask,
) -> None:
    engine: Engine = migrated_app.extensions["diversion.db"][0]
    config = alembic_config()
    command.upgrade(config, BEFORE_HEARING_TIMES)
    with engine.begin() as conn:  # the columns of that time (the models have more now)
        conn.execute(
            text(
                "INSERT INTO requirement_type (code, name, description, sessions, window_rule, "
                "min_gap_days, sessions_chosen_per_case, active, slot_minutes) "
                "VALUES ('CD', 'Court diversion', '', '[]', 'court_to_return', 2, false, true, 15)"
            )
        )
        her_id, organisation_id = _old_client(conn)
    _, returning = _old_court_and_case(
        engine, her_id, organisation_id, return_date=date(2026, 12, 30)
    )
    _, adjourned = _old_court_and_case(
        engine, her_id, organisation_id, "Second Court", adjourned_to=date(2026, 12, 16)
    )

    command.upgrade(config, "head")

    # Read through the models: what the revision stored reads back as times.
    db.session.expire_all()
    cases = {c.id: c for c in db.session.scalars(select(Case))}
    ten = time(10, 0)
    assert cases[returning.id].court.list_time == ten
    assert (cases[returning.id].first_court_time, cases[returning.id].return_time) == (ten, ten)
    assert cases[returning.id].adjourned_to_time is None
    assert (cases[adjourned.id].adjourned_to_time, cases[adjourned.id].return_time) == (ten, None)
    db.session.rollback()

    command.downgrade(config, BEFORE_HEARING_TIMES)
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT id, return_date FROM diversion_case ORDER BY id")).all()
    assert [row[0] for row in kept] == [returning.id, adjourned.id]
    assert "list_time" not in {c["name"] for c in inspect(engine).get_columns("court")}


# --- revision 14a0c0de0001: orders as data ------------------------------------------------------

BEFORE_ORDERS = "13a0c0de0001"


def test_the_orders_revision_gives_the_four_orders_their_settings_and_keeps_every_case(
    migrated_app: Flask,
) -> None:
    engine: Engine = migrated_app.extensions["diversion.db"][0]
    config = alembic_config()
    command.upgrade(config, BEFORE_ORDERS)
    two = json.dumps(
        [
            {"kind": "first", "name": "First", "duration_minutes": 90},
            {"kind": "second", "name": "Second", "duration_minutes": 60},
        ]
    )
    with engine.begin() as conn:  # the columns of that time
        for code, rule in (
            ("CD", "court_to_return"),
            ("RA", "from_positive_test"),
            ("CC", "case_deadline"),
            ("ESO", "order_end_date"),
            ("XX", "case_deadline"),  # one an administrator added: left as it was
        ):
            conn.execute(
                text(
                    "INSERT INTO requirement_type (code, name, description, sessions, "
                    "window_rule, max_window_days, min_gap_days, sessions_chosen_per_case, "
                    "active, slot_minutes) VALUES (:code, :code, '', :sessions, :rule, 183, 2, "
                    "false, true, 15)"
                ),
                {"code": code, "sessions": two, "rule": rule},
            )
        her_id, organisation_id = _old_client(conn)
    _, kept = _old_court_and_case(engine, her_id, organisation_id, return_date=date(2026, 12, 30))

    command.upgrade(config, "head")

    with engine.connect() as conn:
        rows = {
            row.code: row
            for row in conn.execute(
                text(
                    "SELECT code, sessions, end_on_sitting_day, max_window_days, "
                    "max_window_months, min_sessions, agreed_when, needs_partner, report_to, "
                    "report_variant FROM requirement_type"
                )
            )
        }
        first_court = conn.execute(
            text("SELECT first_court_date FROM diversion_case WHERE id = :id"), {"id": kept.id}
        ).scalar_one()
    settings = {
        code: (
            bool(row.end_on_sitting_day),
            row.agreed_when,
            bool(row.needs_partner),
            json.loads(row.report_to) if isinstance(row.report_to, str) else row.report_to,
            row.report_variant,
        )
        for code, row in rows.items()
    }
    assert settings["CD"] == (True, "court_accepts", False, ["court", "cps"], "court_diversion")
    assert settings["RA"] == (False, "at_once", True, ["police"], "attendance_record")
    assert settings["CC"] == (False, "both_agencies", True, ["police", "cps"], "court_diversion")
    assert settings["ESO"] == (False, "order_made", False, ["court"], "supervisor_notice")
    assert settings["XX"] == (False, "court_accepts", False, ["court", "cps"], "court_diversion")
    assert (rows["ESO"].max_window_months, rows["ESO"].max_window_days) == (6, None)
    assert rows["CC"].min_sessions == 1
    ra_sessions = rows["RA"].sessions
    ra_sessions = json.loads(ra_sessions) if isinstance(ra_sessions, str) else ra_sessions
    assert ra_sessions[0]["with_partner"] is True
    assert (ra_sessions[1]["may_lapse"], ra_sessions[1]["lapsed_by"]) == (True, "assessor")
    assert str(first_court) == "2026-12-02"

    # A caution opened since has no court date: going back gives it the date it started.
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE diversion_case SET first_court_date = NULL, start_date = '2026-11-30' "
                "WHERE id = :id"
            ),
            {"id": kept.id},
        )
    command.downgrade(config, BEFORE_ORDERS)
    with engine.connect() as conn:
        back = conn.execute(
            text("SELECT first_court_date FROM diversion_case WHERE id = :id"), {"id": kept.id}
        ).scalar_one()
    assert str(back) == "2026-11-30"
    assert "start_date" not in {c["name"] for c in inspect(engine).get_columns("diversion_case")}
    assert "case_agreement" not in inspect(engine).get_table_names()


# --- revision 14b0c0de0002: a report lead of at least two working days ---------------------------


def test_a_court_whose_report_lead_let_appointments_fall_after_the_deadline_gets_two_days(
    migrated_app: Flask,
) -> None:
    engine: Engine = migrated_app.extensions["diversion.db"][0]
    config = alembic_config()
    command.upgrade(config, "14a0c0de0001")
    with engine.begin() as conn:
        for name, lead in (("Nil Court", 0), ("One Court", 1), ("Three Court", 3)):
            conn.execute(
                text(
                    "INSERT INTO court (name, sitting_weekdays, report_lead_working_days, "
                    "report_due_time, list_time, active) "
                    "VALUES (:name, '[2]', :lead, '12:00:00', '10:00:00', true)"
                ),
                {"name": name, "lead": lead},
            )

    command.upgrade(config, "head")

    with engine.connect() as conn:
        leads = dict(conn.execute(text("SELECT name, report_lead_working_days FROM court")).all())
    assert (leads["Nil Court"], leads["One Court"], leads["Three Court"]) == (2, 2, 3)
