"""Compliance reports for the court and the CPS: derive, sign off, render, send, deliver.

The rules come from design/domain.md ("Attendance and compliance", "Dates and windows") and
security.md items 3, 4, 11 and 12:

- A report is for a case the court put on the scheme: it has a return date. It must reach
  the court and the CPS by the report-due time (12:00 on the working day before the return
  date, configurable per court).
- The court and the CPS get attendance only. The report is built from `ReportFacts`, which
  holds exactly what they may see: her name, date of birth, court reference, court, hearing
  dates, the requirement, the compliance status, each required session with the date it was
  attended, every missed or cancelled appointment with the reason the worker recorded (word
  for word: whether an absence was acceptable is for the court to judge), and the worker's
  sign-off. Never notes, charge, drug test, aliases, phone, address or case events.
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

import base64
import email.policy
import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime as email_date
from email.utils import make_msgid, parseaddr
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from diversion import audit, clock
from diversion.compliance import AppointmentFact, CaseFacts, Compliance, compliance
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.formatting import format_date, format_datetime
from diversion.mail import Mailer, MailError, mail_from, make_mailer, uses_file_mailer
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    ComplianceReport,
    Court,
    CourtOutcome,
    MailStatus,
    OutgoingMail,
    ReportVariant,
    RequirementType,
    Role,
    User,
)
from diversion.queries import window_of
from diversion.services.cases import add_case_event
from scheduling.calendar import LONDON

log = logging.getLogger(__name__)

REPORT_MAIL_KIND = "compliance_report"
STATEMENT_MAX_LENGTH = 2000
# Delivery: attempts before a row is failed, the back-off cap, and how long a claimed row is
# left alone (a sender that crashed mid-send leaves its row to be tried again after this).
MAX_ATTEMPTS = 8
MAX_RETRY_DELAY = timedelta(hours=1)
CLAIM_LEASE = timedelta(minutes=5)
DELIVERY_BATCH = 100

ADDRESSES_PLACE = "Administration > Courts"

# Rule: one form of report per kind of order; an order without one of its own (a conditional
# caution, or a type an administrator adds) gets the court diversion form with its wording
# generalised to name the order ("Compliance report: <requirement type>").
VARIANT_BY_CODE = {
    "CD": ReportVariant.COURT_DIVERSION,
    "ESO": ReportVariant.SUPERVISOR_NOTICE,
    "RA": ReportVariant.ATTENDANCE_RECORD,
}
COURT_DIVERSION_CODE = "CD"
GENERALISED_TITLE = "Compliance report: {requirement}"

MISSED_WORDS = {
    AppointmentStatus.DID_NOT_ATTEND.value: "Did not attend",
    AppointmentStatus.CANCELLED_BY_CLIENT.value: "Cancelled by her",
    AppointmentStatus.CANCELLED_BY_SERVICE.value: "Cancelled by the project",
}


# --- compliance of a case -----------------------------------------------------------------


def appointment_facts(appointments: Iterable[Appointment]) -> tuple[AppointmentFact, ...]:
    """What the compliance rule needs of each appointment; its day is the London date."""
    return tuple(
        AppointmentFact(
            session_number=a.session_number,
            day=a.starts_at.astimezone(LONDON).date(),
            status=a.status.value,
            reason=a.reason,
        )
        for a in appointments
    )


def case_facts(case: Case) -> CaseFacts:
    """A case as the compliance rule reads it.

    Reads only attributes: a caller that loaded the appointments, court and requirement type
    (a court list, say) pays no query per case."""
    window = window_of(case)
    return CaseFacts(
        case_status=case.status.value,
        required_sessions=len(case.requirement_type.sessions),
        window_start=case.outcome_hearing_date if window else None,
        last_day=window.last_appointment_date if window else None,
        appointments=appointment_facts(case.appointments),
    )


def compliance_of(case: Case, *, today: date) -> Compliance:
    """A case's compliance on `today` (Europe/London), by the one rule in diversion.compliance."""
    return compliance(case_facts(case), today=today)


# --- which report, and may there be one ---------------------------------------------------


def variant_for(requirement_type: RequirementType) -> ReportVariant:
    """The form of report an order takes (court diversion for any order without its own)."""
    return VARIANT_BY_CODE.get(requirement_type.code, ReportVariant.COURT_DIVERSION)


def report_title(requirement_type: RequirementType) -> str:
    """The report's heading: the variant's name, or the generalised one naming the order."""
    variant = variant_for(requirement_type)
    if variant is ReportVariant.COURT_DIVERSION and requirement_type.code != COURT_DIVERSION_CODE:
        return GENERALISED_TITLE.format(requirement=requirement_type.name)
    return variant.label


def why_no_report(case: Case) -> str | None:
    """Why a case cannot have a report signed off yet, or None when it can.

    Rule: a report is for a case the court put on the scheme, once it has set a return date.
    """
    if case.court_outcome is not CourtOutcome.ACCEPTED or case.outcome_hearing_date is None:
        return "A report can be signed off once the court has put her on the scheme."
    if case.return_date is None:
        return "A report can be signed off once the court has set a return date."
    return None


def missing_addresses(court: Court) -> list[str]:
    """The court's email addresses a send needs but that nobody has set up."""
    missing = []
    if not court.court_email:
        missing.append("court email address")
    if not court.cps_email:
        missing.append("CPS email address")
    return missing


# --- what the court and the CPS read ------------------------------------------------------


@dataclass(frozen=True)
class SessionLine:
    number: int
    name: str
    attended_on: date | None


@dataclass(frozen=True)
class MissedLine:
    day: date
    session: str
    what: str
    reason: str | None


@dataclass(frozen=True)
class SignOff:
    statement: str
    name: str
    organisation: str
    signed_at: datetime


@dataclass(frozen=True)
class ReportFacts:
    """Everything a report shows, and nothing else: the field-level rule (security.md 4)."""

    title: str
    variant: ReportVariant
    requirement_code: str
    requirement_name: str
    name: str
    date_of_birth: date
    court_reference: str | None
    court_name: str
    court_date: date | None
    return_date: date | None
    organisation_name: str
    status: str
    status_label: str
    required: int
    attended: int
    sessions: tuple[SessionLine, ...]
    missed: tuple[MissedLine, ...]
    sign_off: SignOff | None = None
    draft: bool = field(default=False)


def _session_names(requirement_type: RequirementType) -> dict[int, str]:
    return {
        number: str(session.get("name") or f"Session {number}")
        for number, session in enumerate(requirement_type.sessions, 1)
    }


def report_facts(
    case: Case, *, result: Compliance, sign_off: SignOff | None, draft: bool = False
) -> ReportFacts:
    """Pick out of a case what its report may show."""
    names = _session_names(case.requirement_type)
    return ReportFacts(
        title=report_title(case.requirement_type),
        variant=variant_for(case.requirement_type),
        requirement_code=case.requirement_type.code,
        requirement_name=case.requirement_type.name,
        name=case.client.full_name,
        date_of_birth=case.client.date_of_birth,
        court_reference=case.court_reference,
        court_name=case.court.name,
        court_date=case.outcome_hearing_date,
        return_date=case.return_date,
        organisation_name=case.organisation.name,
        status=result.status.value,
        status_label=result.status.label,
        required=result.required,
        attended=result.attended,
        sessions=tuple(
            SessionLine(
                number=s.number,
                name=names.get(s.number, f"Session {s.number}"),
                attended_on=s.attended_on,
            )
            for s in result.sessions
        ),
        missed=tuple(
            MissedLine(
                day=m.day,
                session=names.get(m.session_number, f"Session {m.session_number}"),
                what=MISSED_WORDS.get(m.status, m.status),
                reason=m.reason,
            )
            for m in result.missed
        ),
        sign_off=sign_off,
        draft=draft,
    )


def render_report_html(facts: ReportFacts) -> str:
    """The report as a standalone HTML document (print CSS for A4, no external assets)."""
    template = current_app.jinja_env.get_template(f"reports/{facts.variant.value}.html")
    return template.render(r=facts, title=facts.title)


def draft_html(case: Case, *, today: date) -> str:
    """The report as it would read if signed off today: for the worker to check first."""
    result = compliance_of(case, today=today)
    return render_report_html(report_facts(case, result=result, sign_off=None, draft=True))


_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def style_hashes(html: str) -> list[str]:
    """CSP source expressions ('sha256-...') for the document's own style elements."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in _STYLE.findall(html)
    ]


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # A report has no external assets; nothing it says may make the service fetch anything.
    raise ValueError("a report may not load external resources")


def render_pdf(html: str) -> bytes:
    """A report's PDF (A4), from its HTML, with WeasyPrint and the system's fonts."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pdf_filename(case: Case) -> str:
    """The attachment's name: the court reference (or case reference), never her name."""
    reference = case.court_reference or case.reference or f"case-{case.id}"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in reference)[:60]
    return f"compliance-report-{safe}.pdf"


# --- sign-off -----------------------------------------------------------------------------


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


# --- sending ------------------------------------------------------------------------------


def report_subject(case: Case) -> str:
    """The subject line: the court reference and nothing else about her."""
    if case.court_reference:
        # One line whatever was typed: a header never carries a line break.
        return f"Compliance report: court ref {' '.join(case.court_reference.split())}"
    return f"Compliance report: case {case.reference or case.id}"


def _report_body(report: ComplianceReport, case: Case) -> str:
    lines = [
        "The compliance report is attached as a PDF.",
        "",
        f"Court reference: {case.court_reference or 'not recorded'}",
        f"Court: {case.court.name}",
        f"Return date: {format_date(case.return_date, 'long')}",
        f"Signed off: {format_datetime(report.signed_off_at, 'long')}, "
        f"by {report.signed_off_by.name}, {case.organisation.name}",
        "",
        "This message was sent by the court diversion scheduler. It is for the court and "
        "the Crown Prosecution Service only: please do not forward it.",
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
def _queue_report(
    report: ComplianceReport, *, actor: User | None, job: str | None, now: datetime
) -> list[int]:
    """Write one pending row per recipient (committed before any delivery is tried)."""
    if (actor is None) == (job is None):
        raise ValueError("name either the person or the job that asks for the send")
    case = report.case
    court = case.court
    latest = latest_report(case.id)
    if latest is None or latest.id != report.id:
        raise RuleBroken("There is a newer sign-off of this report: send that one")
    if changed_since_sign_off(report, case):
        raise RuleBroken(
            "The case's record has changed since this report was signed off. "
            "Check the preview, sign it off again, then send it."
        )
    missing = missing_addresses(court)
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
    recipients = (("court", court.court_email), ("cps", court.cps_email))
    rows = []
    for role, address in recipients:
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
    add_case_event(
        case,
        actor,
        "report_sent",
        f"Compliance report signed off {format_datetime(report.signed_off_at)} "
        "sent to the court and the CPS.",
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


def app_mailer() -> Mailer:
    """The mailer the running app's config asks for."""
    return make_mailer(current_app.config, current_app.instance_path)


def send_report(
    report: ComplianceReport,
    *,
    actor: User | None = None,
    job: str | None = None,
    now: datetime,
    mailer: Mailer | None = None,
) -> list[OutgoingMail]:
    """Send the current sign-off to the court and the CPS: one row per recipient, committed
    as pending first, then each tried at once. A resend is new rows. `content_sha256` on each
    row is the SHA-256 of the attached PDF."""
    ids = _queue_report(report, actor=actor, job=job, now=now)
    deliver(ids, now=now, mailer=mailer or app_mailer())
    return [_fresh(mail_id) for mail_id in ids]


def _fresh(mail_id: int) -> OutgoingMail:
    row = db.session.get(OutgoingMail, mail_id, populate_existing=True)
    assert row is not None
    return row


# --- delivery -----------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """How long a row waits after its n-th failed attempt: 1, 2, 4 ... minutes, at most 1 h."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


@dataclass
class DeliveryReport:
    """What one delivery pass did, by row id (never addresses or content)."""

    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _claim(mail_id: int, *, now: datetime) -> bool:
    """Take a due pending row for this sender, atomically: count the attempt and move its
    next attempt past the lease, so no other sender takes it meanwhile."""
    result = db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.status == MailStatus.PENDING)
        .where(or_(OutgoingMail.next_attempt_at.is_(None), OutgoingMail.next_attempt_at <= now))
        .values(attempts=OutgoingMail.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _envelope_sender(message: bytes) -> str:
    headers = BytesHeaderParser(policy=email.policy.default).parsebytes(message)
    sender = headers["From"]
    addresses = getattr(sender, "addresses", ())
    return str(addresses[0].addr_spec) if addresses else str(sender or "")


def _audit_mail(action: str, row: OutgoingMail) -> None:
    audit.add(
        action,
        object_type="outgoing_mail",
        object_id=row.id,
        client_id=row.case.client_id if row.case else None,
        detail=f"{row.kind} to {row.recipient_role}",
    )


def _attempt(row: OutgoingMail, *, now: datetime, mailer: Mailer) -> MailStatus:
    reference = f"outgoing-{row.id}"
    try:
        path = mailer.send(
            row.message,
            sender=_envelope_sender(row.message),
            recipients=[row.recipient],
            reference=reference,
        )
    except MailError as error:
        reason = error.reason
    except Exception as error:  # a fault of ours must not leave the row claimed for good
        log.error("mail %s: unexpected %s while sending", reference, type(error).__name__)
        reason = f"unexpected error ({type(error).__name__})"
    else:
        row.status = MailStatus.SENT
        row.sent_at = now
        row.eml_path = path
        row.next_attempt_at = None
        _audit_mail("report_sent" if row.kind == REPORT_MAIL_KIND else "mail_sent", row)
        db.session.commit()
        return MailStatus.SENT
    row.last_error = reason[:200]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = MailStatus.FAILED
        row.next_attempt_at = None
        _audit_mail("mail_failed", row)
        log.warning("mail %s failed after %d attempts", reference, row.attempts)
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)
    db.session.commit()
    return row.status


def deliver(ids: Sequence[int], *, now: datetime, mailer: Mailer) -> DeliveryReport:
    """Try each of these rows once, if it is still pending and due, and record the result."""
    report = DeliveryReport()
    for mail_id in ids:
        if not _claim(mail_id, now=now):
            continue
        outcome = _attempt(_fresh(mail_id), now=now, mailer=mailer)
        if outcome is MailStatus.SENT:
            report.sent.append(mail_id)
        elif outcome is MailStatus.FAILED:
            report.failed.append(mail_id)
        else:
            report.retry.append(mail_id)
    return report


def deliver_pending(
    *, now: datetime, mailer: Mailer, limit: int = DELIVERY_BATCH
) -> DeliveryReport:
    """Deliver the pending rows whose next attempt is due, oldest first."""
    ids = list(
        db.session.scalars(
            select(OutgoingMail.id)
            .where(OutgoingMail.status == MailStatus.PENDING)
            .where(or_(OutgoingMail.next_attempt_at.is_(None), OutgoingMail.next_attempt_at <= now))
            .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
            .limit(limit)
        )
    )
    db.session.rollback()  # end the read; each row is claimed in its own transaction
    return deliver(ids, now=now, mailer=mailer)


def deliver_mail_job() -> None:
    """Scheduler job body (an app context is given): deliver the email that is due."""
    done = deliver_pending(now=clock.now(), mailer=app_mailer())
    if done.sent or done.retry or done.failed:
        log.info(
            "mail delivery: %d sent, %d to retry, %d failed",
            len(done.sent),
            len(done.retry),
            len(done.failed),
        )


@transactional
def _reopen(row: OutgoingMail, *, actor: User, now: datetime) -> None:
    if row.status is not MailStatus.FAILED:
        raise RuleBroken("Only an email that failed can be retried")
    row.status = MailStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = now
    audit.add(
        "mail_retry_requested",
        object_type="outgoing_mail",
        object_id=row.id,
        client_id=row.case.client_id if row.case else None,
        user_id=actor.id,
    )


def retry_mail(
    row: OutgoingMail, *, actor: User, now: datetime, mailer: Mailer | None = None
) -> OutgoingMail:
    """A worker asks for a failed email to be tried again: it is pending, tried at once."""
    _reopen(row, actor=actor, now=now)
    deliver([row.id], now=now, mailer=mailer or app_mailer())
    return _fresh(row.id)


# --- reads for the report pages -------------------------------------------------------------


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


def mail_for_case(case_id: int) -> list[OutgoingMail]:
    """Every email about a case, newest first, with who asked for it."""
    return list(
        db.session.scalars(
            select(OutgoingMail)
            .where(OutgoingMail.case_id == case_id)
            .options(joinedload(OutgoingMail.requested_by))
            .order_by(OutgoingMail.created_at.desc(), OutgoingMail.id)
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
    allowed = (
        (user.is_caseworker and case.organisation_id == user.organisation_id)
        or (user.role is Role.COURT_LIAISON and court.organisation_id == user.organisation_id)
        or (user.role is Role.CPS and court.cps_organisation_id == user.organisation_id)
    )
    return report if allowed else None


def written_mail(organisation_id: int, *, limit: int = 200) -> list[OutgoingMail]:
    """Development: the messages the file mailer wrote about an organisation's cases."""
    return list(
        db.session.scalars(
            select(OutgoingMail)
            .join(Case, OutgoingMail.case_id == Case.id)
            .where(Case.organisation_id == organisation_id)
            .where(OutgoingMail.eml_path.is_not(None))
            .order_by(OutgoingMail.sent_at.desc(), OutgoingMail.id.desc())
            .limit(limit)
        )
    )


def written_mail_item(user: User, mail_id: int) -> OutgoingMail | None:
    """One message the file mailer wrote about the user's organisation's cases."""
    return db.session.scalar(
        select(OutgoingMail)
        .join(Case, OutgoingMail.case_id == Case.id)
        .where(OutgoingMail.id == mail_id, Case.organisation_id == user.organisation_id)
        .where(OutgoingMail.eml_path.is_not(None))
    )


def mail_page_available() -> bool:
    """The development mail pages exist only while messages go to files."""
    return uses_file_mailer(current_app.config)
