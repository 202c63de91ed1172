"""The outgoing mail queue: every email is a row committed before delivery, then delivered
and retried with back-off by the mail-delivery job (and by hand after the last failure)."""

from __future__ import annotations

import email.policy
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from diversion import audit, clock
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.mail.senders import Mailer, MailError, make_mailer, uses_file_mailer
from diversion.models import (
    Case,
    MailStatus,
    OutgoingMail,
    User,
)

log = logging.getLogger(__name__)


# Delivery: attempts before a row is failed, the back-off cap, and how long a claimed row is
# left alone (a sender that crashed mid-send leaves its row to be tried again after this).
MAX_ATTEMPTS = 8
MAX_RETRY_DELAY = timedelta(hours=1)
CLAIM_LEASE = timedelta(minutes=5)
DELIVERY_BATCH = 100

REPORT_MAIL_KIND = "compliance_report"


def app_mailer() -> Mailer:
    """The mailer the running app's config asks for."""
    return make_mailer(current_app.config, current_app.instance_path)


def fresh_row(mail_id: int) -> OutgoingMail:
    row = db.session.get(OutgoingMail, mail_id, populate_existing=True)
    assert row is not None
    return row


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
        outcome = _attempt(fresh_row(mail_id), now=now, mailer=mailer)
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
    return fresh_row(row.id)


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


def mail_of_case(case_id: int, mail_id: int) -> OutgoingMail | None:
    """One email sent about this case, or None (another case's answers 404)."""
    row = db.session.get(OutgoingMail, mail_id)
    return row if row is not None and row.case_id == case_id else None
