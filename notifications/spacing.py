"""One text at a time: which of the texts due to a woman go now, wait, or are merged.

Pure rule (architecture rule 1): plain values in, decisions out; no clock, no database.
domain.md, "Text messages": one confirmation per booking, naming every session; never two
texts to her at the same moment. Issue 16: texts due together are merged, or the later ones
wait a set gap (the policy's `min_gap`, default 30 minutes), never bursts.

For each woman, at one send moment (one dispatcher pass):

- a text that answers something just done (a booking confirmation, the thanks for her Y)
  goes first, then the others by the time of what they are about;
- the first goes, unless another text reached her less than the gap ago;
- a reminder about an appointment that a text she has just had (or is getting now) names is
  merged into it: that text already told her the time, so it is not sent, and why is kept;
- any other text waits until the gap has passed since the last one, or, when it would then
  be too late to be any use, is not sent, and why is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from diversion.formatting import format_time

__all__ = [
    "ANSWER_KINDS",
    "Decision",
    "Due",
    "Merged",
    "Recent",
    "Send",
    "TooClose",
    "Wait",
    "space_out",
]

# Texts that answer something she or her worker just did: they go first.
ANSWER_KINDS: Final = frozenset({"booking_confirmation", "reply_confirmed"})


@dataclass(frozen=True)
class Due:
    """A text whose gates have passed and whose moment has come."""

    message_id: int
    client_id: int
    kind: str
    # What it is about, and until when it is worth sending (policy.last_useful_at).
    event_at: datetime
    last_useful: datetime
    # The appointments it names: a confirmation every session it lists, a reminder its own
    # (none for a court date).
    names: frozenset[int] = field(default_factory=frozenset)
    appointment_id: int | None = None


@dataclass(frozen=True)
class Recent:
    """A text that already went to her, and the appointments it named."""

    client_id: int
    sent_at: datetime
    names: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Send:
    pass


@dataclass(frozen=True)
class Merged:
    reason: str


@dataclass(frozen=True)
class Wait:
    until: datetime
    reason: str


@dataclass(frozen=True)
class TooClose:
    reason: str


Decision = Send | Merged | Wait | TooClose


def _order(item: Due) -> tuple[bool, datetime, int]:
    return (item.kind not in ANSWER_KINDS, item.event_at, item.message_id)


def _for_one_woman(
    due: list[Due], recent: list[Recent], *, now: datetime, gap: timedelta
) -> dict[int, Decision]:
    decisions: dict[int, Decision] = {}
    # What reached her within the gap, and what goes now: (when, what it names).
    had = [(r.sent_at, r.names) for r in recent if r.sent_at > now - gap]
    for item in sorted(due, key=_order):
        naming = [when for when, names in had if item.appointment_id in names]
        if item.kind not in ANSWER_KINDS and item.appointment_id is not None and naming:
            decisions[item.message_id] = Merged(
                f"merged: the text she had at {format_time(max(naming))} names this appointment"
            )
            continue
        if not had:
            decisions[item.message_id] = Send()
            had.append((now, item.names))
            continue
        until = max(when for when, _ in had) + gap
        if until > item.last_useful or until >= item.event_at:
            decisions[item.message_id] = TooClose(
                "not sent: another text had just gone to her, and waiting would be too late"
            )
        else:
            decisions[item.message_id] = Wait(until, "waiting: another text has just gone to her")
    return decisions


def space_out(
    due: Sequence[Due], recent: Sequence[Recent], *, now: datetime, gap: timedelta
) -> dict[int, Decision]:
    """Decide, for every due text (by message id), whether it goes now, waits, or is merged.

    `recent` are the texts already sent to these women (those older than the gap are
    ignored)."""
    by_woman: dict[int, list[Due]] = {}
    for item in due:
        by_woman.setdefault(item.client_id, []).append(item)
    decisions: dict[int, Decision] = {}
    for client_id, items in by_woman.items():
        theirs = [r for r in recent if r.client_id == client_id]
        decisions.update(_for_one_woman(items, theirs, now=now, gap=gap))
    return decisions
