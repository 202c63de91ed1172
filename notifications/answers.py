"""The provider's acceptances within a dispatcher pass, recorded together.

Most answers are "accepted": the message is sent, with the provider's id, and one audit row
says so. Recording each through the ORM's unit of work costs more of the dispatcher's one
core than the provider call itself when the provider is quick, so the accepted messages are
written as one UPDATE by primary key and one audit INSERT per commit. The other answers
(refusals, retries) are rare and go through the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update

from diversion import audit
from diversion.db import db
from diversion.models import AuditEvent, MessageStatus, OutboxMessage

SENT_ACTION = "text_sent"


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
    _messages: list[dict[str, Any]] = field(default_factory=list)
    _audit: list[dict[str, Any]] = field(default_factory=list)

    def add(self, message: OutboxMessage, provider_id: str | None) -> None:
        """The message went: sent now, with the provider's id (written by `write`)."""
        self._messages.append(
            {
                "id": message.id,
                "provider_id": provider_id,
                "sent_at": self.now,
                "status": MessageStatus.SENT,
                "reason": None,
                "updated_at": self.now,
            }
        )
        self._audit.append({"action": SENT_ACTION, **audit.who(), **_sent_fields(message)})

    def write(self) -> None:
        """Both statements into the current transaction (the caller commits); the session's
        objects of these messages are stale until that commit expires them."""
        if not self._messages:
            return
        db.session.execute(update(OutboxMessage), self._messages)
        db.session.execute(insert(AuditEvent), self._audit)
        self._messages, self._audit = [], []
