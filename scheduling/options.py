"""The booking page's choices: any free time for each session, following the one before.

A pure rule (no Flask, no database, no clock), on top of scheduling.plan and the slot
finder in scheduling.slots. For each outstanding session it offers the proposal first, a
few later days, the free times of a day asked for and the time picked, all between the
bound the time chosen for the session before sets (plan.next_not_before: docs "Booking",
at least min_gap_days later) and the latest start that still leaves room for the sessions
after it; so any pick it accepts belongs to a plan that keeps every rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from diversion.formatting import format_date, format_datetime
from scheduling.plan import NoPlan, next_not_before, propose_plan
from scheduling.slots import (
    Candidate,
    Pool,
    SessionSpec,
    Slot,
    earliest_day_over,
    earliest_over,
    local_date,
    local_midnight,
)

__all__ = ["Choices", "Options", "session_options"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Options:
    """What the booking page offers for one session, given the times chosen before it."""

    session: SessionSpec
    # The earliest start the window and the sessions before it allow.
    not_before: datetime
    # The earliest time that still leaves room for what follows: offered first.
    proposal: Slot
    # The latest start that still leaves room for what follows.
    latest: datetime
    # The proposal, then the other times offered (a few later days, the time asked for and
    # the free times of the day asked for), in time order; one worker per time.
    offered: tuple[Slot, ...]
    # Every day with a free time between not_before and latest (a London date).
    days: tuple[date, ...]
    # The day whose free times are offered, when one was asked for and has any.
    day: date | None
    # The time to check on the page: the one asked for when it can be booked; else the
    # proposal, unless the page was sent to book (then nothing: she must choose).
    chosen: Slot | None
    # Why the time asked for cannot be booked, in plain words.
    problem: str | None

    @property
    def number(self) -> int:
        """The session's number in the order (its radios are named session-<number>)."""
        return self.session.number


@dataclass(frozen=True)
class Choices:
    """The options for every outstanding session, and who else takes any (as Plan.note)."""

    options: tuple[Options, ...]
    note: str | None


def _gap_after(min_gap_days: int) -> str:
    if min_gap_days == 0:
        return "after"
    if min_gap_days == 1:
        return "at least 1 day after"
    return f"at least {min_gap_days} days after"


def _free_days(
    pool: Pool, session: SessionSpec, *, not_before: datetime, before: datetime, step: timedelta
) -> tuple[date, ...]:
    days: list[date] = []
    while True:
        day = earliest_day_over(
            pool, not_before=not_before, before=before, duration=session.duration, step=step
        )
        if day is None:
            return tuple(days)
        days.append(day)
        not_before = local_midnight(day + _ONE_DAY)


def _day_slots(
    pool: Pool,
    session: SessionSpec,
    day: date,
    *,
    not_before: datetime,
    before: datetime,
    step: timedelta,
) -> tuple[Slot, ...]:
    not_before = max(not_before, local_midnight(day))
    before = min(before, local_midnight(day + _ONE_DAY))
    slots: list[Slot] = []
    while True:
        found = earliest_over(
            pool, not_before=not_before, before=before, duration=session.duration, step=step
        )
        if found is None:
            return tuple(slots)
        slots.append(pool.slot(session, found))
        not_before = found.start + step


def _check_pick(
    pick: tuple[int, datetime],
    session: SessionSpec,
    *,
    candidates: Sequence[Candidate],
    not_before: datetime,
    latest: datetime,
    after: str | None,
    is_last: bool,
    last_day: date,
    min_gap_days: int,
    step: timedelta,
) -> tuple[Slot | None, str | None]:
    worker_id, start = pick
    start = start.astimezone(UTC)
    end = start + session.duration
    if (start - _EPOCH) % step:
        return None, f"Choose one of the times offered for the {session.name.lower()}"
    if start < not_before:
        if after is None:
            return None, f"{format_datetime(start, 'long')} is too soon: choose a later time"
        return None, (
            f"{session.name} must be {_gap_after(min_gap_days)} the {after.lower()}: choose a "
            f"time on or after {format_date(local_date(not_before), 'long')}"
        )
    if start > latest:
        if is_last:
            return None, f"{session.name} must be on or before {format_date(last_day, 'long')}"
        return None, (
            f"{session.name} must start by {format_date(local_date(latest), 'long')} to leave "
            "room for the sessions after it"
        )
    free = next((c.free for c in candidates if c.worker_id == worker_id), ())
    if not any(i.start <= start and end <= i.end for i in free):
        return None, (
            f"{format_datetime(start, 'long')} is no longer free. Someone may have just booked "
            f"it: choose another time for the {session.name.lower()}"
        )
    return Slot(session, worker_id, start, end), None


def session_options(
    *,
    sessions: Sequence[SessionSpec],
    min_gap_days: int,
    earliest_start: datetime,
    last_day: date,
    candidates: Sequence[Candidate],
    picks: Sequence[tuple[int, datetime] | None],
    days: Sequence[date | None],
    strict: bool,
    after: str | None = None,
    slot_minutes: int = 15,
    alternatives: int = 3,
) -> Choices | NoPlan:
    """The times to offer for each session, each following the time chosen for the one before.

    `picks[i]` is the worker and start asked for session i (or None), `days[i]` the day whose
    free times to list (or None). `earliest_start` already allows for any session kept before
    these (`after` names it). Each session is offered only times that keep every rule: at or
    after the bound the time chosen before it sets (next_not_before) and no later than the
    latest start that still leaves room for the sessions after it. A pick that breaks a rule
    is refused with the reason; `strict` (the page was sent to book) then leaves the session
    unchosen, otherwise the proposal is chosen.
    """
    if len(picks) != len(sessions) or len(days) != len(sessions):
        raise ValueError("One pick and one day per session")
    step = timedelta(minutes=slot_minutes)
    pool = Pool(candidates)
    not_before = earliest_start.astimezone(UTC)
    out: list[Options] = []
    note: str | None = None
    for index, session in enumerate(sessions):
        plan = propose_plan(
            sessions=sessions[index:],
            min_gap_days=min_gap_days,
            earliest_start=not_before,
            last_day=last_day,
            candidates=candidates,
            slot_minutes=slot_minutes,
            alternatives=alternatives,
        )
        if isinstance(plan, NoPlan):
            # Only the first session can get here: every later bound comes from a time that
            # leaves room for what follows.
            return plan
        if index == 0:
            note = plan.note
        proposal, latest = plan.slots[0], plan.latest[0]
        before = latest + _TICK
        free_days = _free_days(pool, session, not_before=not_before, before=before, step=step)
        day = days[index] if days[index] in free_days else None
        listed = (
            _day_slots(pool, session, day, not_before=not_before, before=before, step=step)
            if day is not None
            else ()
        )
        chosen: Slot | None = None
        problem: str | None = None
        pick = picks[index]
        if pick is not None:
            chosen, problem = _check_pick(
                pick,
                session,
                candidates=candidates,
                not_before=not_before,
                latest=latest,
                after=sessions[index - 1].name if index else after,
                is_last=index == len(sessions) - 1,
                last_day=last_day,
                min_gap_days=min_gap_days,
                step=step,
            )
        elif strict:
            problem = f"Choose a time for the {session.name.lower()}"
        if chosen is None and not strict:
            chosen = proposal
        by_start: dict[datetime, Slot] = {}
        for slot in (chosen, proposal, *plan.alternatives[0], *listed):
            if slot is not None:
                by_start.setdefault(slot.start, slot)
        first = by_start.pop(proposal.start)
        offered = (first, *sorted(by_start.values(), key=_slot_start))
        out.append(
            Options(
                session=session,
                not_before=not_before,
                proposal=proposal,
                latest=latest,
                offered=offered,
                days=free_days,
                day=day,
                chosen=chosen,
                problem=problem,
            )
        )
        basis = chosen or proposal
        not_before = next_not_before(basis.start, session.duration, min_gap_days)
    return Choices(options=tuple(out), note=note)


def _slot_start(slot: Slot) -> datetime:
    return slot.start
