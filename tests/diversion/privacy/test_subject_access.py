"""Subject access (security.md 14): everything held about one woman, as one file (JSON or PDF).

The proof: every table is seeded; the tables that must be exported are named here by hand
(not worked out from the schema, as the code does), and every other table is named as
deliberately left out, so a new table fails a test until someone decides which it is. Each
exported table must come out with exactly her rows, each with the marker planted in it;
nobody else's may.
"""

from __future__ import annotations

import email.policy
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from diversion.court.list_csv import CSV_HEADER, csv_text
from diversion.db import Base
from diversion.models import (
    Absence,
    Appointment,
    AuditEvent,
    CaseAgreement,
    CaseEvent,
    CaseNote,
    Client,
    ClientFlag,
    ClientTransfer,
    ComplianceReport,
    InboundMessage,
    InboundMessageWorker,
    Invitation,
    InvitationPurpose,
    JobRun,
    LapsedSession,
    MailStatus,
    MatchNotice,
    MessageStatus,
    MessageTemplate,
    MonitoringRecord,
    MonitoringSummary,
    MonitoringSummaryRun,
    OutboxMessage,
    OutgoingMail,
    OutgoingMailCase,
    ReceivingNumber,
    ReceivingNumberKind,
    RecoveryCode,
    ReplyAction,
    ReportVariant,
    TransferStatus,
    UserSession,
    VenueClosure,
    WorkerTask,
    WorkingPeriod,
)
from tests.conftest import World, sign_in
from tests.factories import Factory

NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)

# One marker per text field of hers: each must come out in the export.
MARKERS = {
    "client.first_name": "Zephyrine",
    "client.last_name": "Quarrendon",
    "client.text_name": "ZQtextname",
    "client.mobile": "+447400987654",
    "client.housing": "ZQhousing",
    "client.health_notes": "ZQhealth",
    "client_alias.name": "ZQalias",
    # The caseload check's keys of her names (written with them): her surname's metaphone.
    "client_name_key.key": "m:KRNTN",
    "diversion_case.court_reference": "ZQcourtref",
    "diversion_case.charge": "ZQcharge",
    "diversion_case.at_risk_reason": "ZQatrisk",
    "appointment.reason": "ZQappointmentreason",
    "lapsed_session.reason": "ZQlapsereason",
    # An agency's agreement to her caution holds no text: its moment is the marker.
    "case_agreement.agreed_at": "2026-12-18T11:47:13",
    "case_event.summary": "ZQtimeline",
    "case_note.body": "ZQcasenote",
    "outbox_message.body": "ZQtextbody",
    "inbound_message.body": "ZQreplybody",
    "compliance_report.statement": "ZQstatement",
    "compliance_report.html": "ZQreporthtml",
    "outgoing_mail.subject": "ZQsubject",
    "outgoing_mail.message": "ZQmailtext",
    # Her row of a sitting-day list that named her and another woman.
    "outgoing_mail_case.her_row_of_the_list": "Zephyrine Quarrendon",
    "audit_event.detail": "ZQauditdetail",
    "client_flag.text": "ZQflagtext",
    "client_transfer.reason": "ZQtransferreason",
    "worker_task.detail": "ZQtaskdetail",
    # Her monitoring answers are codes: one unusual code is the marker.
    "monitoring_record.ethnicity": "zq_marker_ethnicity",
    # A notice that another organisation matched her holds no text: its moment is the marker.
    "match_notice.matched_at": "2026-12-19T09:13:57",
}
# The tables that hold data about her: each must be in her export, with her rows.
EXPORTED_TABLES = frozenset(
    {
        "client",
        "client_alias",
        "client_name_key",
        "diversion_case",
        "appointment",
        "case_event",
        "case_note",
        "outbox_message",
        "inbound_message",
        "compliance_report",
        "outgoing_mail",
        "outgoing_mail_case",
        "audit_event",
        "case_agreement",
        "lapsed_session",
        "client_flag",
        "client_transfer",
        "match_notice",
        "worker_task",
        "monitoring_record",
    }
)
# Reference and system tables deliberately left out of her export.
NOT_EXPORTED_TABLES = frozenset(
    {
        "organisation",  # the projects, courts and CPS teams: named in the export, not hers
        "court",  # a court's days and addresses: named in the export, not hers
        "venue",  # the project's premises: named in the export, not hers
        "venue_closure",  # the days a venue is shut: about the premises, not her
        "requirement_type",  # the kinds of order and their sessions: the same for everyone
        "message_template",  # the wording of texts: hers are exported in outbox_message
        "user_account",  # staff accounts: named in the export, not hers
        "working_period",  # staff working hours
        "absence",  # staff leave
        "recovery_code",  # staff two-factor recovery codes
        "user_session",  # staff sign-in sessions
        "invitation",  # staff set-up links
        "receiving_number",  # the organisations' own numbers: not hers
        "inbound_message_worker",  # which staff inboxes hold a reply: ids of staff only
        "monitoring_summary",  # counts per day, no person's id
        "monitoring_summary_run",  # when those counts were made
        "job_run",  # the scheduler's ledger of jobs run: no one's data
    }
)
# Someone else's: never in her export.
OTHER_MARKERS = ("ZZothernote", "ZZunknownsender", "ZZotheraudit", "Ottoline", "ZZotherref")


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def mail_bytes(text: str) -> bytes:
    message = EmailMessage()
    message["From"] = "project@example.test"
    message["To"] = "court@example.test"
    message["Subject"] = "Compliance report"
    message.set_content(text)
    message.add_attachment(
        b"%PDF-1.7 fake", maintype="application", subtype="pdf", filename="ZQattachment.pdf"
    )
    return message.as_bytes(policy=email.policy.SMTP)


def list_bytes(*rows: tuple[str, str, str]) -> bytes:
    """A sitting-day list as the court gets it: one row per (name, date of birth, court ref)."""
    message = EmailMessage()
    message["From"] = "project@example.test"
    message["To"] = "listing@court.example.test"
    message["Subject"] = "Court list"
    message.set_content("The list is attached.")
    table = [CSV_HEADER] + [
        ("Returning from extended bail", name, born, ref, "", "2026-12-30", "", "", "", "", "")
        for name, born, ref in rows
    ]
    message.add_attachment(
        csv_text(table).encode(), maintype="text", subtype="csv", filename="court-list.csv"
    )
    return message.as_bytes(policy=email.policy.SMTP)


@dataclass
class Seeded:
    her: Client
    other: Client
    # The ids of the rows seeded about her, by table.
    mine: dict[str, set[int]]


@pytest.fixture
def seeded(app: Flask, make: Factory, world: World) -> Seeded:
    """One row or more in every table of the models, with markers in her text fields."""
    s = make.session
    venue = make.venue(organisation=world.project)
    her = make.client(
        organisation=world.project,
        first_name=MARKERS["client.first_name"],
        last_name=MARKERS["client.last_name"],
        text_name=MARKERS["client.text_name"],
        mobile=MARKERS["client.mobile"],
        housing=MARKERS["client.housing"],
        health_notes=MARKERS["client.health_notes"],
        aliases=(MARKERS["client_alias.name"],),
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 12, 1),
    )
    case = make.accepted_case(
        client=her,
        court=world.court,
        worker=world.worker,
        court_reference=MARKERS["diversion_case.court_reference"],
        charge=MARKERS["diversion_case.charge"],
        at_risk_reason=MARKERS["diversion_case.at_risk_reason"],
    )
    starts = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    appointment = make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
        reason=MARKERS["appointment.reason"],
    )
    other = make.client(organisation=world.project, first_name="Ottoline")
    other_case = make.case(client=other, court=world.court, worker=world.worker)
    her_event = CaseEvent(case_id=case.id, kind="note", summary=MARKERS["case_event.summary"])
    her_note = CaseNote(case_id=case.id, author_id=world.worker.id, body=MARKERS["case_note.body"])
    her_text = OutboxMessage(
        client_id=her.id,
        case_id=case.id,
        appointment_id=appointment.id,
        kind="appointment_day_before",
        send_at=starts - timedelta(days=1),
        status=MessageStatus.DELIVERED,
        body=MARKERS["outbox_message.body"],
    )
    her_reply = InboundMessage(
        provider_id="SM-her",
        received_at=NOW - timedelta(days=1),
        from_number=MARKERS["client.mobile"],
        body=MARKERS["inbound_message.body"],
        client_id=her.id,
        case_id=case.id,
        appointment_id=appointment.id,
        organisation_id=world.project.id,
        worker_id=world.worker.id,
        action=ReplyAction.INBOX,
    )
    her_audit = AuditEvent(
        action="client_viewed",
        client_id=her.id,
        user_id=world.worker.id,
        detail=MARKERS["audit_event.detail"],
    )
    her_agreement = CaseAgreement(
        case_id=case.id,
        organisation_id=world.project.id,
        user_id=world.worker.id,
        agreed_at=datetime(2026, 12, 18, 11, 47, 13, tzinfo=UTC),
    )
    her_lapse = LapsedSession(
        case_id=case.id,
        session_number=2,
        user_id=world.worker.id,
        reason=MARKERS["lapsed_session.reason"],
    )
    her_flag = ClientFlag(
        client_id=her.id,
        organisation_id=world.project.id,
        text=MARKERS["client_flag.text"],
        contact="Wendy, 020 7946 0001",
        set_by_id=world.worker.id,
    )
    her_transfer = ClientTransfer(
        client_id=her.id,
        from_organisation_id=world.project.id,
        to_organisation_id=world.other_project.id,
        status=TransferStatus.DECLINED,
        reason=MARKERS["client_transfer.reason"],
        requested_by_id=world.other_worker.id,
        decided_by_id=world.worker.id,
        decided_at=NOW,
    )
    s.add_all([her_flag, her_transfer])
    s.flush()
    her_notice = MatchNotice(
        organisation_id=world.project.id,
        worker_id=world.worker.id,
        client_id=her.id,
        flag_id=her_flag.id,
        matched_by_organisation_id=world.other_project.id,
        matched_by_id=world.other_worker.id,
        matched_at=datetime(2026, 12, 19, 9, 13, 57, tzinfo=UTC),
    )
    her_task = WorkerTask(
        key=f"not_confirmed:appointment:{her.id}",
        kind="not_confirmed",
        organisation_id=world.project.id,
        worker_id=world.worker.id,
        client_id=her.id,
        case_id=case.id,
        detail=MARKERS["worker_task.detail"],
    )
    her_monitoring = MonitoringRecord(
        client_id=her.id,
        organisation_id=world.project.id,
        case_id=case.id,
        recorded_on=date(2026, 12, 3),
        recorded_by_id=world.worker.id,
        work_pattern="not_asked",
        contacts="not_asked",
        housing_status="prefer_not_to_say",
        known_previously="not_asked",
        age_band="not_asked",
        ethnicity=MARKERS["monitoring_record.ethnicity"],
        drug_use="not_asked",
    )
    # The monitoring summary: counts per day, no person's id (never in her export).
    counted = MonitoringSummary(
        grain="day",
        day=date(2026, 12, 2),
        measure="text",
        organisation_id=world.project.id,
        k1="sent",
        c1=6,
    )
    counted_run = MonitoringSummaryRun(
        built_at=datetime(2026, 12, 3, 9, tzinfo=UTC), through_day=date(2026, 12, 2), rows=1
    )
    s.add_all(
        [
            counted,
            counted_run,
            her_monitoring,
            her_task,
            her_notice,
            her_agreement,
            her_lapse,
            her_event,
            her_note,
            her_text,
            her_reply,
            her_audit,
            VenueClosure(
                venue_id=venue.id, first_day=date(2026, 12, 24), last_day=date(2027, 1, 2)
            ),
            WorkingPeriod(user_id=world.worker.id, weekday=0, starts=time(9), ends=time(17)),
            Absence(user_id=world.worker.id, starts_at=NOW, ends_at=NOW + timedelta(days=1)),
            MessageTemplate(kind="booking_confirmation", body="Hi ((name))", updated_by_id=None),
            RecoveryCode(user_id=world.worker.id, code_hash="x" * 64),
            UserSession(token_hash="y" * 64, user_id=world.worker.id),
            JobRun(job="retention", period="2026-12-18", started_at=NOW, claimed_by="host:1"),
            Invitation(
                user_id=world.worker.id,
                token_hash="z" * 64,
                purpose=InvitationPurpose.NEW_LINK,
                expires_at=NOW + timedelta(hours=24),
            ),
            CaseNote(case_id=other_case.id, author_id=world.worker.id, body="ZZothernote"),
            InboundMessage(
                provider_id="SM-unknown",
                received_at=NOW - timedelta(days=1),
                from_number="+447400000001",
                body="ZZunknownsender",
                action=ReplyAction.INBOX,
            ),
            # From a number two clients share: in each of their workers' inboxes.
            InboundMessage(
                provider_id="SM-shared",
                received_at=NOW - timedelta(days=1),
                from_number="+447400000002",
                body="ZZunknownsender",
                organisation_id=world.project.id,
                shared_number=True,
                recipients=[InboundMessageWorker(worker_id=world.worker.id)],
                action=ReplyAction.INBOX,
            ),
            ReceivingNumber(
                organisation_id=world.project.id,
                kind=ReceivingNumberKind.PHONE,
                value="+447700900001",
            ),
            AuditEvent(action="client_viewed", client_id=other.id, detail="ZZotheraudit"),
        ]
    )
    s.commit()
    report = ComplianceReport(
        case_id=case.id,
        variant=ReportVariant.COURT_DIVERSION,
        compliance_status="complied",
        statement=MARKERS["compliance_report.statement"],
        html=f"<html><body><p>{MARKERS['compliance_report.html']}</p></body></html>",
        content_sha256="c" * 64,
        signed_off_by_id=world.worker.id,
        signed_off_at=NOW - timedelta(days=2),
    )
    s.add(report)
    s.commit()
    mail = OutgoingMail(
        kind="compliance_report",
        case_id=case.id,
        report_id=report.id,
        court_id=world.court.id,
        recipient="court@example.test",
        recipient_role="court",
        subject=MARKERS["outgoing_mail.subject"],
        message=mail_bytes(MARKERS["outgoing_mail.message"]),
        content_sha256="d" * 64,
        status=MailStatus.SENT,
        requested_by_id=world.worker.id,
        sent_at=NOW - timedelta(days=2),
    )
    court_list = OutgoingMail(
        kind="sitting_day_list",
        court_id=world.court.id,
        sitting_date=date(2026, 12, 30),
        recipient="listing@court.example.test",
        recipient_role="court",
        subject="Court list",
        message=list_bytes(
            (f"{her.first_name} {her.last_name}", her.date_of_birth.isoformat(), "ZQcourtref"),
            ("Ottoline Client", other.date_of_birth.isoformat(), "ZZotherref"),
        ),
        content_sha256="e" * 64,
        status=MailStatus.SENT,
        requested_by_job="sitting-day-lists",
        sent_at=NOW - timedelta(days=1),
        named_cases=[
            OutgoingMailCase(case_id=case.id, list_row=1),
            OutgoingMailCase(case_id=other_case.id, list_row=2),
        ],
    )
    s.add_all([mail, court_list])
    s.commit()
    mine = {
        "client": {her.id},
        "client_alias": {alias.id for alias in her.aliases},
        "client_name_key": {key.id for key in her.name_keys},
        "diversion_case": {case.id},
        "appointment": {appointment.id},
        "case_event": {her_event.id},
        "case_note": {her_note.id},
        "outbox_message": {her_text.id},
        "inbound_message": {her_reply.id},
        "compliance_report": {report.id},
        "outgoing_mail": {mail.id},
        "outgoing_mail_case": {
            link.id for link in court_list.named_cases if link.case_id == case.id
        },
        "audit_event": {her_audit.id},
        "case_agreement": {her_agreement.id},
        "lapsed_session": {her_lapse.id},
        "client_flag": {her_flag.id},
        "client_transfer": {her_transfer.id},
        "match_notice": {her_notice.id},
        "worker_task": {her_task.id},
        "monitoring_record": {her_monitoring.id},
    }
    return Seeded(her=her, other=other, mine=mine)


def export_of(web: FlaskClient, client: Client) -> dict:
    response = web.get(f"/clients/{client.id}/export.json")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


@pytest.fixture
def worker_web(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.worker)
    return web


def test_the_seed_puts_a_row_in_every_table(app: Flask, make: Factory, seeded: Seeded):
    empty = [
        table.name
        for table in Base.metadata.sorted_tables
        if not make.session.scalar(select(func.count()).select_from(table))
    ]

    assert empty == [], "seed these tables in the `seeded` fixture"


def test_every_table_is_either_exported_or_deliberately_left_out():
    tables = set(Base.metadata.tables)

    undecided = sorted(tables - EXPORTED_TABLES - NOT_EXPORTED_TABLES)
    assert undecided == [], (
        "decide whether each new table holds data about her: add it to EXPORTED_TABLES "
        "(and seed it for her) or to NOT_EXPORTED_TABLES with the reason"
    )
    assert EXPORTED_TABLES.isdisjoint(NOT_EXPORTED_TABLES)
    assert sorted((EXPORTED_TABLES | NOT_EXPORTED_TABLES) - tables) == [], "no such table"


def test_the_seed_has_her_rows_and_a_marker_in_every_exported_table(seeded: Seeded):
    # The proof below holds only if every exported table has rows of hers to find.
    assert set(seeded.mine) == EXPORTED_TABLES
    assert [name for name, ids in seeded.mine.items() if not ids] == []
    assert {field.split(".")[0] for field in MARKERS} == EXPORTED_TABLES


def test_the_export_has_exactly_the_exported_tables_and_none_left_out(
    worker_web: FlaskClient, seeded: Seeded
):
    export = export_of(worker_web, seeded.her)

    assert sorted(EXPORTED_TABLES - set(export["tables"])) == [], "missing from her export"
    assert sorted(NOT_EXPORTED_TABLES & set(export["tables"])) == [], "not hers to export"


def test_each_exported_table_comes_out_with_exactly_her_rows_as_stored(
    worker_web: FlaskClient, seeded: Seeded
):
    export = export_of(worker_web, seeded.her)

    wrong: dict[str, object] = {}
    for table in sorted(EXPORTED_TABLES):
        rows = export["tables"].get(table) or []
        ids = {row["id"] for row in rows}
        if ids != seeded.mine[table]:
            wrong[table] = {"exported": sorted(ids), "hers": sorted(seeded.mine[table])}
    # The rows themselves, not just their ids: each marker, in its table's rows and column.
    for field, marker in MARKERS.items():
        table, column = field.split(".")
        rows = export["tables"].get(table) or []
        if not any(marker in json.dumps(row.get(column), ensure_ascii=False) for row in rows):
            wrong[field] = "marker not exported"

    assert wrong == {}, "her export lacks these rows (or has someone else's)"


def test_every_planted_marker_of_hers_is_in_the_export_and_nobody_elses(
    worker_web: FlaskClient, seeded: Seeded
):
    text = json.dumps(export_of(worker_web, seeded.her), ensure_ascii=False)

    assert [field for field, marker in MARKERS.items() if marker not in text] == []
    assert [marker for marker in OTHER_MARKERS if marker in text] == []


def test_emails_to_the_court_come_out_as_their_text_and_attachment_names(
    worker_web: FlaskClient, seeded: Seeded
):
    export = export_of(worker_web, seeded.her)

    (mail,) = export["tables"]["outgoing_mail"]
    assert MARKERS["outgoing_mail.message"] in mail["message"]["text"]
    assert mail["message"]["attachments"][0]["filename"] == "ZQattachment.pdf"
    assert mail["recipient"] == "court@example.test"
    assert mail["content_sha256"] == "d" * 64
    (report,) = export["tables"]["compliance_report"]
    assert report["content_sha256"] == "c" * 64
    assert export["names"]["user_account"][str(mail["requested_by_id"])] == "Wendy Worker"


def test_the_pdf_holds_the_same_and_the_download_is_audited(
    worker_web: FlaskClient, make: Factory, seeded: Seeded
):
    response = worker_web.get(f"/clients/{seeded.her.id}/export.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert f"subject-access-client-{seeded.her.id}.pdf" in disposition
    assert "Zephyrine" not in disposition
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = " ".join(text.split())
    assert [field for field, marker in MARKERS.items() if marker not in text] == []
    assert "ZQattachment.pdf" in text
    assert [marker for marker in OTHER_MARKERS if marker in text] == []
    make.session.expire_all()
    exports = make.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "client_exported")
    ).all()
    assert [(row.client_id, row.detail) for row in exports] == [(seeded.her.id, "pdf")]


def test_the_json_download_is_audited_and_named_by_id(
    worker_web: FlaskClient, make: Factory, seeded: Seeded
):
    response = worker_web.get(f"/clients/{seeded.her.id}/export.json")

    assert response.mimetype == "application/json"
    assert f"subject-access-client-{seeded.her.id}.json" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    make.session.expire_all()
    row = make.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "client_exported")
    ).one()
    assert (row.client_id, row.detail) == (seeded.her.id, "json")


def test_her_page_offers_both_downloads(worker_web: FlaskClient, seeded: Seeded):
    page = worker_web.get(f"/clients/{seeded.her.id}").get_data(as_text=True)

    assert f'href="/clients/{seeded.her.id}/export.pdf"' in page
    assert f'href="/clients/{seeded.her.id}/export.json"' in page


def test_another_organisation_cannot_export_her(
    web: FlaskClient, world: World, make: Factory, seeded: Seeded
):
    sign_in(web, world.other_worker)

    assert web.get(f"/clients/{seeded.her.id}/export.json").status_code == 404
    assert web.get(f"/clients/{seeded.her.id}/export.pdf").status_code == 404
    assert not make.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "client_exported")
    )


@pytest.mark.parametrize("who", ["liaison", "cps", "admin"])
def test_court_cps_and_administrators_cannot_export(
    web: FlaskClient, world: World, seeded: Seeded, who: str
):
    sign_in(web, getattr(world, who))

    assert web.get(f"/clients/{seeded.her.id}/export.json").status_code == 403


def test_an_appointment_of_hers_is_exported_with_its_venue_named(
    worker_web: FlaskClient, make: Factory, seeded: Seeded
):
    export = export_of(worker_web, seeded.her)

    (appointment,) = export["tables"]["appointment"]
    stored = make.session.get(Appointment, appointment["id"])
    assert appointment["starts_at"] == stored.starts_at.isoformat()
    assert export["names"]["venue"][str(appointment["venue_id"])] == "Test venue"
