"""When compliance reports are due, and the scheduler's two report jobs.

Rules (domain.md, "Dates and windows" and "Attendance and compliance"):

- A report is due at the court's report time (12:00 by default) on the working day before
  the return date. It is **sent** once an email of the current sign-off has gone to the court
  or the CPS; **overdue** once the due moment has passed without that.
- Each working day from 09:00 (Europe/London) every worker with reports due by the end of
  the next working day, or overdue, gets one reminder email (case references and times only:
  no names reach a mailbox that way).
- At the report due time for a sitting day, the court gets that day's list (the columns the
  court may read, as a CSV attachment), and each case returning that day whose report has
  not been sent is flagged on its timeline. Each case the list names is linked to it
  (OutgoingMailCase, with its row in the CSV) in the transaction that queues it, so that
  anonymising a woman erases her row from the stored copy and her subject access export
  lists every list that named her.

Both jobs are catch-up jobs, not alarms: they run every few minutes and do what is due and
not yet done, recorded as OutgoingMail rows, so a scheduler that was down sends late rather
than never, and never twice. With a scheduler on each of several servers, a job's ticks run
one at a time (scheduling.job_lock), and each court's list for a sitting day is also claimed
in the ledger (scheduling.ledger) in the transaction that queues it, so it goes once even if
two ticks met. Reminders are once per worker per day (a worker whose report falls due later
in the day is reminded then), so they keep to their mail rows and the job's lock.
"""

from __future__ import annotations

import email.policy
import enum
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime as email_date
from email.utils import make_msgid, parseaddr

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from diversion import audit, clock
from diversion.cases import rules
from diversion.cases.queries import window_of
from diversion.cases.services import add_case_event
from diversion.court.list_csv import csv_case_ids, csv_filename, csv_rows, csv_text
from diversion.court.queries import sitting_day_list
from diversion.court.report_content import recipient_words
from diversion.db import db
from diversion.formatting import format_date, format_datetime
from diversion.mail.queue import REPORT_MAIL_KIND, app_mailer, deliver
from diversion.mail.senders import Mailer, MailError, mail_from
from diversion.models import (
    Case,
    CaseStatus,
    Court,
    MailStatus,
    OutgoingMail,
    OutgoingMailCase,
    User,
)
from scheduling import ledger
from scheduling.calendar import (
    LONDON,
    add_working_days,
    is_working_day,
    next_sitting_day,
    report_due_at,
)

log = logging.getLogger(__name__)

REMINDER_KIND = "report_reminder"
LIST_KIND = "sitting_day_list"
REMINDER_JOB = "report-reminders"
LIST_JOB = "sitting-day-lists"
# Rule: reminders go from 09:00 on working days.
REMINDER_TIME = time(9, 0)
# How far ahead the list job looks for sitting days whose report time has come.
LIST_LOOKAHEAD_DAYS = 14
# Mail rows that mean a report has gone (or is going: pending rows are retried until sent).
GONE_OR_GOING = (MailStatus.SENT, MailStatus.PENDING)


class ReportState(enum.Enum):
    """Where a case's compliance report stands, for the home pages."""

    NOT_YET_DUE = "not_yet_due"
    DUE = "due"
    SENDING = "sending"
    SENT = "sent"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {
            "not_yet_due": "Not yet due",
            "due": "Due",
            "sending": "Sending",
            "sent": "Sent",
            "overdue": "Overdue",
        }[self.value]


def report_state(
    *, due_at: datetime, sent_at: datetime | None, pending: bool, now: datetime, due_soon: date
) -> ReportState:
    """Where a report stands: sent, on its way, overdue, due by `due_soon`, or not yet due."""
    if sent_at is not None:
        return ReportState.SENT
    if pending:
        return ReportState.SENDING
    if now >= due_at:
        return ReportState.OVERDUE
    if due_at.astimezone(LONDON).date() <= due_soon:
        return ReportState.DUE
    return ReportState.NOT_YET_DUE


@dataclass(frozen=True)
class ReportLine:
    """A case whose report the worker must send, with when it is due and where it stands."""

    case: Case
    due_at: datetime
    state: ReportState
    sent_at: datetime | None


def report_lines(cases: Sequence[Case], *, now: datetime) -> dict[int, ReportLine]:
    """The report state of each case whose window is known (for court diversion, once the
    court set a return date), in two queries in all."""
    windows = {case.id: window_of(case) for case in cases}
    ids = [case_id for case_id, window in windows.items() if window is not None]
    if not ids:
        return {}
    sent: dict[int, datetime] = {}
    pending: set[int] = set()
    rows = db.session.execute(
        select(OutgoingMail.case_id, OutgoingMail.status, OutgoingMail.sent_at)
        .where(OutgoingMail.kind == REPORT_MAIL_KIND)
        .where(OutgoingMail.case_id.in_(ids))
        .where(OutgoingMail.status.in_(GONE_OR_GOING))
    )
    for case_id, status, sent_at in rows:
        if status is MailStatus.SENT and sent_at is not None:
            if case_id not in sent or sent_at < sent[case_id]:
                sent[case_id] = sent_at
        else:
            pending.add(case_id)
    today = now.astimezone(LONDON).date()
    due_soon = add_working_days(today, 1)
    lines = {}
    for case in cases:
        window = windows[case.id]
        if window is None:
            continue
        lines[case.id] = ReportLine(
            case=case,
            due_at=window.report_due_at,
            sent_at=sent.get(case.id),
            state=report_state(
                due_at=window.report_due_at,
                sent_at=sent.get(case.id),
                pending=case.id in pending,
                now=now,
                due_soon=due_soon,
            ),
        )
    return lines


# --- sending helpers ----------------------------------------------------------------------


def _queue(
    *,
    kind: str,
    recipient: str,
    role: str,
    subject: str,
    message: bytes,
    digest: str,
    job: str,
    now: datetime,
    court_id: int | None = None,
    for_date: date | None = None,
    named_case_ids: Sequence[int] = (),
) -> int:
    """Add the mail row (and a link to each case a list names, by its row in the list)."""
    row = OutgoingMail(
        kind=kind,
        court_id=court_id,
        sitting_date=for_date,
        recipient=recipient,
        recipient_role=role,
        subject=subject,
        message=message,
        content_sha256=digest,
        status=MailStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        requested_by_job=job,
        created_at=now,
        named_cases=[
            OutgoingMailCase(case_id=case_id, list_row=number)
            for number, case_id in enumerate(named_case_ids, start=1)
        ],
    )
    db.session.add(row)
    db.session.flush()
    audit.add(
        "mail_queued", object_type="outgoing_mail", object_id=row.id, detail=f"{kind} to {role}"
    )
    return row.id


def _email(*, sender: str, recipient: str, subject: str, body: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = email_date(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sender() -> str | None:
    try:
        return mail_from(current_app.config)
    except MailError:
        log.warning("report jobs: MAIL_FROM is not set; nothing is sent")
        return None


# --- reminders to workers -------------------------------------------------------------------


def reminders_due(*, now: datetime) -> dict[User, list[ReportLine]]:
    """Workers to remind now, each with her reports due by the next working day or overdue."""
    local = now.astimezone(LONDON)
    if not is_working_day(local.date()) or local.time() < REMINDER_TIME:
        return {}
    running = db.session.scalars(
        select(Case)
        .where(Case.status == CaseStatus.ON_SCHEME)
        .where(Case.worker_id.is_not(None))
        .where(or_(Case.return_date.is_(None), Case.return_date >= local.date()))
        .options(
            joinedload(Case.worker),
            joinedload(Case.court),
            joinedload(Case.requirement_type),
        )
    ).unique()
    # A report to the court is owed until its hearing; one to the police or the CPS alone,
    # while the case runs (the worker closes it once it is sent).
    cases = [
        case
        for case in running
        if case.return_date is not None
        or not rules.rules_of(case.requirement_type).reports_to_court
    ]
    already = set(
        db.session.scalars(
            select(OutgoingMail.recipient)
            .where(OutgoingMail.kind == REMINDER_KIND)
            .where(OutgoingMail.sitting_date == local.date())
        )
    )
    by_worker: dict[User, list[ReportLine]] = {}
    for line in report_lines(cases, now=now).values():
        worker = line.case.worker
        if worker is None or not worker.active or worker.email in already:
            continue
        if line.state in (ReportState.DUE, ReportState.OVERDUE):
            by_worker.setdefault(worker, []).append(line)
    for lines in by_worker.values():
        lines.sort(key=lambda line: (line.due_at, line.case.id))
    return by_worker


def _reminder_body(worker: User, lines: Iterable[ReportLine]) -> str:
    rows = [
        f"- {line.case.reference or line.case.id}: "
        f"{'OVERDUE, was due' if line.state is ReportState.OVERDUE else 'due'} "
        f"{format_datetime(line.due_at, 'long')}, to "
        f"{recipient_words(line.case.requirement_type)}"
        for line in lines
    ]
    return (
        f"Dear {worker.name},\n\nThese compliance reports need signing off and sending:\n\n"
        + "\n".join(rows)
        + "\n\nOpen each case in the court diversion scheduler to sign off and send its report.\n"
    )


def send_reminders(*, now: datetime, mailer: Mailer | None = None) -> list[int]:
    """Queue and try today's reminder to each worker with reports due; return the mail ids."""
    due = reminders_due(now=now)
    if not due:
        db.session.rollback()
        return []
    sender = _sender()
    if sender is None:
        db.session.rollback()
        return []
    ids = []
    today = now.astimezone(LONDON).date()
    for worker, lines in sorted(due.items(), key=lambda item: item[0].id):
        subject = f"Compliance reports due: {len(lines)}"
        message = _email(
            sender=sender,
            recipient=worker.email,
            subject=subject,
            body=_reminder_body(worker, lines),
            now=now,
        ).as_bytes(policy=email.policy.SMTP)
        ids.append(
            _queue(
                kind=REMINDER_KIND,
                recipient=worker.email,
                role="worker",
                subject=subject,
                message=message,
                digest=_sha256(message),
                job=REMINDER_JOB,
                now=now,
                for_date=today,
            )
        )
    db.session.commit()
    deliver(ids, now=now, mailer=mailer or app_mailer())
    return ids


# --- the sitting-day list to the court -------------------------------------------------------


def list_address(court: Court) -> str | None:
    """Where a court's sitting-day list goes: its liaison address, else the court's own."""
    return court.liaison_email or court.court_email


def lists_due(*, now: datetime) -> list[tuple[Court, date]]:
    """(court, sitting day) pairs whose report time has come and whose list has not gone."""
    today = now.astimezone(LONDON).date()
    due: list[tuple[Court, date]] = []
    courts = db.session.scalars(select(Court).where(Court.active.is_(True))).all()
    sent = {
        (court_id, day)
        for court_id, day in db.session.execute(
            select(OutgoingMail.court_id, OutgoingMail.sitting_date).where(
                OutgoingMail.kind == LIST_KIND
            )
        )
    }
    for court in courts:
        if not list_address(court):
            continue
        day = next_sitting_day(today, court.sitting_weekdays, include_today=True)
        while day <= today + timedelta(days=LIST_LOOKAHEAD_DAYS):
            if now < report_due_at(day, due_time=court.report_due_time):
                break
            if (court.id, day) not in sent:
                due.append((court, day))
            day = next_sitting_day(
                day + timedelta(days=1), court.sitting_weekdays, include_today=True
            )
    return due


def _list_body(court: Court, day: date, unsent: int, total: int) -> str:
    return (
        f"The list for {court.name} on {format_date(day, 'long')} is attached as a CSV file: "
        "first appearances expected, and cases returning from extended bail with their "
        "attendance.\n\n"
        f"Returning cases: {total}. Reports not yet sent by the report time: {unsent}.\n\n"
        "This message was sent by the court diversion scheduler. It is for the court and the "
        "Crown Prosecution Service only: please do not forward it.\n"
    )


def send_lists(*, now: datetime, mailer: Mailer | None = None) -> list[int]:
    """Send each sitting-day list whose report time has come; flag reports not sent."""
    due = lists_due(now=now)
    if not due:
        db.session.rollback()
        return []
    sender = _sender()
    if sender is None:
        db.session.rollback()
        return []
    ids = []
    today = now.astimezone(LONDON).date()
    for court, day in due:
        listing = sitting_day_list(court, day, user=None, today=today)
        if not listing.first_appearances and not listing.returning:
            continue
        period = ledger.sitting_day_period(day, court.id)
        if not ledger.claim_with(db.session, job=LIST_JOB, period=period, now=now):
            continue  # another scheduler's tick queued this list
        lines = report_lines(
            [db.session.get(Case, line.case_id) for line in listing.returning], now=now
        )
        unsent = [
            lines[line.case_id].case
            for line in listing.returning
            if line.case_id in lines
            and lines[line.case_id].state not in (ReportState.SENT, ReportState.SENDING)
        ]
        for case in unsent:
            # Rule: a case whose report did not reach the court by the report time is flagged.
            add_case_event(
                case,
                None,
                "report_not_sent",
                f"The compliance report was not sent by the report time for the hearing on "
                f"{format_date(day)}.",
            )
            audit.add(
                "report_overdue_flagged",
                object_type="case",
                object_id=case.id,
                client_id=case.client_id,
            )
        subject = f"Court list: {court.name}, {format_date(day)}"
        address = list_address(court)
        assert address is not None
        letter = _email(
            sender=sender,
            recipient=address,
            subject=subject,
            body=_list_body(court, day, len(unsent), len(listing.returning)),
            now=now,
        )
        attachment = csv_text(csv_rows(listing.first_appearances, listing.returning)).encode()
        letter.add_attachment(
            attachment, maintype="text", subtype="csv", filename=csv_filename(court, day)
        )
        message = letter.as_bytes(policy=email.policy.SMTP)
        ids.append(
            _queue(
                kind=LIST_KIND,
                recipient=address,
                role="court liaison" if court.liaison_email else "court",
                subject=subject,
                message=message,
                digest=_sha256(attachment),
                job=LIST_JOB,
                now=now,
                court_id=court.id,
                for_date=day,
                named_case_ids=csv_case_ids(listing.first_appearances, listing.returning),
            )
        )
    db.session.commit()
    if ids:
        deliver(ids, now=now, mailer=mailer or app_mailer())
    return ids


def reminders_job() -> None:
    """Scheduler job body: today's reminders, once each, from 09:00 on working days."""
    ids = send_reminders(now=clock.now())
    if ids:
        log.info("report reminders queued: %d", len(ids))


def lists_job() -> None:
    """Scheduler job body: the sitting-day lists whose report time has come."""
    ids = send_lists(now=clock.now())
    if ids:
        log.info("sitting-day lists queued: %d", len(ids))
