"""A brute-force oracle for scheduling.plan.propose_plan: slow, and obviously correct.

It lists every slot on the grid of every candidate for every session, straight from the
definitions, and searches the tuples of slots in lexicographic order, returning the first
feasible one. It shares no code with scheduling.plan: the grid is built from London
wall-clock times (both folds of the repeated autumn hour, dropping the times that do not
exist in spring) rather than by UTC arithmetic, and every constraint is checked on every
pair of sessions.

The only pruning: a partial tuple that already breaks a constraint between two of its own
sessions is not extended (no extension can repair it; options that break one with the
previous session are skipped in one go by bisection, as they are sorted), and the search
stops at the first complete feasible tuple (the search visits tuples in lexicographic order,
so that one is the smallest). Each session's options are sorted by (start, candidate
position), so "smallest" means: session 1 earliest, ties to the earlier candidate, then
session 2 earliest, and so on.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from diversion.formatting import LONDON
from scheduling.plan import Candidate, SessionSpec, Slot

__all__ = ["brute_force_latest", "brute_force_plan", "grid_starts", "on_grid", "pair_ok"]

_Entry = tuple[SessionSpec, datetime, int]  # (session, start, worker_id)


def on_grid(start: datetime, slot_minutes: int) -> bool:
    """Say whether an instant is on the grid: its London wall time a multiple of the step."""
    local = start.astimezone(LONDON)
    minutes = local.hour * 60 + local.minute
    return local.second == 0 and local.microsecond == 0 and minutes % slot_minutes == 0


def grid_starts(first_day: date, last_day: date, slot_minutes: int) -> list[datetime]:
    """Every instant whose London wall time is on the grid, on local days first..last."""
    starts: set[datetime] = set()
    day = first_day
    while day <= last_day:
        for minute in range(0, 24 * 60, slot_minutes):
            wall = datetime.combine(day, time(minute // 60, minute % 60))
            for fold in (0, 1):
                instant = wall.replace(tzinfo=LONDON, fold=fold).astimezone(UTC)
                # Keep it only if London really shows this wall time then.
                if instant.astimezone(LONDON).replace(tzinfo=None) == wall:
                    starts.add(instant)
        day += timedelta(days=1)
    return sorted(starts)


def pair_ok(earlier: _Entry, later: _Entry, min_gap_days: int) -> bool:
    """Check the rules between session i (earlier) and any later session j."""
    session_i, start_i, worker_i = earlier
    session_j, start_j, worker_j = later
    end_i = start_i + session_i.duration
    end_j = start_j + session_j.duration
    date_i = start_i.astimezone(LONDON).date()
    date_j = start_j.astimezone(LONDON).date()
    in_order = start_j >= end_i
    gap_ok = (date_j - date_i).days >= min_gap_days
    no_double_booking = worker_i != worker_j or end_i <= start_j or end_j <= start_i
    return in_order and gap_ok and no_double_booking


def _options(
    sessions: Sequence[SessionSpec],
    pool: Sequence[Candidate],
    *,
    earliest_start: datetime,
    last_day: date,
    slot_minutes: int,
) -> list[list[tuple[datetime, int]]]:
    """For each session, every (start, candidate position) where it fits, sorted."""
    grid = [
        start
        for start in grid_starts(earliest_start.astimezone(LONDON).date(), last_day, slot_minutes)
        if start >= earliest_start
    ]
    options: list[list[tuple[datetime, int]]] = []
    for session in sessions:
        found: set[tuple[datetime, int]] = set()
        for position, candidate in enumerate(pool):
            for interval in candidate.free:
                # Every grid start from this interval's start on, while the session fits.
                for start in grid[bisect_left(grid, interval.start) :]:
                    if start + session.duration > interval.end:
                        break
                    found.add((start, position))
        options.append(sorted(found))
    return options


def _search_earliest(
    sessions: Sequence[SessionSpec],
    pool: Sequence[Candidate],
    *,
    min_gap_days: int,
    earliest_start: datetime,
    last_day: date,
    slot_minutes: int,
) -> tuple[Slot, ...] | None:
    options = _options(
        sessions, pool, earliest_start=earliest_start, last_day=last_day, slot_minutes=slot_minutes
    )
    starts = [[start for start, _ in column] for column in options]
    dates = [[start.astimezone(LONDON).date() for start in column] for column in starts]
    chosen: list[_Entry] = []

    def extend(index: int) -> bool:
        if index == len(sessions):
            return True
        first = 0
        if chosen:
            # Options are sorted by start, so their local dates never decrease. Those that
            # start before the previous session ends, or on a date less than min_gap_days
            # after it, break a rule with it: skip them in one go.
            previous_session, previous_start, _ = chosen[-1]
            previous_date = previous_start.astimezone(LONDON).date()
            first = max(
                bisect_left(starts[index], previous_start + previous_session.duration),
                bisect_left(dates[index], previous_date + timedelta(days=min_gap_days)),
            )
        for start, position in options[index][first:]:
            entry = (sessions[index], start, pool[position].worker_id)
            if all(pair_ok(previous, entry, min_gap_days) for previous in chosen):
                chosen.append(entry)
                if extend(index + 1):
                    return True
                chosen.pop()
        return False

    if not extend(0):
        return None
    return tuple(
        Slot(session, worker_id, start, start + session.duration)
        for session, start, worker_id in chosen
    )


def brute_force_plan(
    *,
    sessions: Sequence[SessionSpec],
    min_gap_days: int,
    earliest_start: datetime,
    last_day: date,
    candidates: Sequence[Candidate],
    slot_minutes: int = 15,
) -> tuple[Slot, ...] | None:
    """The earliest feasible slots, the allocated worker (first candidate) alone first."""
    pools = [candidates[:1], candidates] if len(candidates) > 1 else [candidates]
    for pool in pools:
        found = _search_earliest(
            sessions,
            pool,
            min_gap_days=min_gap_days,
            earliest_start=earliest_start,
            last_day=last_day,
            slot_minutes=slot_minutes,
        )
        if found is not None:
            return found
    return None


def brute_force_latest(
    *,
    sessions: Sequence[SessionSpec],
    min_gap_days: int,
    earliest_start: datetime,
    last_day: date,
    pool: Sequence[Candidate],
    slot_minutes: int = 15,
) -> tuple[datetime, ...] | None:
    """The latest feasible starts with these workers: last session latest, then backwards."""
    options = _options(
        sessions, pool, earliest_start=earliest_start, last_day=last_day, slot_minutes=slot_minutes
    )
    starts = [[start for start, _ in column] for column in options]
    dates = [[start.astimezone(LONDON).date() for start in column] for column in starts]
    chosen: list[_Entry] = []  # from the last session backwards

    def extend(index: int) -> bool:
        if index < 0:
            return True
        stop = len(options[index])
        if chosen:
            # The mirror image of the pruning in _search_earliest.
            _, next_start, _ = chosen[-1]
            next_date = next_start.astimezone(LONDON).date()
            stop = min(
                bisect_right(starts[index], next_start - sessions[index].duration),
                bisect_right(dates[index], next_date - timedelta(days=min_gap_days)),
            )
        for start, position in reversed(options[index][:stop]):
            entry = (sessions[index], start, pool[position].worker_id)
            if all(pair_ok(entry, later, min_gap_days) for later in chosen):
                chosen.append(entry)
                if extend(index - 1):
                    return True
                chosen.pop()
        return False

    if not extend(len(sessions) - 1):
        return None
    return tuple(start for _, start, _ in reversed(chosen))
