"""Audit trail: who did what, when, from where; ids only, never names, numbers or notes.

The trail is append-only (security.md 12). The database refuses UPDATE and DELETE on
`audit_event` with triggers (diversion.audit_ddl: built by the migration, and attached here
to the table for `create_all`), and the application refuses before it gets that far: a
session never flushes a changed or deleted AuditEvent, nor runs an UPDATE or DELETE
statement on the table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import DDL, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from diversion import audit_ddl
from diversion.db import db
from diversion.models import AuditEvent

log = logging.getLogger(__name__)


class AppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit row."""


def _attach_triggers() -> None:
    """Create the refusing triggers whenever `audit_event` itself is created."""
    for dialect, (create, _drop) in audit_ddl.STATEMENTS.items():
        for statement in create:
            event.listen(
                AuditEvent.__table__,
                "after_create",
                DDL(statement).execute_if(dialect=dialect),  # type: ignore[no-untyped-call]
            )


def refuse_changes(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    """Before each flush: an audit row may be added, never changed or deleted."""
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AppendOnly("audit rows cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise AppendOnly("audit rows cannot be changed")


def refuse_statements(state: ORMExecuteState) -> None:
    """An UPDATE or DELETE statement on the audit table, through any session, is refused."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) == AuditEvent.__tablename__:
        raise AppendOnly("audit rows cannot be changed or deleted")


_attach_triggers()
event.listen(Session, "before_flush", refuse_changes)
event.listen(Session, "do_orm_execute", refuse_statements)


def _actor_id() -> int | None:
    user = g.get("user") if has_request_context() else None
    return user.id if user is not None else None


def _remote_addr() -> str | None:
    return request.remote_addr if has_request_context() else None


def who() -> dict[str, Any]:
    """The actor and address columns of a row written now (none outside a request)."""
    return {"user_id": _actor_id(), "remote_addr": _remote_addr()}


def add(
    action: str,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    client_id: int | None = None,
    detail: str | None = None,
    user_id: int | None = None,
) -> AuditEvent:
    """Add an audit row to the current transaction: it commits or rolls back with the change."""
    row = AuditEvent(
        user_id=user_id if user_id is not None else _actor_id(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        client_id=client_id,
        remote_addr=_remote_addr(),
        detail=detail,
    )
    db.session.add(row)
    return row


def record(action: str, **kwargs: object) -> None:
    """Write an audit row on its own, for reads and refusals that change nothing else."""
    session = db.session
    try:
        add(action, **kwargs)  # type: ignore[arg-type]
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not write audit row for action %s", action)
        raise


def record_refusal(*, endpoint: str) -> None:
    """A signed-in user asked for something their role may not have."""
    record("access_refused", detail=endpoint)


DETAIL_LENGTH = 500
"""The width of `AuditEvent.detail`."""

LARGEST_ID = 2**31 - 1
"""The largest id an integer column holds (PostgreSQL's `integer`)."""


def record_not_held(*, object_type: str, object_id: int, endpoint: str | None) -> None:
    """A signed-in user asked for a record her organisation does not hold (answered 404).

    Another organisation's record and one that does not exist are recorded alike: the row
    holds the type and the id asked for, never whose it is. An id no table could hold is
    recorded without it, so that writing the row never fails.
    """
    fits = 0 < object_id <= LARGEST_ID
    record(
        "record_refused",
        object_type=object_type,
        object_id=object_id if fits else None,
        detail=endpoint if fits else f"{endpoint} (id out of range)",
    )


@dataclass(frozen=True)
class Entry:
    """One row for `record_all`."""

    action: str
    object_type: str | None = None
    object_id: int | None = None
    client_id: int | None = None
    detail: str | None = None


def record_all(entries: Iterable[Entry]) -> None:
    """Write several audit rows on their own, in one transaction (what one page showed)."""
    session = db.session
    try:
        for entry in entries:
            add(
                entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                client_id=entry.client_id,
                detail=entry.detail,
            )
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not write audit rows")
        raise


def id_details(label: str, ids: Iterable[int], *, width: int = DETAIL_LENGTH) -> list[str]:
    """Ids as details reading "label 3, 5, 8", split so that none is wider than the column."""
    details: list[str] = []
    current = ""
    for value in ids:
        piece = str(value)
        if current and len(current) + 2 + len(piece) <= width:
            current = f"{current}, {piece}"
            continue
        if current:
            details.append(current)
        current = f"{label} {piece}"
    if current:
        details.append(current)
    return details


# Plain words for the audit page; an action not listed here is shown from its code.
ACTION_WORDS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "sign_in_password": "Password accepted (two-factor code next)",
    "sign_out": "Signed out",
    "password_changed": "Changed their password",
    "two_factor_enrolled": "Set up two-factor sign-in",
    "two_factor_reset": "Two-factor sign-in reset",
    "invitation_sent": "Emailed a set-up link",
    "invitation_not_sent": "Set-up link email not sent",
    "invitation_printed": "Printed a set-up link (create-admin command)",
    "invitation_used": "Used a set-up link (chose a password)",
    "invitation_refused": "Set-up link refused (expired, used or unknown)",
    "recovery_code_used": "Signed in with a recovery code",
    "recovery_codes_replaced": "Made new recovery codes",
    "retention_run": "Old records erased or anonymised (scheduled)",
    "at_risk_check_run": "Open cases rechecked for room to finish (scheduled)",
    "client_anonymised": "Client's record anonymised",
    "retention_viewed": "Viewed the retention page",
    "access_refused": "Refused a page their role may not see",
    "record_refused": "Refused a record their organisation does not hold (or none)",
    "client_search": "Searched for clients",
    "caseload_check": "Checked every caseload of the partnership",
    "caseload_disclosed": "Told another organisation's name and contact (caseload check)",
    "client_viewed": "Viewed a client",
    "client_created": "Added a client",
    "client_updated": "Changed a client's details",
    "case_viewed": "Viewed a case",
    "case_created": "Opened a case",
    "court_outcome_recorded": "Recorded a court outcome",
    "appointment_viewed": "Viewed an appointment",
    "appointment_booked": "Booked an appointment",
    "appointment_cancelled": "Cancelled an appointment",
    "appointment_attended": "Recorded attendance",
    "appointment_missed": "Recorded a missed appointment",
    "appointment_confirmed": "Client confirmed an appointment by text",
    "calendar_exported": "Downloaded an appointment (calendar file)",
    "calendar_feed_read": "Calendar feed downloaded by a calendar app",
    "calendar_feed_issued": "Issued a calendar feed address",
    "calendar_feed_revoked": "Switched off a calendar feed",
    "court_list_viewed": "Viewed a court list",
    "court_list_exported": "Downloaded a court list (CSV)",
    "report_viewed": "Viewed a compliance report",
    "report_previewed": "Previewed a compliance report",
    "report_signed_off": "Signed off a compliance report",
    "report_send_requested": "Asked to send a compliance report",
    "report_sent": "Compliance report sent",
    "report_exported": "Downloaded a compliance report (PDF)",
    "mail_sent": "Email sent",
    "mail_failed": "Email not sent",
    "mail_retry_requested": "Asked to send an email again",
    "mail_exported": "Downloaded an email",
    "text_sent": "Text message sent",
    "text_received": "Text message received",
    "text_status": "Text message status changed",
    "texts_opted_out": "Client opted out of texts",
    "texts_opted_in": "Client opted back in to texts",
    "reply_marked_read": "Marked a reply as read",
    "inbox_viewed": "Viewed the inbox",
    "replies_viewed": "Viewed replies in the inbox",
    "audit_viewed": "Searched the audit trail",
    "working_pattern_changed": "Changed a working pattern",
    "absence_added": "Added an absence",
    "venue_closure_added": "Added a venue closure",
    "court_created": "Added a court",
    "court_updated": "Changed a court",
    "venue_created": "Added a venue",
    "venue_updated": "Changed a venue",
    "requirement_type_created": "Added a requirement type",
    "requirement_type_updated": "Changed a requirement type",
    "user_created": "Added a user",
    "user_updated": "Changed a user",
    "message_template_saved": "Changed the wording of a text",
    "message_template_restored": "Restored the wording of a text",
    "reminder_policy_saved": "Changed a reminder policy",
    "reminder_policy_restored": "Restored a reminder policy",
    "receiving_number_added": "Gave an organisation a number texts are received on",
    "receiving_number_removed": "Took a receiving number from an organisation",
    "unplaced_replies_viewed": "Viewed texts sent to numbers no organisation holds",
    "case_closed": "Closed a case",
    "case_note_added": "Added a case note",
    "client_exported": "Exported everything held about a client",
    "encryption_keys_rotated": "Re-encrypted data with the newest key",
    "mail_queued": "Queued an email",
    "report_overdue_flagged": "Flagged a report not sent by the report time",
    "client_flag_set": "Set a flag on a client",
    "client_flag_cleared": "Cleared a flag on a client",
    "client_flag_shown": "A flagged client was matched: the flag was shown",
    "match_notice_read": "Marked a match notice as read",
    "match_notice_viewed": "Viewed a notice that a flagged client was matched",
    "second_file_refused": "Refused a second file for a woman another organisation holds",
    "transfer_requested": "Asked another organisation to transfer a client",
    "transfer_accepted": "Accepted a transfer: the client's record moved",
    "transfer_declined": "Declined a transfer",
    "transfers_viewed": "Viewed transfer requests",
    "monitoring_viewed": "Viewed a client's monitoring data",
    "monitoring_recorded": "Recorded a client's monitoring data",
    "monitoring_exported": "Downloaded a monitoring table (CSV)",
    "data_quality_viewed": "Viewed the data-quality lists (no number, failed, held twice)",
}


def describe(action: str) -> str:
    """An action in plain words, for people reading the trail."""
    return ACTION_WORDS.get(action) or action.replace("_", " ").capitalize()
