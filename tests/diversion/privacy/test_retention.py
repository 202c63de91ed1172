"""Retention (security.md 13): text bodies and replies erased after 90 days, a woman's record
anonymised 6 years after her last case ended, by a nightly job that records counts only."""

from __future__ import annotations

import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from diversion.db import Base, db
from diversion.models import (
    Appointment,
    AuditEvent,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Client,
    ClientAlias,
    ComplianceReport,
    CourtOutcome,
    InboundMessage,
    MailStatus,
    MessageStatus,
    OutboxMessage,
    OutgoingMail,
    ReplyAction,
    ReportVariant,
)
from diversion.privacy.erasure import retention_job, run_retention
from diversion.privacy.retention import (
    ERASED,
    CaseEnd,
    ClientFacts,
    MessageFacts,
    Periods,
    ReplyFacts,
    add_years,
    case_ended_at,
    client_due_at,
    daily_run_due,
    message_body_due_at,
    periods_from,
    reply_due_at,
    what_is_due,
)
from tests.conftest import POSTGRES_URL, World, _empty_postgres, make_app, sign_in
from tests.factories import Factory

UTC_NOON = time(12, 0)
PERIODS = Periods()
NOW = datetime(2033, 6, 1, 12, 0, tzinfo=UTC)


def at(day: date, clock: time = UTC_NOON) -> datetime:
    return datetime.combine(day, clock, tzinfo=UTC)


# --- the pure rules ---------------------------------------------------------------------


def test_a_text_body_is_due_90_days_after_the_appointment_it_is_about():
    sent = at(date(2026, 12, 1))
    appointment = at(date(2026, 12, 3))
    message = MessageFacts(1, "delivered", sent, appointment_starts_at=appointment)

    assert message_body_due_at(message, PERIODS) == appointment + timedelta(days=90)


def test_a_court_reminder_body_counts_from_the_hearing_and_anything_else_from_sending():
    sent = at(date(2026, 12, 1))
    hearing = at(date(2026, 12, 2), time(10))

    court = MessageFacts(1, "sent", sent, hearing_at=hearing)
    other = MessageFacts(2, "failed", sent)

    assert message_body_due_at(court, PERIODS) == hearing + timedelta(days=90)
    assert message_body_due_at(other, PERIODS) == sent + timedelta(days=90)


@pytest.mark.parametrize("status", ["pending", "held", "sending"])
def test_a_text_that_may_still_go_keeps_its_body(status):
    message = MessageFacts(1, status, at(date(2020, 1, 1)))

    assert message_body_due_at(message, PERIODS) is None


def test_a_reply_is_due_after_its_own_period():
    received = at(date(2026, 12, 1))

    assert reply_due_at(ReplyFacts(1, received), Periods(inbound_body_days=30)) == received + (
        timedelta(days=30)
    )


def case_end(status: str, **kw: object) -> CaseEnd:
    values: dict[str, object] = {
        "id": 1,
        "reference": "CD-000001",
        "status": status,
        "closed_at": None,
        "outcome_hearing_date": None,
        "first_court_date": date(2026, 12, 2),
    }
    values.update(kw)
    return CaseEnd(**values)  # type: ignore[arg-type]


def test_an_open_case_has_not_ended_and_a_closed_one_ended_when_it_closed():
    closed_at = at(date(2027, 1, 5))

    assert case_ended_at(case_end("on_scheme")) is None
    assert case_ended_at(case_end("awaiting_court")) is None
    assert case_ended_at(case_end("closed", closed_at=closed_at)) == closed_at
    assert case_ended_at(case_end("withdrawn", closed_at=closed_at)) == closed_at


def test_a_declined_case_ends_at_the_end_of_the_hearing_day_in_london():
    declined = case_end("declined", outcome_hearing_date=date(2027, 7, 7))

    # Midnight London in summer is 23:00 UTC the day before.
    assert case_ended_at(declined) == datetime(2027, 7, 7, 23, 0, tzinfo=UTC)


def client(*cases: CaseEnd, changed: datetime | None = None) -> ClientFacts:
    return ClientFacts(
        id=7, organisation_id=1, record_changed_at=changed or at(date(2026, 1, 1)), cases=cases
    )


def test_her_record_is_due_six_years_after_her_last_case_ended():
    first = case_end("closed", id=1, closed_at=at(date(2026, 3, 1)))
    last = case_end("withdrawn", id=2, closed_at=at(date(2027, 9, 1)))

    assert client_due_at(client(first, last), PERIODS) == at(date(2033, 9, 1))


def test_her_record_is_never_due_while_a_case_is_open():
    old = case_end("closed", id=1, closed_at=at(date(2000, 3, 1)))

    assert client_due_at(client(old, case_end("on_scheme", id=2)), PERIODS) is None


def test_a_woman_with_no_case_counts_from_the_last_change_to_her_record():
    assert client_due_at(client(changed=at(date(2027, 2, 3))), PERIODS) == at(date(2033, 2, 3))


def test_a_leap_day_moves_to_the_28th():
    assert add_years(at(date(2028, 2, 29)), 6) == at(date(2034, 2, 28))


def test_periods_come_from_config_with_defaults():
    assert periods_from({}) == Periods(90, 90, 6, 6)
    assert periods_from({"RETENTION_MESSAGE_BODY_DAYS": 30, "RETENTION_CLOSED_CASE_YEARS": 3}) == (
        Periods(message_body_days=30, closed_case_years=3)
    )


def test_what_is_due_by_now_and_what_comes_later():
    now = at(date(2027, 6, 1))
    old = MessageFacts(1, "delivered", now - timedelta(days=100))
    soon = MessageFacts(2, "delivered", now - timedelta(days=80))
    waiting = MessageFacts(3, "pending", now - timedelta(days=200))
    due = what_is_due(
        periods=PERIODS,
        until=now + timedelta(days=30),
        messages=[soon, old, waiting],
        replies=[ReplyFacts(4, now - timedelta(days=91))],
        clients=[client(case_end("closed", closed_at=now - timedelta(days=6 * 365 - 10)))],
    )

    assert [item.id for item in due.message_bodies] == [1, 2]
    assert [item.id for item in due.by(now).message_bodies] == [1]
    assert [item.id for item in due.after(now).message_bodies] == [2]
    assert [item.id for item in due.by(now).replies] == [4]
    assert [c.id for c in due.after(now).clients] == [7]


@pytest.mark.parametrize(
    ("now", "last_run", "expected"),
    [
        (datetime(2026, 12, 10, 3, 0, tzinfo=UTC), None, True),  # never ran
        (datetime(2026, 12, 10, 3, 0, tzinfo=UTC), datetime(2026, 12, 9, 2, 31, tzinfo=UTC), True),
        (
            datetime(2026, 12, 10, 3, 0, tzinfo=UTC),
            datetime(2026, 12, 10, 2, 45, tzinfo=UTC),
            False,
        ),
        # Before 02:30: yesterday's run still counts.
        (datetime(2026, 12, 10, 1, 0, tzinfo=UTC), datetime(2026, 12, 9, 2, 31, tzinfo=UTC), False),
        # British Summer Time: 02:30 London is 01:30 UTC.
        (datetime(2026, 7, 1, 1, 45, tzinfo=UTC), datetime(2026, 6, 30, 1, 31, tzinfo=UTC), True),
        (datetime(2026, 7, 1, 1, 15, tzinfo=UTC), datetime(2026, 6, 30, 1, 31, tzinfo=UTC), False),
    ],
)
def test_the_job_runs_once_a_day_after_half_past_two_london(now, last_run, expected):
    assert daily_run_due(now=now, last_run=last_run, at=time(2, 30)) is expected


# --- the run ------------------------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The usual app, with development mail written under the test's own folder."""
    application = make_app(tmp_path, MAIL_FILE_DIR=str(tmp_path / "mail"))
    yield application
    if POSTGRES_URL:
        _empty_postgres(application)
    else:
        application.extensions["diversion.db"][0].dispose()


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def mail_bytes(text: str) -> bytes:
    message = EmailMessage()
    message["To"] = "court@example.test"
    message["Subject"] = "Compliance report: court ref X"
    message.set_content(text)
    message.add_attachment(b"%PDF-1.7", maintype="application", subtype="pdf", filename="r.pdf")
    return message.as_bytes(policy=email.policy.SMTP)


def ended_case(make: Factory, **kw: object) -> Case:
    """A case the court put on the scheme, since closed or withdrawn."""
    kw.setdefault("outcome_hearing_date", date(2026, 12, 2))
    kw.setdefault("return_date", date(2026, 12, 30))
    kw.setdefault("court_outcome", CourtOutcome.ACCEPTED)
    return make.case(**kw)  # type: ignore[arg-type]


@dataclass
class Scene:
    gone: Client  # her last case closed more than six years ago
    recent: Client  # her case closed last year
    open: Client  # her case is still open
    gone_case: Case
    recent_case: Case
    eml: Path


@pytest.fixture
def scene(app: Flask, make: Factory, world: World, tmp_path: Path) -> Scene:
    venue = make.venue(organisation=world.project)
    gone = make.client(
        organisation=world.project,
        first_name="Philippa",
        last_name="Oldrecord",
        date_of_birth=date(1988, 8, 17),
        aliases=("Pip Oldrecord",),
        mobile="+447400111111",
        housing="Hostel on Marker Street",
        health_notes="Marker health note",
        text_name="Pip",
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 1, 1),
    )
    gone_case = ended_case(
        make,
        client=gone,
        court=world.court,
        worker=world.worker,
        court_reference="MARKER-REF-1",
        arrest_date=date(2026, 11, 20),
        status=CaseStatus.CLOSED,
        closed_at=NOW - timedelta(days=6 * 366),
    )
    recent = make.client(organisation=world.project, first_name="Rhiannon", mobile="+447400222222")
    recent_case = ended_case(
        make,
        client=recent,
        court=world.court,
        worker=world.worker,
        status=CaseStatus.WITHDRAWN,
        closed_at=NOW - timedelta(days=365),
    )
    still_open = make.client(organisation=world.project, first_name="Ottilie")
    make.case(client=still_open, court=world.court, worker=world.worker)
    s = make.session
    gone_appointment = make.appointment(
        case=gone_case,
        venue=venue,
        worker=world.worker,
        starts_at=NOW - timedelta(days=2300),
        ends_at=NOW - timedelta(days=2300) + timedelta(hours=1),
        reason="Marker reason: she was in hospital",
    )
    s.add_all(
        [
            CaseNote(case_id=gone_case.id, author_id=world.worker.id, body="Marker case note"),
            CaseEvent(case_id=gone_case.id, kind="note", summary="Marker timeline entry"),
            OutboxMessage(
                client_id=gone.id,
                case_id=gone_case.id,
                appointment_id=gone_appointment.id,
                kind="appointment_day_before",
                send_at=NOW - timedelta(days=2301),
                status=MessageStatus.DELIVERED,
                body="Marker text to Pip",
            ),
            InboundMessage(
                provider_id="SM-gone",
                received_at=NOW - timedelta(days=10),
                from_number="+447400111111",
                body="Marker reply from Pip",
                client_id=gone.id,
                case_id=gone_case.id,
                organisation_id=world.project.id,
                action=ReplyAction.INBOX,
            ),
        ]
    )
    s.commit()
    report = ComplianceReport(
        case_id=gone_case.id,
        variant=ReportVariant.COURT_DIVERSION,
        compliance_status="complied",
        statement="Marker statement",
        html="<p>Marker report for Philippa Oldrecord</p>",
        content_sha256="a" * 64,
        signed_off_by_id=world.worker.id,
        signed_off_at=NOW - timedelta(days=2200),
    )
    s.add(report)
    s.commit()
    folder = tmp_path / "mail"
    folder.mkdir()
    eml = folder / "mail-report.eml"
    eml.write_bytes(mail_bytes("Marker mail text"))
    s.add_all(
        [
            OutgoingMail(
                kind="compliance_report",
                case_id=gone_case.id,
                report_id=report.id,
                court_id=world.court.id,
                recipient="court@example.test",
                recipient_role="court",
                subject="Compliance report: court ref MARKER-REF-1",
                message=mail_bytes("Marker mail text"),
                content_sha256="b" * 64,
                status=MailStatus.SENT,
                sent_at=NOW - timedelta(days=2200),
                eml_path=str(eml),
            ),
            # Her other texts and replies: one old enough, one not, one still waiting.
            OutboxMessage(
                client_id=recent.id,
                case_id=recent_case.id,
                kind="court_day_before",
                event_at=NOW - timedelta(days=91),
                send_at=NOW - timedelta(days=92),
                status=MessageStatus.SENT,
                body="Old text to Rhiannon",
            ),
            OutboxMessage(
                client_id=recent.id,
                case_id=recent_case.id,
                kind="court_two_days_before",
                event_at=NOW - timedelta(days=89),
                send_at=NOW - timedelta(days=91),
                status=MessageStatus.DELIVERED,
                body="Recent text to Rhiannon",
            ),
            OutboxMessage(
                client_id=recent.id,
                kind="booking_confirmation",
                send_at=NOW - timedelta(days=200),
                status=MessageStatus.SENDING,
                body="In flight to Rhiannon",
            ),
            InboundMessage(
                provider_id="SM-old",
                received_at=NOW - timedelta(days=95),
                from_number="+447400222222",
                body="Old reply from Rhiannon",
                client_id=recent.id,
                organisation_id=world.project.id,
                action=ReplyAction.INBOX,
            ),
            InboundMessage(
                provider_id="SM-new",
                received_at=NOW - timedelta(days=5),
                from_number="+447400222222",
                body="New reply from Rhiannon",
                client_id=recent.id,
                organisation_id=world.project.id,
                action=ReplyAction.INBOX,
            ),
        ]
    )
    s.add(AuditEvent(action="client_viewed", client_id=gone.id, object_type="client"))
    s.commit()
    return Scene(
        gone=gone,
        recent=recent,
        open=still_open,
        gone_case=gone_case,
        recent_case=recent_case,
        eml=eml,
    )


def run(app: Flask) -> str:
    with app.app_context():
        return run_retention(now=NOW, periods=PERIODS).summary


def test_a_run_erases_old_bodies_and_replies_and_records_counts_only(
    app: Flask, make: Factory, scene: Scene
):
    summary = run(app)

    assert summary == "2 message bodies erased; 1 reply erased; 1 client anonymised"
    s = make.session
    s.expire_all()
    bodies = dict(s.execute(select(OutboxMessage.kind, OutboxMessage.body)).all())
    assert bodies["court_day_before"] == ERASED
    assert bodies["court_two_days_before"] == "Recent text to Rhiannon"
    assert bodies["booking_confirmation"] == "In flight to Rhiannon"  # the dispatcher needs it
    replies = {r.provider_id: (r.body, r.from_number) for r in s.scalars(select(InboundMessage))}
    assert replies["SM-old"] == (ERASED, ERASED)
    assert replies["SM-new"] == ("New reply from Rhiannon", "+447400222222")
    run_row = s.scalars(select(AuditEvent).where(AuditEvent.action == "retention_run")).one()
    assert run_row.detail == summary
    assert run_row.user_id is None


def test_a_woman_whose_last_case_ended_six_years_ago_is_anonymised(
    app: Flask, make: Factory, scene: Scene
):
    run(app)

    s = make.session
    s.expire_all()
    her = s.get(Client, scene.gone.id)
    assert her.full_name == "Anonymised client"
    assert her.date_of_birth == date(1988, 1, 1)
    assert (her.mobile, her.mobile_hash, her.housing, her.health_notes, her.text_name) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert her.consent_to_texts is False
    assert her.anonymised_at == NOW
    assert s.scalar(select(func.count(ClientAlias.id))) == 0
    case = s.get(Case, scene.gone_case.id)
    assert (case.court_reference, case.arrest_date, case.charge) == (None, None, ERASED)
    assert case.status is CaseStatus.CLOSED  # the counts for monitoring stay
    assert s.scalar(select(func.count(CaseNote.id))) == 0
    assert {e.summary for e in s.scalars(select(CaseEvent))} == {ERASED}
    assert s.scalar(select(Appointment.reason)) is None
    report = s.scalars(select(ComplianceReport)).one()
    assert (report.html, report.statement, report.content_sha256) == (ERASED, ERASED, "a" * 64)
    mail = s.scalars(select(OutgoingMail)).one()
    assert (mail.message, mail.subject, mail.eml_path) == (ERASED.encode(), ERASED, None)
    assert (mail.content_sha256, mail.recipient, mail.status) == (
        "b" * 64,
        "court@example.test",
        MailStatus.SENT,
    )
    assert not scene.eml.exists()
    texts = s.scalars(select(OutboxMessage).where(OutboxMessage.client_id == her.id)).all()
    assert [t.body for t in texts] == [ERASED]
    reply = s.scalars(select(InboundMessage).where(InboundMessage.client_id == her.id)).one()
    assert (reply.body, reply.from_number) == (ERASED, ERASED)


def test_women_with_a_recent_or_open_case_keep_their_records(
    app: Flask, make: Factory, scene: Scene
):
    run(app)

    s = make.session
    s.expire_all()
    assert s.get(Client, scene.recent.id).first_name == "Rhiannon"
    assert s.get(Client, scene.recent.id).mobile == "+447400222222"
    assert s.get(Client, scene.open.id).first_name == "Ottilie"
    assert s.get(Client, scene.recent.id).anonymised_at is None


def test_the_audit_trail_is_kept_and_holds_no_content(app: Flask, make: Factory, scene: Scene):
    run(app)

    s = make.session
    s.expire_all()
    rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert ("client_viewed", scene.gone.id) in [(r.action, r.client_id) for r in rows]
    anonymised = [r for r in rows if r.action == "client_anonymised"]
    assert [(r.object_id, r.detail) for r in anonymised] == [(scene.gone.id, "1 cases")]
    details = " ".join(r.detail or "" for r in rows)
    for planted in ("Philippa", "Oldrecord", "Marker", "+4474", "Rhiannon"):
        assert planted not in details


def test_a_second_run_finds_nothing_more_to_do(app: Flask, make: Factory, scene: Scene):
    run(app)

    assert run(app) == "0 message bodies erased; 0 replies erased; 0 clients anonymised"


def test_the_nightly_job_runs_once_after_half_past_two(
    app: Flask, make: Factory, scene: Scene, clock: time_machine.Coordinates
):
    def runs() -> int:
        make.session.expire_all()
        return (
            make.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "retention_run")
            )
            or 0
        )

    clock.move_to(datetime(2033, 6, 2, 1, 0, tzinfo=UTC))  # 02:00 BST
    with app.app_context():
        retention_job()
    assert runs() == 1  # never ran before: it catches up at once
    clock.move_to(datetime(2033, 6, 2, 1, 15, tzinfo=UTC))  # 02:15 BST, before 02:30
    with app.app_context():
        retention_job()
    assert runs() == 1
    clock.move_to(datetime(2033, 6, 2, 1, 45, tzinfo=UTC))  # 02:45 BST
    with app.app_context():
        retention_job()
        retention_job()
    assert runs() == 2


# --- the page -----------------------------------------------------------------------------


def test_a_manager_sees_what_is_due_now_and_in_the_next_30_days(
    app: Flask, web: FlaskClient, make: Factory, world: World, scene: Scene
):
    soon = make.client(organisation=world.project, first_name="Soonah")
    soon_case = ended_case(
        make,
        client=soon,
        court=world.court,
        status=CaseStatus.CLOSED,
        closed_at=add_years(NOW, -6) + timedelta(days=12),
    )
    other = make.client(organisation=world.other_project)
    ended_case(
        make,
        client=other,
        court=world.court,
        status=CaseStatus.CLOSED,
        closed_at=add_years(NOW, -7),
    )
    run_before = AuditEvent(action="retention_run", detail="3 message bodies erased; 0 replies")
    make.session.add(run_before)
    make.session.commit()
    sign_in(web, world.manager)

    response = web.get("/retention")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 client record to anonymise" in page
    assert scene.gone_case.reference in page
    assert soon_case.reference in page
    assert "2 text messages to clients" in page  # due now: the old court reminder, her text
    assert "3 message bodies erased" in page
    assert "Philippa" not in page and "Soonah" not in page  # references, never names
    assert f"/cases/{scene.gone_case.id}" in page
    # Another organisation's women are not on this manager's page.
    assert page.count("client record to anonymise") == 2


def test_workers_do_not_see_the_retention_page(web: FlaskClient, world: World):
    sign_in(web, world.worker)

    assert web.get("/retention").status_code == 403


def test_the_processing_register_page_lists_every_table(web: FlaskClient, world: World):
    sign_in(web, world.admin)

    page = web.get("/retention/register").get_data(as_text=True)

    assert "Article 9(2)(g)" in page
    assert 'id="table-client"' in page and 'id="table-outgoing_mail"' in page


def test_no_personal_data_is_left_in_the_database_after_anonymising(
    app: Flask, make: Factory, scene: Scene
):
    run(app)
    planted = ["Philippa", "Oldrecord", "Marker", "Pip", "+447400111111", "MARKER-REF-1"]

    leftovers = []
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(select(table)).mappings():
                for key, value in row.items():
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                    if isinstance(text, str) and any(p in text for p in planted):
                        leftovers.append(f"{table.name}.{key}")
    assert leftovers == []


def test_the_run_removes_sign_in_sessions_unused_for_thirty_days(app, make, world) -> None:
    from diversion.models import UserSession
    from diversion.privacy.erasure import configured_periods, run_retention

    now = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)
    for days in (31, 29):
        seen = now - timedelta(days=days)
        make.session.add(
            UserSession(
                token_hash=f"{days:064d}",
                user_id=world.worker.id,
                created_at=seen,
                last_seen_at=seen,
            )
        )
    make.session.commit()
    with app.app_context():
        run = run_retention(now=now, periods=configured_periods())
        left = db.session.scalars(select(UserSession.token_hash)).all()
    assert run.sessions == 1
    assert "1 old sign-in session removed" in run.summary
    assert left == [f"{29:064d}"]
