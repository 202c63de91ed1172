"""The retention job: erase text bodies and replies, anonymise women whose cases ended long ago.

What is due comes from the pure rules in diversion.privacy.retention. What the job did is recorded
as counts only (an audit row `retention_run`, and one `client_anonymised` row per woman,
with ids): never a name, a number or any content. Audit rows themselves are never erased
(they are append-only and hold ids only).

Anonymising a woman (security.md 13) keeps her rows, so that monitoring counts still hold,
and removes what identifies her or holds content:
- her record: names become "Anonymised client", her date of birth 1 January of her birth
  year (age bands still count), and her mobile, its hash, housing, health notes, name in
  texts and text consent are cleared; her aliases are deleted;
- her flags (text and contact) and the reasons given for her transfers erased; her cases:
  court reference, arrest date and at-risk reason cleared, charge erased; case
  notes deleted; every timeline entry's summary erased; appointment reasons and the reasons
  a session was not needed cleared;
- texts to and from her: bodies erased (a text still waiting is cancelled), reply numbers
  erased;
- compliance reports: the signed HTML and the statement erased, the hash kept;
- emails about her cases: the message and subject erased, the hash, recipient and dates
  kept; a development .eml file is deleted;
- sitting-day lists that named her (OutgoingMailCase): every cell of her row in the stored
  list is replaced by "[erased]", in the stored message and in a development .eml file
  (rewritten once the transaction commits). The other women's rows, the covering text and
  the headers stay as they were, so the list is still the record of what the court was
  told about them. Redacting rather than regenerating: a list made again today would
  differ from the one sent (statuses, attendance, adjournments). The hash of the attachment
  as sent is kept, as for reports; the link rows are kept (ids only). A list still waiting
  to go goes without her row. A copy already delivered by SMTP is the recipient's to erase.
  (diversion.privacy.mail_erasure does the lists and the files.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, select, true, update
from sqlalchemy.orm import selectinload

from diversion import audit, clock
from diversion.db import db
from diversion.models import (
    Appointment,
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
    MailStatus,
    MessageStatus,
    MonitoringRecord,
    OutboxMessage,
    OutgoingMail,
    UserSession,
)
from diversion.privacy.mail_erasure import (
    ERASED_BYTES,
    MailFiles,
    delete_mail_files,
    redact_lists_naming,
    rewrite_mail_files,
)
from diversion.privacy.retention import (
    ERASED,
    OPEN_MESSAGE_STATUSES,
    CaseEnd,
    ClientFacts,
    Due,
    MessageFacts,
    Periods,
    ReplyFacts,
    anonymised_date_of_birth,
    daily_run_due,
    periods_from,
    what_is_due,
)
from scheduling import ledger

log = logging.getLogger(__name__)

RUN_ACTION = "retention_run"
JOB = "retention"
ANONYMISED_ACTION = "client_anonymised"
ANONYMISED_FIRST_NAME = "Anonymised"
ANONYMISED_LAST_NAME = "client"
# The job runs once a day, at the first poll after this time (London).
DAILY_AT = time(2, 30)
CHUNK = 500

_OPEN_MESSAGES = [MessageStatus(value) for value in sorted(OPEN_MESSAGE_STATUSES)]


def configured_periods() -> Periods:
    """The retention periods of the running app."""
    return periods_from(current_app.config)


# --- reads --------------------------------------------------------------------------------


def _message_facts(organisation_id: int | None) -> list[MessageFacts]:
    """Texts whose body is still held, with the instants the rule needs."""
    query = (
        select(
            OutboxMessage.id,
            OutboxMessage.status,
            OutboxMessage.send_at,
            OutboxMessage.event_at,
            Appointment.starts_at,
        )
        .outerjoin(Appointment, OutboxMessage.appointment_id == Appointment.id)
        .where(OutboxMessage.body.is_not(None), OutboxMessage.body != ERASED)
    )
    if organisation_id is not None:
        query = query.join(Client, OutboxMessage.client_id == Client.id).where(
            Client.organisation_id == organisation_id
        )
    return [
        MessageFacts(
            id=row_id,
            status=status.value,
            send_at=send_at,
            appointment_starts_at=starts_at,
            hearing_at=event_at,
        )
        for row_id, status, send_at, event_at, starts_at in db.session.execute(query)
    ]


def _reply_facts(organisation_id: int | None) -> list[ReplyFacts]:
    """Replies whose body or number is still held. For an organisation: its own replies (as
    its managers' inbox shows them); a reply to a number no organisation holds is counted
    only across the service."""
    where: ColumnElement[bool] = true()
    if organisation_id is not None:
        where = InboundMessage.organisation_id == organisation_id
    query = select(InboundMessage.id, InboundMessage.received_at).where(
        where, (InboundMessage.body != ERASED) | (InboundMessage.from_number != ERASED)
    )
    return [ReplyFacts(id=row_id, received_at=at) for row_id, at in db.session.execute(query)]


def _client_facts(organisation_id: int | None) -> list[ClientFacts]:
    """Women not yet anonymised, with how each of their cases stands."""
    query = (
        select(Client)
        .where(Client.anonymised_at.is_(None))
        .options(selectinload(Client.cases))
        .order_by(Client.id)
    )
    if organisation_id is not None:
        query = query.where(Client.organisation_id == organisation_id)
    return [
        ClientFacts(
            id=client.id,
            organisation_id=client.organisation_id,
            record_changed_at=client.updated_at,
            cases=tuple(
                CaseEnd(
                    id=case.id,
                    reference=case.reference,
                    status=case.status.value,
                    closed_at=case.closed_at,
                    outcome_hearing_date=case.outcome_hearing_date,
                    first_court_date=case.first_court_date,
                    start_date=case.start_date,
                )
                for case in sorted(client.cases, key=lambda case: case.id)
            ),
        )
        for client in db.session.scalars(query)
    ]


def load_due(*, periods: Periods, until: datetime, organisation_id: int | None = None) -> Due:
    """Everything due by `until`, across the service or for one organisation."""
    return what_is_due(
        periods=periods,
        until=until,
        messages=_message_facts(organisation_id),
        replies=_reply_facts(organisation_id),
        clients=_client_facts(organisation_id),
    )


@dataclass(frozen=True)
class Outlook:
    """For the retention page: what is due now, and what falls due over the coming days."""

    now: datetime
    horizon: datetime
    periods: Periods
    due_now: Due
    coming: Due


def outlook(*, organisation_id: int, now: datetime, periods: Periods, days: int = 30) -> Outlook:
    """What the retention job will do for an organisation now and over the next `days`."""
    horizon = now + timedelta(days=days)
    due = load_due(periods=periods, until=horizon, organisation_id=organisation_id)
    return Outlook(
        now=now,
        horizon=horizon,
        periods=periods,
        due_now=due.by(now),
        coming=due.after(now),
    )


def recent_runs(limit: int = 10) -> list[AuditEvent]:
    """The retention job's latest runs, newest first (counts only)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == RUN_ACTION)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


# --- the run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionRun:
    """What one run did, as counts."""

    message_bodies: int
    replies: int
    clients: int
    sessions: int = 0

    @property
    def summary(self) -> str:
        """The counts in words, for the audit row: no content, no names."""

        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        words = (
            f"{count(self.message_bodies, 'message body', 'message bodies')} erased; "
            f"{count(self.replies, 'reply', 'replies')} erased; "
            f"{count(self.clients, 'client', 'clients')} anonymised"
        )
        if self.sessions:
            words += (
                f"; {count(self.sessions, 'old sign-in session', 'old sign-in sessions')} removed"
            )
        return words


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _erase_message_bodies(ids: Sequence[int], *, now: datetime) -> int:
    erased = 0
    for chunk in _chunks(ids):
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(chunk))
            .where(OutboxMessage.status.not_in(_OPEN_MESSAGES))
            .where(OutboxMessage.body.is_not(None), OutboxMessage.body != ERASED)
            .values(body=ERASED, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        erased += result.rowcount or 0  # type: ignore[attr-defined]
    return erased


def _erase_replies(ids: Sequence[int]) -> int:
    erased = 0
    for chunk in _chunks(ids):
        result = db.session.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_(chunk))
            .values(body=ERASED, from_number=ERASED)
            .execution_options(synchronize_session=False)
        )
        erased += result.rowcount or 0  # type: ignore[attr-defined]
    return erased


def anonymise_client(client: Client, *, now: datetime) -> MailFiles:
    """Anonymise one woman inside the current transaction (see the module docstring).

    Returns the development .eml files to delete or rewrite once the transaction commits."""
    case_ids = list(db.session.scalars(select(Case.id).where(Case.client_id == client.id)))
    report_ids = list(
        db.session.scalars(
            select(ComplianceReport.id).where(ComplianceReport.case_id.in_(case_ids))
        )
    )
    about_her_texts = (OutboxMessage.client_id == client.id) | OutboxMessage.case_id.in_(case_ids)
    about_her_replies = (InboundMessage.client_id == client.id) | InboundMessage.case_id.in_(
        case_ids
    )
    about_her_mail = OutgoingMail.case_id.in_(case_ids) | OutgoingMail.report_id.in_(report_ids)
    session = db.session
    sync = {"synchronize_session": False}

    client.first_name = ANONYMISED_FIRST_NAME
    client.last_name = ANONYMISED_LAST_NAME
    client.date_of_birth = anonymised_date_of_birth(client.date_of_birth)
    client.mobile = None
    client.mobile_hash = None
    client.housing = None
    client.health_notes = None
    client.text_name = None
    client.texts_opted_out_by = None
    client.text_language = None
    client.plain_wording = False
    client.safe_days = client.safe_from = client.safe_until = None
    client.consent_to_texts = False
    client.safe_to_text_confirmed_on = None
    client.aliases = []
    client.anonymised_at = now

    session.execute(
        update(Case)
        .where(Case.id.in_(case_ids))
        .values(court_reference=None, arrest_date=None, at_risk_reason=None, charge=ERASED)
        .execution_options(**sync)
    )
    session.execute(
        delete(CaseNote).where(CaseNote.case_id.in_(case_ids)).execution_options(**sync)
    )
    # Her monitoring answers go: the report's counts of past periods keep nothing of her.
    session.execute(
        delete(MonitoringRecord)
        .where(MonitoringRecord.client_id == client.id)
        .execution_options(**sync)
    )
    session.execute(
        update(CaseEvent)
        .where(CaseEvent.case_id.in_(case_ids))
        .values(summary=ERASED)
        .execution_options(**sync)
    )
    session.execute(
        update(Appointment)
        .where(Appointment.case_id.in_(case_ids))
        .values(reason=None)
        .execution_options(**sync)
    )
    session.execute(
        update(LapsedSession)
        .where(LapsedSession.case_id.in_(case_ids))
        .values(reason=ERASED)
        .execution_options(**sync)
    )
    for erased in (
        update(ClientFlag)
        .values(text=ERASED, contact=ERASED, cleared_at=func.coalesce(ClientFlag.cleared_at, now))
        .where(ClientFlag.client_id == client.id),
        update(ClientTransfer).values(reason=ERASED).where(ClientTransfer.client_id == client.id),
    ):
        session.execute(erased.execution_options(**sync))
    session.execute(
        update(OutboxMessage)
        .where(about_her_texts, OutboxMessage.status.in_(_OPEN_MESSAGES))
        .values(status=MessageStatus.CANCELLED, reason="client anonymised", updated_at=now)
        .execution_options(**sync)
    )
    session.execute(
        update(OutboxMessage)
        .where(about_her_texts, OutboxMessage.body.is_not(None))
        .values(body=ERASED, updated_at=now)
        .execution_options(**sync)
    )
    session.execute(
        update(InboundMessage)
        .where(about_her_replies)
        .values(body=ERASED, from_number=ERASED)
        .execution_options(**sync)
    )
    session.execute(
        update(ComplianceReport)
        .where(ComplianceReport.id.in_(report_ids))
        .values(html=ERASED, statement=ERASED)
        .execution_options(**sync)
    )
    files = MailFiles(
        delete=[
            (mail_id, path)
            for mail_id, path in session.execute(
                select(OutgoingMail.id, OutgoingMail.eml_path).where(
                    about_her_mail, OutgoingMail.eml_path.is_not(None)
                )
            )
            if path
        ],
        rewrite=redact_lists_naming(case_ids),
    )
    session.execute(
        update(OutgoingMail)
        .where(about_her_mail, OutgoingMail.status == MailStatus.PENDING)
        .values(status=MailStatus.FAILED, last_error="erased before it was sent")
        .execution_options(**sync)
    )
    session.execute(
        update(OutgoingMail)
        .where(about_her_mail)
        .values(message=ERASED_BYTES, subject=ERASED, eml_path=None)
        .execution_options(**sync)
    )
    audit.add(
        ANONYMISED_ACTION,
        object_type="client",
        object_id=client.id,
        client_id=client.id,
        detail=f"{len(case_ids)} cases",
    )
    return files


# Sign-in sessions (who signed in, when, from where) are kept this long after they last
# saw use, then removed: the audit trail keeps the sign-ins themselves.
SESSION_KEEP = timedelta(days=30)


def _remove_old_sessions(now: datetime) -> int:
    """Remove sign-in sessions last used more than SESSION_KEEP ago (all long expired)."""
    result = db.session.execute(
        delete(UserSession).where(UserSession.last_seen_at < now - SESSION_KEEP)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def run_retention(*, now: datetime, periods: Periods) -> RetentionRun:
    """Erase and anonymise everything due at `now`, in one transaction, and record the counts.

    Safe to run again: what was erased is not due again."""
    session = db.session
    files = MailFiles()
    try:
        due = load_due(periods=periods, until=now)
        bodies = _erase_message_bodies([item.id for item in due.message_bodies], now=now)
        replies = _erase_replies([item.id for item in due.replies])
        clients = 0
        for item in due.clients:
            client = session.get(Client, item.id)
            if client is None or client.anonymised_at is not None:
                continue
            files += anonymise_client(client, now=now)
            clients += 1
        sessions = _remove_old_sessions(now)
        run = RetentionRun(
            message_bodies=bodies, replies=replies, clients=clients, sessions=sessions
        )
        audit.add(RUN_ACTION, object_type="retention", detail=run.summary)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.expire_all()  # bulk updates bypassed the identity map
    delete_mail_files(files.delete)
    rewrite_mail_files(files.rewrite)
    log.info("retention run: %s", run.summary)
    return run


def last_run_at() -> datetime | None:
    """When the retention job last ran."""
    return db.session.scalar(
        select(AuditEvent.occurred_at)
        .where(AuditEvent.action == RUN_ACTION)
        .order_by(AuditEvent.occurred_at.desc())
        .limit(1)
    )


def retention_job() -> None:
    """Scheduler job body (an app context is given): once a day, after 02:30 London, erase
    and anonymise what is due. Polled often, so a run missed while the scheduler was down
    happens at its next poll."""
    now = clock.now()
    last = last_run_at()
    db.session.rollback()  # end the read before the run's own transaction
    if not daily_run_due(now=now, last_run=last, at=DAILY_AT):
        return
    # The day is claimed in the run's own transaction (several schedulers: scheduling.ledger).
    period = ledger.daily_period(now, DAILY_AT)
    if not ledger.claim_with(db.session, job=JOB, period=period, now=now):
        db.session.rollback()
        return
    run_retention(now=now, periods=configured_periods())
