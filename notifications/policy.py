"""Reminder timing: when each text message about a court date or appointment should go.

Pure rules (architecture rule 1): plain values in, plain values out, no clock. The business
rules come from design/domain.md, "Text messages":

- Default policy: court-date reminder 2 days before at 10:00 and the day before at 17:00;
  booking confirmation at once; appointment reminder the day before at 10:00 and 2 hours
  before.
- Quiet hours 20:00 to 08:00: nothing is sent then; what falls inside waits until 08:00
  unless it would then be too late, in which case it is skipped and the skip recorded.
- A reminder for something already past is never sent.
- Her safe times narrow the quiet hours for her: a text waits for the next moment outside
  quiet hours and inside them, or is skipped when that would be too late.
- How late a text may go is one rule (`last_useful_at`) for the planner and the dispatcher.
- One text at a time: `min_gap` (default 30 minutes) is applied by notifications.spacing.

All wall-clock times are Europe/London; every instant handed back is UTC (rule 8).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from diversion.formatting import LONDON
from notifications.safe_times import ANY_TIME, SafeTimes

__all__ = [
    "ANY_TIME",
    "DEFAULT_GAP",
    "DEFAULT_POLICY",
    "LONDON",
    "REASON_QUIET_TOO_LATE",
    "REASON_SAFE_TOO_LATE",
    "REASON_TOO_LATE",
    "Event",
    "Planned",
    "Policy",
    "ReminderKind",
    "ReminderRule",
    "SafeTimes",
    "Skipped",
    "court_event_at",
    "is_allowed",
    "is_quiet",
    "last_useful_at",
    "next_allowed_moment",
    "plan_reminders",
    "policy_from_dict",
    "policy_to_dict",
    "too_late",
    "waiting_reason",
]

# Rule: reminder times are Europe/London wall-clock times (GMT in winter, BST in summer).

REASON_TOO_LATE = "too late"
REASON_BOOKED_AFTER = "booked after this reminder was due"
REASON_QUIET_TOO_LATE = "quiet hours: would be too late"
REASON_SAFE_TOO_LATE = "outside her safe times: would be too late"
DEFAULT_GAP = timedelta(minutes=30)

Event = Literal["court", "appointment"]


class ReminderKind(enum.Enum):
    """The kinds of text message the reminder policy times."""

    COURT_TWO_DAYS_BEFORE = "court_two_days_before"
    COURT_DAY_BEFORE = "court_day_before"
    BOOKING_CONFIRMATION = "booking_confirmation"
    APPOINTMENT_DAY_BEFORE = "appointment_day_before"
    APPOINTMENT_TWO_HOURS_BEFORE = "appointment_two_hours_before"


# Which event each kind of message is about: court messages are never planned for an
# appointment, and the other way round.
_EVENT_OF_KIND: dict[ReminderKind, Event] = {
    ReminderKind.COURT_TWO_DAYS_BEFORE: "court",
    ReminderKind.COURT_DAY_BEFORE: "court",
    ReminderKind.BOOKING_CONFIRMATION: "appointment",
    ReminderKind.APPOINTMENT_DAY_BEFORE: "appointment",
    ReminderKind.APPOINTMENT_TWO_HOURS_BEFORE: "appointment",
}


def _check_wall_time(value: time, what: str) -> None:
    if value.tzinfo is not None:
        raise ValueError(f"{what} is a Europe/London wall-clock time; pass it without tzinfo")
    if value.second or value.microsecond:
        raise ValueError(f"{what} must be a whole minute")


def _check_whole_minutes(value: timedelta, what: str) -> None:
    if value < timedelta(0):
        raise ValueError(f"{what} must not be negative")
    if value % timedelta(minutes=1):
        raise ValueError(f"{what} must be a whole number of minutes")


@dataclass(frozen=True)
class ReminderRule:
    """When one kind of message is sent, and until when it is still worth sending.

    Exactly one timing is set: `immediate`, or `hours_before` (a fixed span before the
    event instant), or `days_before` with `at_local` (a Europe/London wall-clock time on
    the day that many calendar days before the event's local date).
    """

    kind: ReminderKind
    days_before: int | None
    at_local: time | None
    hours_before: timedelta | None
    immediate: bool
    # How long before the event the message is still worth sending: a send instant later
    # than event_at - latest_useful is skipped as too late.
    latest_useful: timedelta

    def __post_init__(self) -> None:
        wall = self.days_before is not None or self.at_local is not None
        timings = [self.immediate, self.hours_before is not None, wall]
        if sum(timings) != 1:
            raise ValueError(
                f"{self.kind.value}: set exactly one of immediate, hours_before, "
                "or days_before with at_local"
            )
        if wall:
            if self.days_before is None or self.at_local is None:
                raise ValueError(f"{self.kind.value}: days_before and at_local go together")
            if self.days_before < 0:
                raise ValueError(f"{self.kind.value}: days_before must not be negative")
            _check_wall_time(self.at_local, f"{self.kind.value}: at_local")
        if self.hours_before is not None:
            _check_whole_minutes(self.hours_before, f"{self.kind.value}: hours_before")
        _check_whole_minutes(self.latest_useful, f"{self.kind.value}: latest_useful")


@dataclass(frozen=True)
class Policy:
    """A reminder policy: the rules for each kind of message, and the quiet hours."""

    rules: tuple[ReminderRule, ...]
    quiet_start: time = time(20, 0)
    quiet_end: time = time(8, 0)
    # The least time between two texts to her: texts due together wait this long each.
    min_gap: timedelta = DEFAULT_GAP

    def __post_init__(self) -> None:
        kinds = [rule.kind for rule in self.rules]
        if len(kinds) != len(set(kinds)):
            raise ValueError("a policy has at most one rule for each kind of message")
        _check_wall_time(self.quiet_start, "quiet_start")
        _check_wall_time(self.quiet_end, "quiet_end")
        _check_whole_minutes(self.min_gap, "min_gap")
        if self.min_gap > timedelta(hours=4):
            raise ValueError("min_gap must be at most 4 hours")

    def rule(self, kind: str) -> ReminderRule | None:
        """The policy's rule for a kind of text (by its value), or None."""
        return next((rule for rule in self.rules if rule.kind.value == kind), None)


@dataclass(frozen=True)
class Planned:
    """A message to send at `send_at` (UTC)."""

    kind: ReminderKind
    send_at: datetime


@dataclass(frozen=True)
class Skipped:
    """A message the policy would send but that is not worth sending; the skip is recorded."""

    kind: ReminderKind
    reason: str


# Rule (domain.md, "Text messages", default policy). The latest_useful spans are ours:
# - the two-days-before court reminder exists so she can arrange childcare and travel, which
#   needs a day's notice; after that the day-before reminder does the job;
# - a day-before or two-hours-before reminder is useless less than 1 hour before the event;
# - a booking confirmation still tells her where and when until the appointment starts (and
#   names her later sessions too).
DEFAULT_POLICY = Policy(
    rules=(
        ReminderRule(
            kind=ReminderKind.COURT_TWO_DAYS_BEFORE,
            days_before=2,
            at_local=time(10, 0),
            hours_before=None,
            immediate=False,
            latest_useful=timedelta(days=1),
        ),
        ReminderRule(
            kind=ReminderKind.COURT_DAY_BEFORE,
            days_before=1,
            at_local=time(17, 0),
            hours_before=None,
            immediate=False,
            latest_useful=timedelta(hours=1),
        ),
        ReminderRule(
            kind=ReminderKind.BOOKING_CONFIRMATION,
            days_before=None,
            at_local=None,
            hours_before=None,
            immediate=True,
            latest_useful=timedelta(0),
        ),
        ReminderRule(
            kind=ReminderKind.APPOINTMENT_DAY_BEFORE,
            days_before=1,
            at_local=time(10, 0),
            hours_before=None,
            immediate=False,
            latest_useful=timedelta(hours=1),
        ),
        ReminderRule(
            kind=ReminderKind.APPOINTMENT_TWO_HOURS_BEFORE,
            days_before=None,
            at_local=None,
            hours_before=timedelta(hours=2),
            immediate=False,
            latest_useful=timedelta(hours=1),
        ),
    ),
)


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")


def _at_london(day: date, wall: time) -> datetime:
    """Attach a Europe/London wall-clock time to a day and give the UTC instant."""
    # fold=0: an ambiguous October time is the first (BST) one; a time in the March gap
    # moves on by the gap. The default times are never in either.
    return datetime.combine(day, wall, tzinfo=LONDON).astimezone(UTC)


def court_event_at(hearing_day: date, hearing_time: time) -> datetime:
    """Give the instant (UTC) a court hearing counts as, for timing its reminders.

    Rule: a court event is the hearing day at the time recorded for that hearing (the
    court's list time unless the worker typed another), Europe/London wall clock.
    """
    _check_wall_time(hearing_time, "hearing_time")
    return _at_london(hearing_day, hearing_time)


def is_quiet(instant: datetime, policy: Policy) -> bool:
    """Tell whether an instant falls in the policy's quiet hours (Europe/London)."""
    _require_aware(instant, "instant")
    wall = instant.astimezone(LONDON).time()
    start, end = policy.quiet_start, policy.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    # Quiet hours run over midnight (20:00 to 08:00).
    return wall >= start or wall < end


def is_allowed(instant: datetime, policy: Policy, safe: SafeTimes = ANY_TIME) -> bool:
    """Whether a text may go at an instant: outside quiet hours and inside her safe times."""
    _require_aware(instant, "instant")
    return not is_quiet(instant, policy) and safe.contains(instant.astimezone(LONDON))


def next_allowed_moment(instant: datetime, policy: Policy, safe: SafeTimes = ANY_TIME) -> datetime:
    """Give the first instant (UTC) at or after `instant` outside quiet hours and inside her
    safe times (the dispatcher asks again at send time: a message can be held up).

    Rule: what falls inside quiet hours waits until their end (08:00), and with safe times
    until a moment inside them too. Allowed stretches start at the end of quiet hours, the
    start of her safe hours or midnight: the first allowed such candidate is the answer."""
    _require_aware(instant, "instant")
    if is_allowed(instant, policy, safe):
        return instant.astimezone(UTC)
    local_day = instant.astimezone(LONDON).date()
    starts = sorted({time(0, 0), policy.quiet_end, *([safe.start] if safe.start else [])})
    for offset in range(8):
        day = local_day + timedelta(days=offset)
        for wall in starts:
            candidate = _at_london(day, wall)
            if candidate > instant and is_allowed(candidate, policy, safe):
                return candidate
    raise ValueError("no moment in the next week is outside quiet hours and in her safe times")


def last_useful_at(policy: Policy, kind: str, event_at: datetime) -> datetime:
    """The last instant a text of this kind about an event is worth sending (UTC).

    One rule for the planner and the dispatcher: the event less the kind's `latest_useful`;
    a kind the policy has no rule for (the thank-you for her Y) goes until the event. A text
    at or after the event itself is never useful (callers refuse send_at >= event_at)."""
    rule = policy.rule(kind)
    span = rule.latest_useful if rule is not None else timedelta(0)
    return (event_at - span).astimezone(UTC)


def _nominal_send_at(rule: ReminderRule, *, event_at: datetime, now: datetime) -> datetime:
    """Give the instant (UTC) the rule asks for, before quiet hours or lateness."""
    if rule.immediate:
        return now.astimezone(UTC)
    if rule.hours_before is not None:
        return (event_at - rule.hours_before).astimezone(UTC)
    assert rule.days_before is not None
    assert rule.at_local is not None
    # Rule: "the day before at 10:00" is 10:00 Europe/London on the calendar day before the
    # event's local date, whatever the clocks did in between: the local date is found first
    # and the wall-clock time attached in London, so 10:00 stays 10:00 across a change.
    event_day = event_at.astimezone(LONDON).date()
    return _at_london(event_day - timedelta(days=rule.days_before), rule.at_local)


def too_late(send_at: datetime, last: datetime, event: datetime) -> bool:
    """Rule: nothing is sent after the event (nor at it), nor once it is no longer useful."""
    return send_at > last or send_at >= event


def waiting_reason(send_at: datetime, policy: Policy, last: datetime, event: datetime) -> str:
    """Why a text that cannot go in time is skipped: her safe times when quiet hours alone
    would have let it go in time, else quiet hours."""
    in_time = not too_late(next_allowed_moment(send_at, policy), last, event)
    return REASON_SAFE_TOO_LATE if in_time else REASON_QUIET_TOO_LATE


def _plan_one(
    rule: ReminderRule,
    *,
    event_at: datetime,
    policy: Policy,
    safe: SafeTimes,
    now: datetime,
) -> Planned | Skipped:
    send_at = max(_nominal_send_at(rule, event_at=event_at, now=now), now.astimezone(UTC))
    last_useful = last_useful_at(policy, rule.kind.value, event_at)
    # A send time already past (a late booking) goes now if still useful.
    if too_late(send_at, last_useful, event_at):
        return Skipped(kind=rule.kind, reason=REASON_TOO_LATE)
    if not is_allowed(send_at, policy, safe):
        # Rule: inside quiet hours (or outside her safe times) it waits for the next allowed
        # moment, unless it would then be too late: then it is skipped and the skip recorded.
        later = next_allowed_moment(send_at, policy, safe)
        if too_late(later, last_useful, event_at):
            reason = waiting_reason(send_at, policy, last_useful, event_at)
            return Skipped(kind=rule.kind, reason=reason)
        send_at = later
    return Planned(kind=rule.kind, send_at=send_at)


def plan_reminders(
    *,
    event: Event,
    event_at: datetime,
    booked_at: datetime | None,
    policy: Policy,
    now: datetime,
    wants_texts: bool = True,
    safe: SafeTimes = ANY_TIME,
) -> list[Planned | Skipped]:
    """Plan the text messages about one court date or appointment, in policy order.

    `booked_at` is given when the appointment has just been booked, so a booking
    confirmation is due; it goes at `now`. For a court date, `event_at` is the hearing day
    at its recorded time (see court_event_at).
    """
    _require_aware(event_at, "event_at")
    _require_aware(now, "now")
    if booked_at is not None:
        _require_aware(booked_at, "booked_at")
    if event not in ("court", "appointment"):
        raise ValueError(f"unknown event {event!r}")
    # Rule: texts go only to a woman who has consented and whose number is safe to text.
    if not wants_texts:
        return []
    results: list[Planned | Skipped] = []
    for rule in policy.rules:
        if _EVENT_OF_KIND[rule.kind] != event:
            continue
        if rule.kind is ReminderKind.BOOKING_CONFIRMATION and booked_at is None:
            continue
        if (
            booked_at is not None
            and not rule.immediate
            and _nominal_send_at(rule, event_at=event_at, now=now) < booked_at
        ):
            # Rule: a reminder whose moment had passed before the booking was made is not
            # sent: the confirmation that goes at once already tells her, and two texts at
            # the same moment help nobody. (Downtime is different: see _plan_one.)
            results.append(Skipped(kind=rule.kind, reason=REASON_BOOKED_AFTER))
            continue
        results.append(_plan_one(rule, event_at=event_at, policy=policy, safe=safe, now=now))
    return results


# Plain-data form, so a policy can be stored per requirement type (JSON-safe: strings,
# ints, bools and None only). Durations are whole minutes; times are "HH:MM".


def _minutes(value: timedelta) -> int:
    return value // timedelta(minutes=1)


def _hhmm(value: time) -> str:
    return value.isoformat(timespec="minutes")


def policy_to_dict(policy: Policy) -> dict[str, object]:
    """Give a policy as plain data, for storing it per requirement type."""
    return {
        "rules": [
            {
                "kind": rule.kind.value,
                "days_before": rule.days_before,
                "at_local": None if rule.at_local is None else _hhmm(rule.at_local),
                "hours_before_minutes": (
                    None if rule.hours_before is None else _minutes(rule.hours_before)
                ),
                "immediate": rule.immediate,
                "latest_useful_minutes": _minutes(rule.latest_useful),
            }
            for rule in policy.rules
        ],
        "quiet_start": _hhmm(policy.quiet_start),
        "quiet_end": _hhmm(policy.quiet_end),
        "min_gap_minutes": _minutes(policy.min_gap),
    }


def _get(data: Mapping[str, object], key: str) -> object:
    if key not in data:
        raise ValueError(f"policy data is missing {key!r}")
    return data[key]


def _as_int(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be a whole number")
    return value


def _as_time(value: object, key: str) -> time:
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a time like '10:00'")
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{key} must be a time like '10:00'") from None


def _rule_from_dict(data: object) -> ReminderRule:
    if not isinstance(data, Mapping):
        raise ValueError("each rule must be a mapping")
    kind_value = _get(data, "kind")
    try:
        kind = ReminderKind(kind_value)
    except ValueError:
        raise ValueError(f"unknown reminder kind {kind_value!r}") from None
    days_before = _get(data, "days_before")
    at_local = _get(data, "at_local")
    hours_before = _get(data, "hours_before_minutes")
    immediate = _get(data, "immediate")
    if not isinstance(immediate, bool):
        raise ValueError("immediate must be true or false")
    return ReminderRule(
        kind=kind,
        days_before=None if days_before is None else _as_int(days_before, "days_before"),
        at_local=None if at_local is None else _as_time(at_local, "at_local"),
        hours_before=(
            None
            if hours_before is None
            else timedelta(minutes=_as_int(hours_before, "hours_before_minutes"))
        ),
        immediate=immediate,
        latest_useful=timedelta(
            minutes=_as_int(_get(data, "latest_useful_minutes"), "latest_useful_minutes")
        ),
    )


def policy_from_dict(data: Mapping[str, object]) -> Policy:
    """Rebuild a policy from the plain data policy_to_dict gives; ValueError if malformed."""
    rules = _get(data, "rules")
    if not isinstance(rules, list | tuple):
        raise ValueError("rules must be a list")
    # Policies stored before the gap existed have none: the default applies.
    gap = data.get("min_gap_minutes", _minutes(DEFAULT_GAP))
    return Policy(
        rules=tuple(_rule_from_dict(rule) for rule in rules),
        quiet_start=_as_time(_get(data, "quiet_start"), "quiet_start"),
        quiet_end=_as_time(_get(data, "quiet_end"), "quiet_end"),
        min_gap=timedelta(minutes=_as_int(gap, "min_gap_minutes")),
    )
