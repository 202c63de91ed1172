"""Named reads of her texts and replies, for the case page, the home page and the inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, false, func, select, union
from sqlalchemy.orm import joinedload, selectinload

from diversion.db import db
from diversion.models import (
    Case,
    Client,
    InboundMessage,
    InboundMessageWorker,
    MessageStatus,
    OutboxMessage,
    Role,
    User,
)


def messages_for_case(case_id: int) -> list[OutboxMessage]:
    """Every text message about a case, in the order they go (or went)."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == case_id)
            .order_by(OutboxMessage.send_at, OutboxMessage.id)
        )
    )


def sent_messages(organisation_id: int, *, limit: int = 200) -> list[OutboxMessage]:
    """Texts the service has sent for an organisation's clients, newest first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .join(Client, OutboxMessage.client_id == Client.id)
            .where(Client.organisation_id == organisation_id)
            .where(OutboxMessage.body.is_not(None))
            .order_by(OutboxMessage.updated_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


# --- replies and texts that need a caseworker -------------------------------------------------

INBOX_LIMIT = 200
ATTENTION_LIMIT = 20
# A failed or held text older than this no longer asks anything of the worker.
ATTENTION_DAYS = 30


def _in_inbox_of(user: User) -> ColumnElement[bool]:
    """Replies a user may see, all of her own organisation's: a worker those for her (as her
    client's allocated worker, or as one of the workers of a number two clients share); a
    manager her organisation's whole inbox. Replies to a number no organisation holds
    (organisation None) are nobody's here: administrators see them under Administration."""
    own = InboundMessage.organisation_id == user.organisation_id
    if user.role is Role.WORKER:
        # Her replies as one set of ids, each half read from its worker index: written as
        # `worker_id = her OR id IN (shared)`, PostgreSQL reads every reply of the
        # organisation instead (54 ms against 6.5 ms for the menu's count at 100,000
        # clients, on every page: bench/load.py).
        hers = select(InboundMessage.id).where(InboundMessage.worker_id == user.id)
        shared_with_her = select(InboundMessageWorker.inbound_message_id).where(
            InboundMessageWorker.worker_id == user.id
        )
        return and_(own, InboundMessage.id.in_(union(hers, shared_with_her)))
    if user.role is Role.MANAGER:
        return own
    return false()  # court, CPS and administrators never see an organisation's replies


def inbox_for(user: User, *, limit: int = INBOX_LIMIT) -> list[InboundMessage]:
    """The replies in a user's inbox, newest first, with client, case and workers loaded."""
    return list(
        db.session.scalars(
            select(InboundMessage)
            .where(_in_inbox_of(user))
            .options(
                joinedload(InboundMessage.client),
                joinedload(InboundMessage.case),
                joinedload(InboundMessage.worker),
                selectinload(InboundMessage.recipients).joinedload(InboundMessageWorker.worker),
            )
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
            .limit(limit)
        )
    )


def reply_for(user: User, message_id: int) -> InboundMessage | None:
    """One reply in the user's inbox; None when it is not hers to see."""
    return db.session.scalar(
        select(InboundMessage).where(_in_inbox_of(user), InboundMessage.id == message_id)
    )


def unread_replies(user: User) -> Select[tuple[int]]:
    """How many replies in the user's inbox nobody has read yet: the statement, for the menu
    and the home page (diversion.cases.menu).

    A worker's are counted as `_in_inbox_of` finds them, her replies and those shared with
    her, but with the organisation and "unread" asked of each half: read from the worker
    index, each half is then filtered on the rows it reads, where asking them of the union
    looked up every reply she ever had again by its id (3 ms against 0.5 ms, at 100,000
    clients, on every page)."""
    if user.role is not Role.WORKER:
        return (
            select(func.count(InboundMessage.id))
            .where(_in_inbox_of(user))
            .where(InboundMessage.read_at.is_(None))
        )
    unread = and_(
        InboundMessage.organisation_id == user.organisation_id, InboundMessage.read_at.is_(None)
    )
    hers = select(InboundMessage.id).where(unread, InboundMessage.worker_id == user.id)
    shared_with_her = (
        select(InboundMessage.id)
        .join(InboundMessageWorker, InboundMessageWorker.inbound_message_id == InboundMessage.id)
        .where(unread, InboundMessageWorker.worker_id == user.id)
    )
    return select(func.count()).select_from(union(hers, shared_with_her).subquery())


def replies_for_case(case_id: int) -> list[InboundMessage]:
    """Every reply about a case, newest first (the case page checks the organisation)."""
    return list(
        db.session.scalars(
            select(InboundMessage)
            .where(InboundMessage.case_id == case_id)
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        )
    )


def message_problem(message: OutboxMessage) -> str:
    """Why a failed or held text did not reach her, in the words a worker reads."""
    if message.status is MessageStatus.HELD:
        return message.reason or "number not confirmed safe to text in the last 90 days"
    if message.reason:
        return message.reason
    if message.error_code is not None:
        return f"not delivered (code {message.error_code})"
    return "not delivered"


@dataclass
class TextProblem:
    """A text that failed or is held, with the client and case it was about."""

    message: OutboxMessage
    client: Client
    case: Case

    @property
    def failed(self) -> bool:
        return self.message.status is MessageStatus.FAILED

    @property
    def reason(self) -> str:
        return message_problem(self.message)


def messages_needing_attention(
    user: User, *, now: datetime, limit: int = ATTENTION_LIMIT
) -> list[TextProblem]:
    """Texts on the user's cases that failed (not delivered, refused) or are held (number not
    confirmed safe to text), changed in the last 30 days, newest first. A worker sees her own
    cases, a manager her organisation's. Held texts show once per client: one check of her
    number releases them all."""
    changed = func.coalesce(OutboxMessage.status_updated_at, OutboxMessage.updated_at)
    query = (
        select(OutboxMessage, Client, Case)
        .join(Case, OutboxMessage.case_id == Case.id)
        .join(Client, OutboxMessage.client_id == Client.id)
        .where(Case.organisation_id == user.organisation_id)
        .where(Client.organisation_id == user.organisation_id)
        .where(OutboxMessage.status.in_([MessageStatus.FAILED, MessageStatus.HELD]))
        .where(changed >= now - timedelta(days=ATTENTION_DAYS))
        .order_by(changed.desc(), OutboxMessage.id.desc())
        .limit(limit * 4)
    )
    if user.role is Role.WORKER:
        query = query.where(Case.worker_id == user.id)
    elif user.role is not Role.MANAGER:
        return []
    problems: list[TextProblem] = []
    held_for: set[int] = set()
    for message, client, case in db.session.execute(query):
        if message.status is MessageStatus.HELD:
            if client.id in held_for:
                continue
            held_for.add(client.id)
        problems.append(TextProblem(message, client, case))
    return problems[:limit]
