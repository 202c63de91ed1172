"""The audit trail: append-only in the database and the app, every kind of event written with
who, what, when and from where, and the managers' and administrators' search page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from werkzeug.test import TestResponse

from diversion import audit, audit_ddl
from diversion.app import create_app
from diversion.cli import alembic_config
from diversion.models import (
    Appointment,
    AuditEvent,
    Case,
    Client,
    CourtOutcome,
    MessageStatus,
    OutboxMessage,
    User,
    WorkingPeriod,
)
from diversion.monitoring.choices import QUESTIONS
from notifications import dispatcher
from scheduling.queries import feed_token_hash
from tests.conftest import POSTGRES_URL, World, make_app, sign_in, signed_in_client
from tests.factories import Factory
from tests.notifications.stand_in_sender import StandInSender

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # Tuesday 8 December 2026
ADDRESS = "198.51.100.7"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The usual test app, with the development mailer writing into the test's folder."""
    from tests.conftest import _empty_postgres

    application = make_app(tmp_path, MAIL_FILE_DIR=str(tmp_path / "mail"))
    yield application
    if POSTGRES_URL:
        _empty_postgres(application)
    else:
        application.extensions["diversion.db"][0].dispose()


def browser(app: Flask, user: User | None = None) -> FlaskClient:
    """A test client coming from ADDRESS, with a signed-in session when a user is given."""
    web = signed_in_client(app, user) if user is not None else app.test_client()
    web.environ_base["REMOTE_ADDR"] = ADDRESS
    return web


def newest(make: Factory, action: str) -> AuditEvent | None:
    make.session.expire_all()
    return make.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
    ).first()


def add_event(make: Factory, **kw: object) -> AuditEvent:
    kw.setdefault("action", "client_viewed")
    kw.setdefault("occurred_at", NOW - timedelta(hours=1))
    kw.setdefault("remote_addr", "203.0.113.9")
    return make._save(AuditEvent(**kw))


# ---------------------------------------------------------------------------------------
# Append-only: the database refuses, and so does the app
# ---------------------------------------------------------------------------------------


def test_the_database_refuses_a_raw_update_or_delete_of_an_audit_row(
    app: Flask, make: Factory, world: World
) -> None:
    row = add_event(make, user_id=world.worker.id, detail="as written")
    engine = app.extensions["diversion.db"][0]

    for statement in (
        "UPDATE audit_event SET detail = 'rewritten'",
        "DELETE FROM audit_event",
    ):
        with pytest.raises(DBAPIError) as refused, engine.begin() as conn:
            conn.execute(text(statement))
        assert audit_ddl.REFUSAL in str(refused.value)

    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, detail FROM audit_event")).all() == [
            (row.id, "as written")
        ]


def test_new_audit_rows_can_still_be_added(app: Flask, world: World, make: Factory) -> None:
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": ADDRESS}):
        audit.record("client_viewed", client_id=7, user_id=world.worker.id)

    row = newest(make, "client_viewed")
    assert row is not None
    assert (row.user_id, row.client_id, row.remote_addr) == (world.worker.id, 7, ADDRESS)


def test_the_app_refuses_to_change_or_delete_an_audit_row(make: Factory, world: World) -> None:
    row = add_event(make, user_id=world.worker.id)
    session = make.session

    row.detail = "rewritten"
    with pytest.raises(audit.AppendOnly):
        session.flush()
    session.rollback()

    session.delete(session.get(AuditEvent, row.id))
    with pytest.raises(audit.AppendOnly):
        session.flush()
    session.rollback()

    for statement in (
        update(AuditEvent).values(detail="rewritten"),
        delete(AuditEvent),
        update(AuditEvent.__table__).values(detail="rewritten"),
    ):
        with pytest.raises(audit.AppendOnly):
            session.execute(statement)
        session.rollback()

    session.expire_all()
    assert session.get(AuditEvent, row.id).detail is None


def test_other_rows_still_change_and_go_as_usual(make: Factory, world: World) -> None:
    client = make.client(organisation=world.project)
    client.last_name = "Renamed"
    make.session.commit()
    make.session.execute(update(Client).where(Client.id == client.id).values(first_name="Also"))
    make.session.delete(client)
    make.session.commit()
    assert make.session.get(Client, client.id) is None


@pytest.mark.skipif(not POSTGRES_URL, reason="TRUNCATE is PostgreSQL's (the test fixtures use it)")
def test_truncate_still_empties_the_table_on_postgresql(
    app: Flask, make: Factory, world: World
) -> None:
    add_event(make, user_id=world.worker.id)
    engine = app.extensions["diversion.db"][0]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_event"))
        assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() == 0


def test_the_migration_creates_the_triggers_and_its_downgrade_removes_them(
    tmp_path: Path,
) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'migrated.sqlite'}",
            "SECRET_KEY": "test-secret-key",
        }
    )
    engine = app.extensions["diversion.db"][0]
    insert = text(
        "INSERT INTO audit_event (occurred_at, action) VALUES ('2026-12-08 10:00:00', 'x')"
    )
    try:
        with app.app_context():
            command.upgrade(alembic_config(), "head")
            with engine.begin() as conn:
                conn.execute(insert)
            for statement in ("UPDATE audit_event SET action = 'y'", "DELETE FROM audit_event"):
                with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                    conn.execute(text(statement))

            command.downgrade(alembic_config(), "aa1a9e3018c8")
            with engine.begin() as conn:
                conn.execute(text("UPDATE audit_event SET action = 'y'"))
                conn.execute(text("DELETE FROM audit_event"))

            command.upgrade(alembic_config(), "head")
            with engine.begin() as conn:
                conn.execute(insert)
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_event"))
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------
# Every kind of event: who, what, when, from where
# ---------------------------------------------------------------------------------------


@dataclass
class Scene:
    """A project with a client on the scheme, her appointments, and a second case to book."""

    app: Flask
    world: World
    make: Factory
    client_id: int
    case_id: int
    awaiting_case_id: int
    booking_case_id: int
    booking_client_id: int
    venue_id: int
    attended_id: int
    missed_id: int
    future_id: int
    texting_client_id: int

    def web(self, user: User | None = None) -> FlaskClient:
        return browser(self.app, user)

    def signed_off(self, web: FlaskClient) -> int:
        page = web.post(f"/cases/{self.case_id}/report", data={"confirm": "y"})
        assert page.status_code == 302, page.get_data(as_text=True)[:300]
        report = newest(self.make, "report_signed_off")
        assert report is not None and report.object_id is not None
        return report.object_id


@pytest.fixture
def scene(app: Flask, world: World, make: Factory) -> Scene:
    world.court.court_email = "listing@court.example.test"
    world.court.cps_email = "cps.team@cps.example.test"
    make.session.add(world.court)
    for day in range(5):
        make.session.add(
            WorkingPeriod(user_id=world.worker.id, weekday=day, starts=time(9), ends=time(17))
        )
    make.session.commit()
    venue = make.venue(organisation=world.project)
    client = make.client(organisation=world.project)
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)

    def appointment(number: int, starts: datetime) -> Appointment:
        return make.appointment(
            case=case,
            venue=venue,
            worker=world.worker,
            session_number=number,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )

    attended = appointment(1, datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    missed = appointment(2, datetime(2026, 12, 7, 14, 0, tzinfo=UTC))
    future = appointment(2, datetime(2026, 12, 10, 10, 0, tzinfo=UTC))
    awaiting = make.case(client=client, court=world.court, worker=world.worker)
    booking_client = make.client(organisation=world.project)
    booking_case = make.accepted_case(
        client=booking_client,
        court=world.court,
        worker=world.worker,
        court_date=date(2026, 12, 2),
        return_date=date(2026, 12, 30),
    )
    texting = make.client(
        organisation=world.project,
        mobile="+447700900123",
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 12, 1),
    )
    texting_case = make.accepted_case(client=texting, court=world.court, worker=world.worker)
    reminder_at = datetime(2026, 12, 9, 14, 0, tzinfo=UTC)
    texting_appointment = make.appointment(
        case=texting_case,
        venue=venue,
        worker=world.worker,
        starts_at=reminder_at,
        ends_at=reminder_at + timedelta(hours=1),
    )
    make._save(
        OutboxMessage(
            client_id=texting.id,
            case_id=texting_case.id,
            appointment_id=texting_appointment.id,
            kind="appointment_day_before",
            send_at=NOW - timedelta(minutes=1),
        )
    )
    return Scene(
        app=app,
        world=world,
        make=make,
        client_id=client.id,
        case_id=case.id,
        awaiting_case_id=awaiting.id,
        booking_case_id=booking_case.id,
        booking_client_id=booking_client.id,
        venue_id=venue.id,
        attended_id=attended.id,
        missed_id=missed.id,
        future_id=future.id,
        texting_client_id=texting.id,
    )


def _ok(response: TestResponse, *codes: int) -> None:
    assert response.status_code in codes, response.get_data(as_text=True)[:400]


def do_sign_in(s: Scene) -> tuple[User | None, int | None]:
    sign_in(s.web(), s.world.worker)  # the real form and code page
    return s.world.worker, None


def do_sign_in_failed(s: Scene) -> tuple[User | None, int | None]:
    page = s.web().post("/sign-in", data={"email": s.world.worker.email, "password": "wrong"})
    _ok(page, 200)
    return s.world.worker, None


def do_sign_out(s: Scene) -> tuple[User | None, int | None]:
    _ok(s.web(s.world.worker).post("/sign-out"), 302)
    return s.world.worker, None


def do_refused(s: Scene) -> tuple[User | None, int | None]:
    _ok(s.web(s.world.liaison).get(f"/cases/{s.case_id}"), 403)
    return s.world.liaison, None


def do_client_viewed(s: Scene) -> tuple[User | None, int | None]:
    _ok(s.web(s.world.worker).get(f"/clients/{s.client_id}"), 200)
    return s.world.worker, s.client_id


def do_case_viewed(s: Scene) -> tuple[User | None, int | None]:
    _ok(s.web(s.world.manager).get(f"/cases/{s.case_id}"), 200)
    return s.world.manager, s.client_id


def do_client_created(s: Scene) -> tuple[User | None, int | None]:
    page = s.web(s.world.worker).post(
        "/clients/new",
        data={
            "first_name": "Plantedfirst",
            "last_name": "Plantedlast",
            "aliases": "",
            "date_of_birth": ["27", "3", "1990"],
            "text_name": "",
            "mobile": "",
        },
    )
    _ok(page, 302)
    return s.world.worker, int(page.headers["Location"].rsplit("/", 1)[1])


def do_client_updated(s: Scene) -> tuple[User | None, int | None]:
    page = s.web(s.world.worker).post(
        f"/clients/{s.client_id}/edit",
        data={
            "first_name": "Plantedfirst",
            "last_name": "Plantedlast",
            "aliases": "",
            "date_of_birth": ["1", "1", "1990"],
            "text_name": "",
            "mobile": "",
        },
    )
    _ok(page, 302)
    return s.world.worker, s.client_id


def do_case_created(s: Scene) -> tuple[User | None, int | None]:
    # A woman with no open case: hers already has one, and a second is refused.
    newcomer = s.make.client(organisation=s.world.project).id
    page = s.web(s.world.worker).post(
        f"/clients/{newcomer}/cases/new",
        data={
            "requirement_type_id": str(s.make.requirement_type("CD").id),
            "court_id": str(s.world.court.id),
            "first_court_date": ["16", "12", "2026"],
            "court_reference": "",
            "arrest_date": ["", "", ""],
            "charge": "Loitering or soliciting for prostitution",
            "custody_drug_test": "not_tested",
            "worker_id": str(s.world.worker.id),
        },
    )
    _ok(page, 302)
    return s.world.worker, newcomer


def do_outcome(s: Scene) -> tuple[User | None, int | None]:
    page = s.web(s.world.worker).post(
        f"/cases/{s.awaiting_case_id}/outcome",
        data={
            "outcome": CourtOutcome.ACCEPTED.value,
            "hearing_date": ["2", "12", "2026"],
            "return_date": ["30", "12", "2026"],
            "adjourned_to": ["", "", ""],
        },
    )
    _ok(page, 302)
    return s.world.worker, s.client_id


def do_booked(s: Scene) -> tuple[User | None, int | None]:
    web = s.web(s.world.worker)
    page = web.get(f"/cases/{s.booking_case_id}/book").get_data(as_text=True)
    chosen = dict(re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"[^>]*checked', page))
    assert set(chosen) == {"session-1", "session-2"}
    _ok(web.post(f"/cases/{s.booking_case_id}/book", data={**chosen, "venue_id": s.venue_id}), 302)
    return s.world.worker, s.booking_client_id


def do_attended(s: Scene) -> tuple[User | None, int | None]:
    web = s.web(s.world.worker)
    _ok(web.post(f"/appointments/{s.attended_id}/attendance", data={"attended": "yes"}), 302)
    return s.world.worker, s.client_id


def do_missed(s: Scene) -> tuple[User | None, int | None]:
    web = s.web(s.world.worker)
    page = web.post(
        f"/appointments/{s.missed_id}/attendance",
        data={"attended": "no", "court_wording": "No reason given"},
    )
    _ok(page, 302)
    return s.world.worker, s.client_id


def do_cancelled(s: Scene) -> tuple[User | None, int | None]:
    web = s.web(s.world.worker)
    page = web.post(
        f"/appointments/{s.future_id}/cancel",
        data={"by": "client", "court_wording": "No reason given", "reason": "Unwell"},
    )
    _ok(page, 302)
    return s.world.worker, s.client_id


def do_appointment_viewed(s: Scene) -> tuple[User | None, int | None]:
    _ok(s.web(s.world.worker).get(f"/appointments/{s.future_id}"), 200)
    return s.world.worker, s.client_id


def do_ics(s: Scene) -> tuple[User | None, int | None]:
    _ok(s.web(s.world.worker).get(f"/appointments/{s.future_id}.ics"), 200)
    return s.world.worker, s.client_id


def do_feed(s: Scene) -> tuple[User | None, int | None]:
    worker = s.make.session.get(User, s.world.worker.id)
    assert worker is not None
    worker.calendar_token_hash = feed_token_hash("feed-token-for-the-audit-test-0001")
    s.make.session.commit()
    _ok(s.web().get("/calendar/feed-token-for-the-audit-test-0001.ics"), 200)
    return s.world.worker, None


def do_csv(s: Scene) -> tuple[User | None, int | None]:
    page = s.web(s.world.liaison).get(f"/court/{s.world.court.id}/list.csv?date=2026-12-30")
    _ok(page, 200)
    return s.world.liaison, None


def do_signed_off(s: Scene) -> tuple[User | None, int | None]:
    s.signed_off(s.web(s.world.worker))
    return s.world.worker, s.client_id


def do_report_sent(s: Scene) -> tuple[User | None, int | None]:
    web = s.web(s.world.worker)
    report_id = s.signed_off(web)
    page = web.post(f"/cases/{s.case_id}/report/send", data={"send-report_id": str(report_id)})
    _ok(page, 302)
    return s.world.worker, s.client_id


def do_pdf(s: Scene) -> tuple[User | None, int | None]:
    report_id = s.signed_off(s.web(s.world.worker))
    _ok(s.web(s.world.cps).get(f"/reports/{report_id}.pdf"), 200)
    return s.world.cps, s.client_id


def do_text_sent(s: Scene) -> tuple[User | None, int | None]:
    with s.app.app_context():
        report = dispatcher.dispatch_once(sender=StandInSender(), now=NOW)
    assert len(report.sent) == 1
    row = s.make.session.get(OutboxMessage, report.sent[0])
    assert row is not None and row.status is MessageStatus.SENT
    return None, s.texting_client_id


def do_absence(s: Scene) -> tuple[User | None, int | None]:
    page = s.web(s.world.manager).post(
        f"/availability/workers/{s.world.worker.id}/absences",
        data={"first_day": ["14", "12", "2026"], "last_day": ["15", "12", "2026"], "kind": "leave"},
    )
    _ok(page, 302)
    return s.world.manager, None


def do_admin_edit(s: Scene) -> tuple[User | None, int | None]:
    page = s.web(s.world.admin).post(
        "/admin/courts/new",
        data={
            "name": "Southbank Magistrates' Court",
            "sitting_weekdays": ["1", "3"],
            "report_lead_working_days": "3",
            "report_due_time": "11:30",
            "list_time": "10:00",
            "court_email": "listing@southbank.example",
            "cps_email": "cps@southbank.example",
            "organisation_id": "",
            "cps_organisation_id": "",
            "active": "y",
        },
    )
    _ok(page, 302)
    return s.world.admin, None


def do_audit_viewed(s: Scene) -> tuple[User | None, int | None]:
    _ok(s.web(s.world.manager).get("/audit"), 200)
    return s.world.manager, None


def do_monitoring_viewed(s: Scene) -> tuple[User | None, int | None]:
    _ok(s.web(s.world.worker).get(f"/clients/{s.client_id}/monitoring"), 200)
    return s.world.worker, s.client_id


def do_monitoring_recorded(s: Scene) -> tuple[User | None, int | None]:
    answers = {question.field: "not_asked" for question in QUESTIONS}
    page = s.web(s.world.worker).post(
        f"/clients/{s.client_id}/monitoring",
        data={"recorded_on": ["8", "12", "2026"], "case_id": "", **answers},
    )
    _ok(page, 303)
    return s.world.worker, s.client_id


def do_monitoring_exported(s: Scene) -> tuple[User | None, int | None]:
    _ok(s.web(s.world.manager).get("/monitoring.csv?table=texts"), 200)
    return s.world.manager, None


def do_data_quality_viewed(s: Scene) -> tuple[User | None, int | None]:
    _ok(s.web(s.world.manager).get("/monitoring/data-quality"), 200)
    return s.world.manager, None


ACTIONS: list[tuple[str, Callable[[Scene], tuple[User | None, int | None]]]] = [
    ("sign_in", do_sign_in),
    ("sign_in_failed", do_sign_in_failed),
    ("sign_out", do_sign_out),
    ("access_refused", do_refused),
    ("client_viewed", do_client_viewed),
    ("case_viewed", do_case_viewed),
    ("client_created", do_client_created),
    ("client_updated", do_client_updated),
    ("case_created", do_case_created),
    ("court_outcome_recorded", do_outcome),
    ("appointment_booked", do_booked),
    ("appointment_attended", do_attended),
    ("appointment_missed", do_missed),
    ("appointment_cancelled", do_cancelled),
    ("appointment_viewed", do_appointment_viewed),
    ("calendar_exported", do_ics),
    ("calendar_feed_read", do_feed),
    ("court_list_exported", do_csv),
    ("report_signed_off", do_signed_off),
    ("report_sent", do_report_sent),
    ("report_exported", do_pdf),
    ("text_sent", do_text_sent),
    ("absence_added", do_absence),
    ("court_created", do_admin_edit),
    ("audit_viewed", do_audit_viewed),
    ("monitoring_viewed", do_monitoring_viewed),
    ("monitoring_recorded", do_monitoring_recorded),
    ("monitoring_exported", do_monitoring_exported),
    ("data_quality_viewed", do_data_quality_viewed),
]


@pytest.mark.parametrize(("action", "perform"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_each_action_writes_an_audit_row_saying_who_what_when_and_from_where(
    scene: Scene,
    action: str,
    perform: Callable[[Scene], tuple[User | None, int | None]],
) -> None:
    who, client_id = perform(scene)

    row = newest(scene.make, action)
    assert row is not None, f"no {action} row"
    assert row.user_id == (who.id if who else None)
    assert row.client_id == client_id
    assert row.occurred_at == NOW
    # A job (the text dispatcher) or her calendar program has no person's address to keep.
    expected_address = None if action == "text_sent" else ADDRESS
    assert row.remote_addr == expected_address
    assert audit.describe(action) != action.replace("_", " ").capitalize(), "name it in words"


def test_a_sent_text_is_audited_without_its_words_or_number(scene: Scene) -> None:
    do_text_sent(scene)

    row = newest(scene.make, "text_sent")
    assert row is not None
    assert (row.object_type, row.detail) == ("outbox_message", "appointment_day_before")
    values = " ".join(str(getattr(row, c.name)) for c in AuditEvent.__table__.columns)
    assert "7700900123" not in values and "Firstname" not in values


# ---------------------------------------------------------------------------------------
# The search page
# ---------------------------------------------------------------------------------------


@dataclass
class Trail:
    own_client: Client
    own_case: Case
    other_client: Client
    other_case: Case
    mine: list[int]  # events a manager of the project sees, newest first
    not_mine: list[int]


@pytest.fixture
def trail(make: Factory, world: World) -> Trail:
    own = make.client(organisation=world.project)
    own_case = make.case(client=own, court=world.court, worker=world.worker)
    other = make.client(organisation=world.other_project)
    other_case = make.case(client=other, court=world.court, worker=world.other_worker)

    def at(hours: int) -> datetime:
        return NOW - timedelta(hours=hours)

    mine = [
        add_event(make, occurred_at=at(1), user_id=world.worker.id, client_id=own.id),
        add_event(make, occurred_at=at(2), action="text_sent", client_id=own.id, remote_addr=None),
        add_event(make, occurred_at=at(3), action="sign_in", user_id=world.colleague.id),
        add_event(
            make,
            occurred_at=at(4),
            action="case_viewed",
            user_id=world.worker.id,
            object_type="case",
            object_id=own_case.id,
            client_id=own.id,
        ),
    ]
    not_mine = [
        add_event(make, occurred_at=at(5), user_id=world.other_worker.id, client_id=other.id),
        add_event(make, occurred_at=at(6), action="sign_in", user_id=world.other_org_worker.id),
        add_event(make, occurred_at=at(7), action="sign_in_failed", detail="unknown account"),
        add_event(make, occurred_at=at(8), action="text_sent", client_id=other.id),
    ]
    return Trail(
        own_client=own,
        own_case=own_case,
        other_client=other,
        other_case=other_case,
        mine=[e.id for e in mine],
        not_mine=[e.id for e in not_mine],
    )


def event_rows(html: str) -> list[list[str]]:
    body = re.search(
        r'<table class="govuk-table[^"]*" id="events">.*?<tbody[^>]*>(.*?)</tbody>', html, re.S
    )
    if body is None:
        return []
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        rows.append(
            [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", c))).strip() for c in cells]
        )
    return rows


def error_messages(html: str) -> list[str]:
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if block is None:
        return []
    return [unescape(m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", block.group(1), re.S)]


def shown_times(html: str) -> list[str]:
    return [row[0] for row in event_rows(html)]


def test_a_manager_sees_her_organisations_people_and_clients_newest_first(
    app: Flask, world: World, trail: Trail
) -> None:
    page = browser(app, world.manager).get("/audit")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = event_rows(html)
    assert [row[2] for row in rows] == [
        "Viewed a client",
        "Text message sent",
        "Signed in",
        "Viewed a case",
    ]
    assert rows[0][:2] == ["Tue 8 Dec 2026, 09:00", "Wendy Worker"]  # London: GMT in December
    assert rows[0][5] == "203.0.113.9"
    assert rows[1][1] == "The service (scheduled work)"
    assert rows[2][1] == "Colin Colleague"
    assert rows[3][3] == f"Case {trail.own_case.id}"
    assert f'href="/clients/{trail.own_client.id}"' in html
    assert f"Client {trail.other_client.id}" not in html
    assert "unknown account" not in html


def test_an_administrator_sees_every_event_with_client_ids_but_no_links(
    app: Flask, world: World, trail: Trail
) -> None:
    html = browser(app, world.admin).get("/audit").get_data(as_text=True)

    assert len(event_rows(html)) == len(trail.mine) + len(trail.not_mine)
    assert f"Client {trail.other_client.id}" in html and "unknown account" in html
    assert 'href="/clients/' not in html


@pytest.mark.parametrize("role", ["worker", "liaison", "cps"])
def test_workers_court_and_cps_may_not_read_the_trail(
    app: Flask, world: World, trail: Trail, role: str
) -> None:
    page = browser(app, getattr(world, role)).get("/audit")

    assert page.status_code == 403
    assert "Wendy Worker" not in page.get_data(as_text=True)


def test_the_trail_is_not_for_anyone_signed_out(app: Flask) -> None:
    page = browser(app).get("/audit")
    assert page.status_code == 302 and page.headers["Location"].startswith("/sign-in")


def test_the_menu_offers_the_trail_to_managers_and_administrators_only(
    app: Flask, world: World
) -> None:
    for user, shown in ((world.manager, True), (world.admin, True), (world.worker, False)):
        html = browser(app, user).get("/home", follow_redirects=True).get_data(as_text=True)
        assert ('href="/audit"' in html) is shown, user.role


def test_filtering_by_person(app: Flask, world: World, trail: Trail) -> None:
    web = browser(app, world.manager)
    html = web.get("/audit").get_data(as_text=True)
    options = dict(
        (unescape(name), value)
        for value, name in re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', html)
    )
    assert options["Anyone"] == ""
    assert options["Wendy Worker"] == str(world.worker.id)
    assert str(world.other_worker.id) not in options.values()

    rows = event_rows(web.get(f"/audit?user={world.worker.id}").get_data(as_text=True))
    assert [row[2] for row in rows] == ["Viewed a client", "Viewed a case"]

    refused = web.get(f"/audit?user={world.other_worker.id}").get_data(as_text=True)
    assert error_messages(refused) == ["Select a person from the list"]
    assert event_rows(refused) == []


def test_filtering_by_client_number_or_case_reference(
    app: Flask, world: World, trail: Trail
) -> None:
    web = browser(app, world.manager)

    by_number = event_rows(web.get(f"/audit?client={trail.own_client.id}").get_data(as_text=True))
    by_reference = event_rows(
        web.get(f"/audit?client={trail.own_case.reference.lower()}").get_data(as_text=True)
    )

    assert [row[2] for row in by_number] == [
        "Viewed a client",
        "Text message sent",
        "Viewed a case",
    ]
    # The same events, and now the first search too: reading her trail is about her.
    assert by_reference[1:] == by_number
    assert by_reference[0][1:3] == [world.manager.name, "Searched the audit trail"]
    other = web.get(f"/audit?client={trail.other_case.reference}")
    assert other.status_code == 200
    assert error_messages(other.get_data(as_text=True)) == [
        f"There is no case with the reference {trail.other_case.reference} in your organisation"
    ]
    # Another organisation's client number: nothing of hers is in this manager's scope.
    assert (
        event_rows(web.get(f"/audit?client={trail.other_client.id}").get_data(as_text=True)) == []
    )


def test_an_administrator_finds_any_case_by_reference(
    app: Flask, world: World, trail: Trail
) -> None:
    html = browser(app, world.admin).get(f"/audit?client={trail.other_case.reference}")
    rows = event_rows(html.get_data(as_text=True))
    assert [row[2] for row in rows] == ["Viewed a client", "Text message sent"]


def test_a_name_in_the_client_box_is_refused_not_searched(app: Flask, world: World) -> None:
    page = browser(app, world.manager).get("/audit?client=Jane+Smith")

    assert page.status_code == 200
    assert error_messages(page.get_data(as_text=True)) == [
        "Enter a client number, like 123, or a case reference, like CD-000045, not a name"
    ]


def test_dates_are_london_days(app: Flask, world: World, make: Factory) -> None:
    summer = [
        add_event(make, occurred_at=datetime(2026, 6, 30, 22, 59, tzinfo=UTC), detail="30 June"),
        add_event(make, occurred_at=datetime(2026, 6, 30, 23, 0, tzinfo=UTC), detail="1 July am"),
        add_event(make, occurred_at=datetime(2026, 7, 1, 22, 59, tzinfo=UTC), detail="1 July pm"),
        add_event(make, occurred_at=datetime(2026, 7, 1, 23, 0, tzinfo=UTC), detail="2 July"),
    ]
    assert len(summer) == 4
    web = browser(app, world.admin)

    rows = event_rows(
        web.get("/audit?date_from=2026-07-01&date_to=2026-07-01").get_data(as_text=True)
    )
    assert [row[6] for row in rows] == ["1 July pm", "1 July am"]
    assert [row[0] for row in rows] == ["Wed 1 Jul 2026, 23:59", "Wed 1 Jul 2026, 00:00"]

    since = event_rows(web.get("/audit?date_from=2026-07-01").get_data(as_text=True))
    assert "30 June" not in [row[6] for row in since] and "2 July" in [row[6] for row in since]

    backwards = web.get("/audit?date_from=2026-07-02&date_to=2026-07-01").get_data(as_text=True)
    assert error_messages(backwards) == ["To date must be on or after the from date"]
    nonsense = web.get("/audit?date_from=2026-13-01").get_data(as_text=True)
    assert error_messages(nonsense) == ["From date must be a real date, like 2026-12-09"]


def test_fifty_to_a_page_with_newer_and_older_links_that_keep_the_filters(
    app: Flask, world: World, make: Factory
) -> None:
    for n in range(120):
        make.session.add(
            AuditEvent(
                occurred_at=NOW - timedelta(minutes=n + 1),
                user_id=world.worker.id,
                action="client_search",
                detail=f"n{n}",
                remote_addr="203.0.113.9",
            )
        )
    make.session.commit()
    web = browser(app, world.manager)

    first = web.get(f"/audit?user={world.worker.id}").get_data(as_text=True)
    rows = event_rows(first)
    assert len(rows) == 50 and rows[0][6] == "n0" and rows[-1][6] == "n49"
    older = re.search(r'<a[^>]*href="([^"]+)"[^>]*rel="next"', first)
    assert older is not None
    link = unescape(older.group(1))
    assert parse_qs(urlsplit(link).query) == {"user": [str(world.worker.id)], "page": ["2"]}
    assert 'rel="prev"' not in first

    third = web.get(f"/audit?user={world.worker.id}&page=3").get_data(as_text=True)
    rows = event_rows(third)
    assert [row[6] for row in rows] == [f"n{n}" for n in range(100, 120)]
    assert 'rel="next"' not in third and 'rel="prev"' in third

    assert len(event_rows(web.get("/audit?page=nonsense").get_data(as_text=True))) == 50


def test_reading_the_trail_is_audited_with_the_filters_as_ids(
    app: Flask, world: World, make: Factory, trail: Trail
) -> None:
    browser(app, world.manager).get(
        f"/audit?user={world.worker.id}&client={trail.own_case.reference}&date_from=2026-12-01"
    )

    row = newest(make, "audit_viewed")
    assert row is not None
    assert (row.user_id, row.client_id, row.remote_addr) == (
        world.manager.id,
        trail.own_client.id,
        ADDRESS,
    )
    assert row.detail == (
        f"user {world.worker.id}, client {trail.own_client.id}, from 2026-12-01, to any, page 1"
    )


def test_bad_input_never_breaks_the_page(app: Flask, world: World) -> None:
    web = browser(app, world.admin)
    for query in (
        "user=abc",
        "user=%00",
        "client=%00",
        "client=" + "9" * 40,
        "date_to=9999-99-99",
        "date_from=1800-01-01",
        "page=-4",
        "page=99999999999999999999",
    ):
        assert web.get(f"/audit?{query}").status_code == 200, query
