"""Compliance reports: what the court and the CPS read, sign-off, sending by email through a
real SMTP server on loopback, retries, the development mail files, and who may read what."""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from html import unescape
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import delete, event, func, select

from diversion import pdf as pdf_documents
from diversion.cases import facts
from diversion.cases.compliance import ComplianceStatus
from diversion.cases.queries import case_for
from diversion.court import report_content, reports
from diversion.db import db
from diversion.errors import RuleBroken
from diversion.mail import queue as mail_queue
from diversion.models import (
    AppointmentStatus,
    AuditEvent,
    Case,
    CaseAgreement,
    CaseEvent,
    CaseNote,
    CaseStatus,
    ComplianceReport,
    DrugTestResult,
    InboundMessage,
    LapsedSession,
    MailStatus,
    OrganisationKind,
    OutboxMessage,
    OutgoingMail,
    ReplyAction,
    ReportVariant,
    Role,
    User,
)
from tests.conftest import World, make_app, sign_in, signed_in_client
from tests.diversion.mail.smtp_server import SmtpServer, free_port
from tests.factories import Factory

# Court Wed 2 Dec 2026, return Wed 30 Dec 2026: the last appointment date is Thu 24 Dec and
# the report is due at 12:00 on Tue 29 Dec (25 and 28 Dec are bank holidays).
COURT_DAY = date(2026, 12, 2)
RETURN_DAY = date(2026, 12, 30)
NOW = datetime(2026, 12, 23, 10, 0, tzinfo=UTC)
FROM = "reports@project.example.test"
FROM_HEADER = f"Riverside reports <{FROM}>"
COURT_EMAIL = "listing@court.example.test"
CPS_EMAIL = "cps.team@cps.example.test"

NASTY_STRINGS = (
    "",
    " ",
    "\x00",
    "Ann\x00Smith",
    "\r\n\r\n",
    "\t\x0b\x0c\x1b[31m",
    "\x7f\x85\u2028\u2029",
    '"><script>alert(1)</script><img src=x onerror=alert(1)>',
    "{{ 7*7 }}{% raw %}",
    "\u202eevil\u202c",
    "Zoë O'Brien-Nguyễn 李 \U0001d49c 👩🏽‍⚕️",
    "\ufeff\u200b\u200d",
    "x" * 2001,
    "line one\nline two",
)

# What the worker chose for the court about the missed appointment, and her own words.
COURT_WORDING = "Acceptable absence: explained to the project"
OWN_REASON = "REASONMARKER: she was in hospital"

# Planted in every field the court and the CPS must never see (security.md 4).
MARKERS = (
    "ALIASMARKER",
    "TEXTNAMEMARKER",
    "7700900461",
    "CHARGEMARKER",
    "RISKMARKER",
    "VENUEADDRESSMARKER",
    "VENUENAMEMARKER",
    "NEUTRALVENUEMARKER",
    "EVENTMARKER",
    "REPLYMARKER",
    "SMSBODYMARKER",
    "HOUSINGMARKER",
    "HEALTHMARKER",
    "CASENOTEMARKER",
    # The worker's own reason for the missed appointment: for her file, never the court's.
    "REASONMARKER",
    "hospital",
    "Positive for",
    "opiates",
    "cocaine",
    "13 November 2026",
    "13 Nov 2026",
)


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app(tmp_path: Path, smtp_port: int) -> Iterator[Flask]:
    """The app sending through a real SMTP server on loopback (started by `smtp`)."""
    application = make_app(
        tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        MAIL_FROM=FROM_HEADER,
        MAIL_FILE_DIR=str(tmp_path / "mail"),
    )
    yield application
    application.extensions["diversion.db"][0].dispose()


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[SmtpServer]:
    server = SmtpServer(smtp_port).start()
    yield server
    server.stop()


@pytest.fixture
def file_mail(app: Flask, tmp_path: Path) -> Path:
    """Development set-up: no mail server, messages written as .eml files."""
    app.config["MAIL_SERVER"] = None
    return tmp_path / "mail"


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class Seeded:
    case_id: int
    client_name: str


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def seeded(make: Factory, world: World) -> Seeded:
    """A case that complied, with a missed appointment, and a secret in every other field."""
    world.court.court_email = COURT_EMAIL
    world.court.cps_email = CPS_EMAIL
    make.session.add(world.court)
    make.session.commit()
    client = make.client(
        organisation=world.project,
        first_name="Marnie",
        last_name="Testwood",
        date_of_birth=date(1990, 3, 27),
        aliases=("ALIASMARKER Smith",),
        mobile="+447700900461",
        text_name="TEXTNAMEMARKER",
        consent_to_texts=True,
        housing="HOUSINGMARKER hostel",
        health_notes="HEALTHMARKER pregnant",
    )
    case = make.accepted_case(
        client=client,
        court=world.court,
        worker=world.worker,
        court_date=COURT_DAY,
        return_date=RETURN_DAY,
        court_reference="01AB2345",
        charge="CHARGEMARKER loitering",
        custody_drug_test=DrugTestResult.POSITIVE_BOTH,
        arrest_date=date(2026, 11, 13),
        at_risk_reason="RISKMARKER",
    )
    venue = make.venue(
        organisation=world.project,
        name="VENUENAMEMARKER",
        neutral_name="NEUTRALVENUEMARKER",
        address="VENUEADDRESSMARKER, 1 High Street",
    )
    for number, starts, status, reason, wording in (
        (1, at(date(2026, 12, 7), 10), AppointmentStatus.ATTENDED, None, None),
        (
            2,
            at(date(2026, 12, 10), 10),
            AppointmentStatus.DID_NOT_ATTEND,
            OWN_REASON,
            COURT_WORDING,
        ),
        (2, at(date(2026, 12, 15), 14), AppointmentStatus.ATTENDED, None, None),
    ):
        make.appointment(
            case=case,
            venue=venue,
            worker=world.worker,
            session_number=number,
            kind="assessment" if number == 1 else "care_plan",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            status=status,
            reason=reason,
            court_wording=wording,
        )
    make.session.add_all(
        [
            CaseEvent(case_id=case.id, kind="note", summary="EVENTMARKER"),
            CaseNote(case_id=case.id, author_id=world.worker.id, body="CASENOTEMARKER"),
            InboundMessage(
                provider_id="SM-reply-1",
                from_number="+447700900461",
                body="REPLYMARKER",
                client_id=client.id,
                case_id=case.id,
                organisation_id=world.project.id,
                action=ReplyAction.INBOX,
            ),
            OutboxMessage(
                client_id=client.id,
                case_id=case.id,
                kind="booking_confirmation",
                send_at=at(date(2026, 12, 3), 10),
                body="SMSBODYMARKER",
            ),
        ]
    )
    make.session.commit()
    return Seeded(case_id=case.id, client_name="Marnie Testwood")


def the_case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    assert case is not None
    return case


def the_user(user: User) -> User:
    found = db.session.get(User, user.id)
    assert found is not None
    return found


def signed_off(app: Flask, seeded: Seeded, world: World, statement: str = "") -> int:
    with app.app_context():
        report = reports.sign_off(
            the_case(seeded.case_id), actor=the_user(world.worker), statement=statement, now=NOW
        )
        return report.id


def send(
    app: Flask, report_id: int, world: World, now: datetime = NOW, why: str | None = None
) -> list[int]:
    with app.app_context():
        report = db.session.get(ComplianceReport, report_id)
        assert report is not None
        rows = reports.send_report(report, actor=the_user(world.worker), now=now, resend_reason=why)
        return [row.id for row in rows]


def mail_rows(app: Flask) -> list[OutgoingMail]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))
        db.session.expunge_all()
        return rows


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def parsed(content: bytes) -> EmailMessage:
    message = message_from_bytes(content, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def attachment(message: EmailMessage) -> bytes:
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    content = part.get_content()
    assert isinstance(content, bytes)
    return content


def words(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# ---------------------------------------------------------------------------------------
# Compliance of a case, from the model
# ---------------------------------------------------------------------------------------


def test_compliance_of_a_case_that_attended_both_sessions_is_complied(
    app: Flask, seeded: Seeded
) -> None:
    with app.app_context():
        result = facts.compliance_of(the_case(seeded.case_id), today=date(2026, 12, 23))

    assert result.status is ComplianceStatus.COMPLIED
    assert [s.attended_on for s in result.sessions] == [date(2026, 12, 7), date(2026, 12, 15)]
    assert [(m.day, m.court_wording) for m in result.missed] == [
        (date(2026, 12, 10), COURT_WORDING)
    ]


def test_compliance_of_counts_an_appointment_on_its_london_day(
    app: Flask, make: Factory, world: World
) -> None:
    # Summer time: 23:30 UTC on Mon 8 June is 00:30 on Tue 9 June in London.
    client = make.client(organisation=world.project)
    case = make.accepted_case(
        client=client,
        court=world.court,
        court_date=date(2026, 6, 3),
        return_date=date(2026, 7, 1),
    )
    venue = make.venue(organisation=world.project)
    starts = datetime(2026, 6, 8, 23, 30, tzinfo=UTC)
    make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        status=AppointmentStatus.ATTENDED,
    )

    with app.app_context():
        result = facts.compliance_of(the_case(case.id), today=date(2026, 6, 20))

    assert result.status is ComplianceStatus.IN_PROGRESS
    assert result.sessions[0].attended_on == date(2026, 6, 9)


def test_compliance_of_a_loaded_case_asks_the_database_nothing(
    app: Flask, seeded: Seeded, world: World
) -> None:
    statements: list[str] = []
    with app.app_context():
        case = case_for(the_user(world.worker), seeded.case_id)
        assert case is not None
        engine = db.session.get_bind()
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            result = facts.compliance_of(case, today=date(2026, 12, 23))
        finally:
            event.remove(engine, "before_cursor_execute", listener)

    assert result.status is ComplianceStatus.COMPLIED
    assert statements == []


def test_a_case_after_its_last_appointment_date_without_both_sessions_has_not_complied(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(organisation=world.project)
    case = make.accepted_case(client=client, court=world.court)

    with app.app_context():
        before = facts.compliance_of(the_case(case.id), today=date(2026, 12, 24))
        after = facts.compliance_of(the_case(case.id), today=date(2026, 12, 29))

    assert (before.status, after.status) == (
        ComplianceStatus.IN_PROGRESS,
        ComplianceStatus.NOT_COMPLIED,
    )


# ---------------------------------------------------------------------------------------
# The report: its forms, and what it shows
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "variant", "title", "noun", "to", "dates"),
    [
        (
            "CD",
            ReportVariant.COURT_DIVERSION,
            "Court diversion report",
            "appointments",
            "To {court} and the Crown Prosecution Service Court diversion report",
            "Court date Wednesday 2 December 2026 Return date Wednesday 30 December 2026",
        ),
        (
            "ESO",
            ReportVariant.SUPERVISOR_NOTICE,
            "Supervisor's notice",
            "meetings",
            "To {court} Supervisor's notice",
            "Date of the order Wednesday 2 December 2026 "
            "Date the order sets Wednesday 30 December 2026",
        ),
        (
            "RA",
            ReportVariant.ATTENDANCE_RECORD,
            "Attendance record",
            "assessments",
            "To the police Attendance record",
            "Date of the positive test Wednesday 2 December 2026 "
            "End of the window Wednesday 30 December 2026",
        ),
        (
            "CC",
            ReportVariant.COURT_DIVERSION,
            "Compliance report: Conditional caution (DIP condition)",
            "appointments",
            "To the Crown Prosecution Service and the police",
            "Date of the caution Wednesday 2 December 2026 Deadline Wednesday 30 December 2026",
        ),
    ],
)
def test_each_order_gets_its_form_of_report_addressed_to_whom_it_goes(
    app: Flask,
    make: Factory,
    world: World,
    code: str,
    variant: ReportVariant,
    title: str,
    noun: str,
    to: str,
    dates: str,
) -> None:
    client = make.client(organisation=world.project)
    case = make.order_case(code, client=client, court=world.court, worker=world.worker)

    with app.app_context():
        report = reports.sign_off(
            the_case(case.id), actor=the_user(world.worker), statement="", now=NOW
        )
        html = report.html
        stored = report.variant

    assert stored is variant
    text = words(html)
    assert title in text
    assert to.format(court=world.court.name) in text
    assert dates in text
    assert f"Required {noun}" in text
    assert "Draft" not in text


def test_the_signed_off_report_shows_attendance_and_the_sign_off(
    app: Flask, seeded: Seeded, world: World
) -> None:
    report_id = signed_off(app, seeded, world, statement="She engaged well.\nShe asks for support.")

    with app.app_context():
        report = db.session.get(ComplianceReport, report_id)
        assert report is not None
        html = report.html
        assert report.content_sha256 == hashlib.sha256(html.encode()).hexdigest()
        assert report.compliance_status == "complied"
        assert report.signed_off_by_id == world.worker.id

    text = words(html)
    for expected in (
        "Marnie Testwood",
        "Tuesday 27 March 1990",
        "01AB2345",
        world.court.name,
        "Court date Wednesday 2 December 2026",
        "Return date Wednesday 30 December 2026",
        "Court diversion (extended bail)",
        "Complied",
        "She attended both required appointments.",
        "1. Comprehensive assessment Monday 7 December 2026",
        "2. Care-plan session Tuesday 15 December 2026",
        "What happened What the court and the CPS are told",
        f"Thursday 10 December 2026 Care-plan session Did not attend {COURT_WORDING}",
        "Statement for the court and the CPS She engaged well.",
        "I confirm this record of attendance is accurate.",
        "Signed off by Wendy Worker",
        "Organisation Riverside Test Project",
        "Signed off on Wednesday 23 December 2026, 10:00",
    ):
        assert expected in text, expected
    assert html.startswith("<!DOCTYPE html>")
    assert "@page" in html and "A4" in html
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", html), "no external assets"


def test_a_session_not_attended_says_so(app: Flask, make: Factory, world: World) -> None:
    client = make.client(organisation=world.project)
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)

    with app.app_context():
        html = report_content.draft_html(the_case(case.id), today=date(2026, 12, 29))

    text = words(html)
    assert "1. Comprehensive assessment Not attended" in text
    assert "2. Care-plan session Not attended" in text
    assert "Not complied" in text
    assert "Draft: not signed off" in text


def test_nothing_she_has_not_agreed_to_share_reaches_report_pdf_or_email(
    app: Flask, seeded: Seeded, world: World, smtp: SmtpServer
) -> None:
    report_id = signed_off(app, seeded, world)
    send(app, report_id, world)

    with app.app_context():
        report = db.session.get(ComplianceReport, report_id)
        assert report is not None
        html = report.html
        pdf = pdf_documents.render_pdf(html)
        draft = report_content.draft_html(the_case(seeded.case_id), today=NOW.date())
    assert len(smtp.received) == 2
    outputs = {"html": html, "draft": draft, "pdf": pdf_text(pdf)}
    for number, received in enumerate(smtp.received):
        message = received.message
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        headers = "\n".join(f"{k}: {v}" for k, v in message.items())
        outputs[f"email {number}"] = headers + "\n" + body.get_content()
        outputs[f"attachment {number}"] = pdf_text(attachment(message))
        assert seeded.client_name not in outputs[f"email {number}"]  # only in the attachment
    for name, output in outputs.items():
        for marker in MARKERS:
            assert marker not in output, f"{marker} found in the {name}"
    assert "Marnie Testwood" in outputs["pdf"]


def test_the_pdf_shows_the_chosen_wording_and_the_statement_but_never_her_own_reason(
    app: Flask, seeded: Seeded, world: World, smtp: SmtpServer
) -> None:
    report_id = signed_off(app, seeded, world, statement="She came to every rebooked session.")
    send(app, report_id, world)

    with app.app_context():
        report = db.session.get(ComplianceReport, report_id)
        assert report is not None
        pdf = pdf_text(pdf_documents.render_pdf(report.html))
    sent = [pdf_text(attachment(received.message)) for received in smtp.received]
    assert len(sent) == 2
    for text in (pdf, *sent):
        assert f"Did not attend {COURT_WORDING}" in text
        assert "Statement for the court and the CPS She came to every rebooked session." in text
        assert "REASONMARKER" not in text and "hospital" not in text
    # Her worker still reads her own words on the case.
    with app.app_context():
        missed = [a for a in the_case(seeded.case_id).appointments if a.reason]
        assert [a.reason for a in missed] == [OWN_REASON]


# ---------------------------------------------------------------------------------------
# Sign-off
# ---------------------------------------------------------------------------------------


def test_a_new_sign_off_supersedes_the_last_and_both_stay(
    app: Flask, seeded: Seeded, world: World, smtp: SmtpServer
) -> None:
    first = signed_off(app, seeded, world, statement="First")
    second = signed_off(app, seeded, world, statement="Second")

    with app.app_context():
        latest = reports.latest_report(seeded.case_id)
        assert latest is not None and latest.id == second
        assert [r.id for r in reports.reports_for_case(seeded.case_id)] == [second, first]
        old = db.session.get(ComplianceReport, first)
        assert old is not None
        with pytest.raises(RuleBroken, match="newer sign-off"):
            reports.send_report(old, actor=the_user(world.worker), now=NOW)
        events = db.session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == seeded.case_id)
        ).all()
        audits = db.session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "report_signed_off")
        ).all()
    assert events.count("report_signed_off") == 2
    assert sorted(audits) == [first, second]
    assert smtp.received == []


def test_sign_off_is_refused_until_the_court_has_set_a_return_date(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(organisation=world.project)
    case = make.case(client=client, court=world.court, worker=world.worker)

    with app.app_context(), pytest.raises(RuleBroken, match="put her on the scheme"):
        reports.sign_off(the_case(case.id), actor=the_user(world.worker), statement="", now=NOW)

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ComplianceReport)) == 0


def test_sign_off_refuses_a_statement_too_long(app: Flask, seeded: Seeded, world: World) -> None:
    with app.app_context(), pytest.raises(RuleBroken, match="2000 characters or fewer"):
        reports.sign_off(
            the_case(seeded.case_id), actor=the_user(world.worker), statement="x" * 2001, now=NOW
        )


def test_sign_off_by_another_organisation_is_refused(
    app: Flask, seeded: Seeded, world: World
) -> None:
    with app.app_context(), pytest.raises(RuleBroken):
        reports.sign_off(
            the_case(seeded.case_id),
            actor=the_user(world.other_org_worker),
            statement="",
            now=NOW,
        )


# ---------------------------------------------------------------------------------------
# Sending through a real SMTP server
# ---------------------------------------------------------------------------------------


def test_sending_mails_the_court_and_the_cps_each_the_signed_pdf(
    app: Flask, seeded: Seeded, world: World, smtp: SmtpServer
) -> None:
    report_id = signed_off(app, seeded, world)

    ids = send(app, report_id, world)

    rows = mail_rows(app)
    assert [row.id for row in rows] == ids
    assert [(row.recipient_role, row.recipient, row.status) for row in rows] == [
        ("court", COURT_EMAIL, MailStatus.SENT),
        ("cps", CPS_EMAIL, MailStatus.SENT),
    ]
    assert all(row.sent_at == NOW and row.requested_by_id == world.worker.id for row in rows)
    assert [(r.mail_from, r.rcpt_tos) for r in smtp.received] == [
        (FROM, [COURT_EMAIL]),
        (FROM, [CPS_EMAIL]),
    ]
    for row, received in zip(rows, smtp.received, strict=True):
        message = received.message
        assert message["Subject"] == "Compliance report: court ref 01AB2345"
        assert message["To"] == row.recipient
        assert message["From"] == FROM_HEADER
        assert message["Message-ID"].endswith("@project.example.test>")
        assert message.is_multipart()
        body = message.get_body(preferencelist=("plain",))
        assert body is not None and "compliance report is attached" in body.get_content()
        pdf = attachment(message)
        assert hashlib.sha256(pdf).hexdigest() == row.content_sha256
        assert attachment(parsed(row.message)) == pdf  # the row holds what was sent
        text = pdf_text(pdf)
        for expected in ("Marnie Testwood", "Complied", "01AB2345", "30 December 2026"):
            assert expected in text
        assert "7 December 2026" in text and "15 December 2026" in text
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("report_sent") == 2
    assert "report_send_requested" in actions


def test_a_resend_is_new_rows_and_new_messages(
    app: Flask, seeded: Seeded, world: World, smtp: SmtpServer
) -> None:
    report_id = signed_off(app, seeded, world)

    first = send(app, report_id, world)
    # Pressed again, or a stale page: refused, never sent twice by accident.
    with pytest.raises(RuleBroken, match=r"already sent on .* To send it again, say why"):
        send(app, report_id, world, now=NOW + timedelta(minutes=1))
    assert len(smtp.received) == 2
    again = send(
        app, report_id, world, now=NOW + timedelta(hours=1), why="The court asked for it again"
    )

    assert set(first).isdisjoint(again)
    assert len(mail_rows(app)) == 4
    assert len(smtp.received) == 4
    with app.app_context():
        events = db.session.scalars(
            select(CaseEvent.summary).where(CaseEvent.kind == "report_resent")
        ).all()
    assert [
        e.endswith("sent again to the court and the CPS: The court asked for it again")
        for e in events
    ] == [True]


def test_once_sent_the_page_says_so_and_a_resend_is_a_separate_action_that_asks_why(
    app: Flask, seeded: Seeded, world: World, smtp: SmtpServer
) -> None:
    report_id = signed_off(app, seeded, world)
    web = signed_in_client(app, world.worker)
    before = web.get(f"/cases/{seeded.case_id}/report").get_data(as_text=True)
    assert 'id="report-sent"' not in before and "Sign off the report" in before

    send(app, report_id, world)
    page = web.get(f"/cases/{seeded.case_id}/report").get_data(as_text=True)
    assert 'id="report-sent"' in page
    assert "Sign off the report" not in page  # no live sign-off form once sent
    assert 'id="preview"' not in page  # no draft preview either
    assert 'id="resend"' in page and 'name="send-resend_reason"' in page

    token = re.search(r'name="send-csrf_token"[^>]*value="([^"]+)"', page)
    refused = web.post(
        f"/cases/{seeded.case_id}/report/send",
        data={"send-report_id": str(report_id), "send-csrf_token": token.group(1) if token else ""},
        follow_redirects=True,
    )
    assert "To send it again, say why" in refused.get_data(as_text=True)
    assert len(smtp.received) == 2


def test_sending_needs_both_addresses_set_up_in_administration(
    app: Flask, seeded: Seeded, world: World, make: Factory, smtp: SmtpServer
) -> None:
    world.court.cps_email = None
    make.session.add(world.court)
    make.session.commit()
    report_id = signed_off(app, seeded, world)

    with pytest.raises(RuleBroken) as refused:
        send(app, report_id, world)

    assert "no CPS email address" in refused.value.message
    assert "Administration > Courts" in refused.value.message
    assert mail_rows(app) == []
    assert smtp.received == []


def test_when_the_mail_server_is_down_the_rows_wait_and_go_later_exactly_once(
    app: Flask, seeded: Seeded, world: World, smtp_port: int
) -> None:
    report_id = signed_off(app, seeded, world)

    send(app, report_id, world)

    rows = mail_rows(app)
    assert [(r.status, r.attempts) for r in rows] == [(MailStatus.PENDING, 1)] * 2
    assert all(r.last_error == "the mail server refused the connection" for r in rows)
    assert all(r.next_attempt_at == NOW + timedelta(minutes=1) for r in rows)
    server = SmtpServer(smtp_port).start()
    try:
        with app.app_context():
            early = mail_queue.deliver_pending(
                now=NOW + timedelta(seconds=30), mailer=mail_queue.app_mailer()
            )
            due = mail_queue.deliver_pending(
                now=NOW + timedelta(minutes=1), mailer=mail_queue.app_mailer()
            )
            later = mail_queue.deliver_pending(
                now=NOW + timedelta(hours=2), mailer=mail_queue.app_mailer()
            )
    finally:
        server.stop()

    assert (early.sent, early.retry) == ([], [])
    assert sorted(due.sent) == [r.id for r in rows]
    assert later.sent == []
    assert [r.status for r in mail_rows(app)] == [MailStatus.SENT] * 2
    assert sorted(r.rcpt_tos[0] for r in server.received) == sorted([COURT_EMAIL, CPS_EMAIL])


def test_retries_back_off_then_fail_after_eight_attempts_and_can_be_retried(
    app: Flask, seeded: Seeded, world: World, smtp_port: int
) -> None:
    report_id = signed_off(app, seeded, world)
    send(app, report_id, world)
    moment = NOW
    waits = []
    with app.app_context():
        for _ in range(7):
            row = db.session.scalar(select(OutgoingMail).order_by(OutgoingMail.id).limit(1))
            assert row is not None and row.next_attempt_at is not None
            waits.append(int((row.next_attempt_at - moment).total_seconds() // 60))
            moment = row.next_attempt_at
            mail_queue.deliver_pending(now=moment, mailer=mail_queue.app_mailer())
            db.session.expire_all()

    rows = mail_rows(app)
    assert waits == [1, 2, 4, 8, 16, 32, 60]
    assert [(r.status, r.attempts, r.next_attempt_at) for r in rows] == [
        (MailStatus.FAILED, 8, None)
    ] * 2
    server = SmtpServer(smtp_port).start()
    try:
        with app.app_context():
            row = db.session.get(OutgoingMail, rows[0].id)
            assert row is not None
            retried = mail_queue.retry_mail(row, actor=the_user(world.worker), now=moment)
            assert retried.status is MailStatus.SENT
            with pytest.raises(RuleBroken):
                mail_queue.retry_mail(retried, actor=the_user(world.worker), now=moment)
    finally:
        server.stop()
    assert len(server.received) == 1


def test_the_scheduler_job_delivers_what_is_due(
    app: Flask,
    seeded: Seeded,
    world: World,
    smtp_port: int,
    clock: time_machine.Coordinates,
) -> None:
    send(app, signed_off(app, seeded, world), world)
    server = SmtpServer(smtp_port).start()
    try:
        clock.move_to(NOW + timedelta(minutes=5))
        with app.app_context():
            mail_queue.deliver_mail_job()
    finally:
        server.stop()

    assert [r.status for r in mail_rows(app)] == [MailStatus.SENT] * 2
    assert len(server.received) == 2


def test_no_name_or_address_is_logged_while_sending(
    app: Flask,
    seeded: Seeded,
    world: World,
    smtp_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    report_id = signed_off(app, seeded, world)
    with caplog.at_level(logging.DEBUG, logger="diversion"):
        send(app, report_id, world)  # server down: failures are logged
        server = SmtpServer(smtp_port).start()
        try:
            send(app, report_id, world, why="The mail server is back")
        finally:
            server.stop()

    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("diversion"))
    assert "not sent" in ours and "handed to the mail server" in ours
    for secret in ("Marnie", "Testwood", COURT_EMAIL, CPS_EMAIL, FROM, "01AB2345"):
        assert secret not in ours


def test_the_development_mailer_writes_eml_files_that_caseworkers_can_list(
    app: Flask, seeded: Seeded, world: World, file_mail: Path, web: FlaskClient
) -> None:
    report_id = signed_off(app, seeded, world)

    send(app, report_id, world)

    rows = mail_rows(app)
    assert [r.status for r in rows] == [MailStatus.SENT] * 2
    for row in rows:
        assert row.eml_path is not None
        path = Path(row.eml_path)
        assert path.parent == file_mail and path.suffix == ".eml"
        assert path.read_bytes() == row.message
    sign_in(web, world.worker)
    page = web.get("/mail")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("Compliance report: court ref 01AB2345") == 2
    eml = web.get(f"/mail/{rows[0].id}.eml")
    assert eml.status_code == 200
    assert eml.mimetype == "message/rfc822"
    assert eml.data == rows[0].message
    app.config["MAIL_SERVER"] = "127.0.0.1"
    assert web.get("/mail").status_code == 404
    assert web.get(f"/mail/{rows[0].id}.eml").status_code == 404


def test_the_development_mail_list_shows_only_the_organisations_own(
    app: Flask, seeded: Seeded, world: World, file_mail: Path, web: FlaskClient
) -> None:
    send(app, signed_off(app, seeded, world), world)
    rows = mail_rows(app)

    sign_in(web, world.other_org_worker)

    assert "court ref" not in web.get("/mail").get_data(as_text=True)
    assert web.get(f"/mail/{rows[0].id}.eml").status_code == 404


# ---------------------------------------------------------------------------------------
# The report page
# ---------------------------------------------------------------------------------------


def test_a_worker_previews_signs_off_and_sends_from_the_report_page(
    app: Flask, seeded: Seeded, world: World, web: FlaskClient, smtp: SmtpServer
) -> None:
    sign_in(web, world.worker)
    url = f"/cases/{seeded.case_id}/report"

    page = web.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'src="/cases/{seeded.case_id}/report/preview"' in html
    assert "Not signed off yet." in html
    assert "Tuesday 29 December 2026, 12:00" in words(html)  # report due

    preview = web.get(f"/cases/{seeded.case_id}/report/preview")
    assert preview.status_code == 200
    assert "Draft: not signed off" in preview.get_data(as_text=True)
    policy_header = preview.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy_header
    assert "frame-ancestors 'self'" in policy_header
    [digest] = report_content.style_hashes(preview.get_data(as_text=True))
    assert f"style-src {digest}" in policy_header
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"

    signed = web.post(url, data={"statement": "She engaged well.", "confirm": "y"})
    assert signed.status_code == 302
    with app.app_context():
        latest = reports.latest_report(seeded.case_id)
        assert latest is not None and latest.statement == "She engaged well."
        report_id = latest.id
    page = web.get(url).get_data(as_text=True)
    assert "Current" in page and f"/reports/{report_id}.pdf" in page

    sent = web.post(f"{url}/send", data={"send-report_id": str(report_id)})
    assert sent.status_code == 302
    page = web.get(url).get_data(as_text=True)
    assert "Report sent to the court and the CPS." in page
    assert COURT_EMAIL in page and CPS_EMAIL in page
    # Each email's status, and the sign-off's own "Sent" tag.
    assert page.count("Sent Wed 23 Dec 2026, 10:00") == 3
    assert len(smtp.received) == 2
    assert "Wendy Worker" in words(page)


def test_the_page_sends_only_the_sign_off_it_showed(
    app: Flask, seeded: Seeded, world: World, web: FlaskClient, smtp: SmtpServer
) -> None:
    old = signed_off(app, seeded, world, statement="Old")
    signed_off(app, seeded, world, statement="New")
    sign_in(web, world.worker)

    response = web.post(
        f"/cases/{seeded.case_id}/report/send",
        data={"send-report_id": str(old)},
        follow_redirects=True,
    )

    assert "signed off again since that page was shown" in response.get_data(as_text=True)
    assert mail_rows(app) == []


def test_sign_off_needs_the_confirmation(
    app: Flask, seeded: Seeded, world: World, web: FlaskClient
) -> None:
    sign_in(web, world.worker)

    response = web.post(f"/cases/{seeded.case_id}/report", data={"statement": "All fine."})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "Confirm that this record of attendance is accurate" in html
    with app.app_context():
        assert reports.latest_report(seeded.case_id) is None


def test_sign_off_page_refuses_a_case_without_a_return_date(
    app: Flask, make: Factory, world: World, web: FlaskClient
) -> None:
    client = make.client(organisation=world.project)
    case = make.case(client=client, court=world.court, worker=world.worker)
    sign_in(web, world.worker)

    page = web.get(f"/cases/{case.id}/report")
    posted = web.post(f"/cases/{case.id}/report", data={"confirm": "y"})

    assert "once the court has put her on the scheme" in page.get_data(as_text=True)
    assert 'action="/cases/' not in page.get_data(as_text=True)
    assert posted.status_code == 200
    assert "once the court has put her on the scheme" in posted.get_data(as_text=True)
    assert web.get(f"/cases/{case.id}/report/preview").status_code == 404
    with app.app_context():
        assert reports.latest_report(case.id) is None


def test_a_report_whose_record_changed_since_sign_off_must_be_signed_off_again(
    app: Flask, seeded: Seeded, world: World, web: FlaskClient, make: Factory
) -> None:
    signed_off_id = signed_off(app, seeded, world)
    sign_in(web, world.worker)
    page = web.get(f"/cases/{seeded.case_id}/report").get_data(as_text=True)
    assert 'id="changed"' not in page
    assert 'id="send-form"' in page

    case = make.session.get(Case, seeded.case_id)
    assert case is not None
    case.court_reference = "09ZZ9999"
    make.session.commit()

    page = web.get(f"/cases/{seeded.case_id}/report").get_data(as_text=True)
    assert 'id="changed"' in page
    assert 'id="send-form"' not in page
    with pytest.raises(RuleBroken, match="changed since this report was signed off"):
        send(app, signed_off_id, world)
    assert mail_rows(app) == []


def test_a_failed_email_is_shown_and_the_retry_button_sends_it(
    app: Flask, seeded: Seeded, world: World, web: FlaskClient, smtp_port: int, make: Factory
) -> None:
    send(app, signed_off(app, seeded, world), world)  # server down
    rows = mail_rows(app)
    for row in rows:
        stored = make.session.get(OutgoingMail, row.id)
        assert stored is not None
        stored.status, stored.attempts, stored.next_attempt_at = MailStatus.FAILED, 8, None
    make.session.commit()
    sign_in(web, world.worker)

    page = web.get(f"/cases/{seeded.case_id}/report").get_data(as_text=True)
    assert page.count("Failed after 8 tries") == 2
    assert "the mail server refused the connection" in page
    assert f'action="/cases/{seeded.case_id}/mail/{rows[0].id}/retry"' in page

    server = SmtpServer(smtp_port).start()
    try:
        response = web.post(f"/cases/{seeded.case_id}/mail/{rows[0].id}/retry", data={})
    finally:
        server.stop()

    assert response.status_code == 302
    assert [r.status for r in mail_rows(app)] == [MailStatus.SENT, MailStatus.FAILED]
    assert len(server.received) == 1


# ---------------------------------------------------------------------------------------
# Who may read what (security.md 3)
# ---------------------------------------------------------------------------------------


def test_another_organisation_gets_404_for_the_report_page_preview_and_pdf(
    app: Flask, seeded: Seeded, world: World, web: FlaskClient
) -> None:
    report_id = signed_off(app, seeded, world)
    sign_in(web, world.other_org_worker)

    assert web.get(f"/cases/{seeded.case_id}/report").status_code == 404
    assert web.post(f"/cases/{seeded.case_id}/report", data={"confirm": "y"}).status_code == 404
    assert web.get(f"/cases/{seeded.case_id}/report/preview").status_code == 404
    assert web.post(f"/cases/{seeded.case_id}/report/send", data={}).status_code == 404
    assert web.get(f"/reports/{report_id}.pdf").status_code == 404


def test_court_liaison_and_cps_of_the_case_court_can_download_the_pdf(
    app: Flask, seeded: Seeded, world: World, web: FlaskClient
) -> None:
    report_id = signed_off(app, seeded, world)

    for reader in (world.liaison, world.cps, world.worker, world.manager):
        sign_in(web, reader)
        response = web.get(f"/reports/{report_id}.pdf")
        assert response.status_code == 200, reader.role
        assert response.mimetype == "application/pdf"
        assert "compliance-report-01AB2345.pdf" in response.headers["Content-Disposition"]
        assert "Marnie Testwood" in pdf_text(response.data)
        web.post("/sign-out")

    with app.app_context():
        exports = db.session.scalars(
            select(AuditEvent.user_id).where(AuditEvent.action == "report_exported")
        ).all()
    assert sorted(exports) == sorted(
        u.id for u in (world.liaison, world.cps, world.worker, world.manager)
    )


def test_court_liaison_of_another_court_gets_404_and_others_403(
    app: Flask, seeded: Seeded, world: World, web: FlaskClient, make: Factory
) -> None:
    report_id = signed_off(app, seeded, world)
    other_court_org = make.organisation(name="Elsewhere Court", kind=OrganisationKind.COURT)
    make.court(organisation_id=other_court_org.id)
    stranger = make.user(organisation=other_court_org, role=Role.COURT_LIAISON)
    other_cps = make.user(
        organisation=make.organisation(name="Other CPS", kind=OrganisationKind.CPS), role=Role.CPS
    )

    for reader, status in ((stranger, 404), (other_cps, 404), (world.admin, 403)):
        sign_in(web, reader)
        assert web.get(f"/reports/{report_id}.pdf").status_code == status, reader.role
        web.post("/sign-out")
    sign_in(web, world.liaison)
    assert web.get(f"/cases/{seeded.case_id}/report").status_code == 403


def test_the_case_status_still_reads_withdrawn_after_she_left(
    app: Flask, seeded: Seeded, world: World, make: Factory
) -> None:
    case = make.session.get(Case, seeded.case_id)
    assert case is not None
    case.status = CaseStatus.WITHDRAWN
    make.session.commit()

    with app.app_context():
        report = reports.sign_off(
            the_case(seeded.case_id), actor=the_user(world.worker), statement="", now=NOW
        )
        html = report.html

    assert "Withdrawn or declined" in words(html)


def court_reads(web: FlaskClient, world: World, report_id: int) -> str:
    """The text of a signed-off report's PDF as court liaison downloads it."""
    sign_in(web, world.liaison)
    response = web.get(f"/reports/{report_id}.pdf")
    assert response.status_code == 200
    web.post("/sign-out")
    return pdf_text(response.data)


def test_an_appointment_the_project_cancelled_is_in_the_report_the_court_reads(
    app: Flask, make: Factory, world: World, web: FlaskClient
) -> None:
    client = make.client(organisation=world.project)
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    venue = make.venue(organisation=world.project)
    for number, starts, status, reason, wording in (
        (1, at(date(2026, 12, 7), 10), AppointmentStatus.ATTENDED, None, None),
        (
            2,
            at(date(2026, 12, 10), 10),
            AppointmentStatus.CANCELLED_BY_SERVICE,
            "Worker off sick",
            "Rearranged by the project",
        ),
        (2, at(date(2026, 12, 15), 14), AppointmentStatus.ATTENDED, None, None),
    ):
        make.appointment(
            case=case,
            venue=venue,
            worker=world.worker,
            session_number=number,
            kind="assessment" if number == 1 else "care_plan",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            status=status,
            reason=reason,
            court_wording=wording,
        )

    with app.app_context():
        report = reports.sign_off(
            the_case(case.id), actor=the_user(world.worker), statement="", now=NOW
        )
        html, status, report_id = report.html, report.compliance_status, report.id
    pdf = court_reads(web, world, report_id)

    # Made up inside the window, so she complied; the cancellation is still the court's to read.
    assert status == "complied"
    text = words(html)
    assert (
        "Missed or cancelled appointments Date Appointment What happened What the court and "
        "the CPS are told Thursday 10 December 2026 Care-plan session Cancelled by the project "
        "Rearranged by the project"
    ) in text
    for expected in ("10 December 2026", "Cancelled by the project", "Rearranged by the project"):
        assert expected in pdf, expected
    # The worker's own words stay in her organisation's file.
    assert "Worker off sick" not in text and "Worker off sick" not in pdf


@pytest.mark.parametrize("left", [CaseStatus.WITHDRAWN, CaseStatus.DECLINED])
def test_a_woman_who_left_after_attending_every_session_is_not_reported_as_complied(
    app: Flask, seeded: Seeded, world: World, make: Factory, web: FlaskClient, left: CaseStatus
) -> None:
    case = make.session.get(Case, seeded.case_id)
    assert case is not None
    case.status = left  # the seeded case attended both sessions inside the window
    make.session.commit()

    with app.app_context():
        report = reports.sign_off(
            the_case(seeded.case_id), actor=the_user(world.worker), statement="", now=NOW
        )
        html, status, report_id = report.html, report.compliance_status, report.id
        draft = report_content.draft_html(the_case(seeded.case_id), today=RETURN_DAY)
    pdf = court_reads(web, world, report_id)

    assert status == "withdrawn_or_declined"
    for name, text in {"html": words(html), "draft": words(draft), "pdf": pdf}.items():
        assert "Withdrawn or declined" in text, name
        assert "She declined the scheme or left it." in text, name
        assert "complied" not in text.lower(), name
    assert "She attended 2 of the 2 required appointments." in words(html)


def test_the_case_page_links_to_its_compliance_report(
    seeded: Seeded, world: World, web: FlaskClient
) -> None:
    sign_in(web, world.worker)

    page = web.get(f"/cases/{seeded.case_id}").get_data(as_text=True)

    assert f'href="/cases/{seeded.case_id}/report"' in page


def test_no_statement_however_strange_breaks_the_sign_off_page(
    app: Flask, seeded: Seeded, world: World, web: FlaskClient
) -> None:
    sign_in(web, world.worker)
    url = f"/cases/{seeded.case_id}/report"

    for statement in NASTY_STRINGS:
        response = web.post(url, data={"statement": statement, "confirm": "y"})
        assert response.status_code in (200, 302), repr(statement)

    with app.app_context():
        signed = reports.reports_for_case(seeded.case_id)
        assert 0 < len(signed) < len(NASTY_STRINGS)  # control characters and 5000 x refused
        assert all("\x00" not in r.statement and len(r.statement) <= 2000 for r in signed)
        assert any("<script>" in r.statement for r in signed)
        assert all("<script" not in r.html and "<img" not in r.html for r in signed)
        pdf = pdf_documents.render_pdf(signed[0].html)
    assert "Marnie Testwood" in pdf_text(pdf)


# ---------------------------------------------------------------------------------------
# Each order's report goes to whom its requirement type says
# ---------------------------------------------------------------------------------------

POLICE_EMAIL = "diversion@police.example.test"


def required_assessment_with_a_miss_and_a_lapse(make: Factory, world: World) -> Case:
    """A Required Assessment: the initial assessment missed once, then attended; the
    follow-up recorded as not needed by the assessor."""
    world.court.police_email = POLICE_EMAIL
    make.session.add(world.court)
    client = make.client(organisation=world.project, first_name="Rhoda", last_name="Testfield")
    case = make.order_case("RA", client=client, court=world.court, worker=world.worker)
    venue = make.venue(organisation=world.project)
    for day, status, wording in (
        (at(date(2026, 12, 7), 10), AppointmentStatus.DID_NOT_ATTEND, COURT_WORDING),
        (at(date(2026, 12, 9), 10), AppointmentStatus.ATTENDED, None),
    ):
        make.appointment(
            case=case,
            venue=venue,
            worker=world.worker,
            starts_at=day,
            ends_at=day + timedelta(minutes=90),
            status=status,
            reason="REASONMARKER she overslept" if wording else None,
            court_wording=wording,
        )
    make._save(
        LapsedSession(
            case_id=case.id,
            session_number=2,
            user_id=world.worker.id,
            reason="LAPSEMARKER already in treatment",
        )
    )
    return case


def test_a_required_assessment_record_goes_to_the_police_alone_with_the_miss_and_the_lapse(
    app: Flask, make: Factory, world: World, smtp: SmtpServer, web: FlaskClient
) -> None:
    case = required_assessment_with_a_miss_and_a_lapse(make, world)
    with app.app_context():
        report = reports.sign_off(
            the_case(case.id), actor=the_user(world.worker), statement="", now=NOW
        )
        report_id, html, status = report.id, report.html, report.compliance_status

    send(app, report_id, world)

    assert status == "complied"  # the follow-up lapsed, so the one attended is all she owed
    assert [(row.recipient_role, row.recipient) for row in mail_rows(app)] == [
        ("police", POLICE_EMAIL)
    ]
    assert [r.rcpt_tos for r in smtp.received] == [[POLICE_EMAIL]]
    body = smtp.received[0].message.get_body(preferencelist=("plain",))
    assert body is not None and "It is for the police only" in body.get_content()
    assert "End of the window: Wednesday 30 December 2026" in body.get_content()
    text = words(html)
    for expected in (
        "To the police Attendance record: Required Assessment",
        "Follow-up assessment: not needed.",
        f"Monday 7 December 2026 Initial assessment Did not attend {COURT_WORDING}",
        "What the police are told",
        "For the police only.",
    ):
        assert expected in text
    for never in ("Crown Prosecution", "LAPSEMARKER", "treatment", "REASONMARKER"):
        assert never not in text
    # The court and the CPS get nothing of an order whose report goes to the police alone.
    for reader in (world.liaison, world.cps):
        sign_in(web, reader)
        assert web.get(f"/reports/{report_id}.pdf").status_code == 404, reader.role
        web.post("/sign-out")
    sign_in(web, world.worker)
    page = web.get(f"/cases/{case.id}/report").get_data(as_text=True)
    assert "The police: " + POLICE_EMAIL in page
    assert "The court:" not in page and "The CPS:" not in page


def test_a_report_for_the_police_needs_the_police_address_set_up(
    app: Flask, make: Factory, world: World, smtp: SmtpServer
) -> None:
    case = required_assessment_with_a_miss_and_a_lapse(make, world)
    world.court.police_email = None
    make.session.add(world.court)
    make.session.commit()
    with app.app_context():
        report_id = reports.sign_off(
            the_case(case.id), actor=the_user(world.worker), statement="", now=NOW
        ).id

    with pytest.raises(RuleBroken) as refused:
        send(app, report_id, world)

    assert "no police email address" in refused.value.message
    assert mail_rows(app) == [] and smtp.received == []


def test_an_engagement_and_support_order_notice_goes_to_the_court_alone(
    app: Flask, make: Factory, world: World, smtp: SmtpServer
) -> None:
    client = make.client(organisation=world.project)
    case = make.order_case(
        "ESO", client=client, court=world.court, worker=world.worker, end=date(2027, 1, 29)
    )
    with app.app_context():
        report_id = reports.sign_off(
            the_case(case.id), actor=the_user(world.worker), statement="", now=NOW
        ).id

    send(app, report_id, world)

    assert [row.recipient_role for row in mail_rows(app)] == ["court"]
    assert [r.rcpt_tos for r in smtp.received] == [[world.court.court_email]]


def test_a_caution_has_no_report_until_both_agencies_agreed(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(organisation=world.project)
    case = make.order_case("CC", client=client, court=world.court, worker=world.worker)
    with app.app_context():
        db.session.execute(delete(CaseAgreement).where(CaseAgreement.case_id == case.id))
        db.session.commit()
        reason = report_content.why_no_report(the_case(case.id))
        with pytest.raises(RuleBroken):
            reports.sign_off(the_case(case.id), actor=the_user(world.worker), statement="", now=NOW)

    assert reason == "A report can be signed off once the case has been agreed."
