"""Compliance reports: sign off, send to whoever the order's report goes to (the court and
the CPS for court diversion; the police, the CPS or the court for the other orders, as each
requirement type's `report_to` says), and the report pages' reads.

What the report says is built in diversion.court.report_content; the mail queue
(diversion.mail.queue) delivers it.

The rules come from design/domain.md ("Attendance and compliance", "Dates and windows") and
security.md items 3, 4, 11 and 12:

- A report is for a case on its order whose window's ends are known (for court diversion:
  the court put her on the scheme and set a return date). It must reach its recipients by
  the report-due time (12:00 on the working day before the return
  date, configurable per court).
- The court and the CPS get attendance only. The report is built from `ReportFacts`, which
  holds exactly what they may see: her name, date of birth, court reference, court, hearing
  dates, the requirement, the compliance status, each required session with the date it was
  attended, every missed or cancelled appointment with the court wording the worker chose
  for it from the requirement type's list (whether an absence was acceptable is for the court
  to judge), and the worker's sign-off with her optional statement for the court. Never the
  worker's own free-text reasons, notes, charge, drug test, aliases, phone, address or case
  events.
- A worker signs the report off: the HTML is stored as signed, with its SHA-256. A new
  sign-off supersedes the last (the latest is current); older ones stay.
- Every send is a row per recipient (`OutgoingMail`), committed as pending before anything
  is delivered, so nothing is lost: what, to whom, when, by whom or by which job, and the
  SHA-256 of the attached PDF (`content_sha256`; the signed HTML has its own hash on the
  report). A resend is a new row. Failures stay pending and are retried with back-off
  (1, 2, 4 ... minutes, at most an hour); after 8 attempts a row is failed, shown, and can
  be retried by hand.
"""

from __future__ import annotations

import email.policy
import logging
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime as email_date
from email.utils import make_msgid, parseaddr

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from diversion import audit
from diversion.cases import rules
from diversion.cases.facts import compliance_of
from diversion.cases.services import add_case_event
from diversion.court.report_content import (
    ADDRESSES_PLACE,
    STATEMENT_MAX_LENGTH,
    SignOff,
    addresses,
    missing_addresses,
    pdf_filename,
    recipient_words,
    recipients_of,
    render_report_html,
    report_facts,
    sha256_hex,
    why_no_report,
)
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.formatting import LONDON, format_date, format_datetime
from diversion.mail.queue import REPORT_MAIL_KIND, app_mailer, deliver, fresh_row
from diversion.mail.senders import Mailer, MailError, mail_from
from diversion.models import (
    Case,
    ComplianceReport,
    Court,
    MailStatus,
    OutgoingMail,
    Role,
    User,
)
from diversion.pdf import render_pdf

log = logging.getLogger(__name__)


def _refuse_bad_statement(statement: str) -> str:
    statement = statement.strip()
    if len(statement) > STATEMENT_MAX_LENGTH:
        raise RuleBroken(
            f"Statement must be {STATEMENT_MAX_LENGTH} characters or fewer", field="statement"
        )
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in statement) or "\x7f" in statement:
        raise RuleBroken("Statement must not contain special characters", field="statement")
    return statement


@transactional
def sign_off(case: Case, *, actor: User, statement: str, now: datetime) -> ComplianceReport:
    """A worker signs off the report of a case as it stands now; it becomes the current one.

    The HTML is stored exactly as signed, with its SHA-256: every send carries that HTML."""
    reason = why_no_report(case)
    if reason:
        raise RuleBroken(reason)
    if not actor.is_caseworker or actor.organisation_id != case.organisation_id:
        raise RuleBroken("Only a worker or manager of the case's organisation can sign it off")
    statement = _refuse_bad_statement(statement)
    result = compliance_of(case, today=now.astimezone(LONDON).date())
    signed = SignOff(
        statement=statement,
        name=actor.name,
        organisation=case.organisation.name,
        signed_at=now,
    )
    facts = report_facts(case, result=result, sign_off=signed)
    html = render_report_html(facts)
    report = ComplianceReport(
        case_id=case.id,
        variant=facts.variant,
        compliance_status=result.status.value,
        statement=statement,
        html=html,
        content_sha256=sha256_hex(html.encode("utf-8")),
        signed_off_by_id=actor.id,
        signed_off_at=now,
    )
    db.session.add(report)
    db.session.flush()
    add_case_event(
        case, actor, "report_signed_off", f"Compliance report signed off: {result.status.label}."
    )
    audit.add(
        "report_signed_off",
        object_type="compliance_report",
        object_id=report.id,
        client_id=case.client_id,
        detail=facts.variant.value,
        user_id=actor.id,
    )
    return report


def changed_since_sign_off(report: ComplianceReport, case: Case) -> bool:
    """True when the case's record no longer gives the report as signed (a date or an
    attendance changed since): the worker should check it and sign off again."""
    result = compliance_of(case, today=report.signed_off_at.astimezone(LONDON).date())
    signed = SignOff(
        statement=report.statement,
        name=report.signed_off_by.name,
        organisation=case.organisation.name,
        signed_at=report.signed_off_at,
    )
    return render_report_html(report_facts(case, result=result, sign_off=signed)) != report.html


def report_subject(case: Case) -> str:
    """The subject line: the court reference and nothing else about her."""
    if case.court_reference:
        # One line whatever was typed: a header never carries a line break.
        return f"Compliance report: court ref {' '.join(case.court_reference.split())}"
    return f"Compliance report: case {case.reference or case.id}"


def _report_body(report: ComplianceReport, case: Case) -> str:
    order = rules.rules_of(case.requirement_type)
    window = rules.window(case)
    end = window.return_date if window else case.return_date
    lines = [
        "The compliance report is attached as a PDF.",
        "",
        f"Court reference: {case.court_reference or 'not recorded'}",
        f"Court: {case.court.name}",
        f"{order.end_noun.capitalize()}: {format_date(end, 'long') if end else 'not recorded'}",
        f"Signed off: {format_datetime(report.signed_off_at, 'long')}, "
        f"by {report.signed_off_by.name}, {case.organisation.name}",
        "",
        "This message was sent by the court diversion scheduler. It is for "
        f"{recipient_words(case.requirement_type)} only: please do not forward it.",
    ]
    return "\n".join(lines) + "\n"


def build_report_message(
    report: ComplianceReport,
    *,
    sender: str,
    recipient: str,
    subject: str,
    pdf: bytes,
    now: datetime,
) -> bytes:
    """One multipart email (plain text and the PDF) as RFC 822 bytes with CRLF line ends."""
    case = report.case
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = email_date(now)
    domain = parseaddr(sender)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(idstring=f"report{report.id}", domain=domain or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_report_body(report, case))
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_filename(case))
    return message.as_bytes(policy=email.policy.SMTP)


def latest_report(case_id: int) -> ComplianceReport | None:
    """The current sign-off of a case: the latest."""
    return db.session.scalar(
        select(ComplianceReport)
        .where(ComplianceReport.case_id == case_id)
        .order_by(ComplianceReport.signed_off_at.desc(), ComplianceReport.id.desc())
        .limit(1)
    )


@transactional
def sent_at(report: ComplianceReport) -> datetime | None:
    """When this sign-off was first sent (or asked to be) to the court and the CPS; None if
    it never was. A failed email does not count: it can be retried or sent again."""
    return db.session.scalar(
        select(OutgoingMail.created_at)
        .where(OutgoingMail.kind == REPORT_MAIL_KIND, OutgoingMail.report_id == report.id)
        .where(OutgoingMail.status.in_((MailStatus.SENT, MailStatus.PENDING)))
        .order_by(OutgoingMail.created_at)
        .limit(1)
    )


def _queue_report(
    report: ComplianceReport,
    *,
    actor: User | None,
    job: str | None,
    now: datetime,
    resend_reason: str | None = None,
) -> list[int]:
    """Write one pending row per recipient (committed before any delivery is tried).

    A sign-off already sent goes again only as a deliberate resend, with the reason why,
    which the case's timeline keeps: a second press of the button never sends it twice."""
    if (actor is None) == (job is None):
        raise ValueError("name either the person or the job that asks for the send")
    case = report.case
    court = case.court
    latest = latest_report(case.id)
    if latest is None or latest.id != report.id:
        raise RuleBroken("There is a newer sign-off of this report: send that one")
    first_sent = sent_at(report)
    reason = (resend_reason or "").strip()
    if first_sent is not None and not reason:
        raise RuleBroken(
            f"This report was already sent on {format_datetime(first_sent)}. "
            "To send it again, say why",
            field="resend_reason",
        )
    if changed_since_sign_off(report, case):
        raise RuleBroken(
            "The case's record has changed since this report was signed off. "
            "Check the preview, sign it off again, then send it."
        )
    missing = missing_addresses(case)
    if missing:
        raise RuleBroken(
            f"{court.name} has no {' and no '.join(missing)}. "
            f"Ask an administrator to add it in {ADDRESSES_PLACE}."
        )
    try:
        sender = mail_from(current_app.config)
    except MailError:
        raise RuleBroken(
            "Email is not set up: ask the administrator to set the sender address (MAIL_FROM)"
        ) from None
    pdf = render_pdf(report.html)
    digest = sha256_hex(pdf)
    subject = report_subject(case)
    rows = []
    for role, address in addresses(case):
        assert address is not None
        rows.append(
            OutgoingMail(
                kind=REPORT_MAIL_KIND,
                case_id=case.id,
                report_id=report.id,
                court_id=court.id,
                recipient=address,
                recipient_role=role,
                subject=subject,
                message=build_report_message(
                    report, sender=sender, recipient=address, subject=subject, pdf=pdf, now=now
                ),
                content_sha256=digest,
                status=MailStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                requested_by_id=actor.id if actor else None,
                requested_by_job=job,
                created_at=now,
            )
        )
    db.session.add_all(rows)
    db.session.flush()
    ids = [row.id for row in rows]
    readers = recipient_words(case.requirement_type)
    add_case_event(
        case,
        actor,
        "report_resent" if first_sent else "report_sent",
        f"Compliance report signed off {format_datetime(report.signed_off_at)} "
        + (f"sent again to {readers}: {reason}" if first_sent else f"sent to {readers}."),
    )
    audit.add(
        "report_send_requested",
        object_type="compliance_report",
        object_id=report.id,
        client_id=case.client_id,
        detail="outgoing_mail " + ",".join(str(i) for i in ids),
        user_id=actor.id if actor else None,
    )
    return ids


def send_report(
    report: ComplianceReport,
    *,
    actor: User | None = None,
    job: str | None = None,
    now: datetime,
    mailer: Mailer | None = None,
    resend_reason: str | None = None,
) -> list[OutgoingMail]:
    """Send the current sign-off to its order's recipients (the court and the CPS, the
    police...): one row per recipient, committed
    as pending first, then each tried at once. A resend is new rows, and needs its reason.
    `content_sha256` on each row is the SHA-256 of the attached PDF."""
    ids = _queue_report(report, actor=actor, job=job, now=now, resend_reason=resend_reason)
    deliver(ids, now=now, mailer=mailer or app_mailer())
    return [fresh_row(mail_id) for mail_id in ids]


def reports_for_case(case_id: int) -> list[ComplianceReport]:
    """Every sign-off of a case, the current (latest) first."""
    return list(
        db.session.scalars(
            select(ComplianceReport)
            .where(ComplianceReport.case_id == case_id)
            .options(joinedload(ComplianceReport.signed_off_by))
            .order_by(ComplianceReport.signed_off_at.desc(), ComplianceReport.id.desc())
        )
    )


def report_for_reader(user: User, report_id: int) -> ComplianceReport | None:
    """A signed-off report the user may read; None otherwise (the page answers 404).

    Caseworkers of the case's organisation; court liaison of the case's court's organisation;
    the CPS organisation of that court."""
    row = db.session.execute(
        select(ComplianceReport, Case, Court)
        .join(Case, ComplianceReport.case_id == Case.id)
        .join(Court, Case.court_id == Court.id)
        .where(ComplianceReport.id == report_id)
    ).first()
    if row is None:
        return None
    report, case, court = row
    # The court and the CPS read only the reports their order sends them (a Required
    # Assessment's record goes to the police alone).
    goes_to = recipients_of(case.requirement_type)
    allowed = (
        (user.is_caseworker and case.organisation_id == user.organisation_id)
        or (
            user.role is Role.COURT_LIAISON
            and "court" in goes_to
            and court.organisation_id == user.organisation_id
        )
        or (
            user.role is Role.CPS
            and "cps" in goes_to
            and court.cps_organisation_id == user.organisation_id
        )
    )
    return report if allowed else None
