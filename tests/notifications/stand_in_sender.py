"""The one hand-written stand-in for the SMS provider, for tests that need a sender but no
HTTP server (tests/diversion/test_audit.py).

It keeps what it accepted in memory and answers `find()` as `TwilioSender.find` does against
Twilio: by number and exact body, never by reference (Twilio keeps none), and only for
messages created at or after `since` less CLOCK_SKEW_ALLOWANCE, by its own clock to the
second. tests/notifications/test_sender_contract.py holds it to the same cases as the real
sender; the dispatcher's own tests use the real sender against FakeTwilio.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from notifications.senders import CLOCK_SKEW_ALLOWANCE, SendResult


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class StandInSender:
    """An in-memory provider with TwilioSender's `find()` semantics."""

    clock: Callable[[], datetime] = _wall_clock
    accepted: list[dict[str, object]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, *, to: str, body: str, reference: str) -> SendResult:
        with self._lock:
            sid = f"SM{len(self.accepted) + 1:032x}"
            created = self.clock().astimezone(UTC).replace(microsecond=0)
            self.accepted.append(
                {"sid": sid, "to": to, "body": body, "reference": reference, "created": created}
            )
        return SendResult(provider_id=sid, status="queued")

    def find(self, *, reference: str, to: str, body: str, since: datetime) -> SendResult | None:
        cutoff = since - CLOCK_SKEW_ALLOWANCE
        with self._lock:
            accepted = list(self.accepted)
        for message in reversed(accepted):  # newest first, as Twilio lists them
            created = message["created"]
            assert isinstance(created, datetime)
            if message["to"] == to and message["body"] == body and created >= cutoff:
                return SendResult(provider_id=str(message["sid"]), status="queued")
        return None
