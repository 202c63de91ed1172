"""Report deadlines and the two report jobs, with mail received by a real SMTP server."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select, text

from diversion.court.reports import send_report, sign_off
from diversion.court.schedule import (
    LIST_JOB,
    LIST_KIND,
    REMINDER_KIND,
    ReportState,
    report_state,
    send_lists,
    send_reminders,
)
from diversion.crypto import looks_like_token
from diversion.db import db
from diversion.models import (
    AppointmentStatus,
    CaseEvent,
    JobRun,
    MailStatus,
    OutgoingMail,
    OutgoingMailCase,
)
from scheduling.ledger import sitting_day_period
from tests.conftest import World, make_app, sign_in
from tests.diversion.mail.smtp_server import SmtpServer, free_port
from tests.factories import Factory

# Court Wed 2 Dec 2026, return Wed 30 Dec 2026: the report is due Tue 29 Dec at 12:00
# (GMT, so 12:00 UTC), the working day before.
RETURN = date(2026, 12, 30)
DUE = datetime(2026, 12, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app(tmp_path: Path, smtp_port: int) -> Iterator[Flask]:
    application = make_app(
        tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        MAIL_FROM="Diversion scheduler <scheduler@project.example.org>",
    )
    yield application
    application.extensions["diversion.db"][0].dispose()


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[SmtpServer]:
    server = SmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cases(make: Factory, world: World):
    """Two women on the scheme returning 30 Dec: one attended both sessions, one did not."""
    world.court.court_email = "listing@court.example.org"
    world.court.cps_email = "cps@cps.example.org"
    make.session.commit()
    venue = make.venue(organisation=world.project)
    made = []
    for first, attended in (("Avery", 2), ("Blake", 1)):
        client = make.client(organisation=world.project, first_name=first, last_name="Marker")
        case = make.accepted_case(
            client=client, court=world.court, worker=world.worker, court_reference=f"REF{first}"
        )
        for number in range(1, attended + 1):
            starts = datetime(2026, 12, 3 + 4 * number, 11, 0, tzinfo=UTC)
            make.appointment(
                case=case,
                venue=venue,
                worker=world.worker,
                session_number=number,
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                status=AppointmentStatus.ATTENDED,
            )
        made.append(case)
    return made


def test_report_state_moves_from_not_due_to_due_to_overdue_unless_sent() -> None:
    soon = date(2026, 12, 29)
    kw = {"due_at": DUE, "pending": False, "due_soon": soon}
    assert (
        report_state(
            sent_at=None, now=DUE - timedelta(days=3), **{**kw, "due_soon": date(2026, 12, 27)}
        )
        is ReportState.NOT_YET_DUE
    )
    assert report_state(sent_at=None, now=DUE - timedelta(hours=3), **kw) is ReportState.DUE
    assert report_state(sent_at=None, now=DUE, **kw) is ReportState.OVERDUE
    assert report_state(sent_at=DUE - timedelta(hours=1), now=DUE, **kw) is ReportState.SENT
    pending = {**kw, "pending": True}
    assert report_state(sent_at=None, now=DUE, **pending) is ReportState.SENDING


def test_no_reminder_before_nine_nor_on_a_weekend(app: Flask, cases, smtp: SmtpServer) -> None:
    with app.app_context():
        # Mon 28 Dec 2026 is a bank holiday (Boxing Day substitute); Sun 27 Dec a Sunday.
        assert send_reminders(now=datetime(2026, 12, 27, 10, 0, tzinfo=UTC)) == []
        assert send_reminders(now=datetime(2026, 12, 28, 10, 0, tzinfo=UTC)) == []
        assert send_reminders(now=datetime(2026, 12, 24, 8, 59, tzinfo=UTC)) == []
    assert smtp.received == []


def test_at_nine_on_the_working_day_before_the_worker_is_reminded_once(
    app: Flask, cases, world: World, smtp: SmtpServer
) -> None:
    # Thu 24 Dec is the working day before the due day (25 and 28 Dec are bank holidays).
    nine = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    with app.app_context():
        first = send_reminders(now=nine)
        again = send_reminders(now=nine + timedelta(minutes=5))
    assert len(first) == 1
    assert again == []
    assert len(smtp.received) == 1
    message = smtp.received[0].message
    assert message["To"] == world.worker.email
    text = message.get_content()
    references = [case.reference or str(case.id) for case in cases]
    assert all(reference in text for reference in references)
    assert "Tuesday 29 December 2026, 12:00" in text
    # No client's name reaches her mailbox.
    assert "Avery" not in text and "Marker" not in text
    with app.app_context():
        row = db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.kind == REMINDER_KIND)
        ).one()
        assert (row.status, row.requested_by_job) == (MailStatus.SENT, "report-reminders")


def test_a_report_already_sent_is_not_reminded(
    app: Flask, cases, world: World, smtp: SmtpServer
) -> None:
    with app.app_context():
        worker = db.session.merge(world.worker)
        for case in cases:
            report = sign_off(
                db.session.merge(case), actor=worker, statement="", now=DUE - timedelta(days=6)
            )
            send_report(report, actor=worker, now=DUE - timedelta(days=6))
        smtp.received.clear()
        assert send_reminders(now=datetime(2026, 12, 24, 9, 0, tzinfo=UTC)) == []
    assert smtp.received == []


def test_at_the_report_time_the_court_gets_the_list_and_unsent_reports_are_flagged(
    app: Flask, cases, world: World, smtp: SmtpServer
) -> None:
    avery, blake = cases
    with app.app_context():
        worker = db.session.merge(world.worker)
        report = sign_off(
            db.session.merge(avery), actor=worker, statement="", now=DUE - timedelta(days=1)
        )
        send_report(report, actor=worker, now=DUE - timedelta(days=1))
        smtp.received.clear()
        assert send_lists(now=DUE - timedelta(minutes=1)) == []
        sent = send_lists(now=DUE)
        assert send_lists(now=DUE + timedelta(minutes=5)) == []
        flagged = db.session.scalars(
            select(CaseEvent.case_id).where(CaseEvent.kind == "report_not_sent")
        ).all()
        row = db.session.scalars(select(OutgoingMail).where(OutgoingMail.kind == LIST_KIND)).one()
        assert (row.sitting_date, row.court_id, row.requested_by_job) == (
            RETURN,
            world.court.id,
            "sitting-day-lists",
        )
    assert len(sent) == 1
    assert flagged == [blake.id]
    assert len(smtp.received) == 1
    message = smtp.received[0].message
    assert message["To"] == "listing@court.example.org"
    (part,) = [p for p in message.iter_attachments()]
    assert part.get_filename().endswith("2026-12-30.csv")
    rows = list(csv.reader(io.StringIO(part.get_content())))
    by_ref = {row[3]: row for row in rows[1:]}
    assert by_ref["REFAvery"][7] == "Complied"
    assert by_ref["REFBlake"][7] == "Not complied"
    assert (
        "Reports not yet sent by the report time: 1" in message.get_body(("plain",)).get_content()
    )


def test_a_list_another_scheduler_has_queued_is_not_queued_again(
    app: Flask, cases, world: World, make: Factory, smtp: SmtpServer
) -> None:
    # Two servers' ticks met: the other's transaction claimed this court's sitting day first.
    make.session.add(
        JobRun(
            job=LIST_JOB,
            period=sitting_day_period(RETURN, world.court.id),
            started_at=DUE,
            finished_at=DUE,
            claimed_by="other-server:1",
        )
    )
    make.session.commit()
    with app.app_context():
        assert send_lists(now=DUE) == []
    assert smtp.received == []


def test_a_list_queued_claims_its_court_and_sitting_day(
    app: Flask, cases, world: World, make: Factory, smtp: SmtpServer
) -> None:
    with app.app_context():
        assert len(send_lists(now=DUE)) == 1
    periods = make.session.scalars(select(JobRun.period).where(JobRun.job == LIST_JOB)).all()
    assert periods == [f"2026-12-30 court {world.court.id}"]


def test_the_workers_home_shows_each_report_sent_or_overdue(
    app: Flask, cases, world: World, smtp: SmtpServer
) -> None:
    avery, _blake = cases
    with app.app_context():
        worker = db.session.merge(world.worker)
        report = sign_off(
            db.session.merge(avery), actor=worker, statement="", now=DUE - timedelta(days=1)
        )
        send_report(report, actor=worker, now=DUE - timedelta(days=1))
    with time_machine.travel(DUE + timedelta(hours=1), tick=False):
        web = app.test_client()
        sign_in(web, world.worker)
        page = web.get("/home").get_data(as_text=True)
    rows = {
        name: re.sub(r"\s+", " ", row)
        for name, row in re.findall(r"(Avery|Blake) Marker</a>(.*?)</tr>", page, flags=re.S)
    }
    assert "Sent" in rows["Avery"] and "Overdue" not in rows["Avery"]
    assert "Overdue" in rows["Blake"]


def test_the_list_goes_to_the_court_liaison_address_when_the_court_has_one(
    app: Flask, cases, world: World, make: Factory, smtp: SmtpServer
) -> None:
    world.court.liaison_email = "liaison@court.example.org"
    make.session.commit()
    with app.app_context():
        assert len(send_lists(now=DUE)) == 1
        row = db.session.scalars(select(OutgoingMail).where(OutgoingMail.kind == LIST_KIND)).one()
        assert (row.recipient, row.recipient_role) == ("liaison@court.example.org", "court liaison")
    assert [r.message["To"] for r in smtp.received] == ["liaison@court.example.org"]


def test_the_list_is_stored_encrypted_sent_as_stored_and_linked_to_each_case_it_names(
    app: Flask, cases, smtp: SmtpServer
) -> None:
    avery, blake = cases
    with app.app_context():
        (mail_id,) = send_lists(now=DUE)
        row = db.session.get(OutgoingMail, mail_id)
        assert row is not None and row.status is MailStatus.SENT
        stored = row.message
        links = {
            link.case_id: link.list_row
            for link in db.session.scalars(
                select(OutgoingMailCase).where(OutgoingMailCase.outgoing_mail_id == mail_id)
            )
        }
        raw = db.session.execute(
            text("SELECT message FROM outgoing_mail WHERE id = :id"), {"id": mail_id}
        ).scalar_one()
    # The database holds ciphertext only: no name, no court reference, no CSV.
    assert isinstance(raw, str) and looks_like_token(raw)
    assert [
        m for m in ("Avery", "Marker", "REFAvery", "REFBlake", "Date of birth") if m in raw
    ] == []
    # What the court received is what is stored, decrypted.
    (received,) = smtp.received
    (sent_part,) = received.message.iter_attachments()
    (kept_part,) = email.message_from_bytes(stored, policy=email.policy.default).iter_attachments()
    assert sent_part.get_payload(decode=True) == kept_part.get_payload(decode=True)
    rows = list(csv.reader(io.StringIO(sent_part.get_content())))
    # Each case the list names is linked to it, by its own row of the CSV.
    assert {case_id: rows[number][3] for case_id, number in links.items()} == {
        avery.id: "REFAvery",
        blake.id: "REFBlake",
    }


def test_a_report_owed_to_the_police_is_reminded_like_any_other_and_says_where_it_goes(
    app: Flask, make: Factory, world: World, smtp: SmtpServer
) -> None:
    # A positive test on Thu 26 Nov: the 28-day window ends Thu 24 Dec, and the attendance
    # record goes to the police after it. There is no return date to wait for.
    client = make.client(organisation=world.project, first_name="Avery", last_name="Marker")
    case = make.order_case(
        "RA", client=client, court=world.court, worker=world.worker, start=date(2026, 11, 26)
    )
    nine = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)

    with app.app_context():
        sent = send_reminders(now=nine)

    assert len(sent) == 1
    text = smtp.received[0].message.get_content()
    assert f"{case.reference}: due" in text
    assert "to the police" in text
    assert "Avery" not in text and "Marker" not in text
