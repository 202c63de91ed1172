"""Encryption at rest (security.md 15): numbers and notes are ciphertext in the database, a
number is found by its keyed hash, keys rotate, production needs real keys; and the notes
features that hold the free text (case notes, housing and health notes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
import time_machine
from alembic import command
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, load_only

from diversion import config, crypto
from diversion.app import create_app
from diversion.cases import services as case_service
from diversion.cases import services as client_service
from diversion.cli import alembic_config
from diversion.config import DEV_ENCRYPTION_KEY, DEV_LOOKUP_HASH_KEY, ConfigError
from diversion.crypto import DecryptionError, lookup_hash
from diversion.db import Base, db
from diversion.errors import RuleBroken
from diversion.models import (
    AuditEvent,
    Case,
    CaseEvent,
    CaseNote,
    Client,
    ClientFlag,
    ClientTransfer,
    ComplianceReport,
    InboundMessage,
    LapsedSession,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    OutgoingMail,
    ReceivingNumber,
    ReceivingNumberKind,
    ReplyAction,
    ReportVariant,
    User,
)
from diversion.privacy.keys import encrypted_columns
from diversion.privacy.retention import ERASED
from notifications import replies
from tests.conftest import World, signed_in_client
from tests.factories import Factory

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
MOBILE = "+447700900123"
MOBILE_DIGITS = "7700900123"
RECEIVING = "+447700900001"  # the project's number replies are sent to
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
HASH_KEY = "a-test-lookup-hash-key-of-at-least-32-characters"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def engine_of(app: Flask):
    return app.extensions["diversion.db"][0]


def raw(app: Flask, table: str, column: str, row_id: int) -> str | None:
    """A value exactly as the database holds it, read with plain SQL."""
    with engine_of(app).connect() as conn:
        return conn.execute(
            text(f"SELECT {column} FROM {table} WHERE id = :id"),  # noqa: S608 - fixed names
            {"id": row_id},
        ).scalar_one()


def set_raw(app: Flask, table: str, column: str, row_id: int, value: str) -> None:
    with engine_of(app).begin() as conn:
        conn.execute(
            text(f"UPDATE {table} SET {column} = :v WHERE id = :id"),  # noqa: S608 - fixed names
            {"v": value, "id": row_id},
        )


def fresh(make: Factory, model, row_id):
    make.session.expire_all()
    return make.session.get(model, row_id)


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S)
    words = re.sub(r"<[^>]+>", " ", main.group(0) if main else html)
    return re.sub(r"\s+", " ", unescape(words)).strip()


def error_summary(response) -> list[str]:
    html = response.get_data(as_text=True)
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if block is None:
        return []
    return [unescape(m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", block.group(1), re.S)]


# --- What the database holds ----------------------------------------------------------


@pytest.fixture
def planted(make: Factory, world: World) -> dict[tuple[str, str], tuple[int, str, str]]:
    """A row for every encrypted column, each holding a marker: (table, column) to
    (row id, value written, the text that must never be seen in the raw value)."""
    client = make.client(
        organisation=world.project,
        mobile=MOBILE,
        housing="HOUSINGMARKER hostel on Quay Street",
        health_notes="HEALTHMARKER pregnant, methadone script",
    )
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    venue = make.venue(organisation=world.project)
    starts = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
    appointment = make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        reason="REASONMARKER she was in hospital",
    )
    event = make._save(CaseEvent(case_id=case.id, kind="note", summary="EVENTMARKER closed"))
    note = make._save(
        CaseNote(case_id=case.id, author_id=world.worker.id, body="CASENOTEMARKER disclosed")
    )
    outbox = make._save(
        OutboxMessage(client_id=client.id, kind="booking", send_at=NOW, body="SMSBODYMARKER hi")
    )
    inbound = make._save(
        InboundMessage(
            provider_id="SM" + "c" * 32,
            from_number=MOBILE,
            body="REPLYMARKER running late",
            action=ReplyAction.INBOX,
        )
    )
    report = make._save(
        ComplianceReport(
            case_id=case.id,
            variant=ReportVariant.COURT_DIVERSION,
            compliance_status="complied",
            statement="STATEMENTMARKER engaged well",
            html="<p>STATEMENTMARKER engaged well</p>",
            content_sha256="0" * 64,
            signed_off_by_id=world.worker.id,
        )
    )
    mail = make._save(
        OutgoingMail(
            kind="compliance_report",
            case_id=case.id,
            report_id=report.id,
            recipient="court@example.test",
            recipient_role="court",
            subject="Compliance report",
            message=b"Subject: Compliance report\r\n\r\nMAILMARKER engaged well\r\n",
            content_sha256="0" * 64,
        )
    )
    lapse = make._save(
        LapsedSession(
            case_id=case.id,
            session_number=2,
            user_id=world.worker.id,
            reason="LAPSEMARKER she is already in treatment",
        )
    )
    flag = make._save(
        ClientFlag(
            client_id=client.id,
            organisation_id=world.project.id,
            text="FLAGMARKER contact us if she reappears",
            contact="Wendy",
            set_by_id=world.worker.id,
        )
    )
    transfer = make._save(
        ClientTransfer(
            client_id=client.id,
            from_organisation_id=world.project.id,
            to_organisation_id=world.other_project.id,
            reason="TRANSFERMARKER she moved away from her ex-partner",
            requested_by_id=world.other_worker.id,
        )
    )
    client.texts_opted_out_by = 'she replied "OPTOUTMARKER stop texting me"'
    make._save(client)
    user = fresh(make, User, world.worker.id)
    user.totp_secret = "TOTPSECRETMARKERJBSWY3DPEHPK3PXP"
    make._save(user)
    return {
        ("user_account", "totp_secret"): (user.id, user.totp_secret, "TOTPSECRETMARKER"),
        ("client", "mobile"): (client.id, MOBILE, MOBILE_DIGITS),
        ("client", "housing"): (client.id, client.housing, "HOUSINGMARKER"),
        ("client", "health_notes"): (client.id, client.health_notes, "HEALTHMARKER"),
        ("client", "texts_opted_out_by"): (client.id, client.texts_opted_out_by, "OPTOUTMARKER"),
        ("appointment", "reason"): (appointment.id, appointment.reason, "REASONMARKER"),
        ("case_event", "summary"): (event.id, event.summary, "EVENTMARKER"),
        ("case_note", "body"): (note.id, note.body, "CASENOTEMARKER"),
        ("outbox_message", "body"): (outbox.id, outbox.body, "SMSBODYMARKER"),
        ("inbound_message", "from_number"): (inbound.id, MOBILE, MOBILE_DIGITS),
        ("inbound_message", "body"): (inbound.id, inbound.body, "REPLYMARKER"),
        ("compliance_report", "statement"): (report.id, report.statement, "STATEMENTMARKER"),
        ("compliance_report", "html"): (report.id, report.html, "STATEMENTMARKER"),
        ("outgoing_mail", "message"): (mail.id, mail.message, "MAILMARKER"),
        ("lapsed_session", "reason"): (lapse.id, lapse.reason, "LAPSEMARKER"),
        ("client_flag", "text"): (flag.id, flag.text, "FLAGMARKER"),
        ("client_transfer", "reason"): (transfer.id, transfer.reason, "TRANSFERMARKER"),
    }


def test_every_number_and_note_column_is_encrypted(planted) -> None:
    assert {(t.name, c.name) for t, c in encrypted_columns()} == set(planted)


def test_a_raw_sql_read_of_each_encrypted_column_shows_no_plaintext(
    app: Flask, make: Factory, planted
) -> None:
    for (table, column), (row_id, _written, marker) in planted.items():
        stored = raw(app, table, column, row_id)
        assert stored, f"{table}.{column} is empty"
        assert marker not in stored, f"{table}.{column} holds plaintext"
        assert crypto.looks_like_token(stored), f"{table}.{column} is not a token"


def test_the_application_reads_each_encrypted_column_back_as_written(
    app: Flask, make: Factory, planted
) -> None:
    with Session(engine_of(app)) as session:
        for (table, column), (row_id, written, _marker) in planted.items():
            stored = session.execute(
                text(f"SELECT {column} FROM {table} WHERE id = :id"),  # noqa: S608 - fixed names
                {"id": row_id},
            ).scalar_one()
            model_column = next(
                c for t, c in encrypted_columns() if (t.name, c.name) == (table, column)
            )
            read = session.execute(
                select(model_column).where(model_column.table.c.id == row_id)
            ).scalar_one()
            assert read == written and stored != written


def test_the_same_text_is_stored_differently_each_time(app: Flask, make: Factory, world: World):
    first = make.client(organisation=world.project, mobile=MOBILE)
    second = make.client(organisation=world.project, mobile=MOBILE)
    assert raw(app, "client", "mobile", first.id) != raw(app, "client", "mobile", second.id)
    assert first.mobile_hash == second.mobile_hash


def test_an_erased_marker_is_stored_as_it_is_so_retention_can_find_it(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(organisation=world.project)
    message = make._save(
        OutboxMessage(client_id=client.id, kind="booking", send_at=NOW, body=ERASED)
    )
    assert raw(app, "outbox_message", "body", message.id) == ERASED
    found = make.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.body == ERASED)
    )
    assert found == 1


def test_sql_that_compares_an_encrypted_column_is_refused_not_silently_empty(app: Flask) -> None:
    with pytest.raises(TypeError, match="encrypted at rest"):
        select(Client).where(Client.mobile == MOBILE)
    with pytest.raises(TypeError, match="mobile_hash"):
        select(InboundMessage).where(InboundMessage.from_number.in_([MOBILE]))
    with pytest.raises(TypeError):
        select(CaseNote).where(CaseNote.body.like("%MARKER%"))
    # Whether there is a value at all is still a fair question.
    select(Client).where(Client.mobile.is_(None), Client.housing.is_not(None))


# --- Tampering and lost keys ----------------------------------------------------------


def test_a_tampered_value_raises_a_clear_error_not_a_silent_wrong_value(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(organisation=world.project, housing="HOUSINGMARKER flat 2")
    token = raw(app, "client", "housing", client.id)
    assert token is not None
    flipped = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    set_raw(app, "client", "housing", client.id, flipped)

    with pytest.raises(DecryptionError, match="could not be decrypted") as caught:
        fresh(make, Client, client.id)
    assert "HOUSINGMARKER" not in str(caught.value) and flipped not in str(caught.value)


def test_a_value_written_with_a_key_no_longer_configured_cannot_be_read(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'keys.sqlite'}"
    first = keyed_app(url, KEY_A)
    client_id = add_client_with_notes(first)

    second = keyed_app(url, KEY_B)
    with second.app_context(), pytest.raises(DecryptionError):
        db.session.get(Client, client_id)


# --- Finding her by number ------------------------------------------------------------


def test_her_number_is_found_by_a_keyed_hash_that_follows_every_change(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(organisation=world.project, mobile=MOBILE)
    assert client.mobile_hash == lookup_hash(MOBILE)
    assert raw(app, "client", "mobile_hash", client.id) == lookup_hash(MOBILE)
    assert MOBILE_DIGITS not in (client.mobile_hash or "")

    client.mobile = "+447400123456"
    make._save(client)
    assert fresh(make, Client, client.id).mobile_hash == lookup_hash("+447400123456")

    client.mobile = None
    make._save(client)
    assert fresh(make, Client, client.id).mobile_hash is None


def test_the_hash_depends_on_the_key(app: Flask) -> None:
    other = crypto.keyring_from({"ENCRYPTION_KEYS": KEY_A, "LOOKUP_HASH_KEY": HASH_KEY})
    assert other.lookup_hash(MOBILE) != lookup_hash(MOBILE)
    assert len(lookup_hash(MOBILE)) == 64


def _receiving(make: Factory, organisation: Organisation) -> None:
    make._save(
        ReceivingNumber(
            organisation_id=organisation.id, kind=ReceivingNumberKind.PHONE, value=RECEIVING
        )
    )


def test_a_reply_from_her_number_finds_her(app: Flask, make: Factory, world: World) -> None:
    _receiving(make, world.project)
    client = make.client(organisation=world.project, mobile=MOBILE)
    make.case(client=client, court=world.court, worker=world.worker)

    with app.app_context():
        row = replies.receive("SM" + "d" * 32, "07700 900123", "STOP", to_number=RECEIVING, now=NOW)
        assert row.client_id == client.id and row.action is ReplyAction.OPTED_OUT
        assert row.from_number == MOBILE
    assert fresh(make, Client, client.id).texts_opted_out_at == NOW


def test_a_reply_from_another_number_finds_nobody(app: Flask, make: Factory, world: World):
    _receiving(make, world.project)
    make.client(organisation=world.project, mobile=MOBILE)
    with app.app_context():
        row = replies.receive(
            "SM" + "e" * 32, "+447700900456", "Hello", to_number=RECEIVING, now=NOW
        )
        assert row.client_id is None and row.organisation_id == world.project.id


def search(web: FlaskClient, words: str) -> list[str]:
    response = web.post("/clients", data={"q": words}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return re.findall(r'<a class="govuk-link" href="/clients/(\d+)">', html)


def test_a_worker_finds_her_by_her_whole_mobile_number(
    app: Flask, make: Factory, world: World
) -> None:
    her = make.client(organisation=world.project, mobile=MOBILE, first_name="Kestrel")
    make.client(organisation=world.project, mobile="+447400123456")
    make.client(organisation=world.other_project, mobile=MOBILE)
    web = signed_in_client(app, world.worker)

    assert search(web, "07700 900123") == [str(her.id)]
    assert search(web, "+44 7700 900123") == [str(her.id)]
    assert search(web, "900123") == []  # a fragment finds nobody: numbers are not searchable


# --- Key rotation ---------------------------------------------------------------------


def keyed_app(url: str, keys: str, hash_key: str = HASH_KEY) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key",
            "ENCRYPTION_KEYS": keys,
            "LOOKUP_HASH_KEY": hash_key,
        }
    )
    Base.metadata.create_all(engine_of(app))
    return app


def add_client_with_notes(app: Flask) -> int:
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Keys"))
        if organisation is None:
            organisation = Organisation(name="Keys", kind=OrganisationKind.PROJECT)
            db.session.add(organisation)
            db.session.flush()
            db.session.add(
                ReceivingNumber(
                    organisation_id=organisation.id,
                    kind=ReceivingNumberKind.PHONE,
                    value=RECEIVING,
                )
            )
        client = Client(
            organisation_id=organisation.id,
            first_name="Juniper",
            last_name="Fakenham",
            date_of_birth=date(1990, 1, 1),
            mobile=MOBILE,
            housing="HOUSINGMARKER sofa surfing",
        )
        db.session.add(client)
        db.session.commit()
        return client.id


def rotate(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["keys", "rotate", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    return result.output


def test_rotation_moves_every_value_to_the_new_key_so_the_old_one_can_go(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'rotate.sqlite'}"
    with_a = keyed_app(url, KEY_A)
    client_ids = [add_client_with_notes(with_a) for _ in range(3)]
    before = raw(with_a, "client", "housing", client_ids[0])

    with_b_first = keyed_app(url, f"{KEY_B},{KEY_A}")
    output = rotate(with_b_first)
    assert "Re-encrypted 6 values" in output  # three numbers, three housing notes
    assert raw(with_b_first, "client", "housing", client_ids[0]) != before

    only_b = keyed_app(url, KEY_B)
    with only_b.app_context():
        for client_id in client_ids:
            client = db.session.get(Client, client_id)
            assert client is not None
            assert (client.mobile, client.housing) == (MOBILE, "HOUSINGMARKER sofa surfing")
        audit = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "encryption_keys_rotated")
        ).one()
        assert audit.detail is not None and "HOUSINGMARKER" not in audit.detail

    again = rotate(only_b)
    assert "Re-encrypted 0 values" in again and "(6 were already)" in again


def test_rotation_re_encrypts_stored_emails_too(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'rotate-mail.sqlite'}"
    with_a = keyed_app(url, KEY_A)
    message = b"Subject: Court list\r\n\r\nMAILMARKER Juniper Fakenham 1990-01-01\r\n"
    with with_a.app_context():
        row = OutgoingMail(
            kind="sitting_day_list",
            recipient="listing@court.example.org",
            recipient_role="court",
            subject="Court list",
            message=message,
            content_sha256="0" * 64,
        )
        db.session.add(row)
        db.session.commit()
        mail_id = row.id
    before = raw(with_a, "outgoing_mail", "message", mail_id)

    assert "Re-encrypted 1 values" in rotate(keyed_app(url, f"{KEY_B},{KEY_A}"))

    only_b = keyed_app(url, KEY_B)
    after = raw(only_b, "outgoing_mail", "message", mail_id)
    assert after != before and after is not None and "MAILMARKER" not in after
    with only_b.app_context():
        stored = db.session.get(OutgoingMail, mail_id)
        assert stored is not None and stored.message == message


def test_a_new_lookup_hash_key_needs_no_old_key_rotation_recomputes_the_hashes(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'hashes.sqlite'}"
    old = keyed_app(url, KEY_A)
    client_id = add_client_with_notes(old)
    old_hash = raw(old, "client", "mobile_hash", client_id)

    new_key = "another-test-lookup-hash-key-at-least-32-chars"
    new = keyed_app(url, KEY_A, hash_key=new_key)
    assert "recomputed 1 number look-up hashes" in rotate(new)

    new_hash = raw(new, "client", "mobile_hash", client_id)
    assert new_hash != old_hash and new_hash == lookup_hash(MOBILE)
    with new.app_context():
        row = replies.receive("SM" + "f" * 32, MOBILE, "Hello", to_number=RECEIVING, now=NOW)
        assert row.client_id == client_id


def test_rotation_stops_with_a_clear_message_at_a_value_no_key_reads(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'stuck.sqlite'}"
    client_id = add_client_with_notes(keyed_app(url, KEY_A))
    app = keyed_app(url, KEY_B)

    result = app.test_cli_runner().invoke(args=["keys", "rotate"])

    assert result.exit_code != 0
    assert f"row {client_id}" in result.output and "ENCRYPTION_KEYS" in result.output
    assert "HOUSINGMARKER" not in result.output


# --- Production configuration ---------------------------------------------------------


def production(tmp_path: Path, **settings: object) -> Flask:
    values: dict[str, object] = {
        "DIVERSION_ENV": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite'}",
        "SECRET_KEY": "a-production-secret-key-that-is-long-and-random",
        "ENCRYPTION_KEYS": KEY_A,
        "LOOKUP_HASH_KEY": HASH_KEY,
    }
    values.update(settings)
    return create_app({key: value for key, value in values.items() if value is not None})


def test_production_starts_with_real_keys(tmp_path: Path) -> None:
    app = production(tmp_path, ENCRYPTION_KEYS=f"{KEY_B}, {KEY_A}")
    assert app.config["ENCRYPTION_KEYS"] == f"{KEY_B}, {KEY_A}"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"ENCRYPTION_KEYS": None}, "ENCRYPTION_KEYS must be set in production"),
        ({"ENCRYPTION_KEYS": " , "}, "ENCRYPTION_KEYS must be set in production"),
        ({"ENCRYPTION_KEYS": f"{KEY_A},{DEV_ENCRYPTION_KEY}"}, "includes the published"),
        ({"ENCRYPTION_KEYS": "not-a-fernet-key"}, "key 1 is not a Fernet key"),
        ({"LOOKUP_HASH_KEY": None}, "LOOKUP_HASH_KEY must be set"),
        ({"LOOKUP_HASH_KEY": DEV_LOOKUP_HASH_KEY}, "LOOKUP_HASH_KEY is the published"),
        ({"LOOKUP_HASH_KEY": "short"}, "LOOKUP_HASH_KEY is too short"),
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(
    tmp_path: Path, settings: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        production(tmp_path, **settings)
    assert KEY_A not in str(caught.value)


def test_development_uses_labelled_development_keys(app: Flask) -> None:
    assert app.config["ENCRYPTION_KEYS"] == DEV_ENCRYPTION_KEY
    assert app.config["LOOKUP_HASH_KEY"].startswith("development-only")


def test_the_keys_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCRYPTION_KEYS", f"{KEY_B},{KEY_A}")
    monkeypatch.setenv("LOOKUP_HASH_KEY", HASH_KEY)
    found = config._from_environment()
    assert (found["ENCRYPTION_KEYS"], found["LOOKUP_HASH_KEY"]) == (f"{KEY_B},{KEY_A}", HASH_KEY)


# --- The migration --------------------------------------------------------------------

BEFORE = "ab12c0de0001"
ENCRYPTING = "ab12c0de0002"


def test_the_migration_encrypts_a_database_written_in_plaintext(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'upgraded.sqlite'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret-key"})
    stamp = "2026-11-29 09:00:00.000000"
    with app.app_context():
        command.upgrade(alembic_config(), BEFORE)
        with engine_of(app).begin() as conn:
            conn.execute(
                text("INSERT INTO organisation (id, name, kind) VALUES (1, 'Old', 'project')")
            )
            conn.execute(
                text(
                    "INSERT INTO client (id, organisation_id, first_name, last_name, "
                    "date_of_birth, consent_to_texts, created_at, updated_at, mobile, housing, "
                    "health_notes) VALUES (1, 1, 'Odette', 'Oldrecord', '1990-01-01', 1, "
                    ":t, :t, :mobile, 'HOUSINGMARKER old', NULL)"
                ),
                {"t": stamp, "mobile": MOBILE},
            )
            conn.execute(
                text(
                    "INSERT INTO inbound_message (id, provider_id, received_at, from_number, "
                    "body, action) VALUES (1, 'SMold', :t, :mobile, 'REPLYMARKER old', 'inbox'),"
                    " (2, 'SMgone', :t, :erased, :erased, 'inbox')"
                ),
                {"t": stamp, "mobile": MOBILE, "erased": ERASED},
            )

        command.upgrade(alembic_config(), ENCRYPTING)

        assert MOBILE_DIGITS not in (raw(app, "client", "mobile", 1) or "")
        assert "HOUSINGMARKER" not in (raw(app, "client", "housing", 1) or "")
        assert raw(app, "client", "health_notes", 1) is None
        assert MOBILE_DIGITS not in (raw(app, "inbound_message", "from_number", 1) or "")
        assert "REPLYMARKER" not in (raw(app, "inbound_message", "body", 1) or "")
        assert raw(app, "inbound_message", "body", 2) == ERASED
        assert raw(app, "client", "mobile_hash", 1) == lookup_hash(MOBILE)
        client = db.session.scalar(
            select(Client).options(load_only(Client.mobile, Client.housing)).where(Client.id == 1)
        )
        assert client is not None
        assert (client.mobile, client.housing) == (MOBILE, "HOUSINGMARKER old")
        # Only the columns this revision has (later ones add more).
        reply = db.session.scalar(
            select(InboundMessage)
            .options(load_only(InboundMessage.from_number, InboundMessage.body))
            .where(InboundMessage.id == 1)
        )
        assert reply is not None and (reply.from_number, reply.body) == (MOBILE, "REPLYMARKER old")
        db.session.rollback()

        command.downgrade(alembic_config(), BEFORE)
        assert raw(app, "client", "mobile", 1) == MOBILE
        assert raw(app, "inbound_message", "body", 1) == "REPLYMARKER old"

        command.upgrade(alembic_config(), ENCRYPTING)
        command.upgrade(alembic_config(), ENCRYPTING)  # nothing left to do: still readable
        assert (
            db.session.scalar(select(Client.housing).where(Client.id == 1)) == "HOUSINGMARKER old"
        )
    engine_of(app).dispose()


def test_the_migration_refuses_values_encrypted_with_keys_it_does_not_have(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'foreign.sqlite'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret-key"})
    foreign = Fernet(KEY_B.encode()).encrypt(b"HOUSINGMARKER").decode()
    with app.app_context():
        command.upgrade(alembic_config(), ENCRYPTING)
        command.downgrade(alembic_config(), BEFORE)
        with engine_of(app).begin() as conn:
            conn.execute(
                text("INSERT INTO organisation (id, name, kind) VALUES (1, 'Old', 'project')")
            )
            conn.execute(
                text(
                    "INSERT INTO client (id, organisation_id, first_name, last_name, "
                    "date_of_birth, consent_to_texts, created_at, updated_at, housing) "
                    "VALUES (1, 1, 'Odette', 'Oldrecord', '1990-01-01', 0, :t, :t, :h)"
                ),
                {"t": "2026-11-29 09:00:00.000000", "h": foreign},
            )
        with pytest.raises(RuntimeError, match=r"client.housing \(row 1\)"):
            command.upgrade(alembic_config(), ENCRYPTING)
    engine_of(app).dispose()


# --- Case notes -----------------------------------------------------------------------


@pytest.fixture
def case(make: Factory, world: World) -> Case:
    client = make.client(organisation=world.project, first_name="Rosalind")
    return make.accepted_case(client=client, court=world.court, worker=world.worker)


def notes_on_page(web: FlaskClient, case: Case) -> str:
    page = web.get(f"/cases/{case.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    section = re.search(r'<section aria-labelledby="notes-heading".*?</section>', html, re.S)
    assert section is not None
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", section.group(0)))).strip()


def notes_of(make: Factory, case: Case) -> list[CaseNote]:
    make.session.expire_all()
    return list(make.session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)))


def test_a_worker_adds_a_note_and_sees_it_on_the_case_page(
    app: Flask, make: Factory, world: World, case: Case
) -> None:
    web = signed_in_client(app, world.worker)
    assert "No notes yet." in notes_on_page(web, case)

    response = web.post(
        f"/cases/{case.id}/notes", data={"note": "  CASENOTEMARKER she is\r\nmoving  "}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{case.id}#notes"
    [note] = notes_of(make, case)
    assert note.body == "CASENOTEMARKER she is\r\nmoving"
    assert (note.author_id, note.written_at) == (world.worker.id, NOW)
    shown = notes_on_page(web, case)
    assert "CASENOTEMARKER she is moving" in shown
    assert "Wendy Worker" in shown and "10 Dec 2026" in shown
    assert "<br>" in web.get(f"/cases/{case.id}").get_data(as_text=True)


def test_notes_are_listed_newest_first(app: Flask, make: Factory, world: World, case: Case) -> None:
    web = signed_in_client(app, world.worker)
    web.post(f"/cases/{case.id}/notes", data={"note": "CASENOTEMARKER first"})
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        colleague = signed_in_client(app, world.colleague)
        colleague.post(f"/cases/{case.id}/notes", data={"note": "CASENOTEMARKER second"})

    shown = notes_on_page(web, case)
    assert shown.index("CASENOTEMARKER second") < shown.index("CASENOTEMARKER first")
    assert "Colin Colleague" in shown


def test_adding_a_note_is_audited_without_what_it_says(
    app: Flask, make: Factory, world: World, case: Case
) -> None:
    web = signed_in_client(app, world.worker)
    web.post(f"/cases/{case.id}/notes", data={"note": "CASENOTEMARKER private"})

    [note] = notes_of(make, case)
    audit = make.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case_note_added")
    ).one()
    assert (audit.user_id, audit.object_id, audit.client_id) == (
        world.worker.id,
        note.id,
        case.client_id,
    )
    assert audit.detail is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the note"),
        ("   \r\n ", "Enter the note"),
        ("x" * 5001, "Note must be 5,000 characters or fewer"),
        ("CASENOTEMARKER \x07 bell", "Note must not contain special characters"),
    ],
)
def test_a_note_that_is_empty_too_long_or_has_control_characters_is_refused(
    app: Flask, make: Factory, world: World, case: Case, typed: str, message: str
) -> None:
    web = signed_in_client(app, world.worker)

    response = web.post(f"/cases/{case.id}/notes", data={"note": typed})

    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert "<title>Error: " in response.get_data(as_text=True)
    assert notes_of(make, case) == []


def test_a_note_of_exactly_the_limit_is_kept(
    app: Flask, make: Factory, world: World, case: Case
) -> None:
    web = signed_in_client(app, world.worker)
    assert web.post(f"/cases/{case.id}/notes", data={"note": "y" * 5000}).status_code == 302
    assert len(notes_of(make, case)) == 1


def test_another_organisations_case_answers_404_and_gets_no_note(
    app: Flask, make: Factory, world: World, case: Case
) -> None:
    web = signed_in_client(app, world.other_org_worker)
    response = web.post(f"/cases/{case.id}/notes", data={"note": "CASENOTEMARKER sneaky"})
    assert response.status_code == 404
    assert notes_of(make, case) == []


def test_the_note_service_refuses_what_the_form_cannot_send(
    app: Flask, make: Factory, world: World, case: Case
) -> None:
    with app.app_context():
        stored = db.session.get(Case, case.id)
        outsider = db.session.get(User, world.other_org_worker.id)
        liaison = db.session.get(User, world.liaison.id)
        worker = db.session.get(User, world.worker.id)
        assert stored and outsider and liaison and worker
        for actor in (outsider, liaison):
            with pytest.raises(RuleBroken, match="Only a worker or manager"):
                case_service.add_case_note(stored, actor=actor, body="CASENOTEMARKER", now=NOW)
        with pytest.raises(RuleBroken, match="special characters"):
            case_service.add_case_note(stored, actor=worker, body="a\x00b", now=NOW)
        with pytest.raises(RuleBroken, match="Enter the note"):
            case_service.add_case_note(stored, actor=worker, body=" ", now=NOW)
    assert notes_of(make, case) == []


# --- Housing and health notes ---------------------------------------------------------


def test_her_client_page_shows_housing_and_health_for_the_project_only(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(
        organisation=world.project,
        housing="HOUSINGMARKER hostel\nroom 4",
        health_notes="HEALTHMARKER asthma",
    )
    web = signed_in_client(app, world.worker)

    html = web.get(f"/clients/{client.id}").get_data(as_text=True)

    section = re.search(r'<section aria-labelledby="project-only-heading".*?</section>', html, re.S)
    assert section is not None
    assert "For the project only" in section.group(0)
    assert "HOUSINGMARKER hostel<br>room 4" in section.group(0)
    assert "HEALTHMARKER asthma" in section.group(0)


def test_the_edit_page_offers_housing_and_health_with_what_is_held(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(
        organisation=world.project, housing="HOUSINGMARKER hostel", health_notes=None
    )
    web = signed_in_client(app, world.worker)

    page = web.get(f"/clients/{client.id}/edit")

    html = page.get_data(as_text=True)
    housing = re.search(r'<textarea [^>]*id="housing"[^>]*>(.*?)</textarea>', html, re.S)
    health = re.search(r'<textarea [^>]*id="health_notes"[^>]*>(.*?)</textarea>', html, re.S)
    assert housing is not None and unescape(housing.group(1)).strip() == "HOUSINGMARKER hostel"
    assert health is not None and health.group(1).strip() == ""
    assert "Never shared with the court or the CPS" in text_of(page)


def details(**changes: object) -> client_service.ClientDetails:
    values: dict[str, object] = {
        "first_name": "Marnie",
        "last_name": "Testwood",
        "aliases": (),
        "date_of_birth": date(1991, 3, 14),
        "text_name": None,
        "mobile": None,
        "consent_to_texts": False,
        "safe_to_text": False,
    }
    values.update(changes)
    return client_service.ClientDetails(**values)  # type: ignore[arg-type]


def test_housing_and_health_notes_are_saved_changed_and_cleared(
    app: Flask, make: Factory, world: World
) -> None:
    with app.app_context():
        actor = db.session.get(User, world.worker.id)
        assert actor is not None
        client = client_service.add_client(
            actor=actor,
            details=details(housing="HOUSINGMARKER a", health_notes="HEALTHMARKER b"),
            today=NOW.date(),
        )
        client_id = client.id
    saved = fresh(make, Client, client_id)
    assert (saved.housing, saved.health_notes) == ("HOUSINGMARKER a", "HEALTHMARKER b")

    with app.app_context():
        client = db.session.get(Client, client_id)
        assert client is not None
        # A caller that does not show the notes leaves them as they are.
        client_service.update_client(client=client, details=details(), today=NOW.date())
    kept = fresh(make, Client, client_id)
    assert (kept.housing, kept.health_notes) == ("HOUSINGMARKER a", "HEALTHMARKER b")

    with app.app_context():
        client = db.session.get(Client, client_id)
        assert client is not None
        client_service.update_client(
            client=client, details=details(housing="", health_notes=None), today=NOW.date()
        )
    cleared = fresh(make, Client, client_id)
    assert (cleared.housing, cleared.health_notes) == (None, None)


def client_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Marnie",
        "last_name": "Testwood",
        "date_of_birth": ["14", "3", "1991"],
        "mobile": "",
    }
    data.update(changes)
    return data


def test_housing_and_health_notes_typed_on_the_form_are_kept(
    app: Flask, make: Factory, world: World
) -> None:
    web = signed_in_client(app, world.worker)

    response = web.post(
        "/clients/new",
        data=client_form(housing="HOUSINGMARKER hostel", health_notes="HEALTHMARKER asthma"),
    )

    assert response.status_code == 302
    client = make.session.scalars(select(Client).order_by(Client.id.desc())).first()
    assert client is not None
    assert (client.housing, client.health_notes) == ("HOUSINGMARKER hostel", "HEALTHMARKER asthma")


def test_housing_notes_that_are_too_long_are_refused(app: Flask, make: Factory, world: World):
    web = signed_in_client(app, world.worker)

    response = web.post("/clients/new", data=client_form(housing="z" * 2001))

    assert response.status_code == 200
    assert error_summary(response) == ["Housing situation must be 2,000 characters or fewer"]
    assert make.session.scalar(select(func.count()).select_from(Client)) == 0
