"""The provider's acceptances within a dispatcher pass, recorded together.

Most answers are "accepted": the message is sent, with the provider's id, and one audit row
says so. Recording each through the ORM's unit of work costs more of the dispatcher's one
core than the provider call itself when the provider is quick, so the accepted messages are
written as one UPDATE and one multi-row audit INSERT per commit. The other answers
(refusals, retries) are rare and go through the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, insert, update

from diversion import audit, clock
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
        """Two statements into the current transaction (the caller commits): one UPDATE of
        every accepted message (only the provider's id differs from one to the next) and one
        multi-row audit INSERT, each a single round trip on either database. The session's
        objects of these messages are stale until that commit expires them."""
        if not self._provider_ids:
            return
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(self._provider_ids)))
            .values(
                provider_id=case(self._provider_ids, value=OutboxMessage.id),
                sent_at=self.now,
                status=MessageStatus.SENT,
                reason=None,
                updated_at=self.now,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.execute(insert(AuditEvent.__table__).values(self._audit))
        self._provider_ids, self._audit = {}, []
