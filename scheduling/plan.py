"""Proposals: the earliest good set of slots for a case's outstanding sessions.

A pure rule (no Flask, no database, no clock). Callers work out each candidate worker's free
time with ``scheduling.availability.free_time`` and pass the earliest allowed start
(typically ``now`` plus notice) and the last appointment date. The rules are docs
"Booking", "Proposals":

- session 1 as early as possible (it is the assessment), then the sessions in order;
- the Europe/London date of session i+1 at least ``min_gap_days`` after that of session i,
  and session i+1 never starting before session i ends;
- every session on or before the last appointment date (a local date);
- each slot starts on the slot grid (09:00, 09:15 ... London time; ``slot_minutes`` must
  divide an hour) and fits wholly inside one free interval of its worker;
- the case's allocated worker (the first candidate) is preferred: other workers are used
  only when she cannot take every session inside the window, and the plan says so.

The plan also says how late each session could go (its "latest" start, hence its slack)
and offers a few later alternatives, so a worker can see when a plan has no room to spare.

Why greedy earliest is optimal. Write L_i(s) for the lower bound a start s of session i puts
on session i+1: max(s + duration_i, London midnight of (local date of s + min_gap_days)).
L_i is non-decreasing in s, and every other constraint on a session (grid, free time,
window) does not depend on the other sessions. Let g be the greedy plan (each session at the
earliest slot at or after L of the one before) and p any feasible plan. Then g_1 <= p_1,
and if g_i <= p_i then L_i(g_i) <= L_i(p_i) <= p_{i+1}, so p_{i+1} was available to the
greedy step and g_{i+1} <= p_{i+1}. So greedy fails only when no plan exists, and when it
succeeds every session is as early as in any plan: the plan is the earliest. The same
argument run backwards (each session as late as possible below the bound the next one
puts on it) gives, for each session, the latest start it has in any feasible plan.

Ties between workers at the same instant go to the earlier candidate. Which worker takes a
session does not change the bounds on the next one (sessions never overlap, since each
starts after the previous ends), so these tie-breaks cannot make a feasible plan fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from diversion.formatting import format_date
from scheduling.slots import (
    Candidate,
    Found,
    Pool,
    SessionSpec,
    Slot,
    earliest_over,
    latest_over,
    local_date,
    local_midnight,
)

__all__ = [
    "Candidate",
    "NoPlan",
    "Plan",
    "SessionSpec",
    "Slot",
    "next_not_before",
    "propose_plan",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Plan:
    """The earliest feasible slots for the sessions, with slack and later alternatives."""

    slots: tuple[Slot, ...]
    # latest[i]: the latest start session i has in any feasible plan (its slack end).
    latest: tuple[datetime, ...]
    # alternatives[i]: a few other feasible starts for session i, later than slots[i] and
    # no later than latest[i], on different days where possible.
    alternatives: tuple[tuple[Slot, ...], ...]
    used_other_workers: bool
    note: str | None

    def slack(self, i: int) -> timedelta:
        """Say how much later session i could start and the case still fit the window."""
        return self.latest[i] - self.slots[i].start


@dataclass(frozen=True)
class NoPlan:
    """No set of slots fits the window; the reason is in plain words for the worker."""

    reason: str


# ---------------------------------------------------------------------------------------
# The passes
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Search:
    earliest_start: datetime  # UTC; no session starts before it
    deadline: datetime  # UTC; London midnight after the last appointment date (exclusive)
    min_gap_days: int
    step: timedelta  # the slot grid


def next_not_before(start: datetime, duration: timedelta, min_gap_days: int) -> datetime:
    """The earliest start of the session after one at `start` lasting `duration`.

    Rule: the next session starts after this one ends, on a London date at least
    min_gap_days after this one's (L_i in the module docstring; non-decreasing in start).
    """
    next_date = local_date(start) + min_gap_days * _ONE_DAY
    return max(start + duration, local_midnight(next_date))


def _next_not_before(start: datetime, duration: timedelta, search: _Search) -> datetime:
    return next_not_before(start, duration, search.min_gap_days)


def _previous_not_after(start: datetime, duration: timedelta, search: _Search) -> datetime:
    # The mirror image: the previous session (of length `duration`) ends by this start and
    # falls on a London date at least min_gap_days before this one's.
    last_date = local_date(start) - search.min_gap_days * _ONE_DAY
    return min(start - duration, local_midnight(last_date + _ONE_DAY) - _TICK)


@dataclass(frozen=True)
class _Forward:
    found: tuple[Found, ...]
    failed_at: int | None  # index of the first session that could not be placed


def _forward(sessions: Sequence[SessionSpec], pool: Pool, search: _Search) -> _Forward:
    found: list[Found] = []
    not_before = search.earliest_start
    for index, session in enumerate(sessions):
        slot = earliest_over(
            pool,
            not_before=not_before,
            before=search.deadline,
            duration=session.duration,
            step=search.step,
        )
        if slot is None:
            return _Forward(tuple(found), index)
        found.append(slot)
        not_before = _next_not_before(slot.start, session.duration, search)
    return _Forward(tuple(found), None)


def _backward(sessions: Sequence[SessionSpec], pool: Pool, search: _Search) -> list[datetime]:
    latest: list[datetime] = []
    not_after = search.deadline - _TICK
    for index in range(len(sessions) - 1, -1, -1):
        session = sessions[index]
        slot = latest_over(
            pool,
            not_before=search.earliest_start,
            not_after=not_after,
            duration=session.duration,
            step=search.step,
        )
        # The forward plan is feasible, so by the module docstring's argument every session
        # has a latest start, no earlier than its forward one.
        assert slot is not None
        latest.append(slot.start.astimezone(UTC))
        if index:
            not_after = _previous_not_after(slot.start, sessions[index - 1].duration, search)
    latest.reverse()
    return latest


def _alternatives(
    session: SessionSpec,
    pool: Pool,
    *,
    proposed: datetime,
    latest: datetime,
    count: int,
    step: timedelta,
) -> tuple[Slot, ...]:
    # A start s for session i belongs to some feasible plan exactly when proposed <= s <=
    # latest[i] (the earlier sessions keep their proposed slots, the later ones take their
    # latest ones), so alternatives are the slots in (proposed, latest].
    before = latest + _TICK
    chosen: dict[datetime, Found] = {}
    # First the earliest slot on each later day, so the woman has real choices.
    not_before = local_midnight(local_date(proposed) + _ONE_DAY)
    while len(chosen) < count:
        slot = earliest_over(
            pool, not_before=not_before, before=before, duration=session.duration, step=step
        )
        if slot is None:
            break
        chosen[slot.start] = slot
        not_before = local_midnight(local_date(slot.start) + _ONE_DAY)
    # Then, if the window has too few days, other times on days already offered.
    not_before = proposed + step
    while len(chosen) < count:
        slot = earliest_over(
            pool, not_before=not_before, before=before, duration=session.duration, step=step
        )
        if slot is None:
            break
        chosen.setdefault(slot.start, slot)
        not_before = slot.start + step
    return tuple(pool.slot(session, found) for found in sorted(chosen.values(), key=_found_start))


def _found_start(found: Found) -> datetime:
    return found.start


# ---------------------------------------------------------------------------------------
# Plain-words explanations
# ---------------------------------------------------------------------------------------


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _gap_words(min_gap_days: int) -> str:
    if min_gap_days == 0:
        return "after it ends"
    if min_gap_days == 1:
        return "at least 1 day later"
    return f"at least {min_gap_days} days later"


def _no_plan_reason(
    sessions: Sequence[SessionSpec],
    everyone: Pool,
    attempt: _Forward,
    *,
    search: _Search,
    last_day: date,
) -> str:
    assert attempt.failed_at is not None
    failed = sessions[attempt.failed_at]
    closes = format_date(last_day, "day")
    if attempt.found:
        previous = attempt.found[-1]
        previous_session = sessions[attempt.failed_at - 1]
        not_before = _next_not_before(previous.start, previous_session.duration, search)
    else:
        not_before = search.earliest_start
    # Look beyond the window in the candidates' free time, so the worker knows how far out
    # the next chance is (for example, to ask the court for more time).
    beyond = earliest_over(
        everyone, not_before=not_before, before=None, duration=failed.duration, step=search.step
    )
    next_day = format_date(local_date(beyond.start), "day") if beyond is not None else None
    if not attempt.found:
        if search.earliest_start >= search.deadline:
            after = f"; the next free {failed.name} slot is {next_day}" if next_day else ""
            return f"The window closed on {closes}{after}."
        if next_day is None:
            return f"No free {failed.name} slot before the window closes on {closes}."
        return f"The window closes on {closes}; the next free {failed.name} slot is {next_day}."
    earliest = (
        f"The earliest {previous_session.name} is {format_date(local_date(previous.start), 'day')}"
    )
    gap = _gap_words(search.min_gap_days)
    if next_day is None:
        return (
            f"{earliest}, and no free {failed.name} slot {gap} comes before the window "
            f"closes on {closes}."
        )
    return (
        f"{earliest}, and the next free {failed.name} slot {gap} is {next_day}, "
        f"after the window closes on {closes}."
    )


def _fallback_note(
    sessions: Sequence[SessionSpec],
    candidates: Sequence[Candidate],
    slots: Sequence[Slot],
    own: _Forward,
    search: _Search,
) -> str:
    allocated = candidates[0]
    in_window = any(
        interval.end > search.earliest_start and interval.start < search.deadline
        for interval in allocated.free
    )
    if not in_window:
        why = f"{allocated.name} has no free time in the window"
    else:
        assert own.failed_at is not None
        failed = sessions[own.failed_at]
        why = f"{allocated.name} has no free {failed.name} slot that fits the window"
    names = {c.worker_id: c.name for c in reversed(candidates)}
    others = [slot for slot in slots if slot.worker_id != allocated.worker_id]
    if len(others) == len(slots):
        workers = _join(list(dict.fromkeys(names[slot.worker_id] for slot in slots)))
        where = f"sessions are with {workers}" if len(slots) > 1 else f"it is with {workers}"
    else:
        where = _join(
            [f"the {slot.session.name} is with {names[slot.worker_id]}" for slot in others]
        )
    return f"{why}; {where}."


# ---------------------------------------------------------------------------------------
# The rule
# ---------------------------------------------------------------------------------------


def propose_plan(
    *,
    sessions: Sequence[SessionSpec],
    min_gap_days: int,
    earliest_start: datetime,
    last_day: date,
    candidates: Sequence[Candidate],
    slot_minutes: int = 15,
    alternatives: int = 3,
) -> Plan | NoPlan:
    """Propose the earliest slots for a case's sessions inside its window, or say why not."""
    if earliest_start.utcoffset() is None:
        raise ValueError("earliest_start must be timezone-aware (UTC)")
    if min_gap_days < 0:
        raise ValueError("min_gap_days must not be negative")
    if slot_minutes <= 0 or 60 % slot_minutes:
        raise ValueError("slot_minutes must divide an hour (5, 10, 15, 20, 30 or 60)")
    if alternatives < 0:
        raise ValueError("alternatives must not be negative")
    if any(session.duration <= timedelta(0) for session in sessions):
        raise ValueError("Every session must last some time")
    if not candidates:
        return NoPlan("No worker is available to take these sessions.")

    search = _Search(
        earliest_start=earliest_start.astimezone(UTC),
        # Rule: every session on or before the last appointment date, a London date.
        deadline=local_midnight(last_day + _ONE_DAY),
        min_gap_days=min_gap_days,
        step=timedelta(minutes=slot_minutes),
    )

    # Rule: the allocated worker first; the others only when she cannot take them all.
    pool = Pool(candidates[:1])
    own = _forward(sessions, pool, search)
    attempt = own
    if own.failed_at is not None and len(candidates) > 1:
        pool = pool.widened(candidates)
        attempt = _forward(sessions, pool, search)
    if attempt.failed_at is not None:
        return NoPlan(
            _no_plan_reason(
                sessions, pool.widened(candidates), attempt, search=search, last_day=last_day
            )
        )

    slots = tuple(
        pool.slot(session, found) for session, found in zip(sessions, attempt.found, strict=True)
    )
    latest = _backward(sessions, pool, search)
    offered = tuple(
        _alternatives(
            session, pool, proposed=slot.start, latest=last, count=alternatives, step=search.step
        )
        for session, slot, last in zip(sessions, slots, latest, strict=True)
    )
    used_other_workers = any(slot.worker_id != candidates[0].worker_id for slot in slots)
    note = _fallback_note(sessions, candidates, slots, own, search) if used_other_workers else None
    return Plan(
        slots=slots,
        latest=tuple(latest),
        alternatives=offered,
        used_other_workers=used_other_workers,
        note=note,
    )
