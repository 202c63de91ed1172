"""The provider's acceptances within a dispatcher pass, recorded together.

Most answers are "accepted": the message is sent, with the provider's id, and one audit row
says so. Recording each through the ORM's unit of work costs more of the dispatcher's one
core than the provider call itself when the provider is quick, so the accepted messages are
written as one UPDATE and one audit INSERT per commit, each executed for many rows at once
(`executemany`: psycopg sends them in one pipeline, SQLite runs them in one call). The two
statements are fixed, so SQLAlchemy compiles each once per process; a statement that carried
the rows in its text (a multi-row VALUES, a CASE by id) was compiled again for every write,
which cost more than running it. The other answers (refusals, retries) are rare and go
through the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update

from diversion import audit, clock
from diversion.db import db
from diversion.models import AuditEvent, MessageStatus, OutboxMessage

SENT_ACTION = "text_sent"

_MESSAGES = cast(Table, OutboxMessage.__table__)
# One row each: the message (m_id) and the provider's id for it (p_id), as of the pass's
# `now` (at).
_MARK_SENT = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("m_id"))
    .values(
        provider_id=bindparam("p_id"),
        sent_at=bindparam("at"),
        status=MessageStatus.SENT,
        reason=None,
        updated_at=bindparam("at"),
    )
)
_AUDIT_ROW = insert(cast(Table, AuditEvent.__table__))


def _sent_fields(message: OutboxMessage, detail: str | None = None) -> dict[str, Any]:
    """A text_sent audit row: which message, to whose record, of what kind; never its words
    or number."""
    return {
        "object_type": "outbox_message",
        "object_id": message.id,
        "client_id": message.client_id,
        "detail": f"{message.kind}; {detail}" if detail else message.kind,
    }


def audit_sent(message: OutboxMessage, detail: str | None = None) -> None:
    """One audit row for a text that went, in the transaction that marks it sent."""
    audit.add(SENT_ACTION, **_sent_fields(message, detail))


@dataclass
class Accepted:
    """Messages the provider accepted since the last write, as of the pass's `now`."""

    now: datetime
    _provider_ids: dict[int, str | None] = field(default_factory=dict)
    _audit: list[dict[str, Any]] = field(default_factory=list)

    def add(self, message: OutboxMessage, provider_id: str | None) -> None:
        """The message went: sent now, with the provider's id (written by `write`)."""
        self._provider_ids[message.id] = provider_id
        self._audit.append(
            {
                "occurred_at": clock.now(),
                "action": SENT_ACTION,
                **audit.who(),
                **_sent_fields(message),
            }
        )

    def write(self) -> None:
        """Two statements into the current transaction (the caller commits), each executed
        for every accepted message at once: the UPDATE marking them sent with the provider's
        ids, and the audit INSERT. The session's objects of these messages are stale until
        that commit expires them."""
        if not self._provider_ids:
            return
        db.session.connection().execute(
            _MARK_SENT,
            [
                {"m_id": message_id, "p_id": provider_id, "at": self.now}
                for message_id, provider_id in self._provider_ids.items()
            ],
        )
        db.session.connection().execute(_AUDIT_ROW, self._audit)
        self._provider_ids, self._audit = {}, []
