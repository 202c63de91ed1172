"""Benchmark propose_plan: a two-session case, 10 workers, a 4-week window, 70% booked.

Run from the repository root: ``.venv/bin/python bench/proposals.py``. Progress goes to
stderr; the last line on stdout is one JSON object (docs performance.md):

- ``median_ms``: propose_plan for the case above (allocated worker first);
- ``oracle_median_ms`` and ``speedup``: the brute-force oracle (tests/scheduling/oracle.py)
  on the same inputs, the floor this is measured against, and oracle / plan;
- ``growth``: median_ms for 2, 5, 10, 20 and 40 workers;
- more: ``fallback_median_ms`` and ``fallback_growth`` (the allocated worker has no free time,
  so every worker is searched), ``no_plan_median_ms`` (nothing fits: the reason is worked
  out, looking beyond the window), ``free_time_ms`` (free time for 10 workers), and the
  share of working time actually booked.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduling.availability import (
    Interval,
    free_time,
    local_periods,
    subtract_intervals,
)
from scheduling.plan import Candidate, NoPlan, Plan, SessionSpec, propose_plan
from tests.scheduling.oracle import brute_force_plan

SEED = 20261102
FIRST_DAY = date(2026, 11, 2)  # a Monday
LAST_DAY = FIRST_DAY + timedelta(days=27)  # four weeks
EARLIEST_START = datetime(2026, 11, 2, 9, tzinfo=UTC)
HORIZON = timedelta(days=14)  # free time past the window, for "the next free slot is ..."
WEEKDAYS = range(5)
VENUE = {day: [(time(8, 0), time(18, 0))] for day in WEEKDAYS}
WORKING = {day: [(time(9, 0), time(17, 0))] for day in WEEKDAYS}
LUNCH = {day: [(time(12, 30), time(13, 30))] for day in WEEKDAYS}
BOOKED_SHARE = 0.70
SESSIONS = (
    SessionSpec(1, "assessment", "Comprehensive assessment", timedelta(minutes=90)),
    SessionSpec(2, "care_plan", "Care plan session", timedelta(minutes=60)),
)
MIN_GAP_DAYS = 2
TARGET = {"median_ms": 5, "speedup": 50}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def working_periods() -> list[Interval]:
    """The workers' hours in the window, lunch taken out."""
    periods: list[Interval] = []
    for n in range((LAST_DAY - FIRST_DAY).days + 1):
        day = FIRST_DAY + timedelta(days=n)
        periods += subtract_intervals(local_periods(day, WORKING), local_periods(day, LUNCH))
    return periods


def random_bookings(rng: random.Random, periods: list[Interval]) -> tuple[list[Interval], float]:
    """Book random appointments (60 or 90 minutes, on the quarter hour) until 70% is booked."""
    total = sum((p.end - p.start for p in periods), timedelta())
    booked: dict[int, list[Interval]] = {}  # by period: bookings never span two
    booked_time = timedelta()
    for _ in range(20_000):
        if booked_time >= total * BOOKED_SHARE:
            break
        index = rng.randrange(len(periods))
        period = periods[index]
        length = timedelta(minutes=rng.choice((60, 90)))
        quarters = (period.end - period.start - length) // timedelta(minutes=15)
        if quarters < 0:
            continue
        start = period.start + timedelta(minutes=15 * rng.randint(0, quarters))
        booking = Interval(start, start + length)
        same_period = booked.setdefault(index, [])
        if not any(booking.overlaps(b) for b in same_period):
            same_period.append(booking)
            booked_time += length
    return [b for bookings in booked.values() for b in bookings], booked_time / total


def build_candidates(workers: int, seed: int) -> tuple[list[Candidate], float]:
    rng = random.Random(seed)
    periods = working_periods()
    candidates = []
    shares = []
    for worker_id in range(1, workers + 1):
        busy, share = random_bookings(rng, periods)
        shares.append(share)
        free = free_time(
            first_day=FIRST_DAY,
            last_day=LAST_DAY + HORIZON,
            venue_hours=VENUE,
            venue_closures=(),
            working_hours=WORKING,
            breaks=LUNCH,
            absences=(),
            busy=busy,
            now=EARLIEST_START - timedelta(hours=2),
        )
        candidates.append(Candidate(worker_id, f"Worker {worker_id}", free))
    return candidates, statistics.mean(shares)


def propose(candidates: list[Candidate], last_day: date = LAST_DAY) -> Plan | NoPlan:
    return propose_plan(
        sessions=SESSIONS,
        min_gap_days=MIN_GAP_DAYS,
        earliest_start=EARLIEST_START,
        last_day=last_day,
        candidates=candidates,
    )


def median_ms(call: Callable[[], object], *, repeats: int = 7, budget_s: float = 0.25) -> float:
    """Median over `repeats` runs of the mean time per call, after a warm-up.

    Each run makes as many calls as fit in about `budget_s`, so fast and slow code are both
    timed over enough calls for the clock, and the whole benchmark stays short.
    """
    started = clock.perf_counter()
    call()  # warm-up, and a first guess at the time per call
    once = clock.perf_counter() - started
    number = max(1, int(budget_s / max(once, 1e-6)))
    for _ in range(max(1, number // 10)):
        call()
    runs = []
    for _ in range(repeats):
        started = clock.perf_counter()
        for _ in range(number):
            call()
        runs.append((clock.perf_counter() - started) / number * 1000)
    return statistics.median(runs)


def main() -> None:
    candidates, share = build_candidates(10, SEED)
    log(f"10 workers, {FIRST_DAY} to {LAST_DAY}, {share:.0%} of working time booked")
    result = propose(candidates)
    assert isinstance(result, Plan), result
    for slot in result.slots:
        log(f"  {slot.session.name}: worker {slot.worker_id} at {slot.start:%a %d %b %H:%M}")

    plan_ms = median_ms(lambda: propose(candidates))
    log(f"propose_plan: median {plan_ms:.4f} ms")

    expected = brute_force_plan(
        sessions=SESSIONS,
        min_gap_days=MIN_GAP_DAYS,
        earliest_start=EARLIEST_START,
        last_day=LAST_DAY,
        candidates=candidates,
    )
    assert expected is not None
    assert [(s.start, s.worker_id) for s in expected] == [
        (s.start, s.worker_id) for s in result.slots
    ], "propose_plan and the oracle disagree"
    oracle_ms = median_ms(
        lambda: brute_force_plan(
            sessions=SESSIONS,
            min_gap_days=MIN_GAP_DAYS,
            earliest_start=EARLIEST_START,
            last_day=LAST_DAY,
            candidates=candidates,
        ),
        repeats=5,
        budget_s=0.3,
    )
    log(f"oracle: median {oracle_ms:.2f} ms (same plan)")

    # The allocated worker has no free time: every worker is searched for every session.
    fallback = [Candidate(candidates[0].worker_id, candidates[0].name, []), *candidates[1:]]
    fallback_ms = median_ms(lambda: propose(fallback))
    log(f"fallback to other workers: median {fallback_ms:.4f} ms")
    # Nothing fits a window closing before the first free slot: the reason looks beyond it.
    no_plan = propose(fallback, last_day=FIRST_DAY - timedelta(days=1))
    assert isinstance(no_plan, NoPlan)
    no_plan_ms = median_ms(lambda: propose(fallback, last_day=FIRST_DAY - timedelta(days=1)))
    log(f"no plan: median {no_plan_ms:.4f} ms ({no_plan.reason})")

    rng = random.Random(SEED)
    busy, _ = random_bookings(rng, working_periods())
    free_ms = 10 * median_ms(
        lambda: free_time(
            first_day=FIRST_DAY,
            last_day=LAST_DAY + HORIZON,
            venue_hours=VENUE,
            venue_closures=(),
            working_hours=WORKING,
            breaks=LUNCH,
            absences=(),
            busy=busy,
            now=EARLIEST_START,
        ),
        repeats=5,
    )
    log(f"free time for 10 workers: {free_ms:.2f} ms")

    growth: dict[str, float] = {}
    fallback_growth: dict[str, float] = {}
    for workers in (2, 5, 10, 20, 40):
        pool, _ = build_candidates(workers, SEED)
        growth[str(workers)] = round(median_ms(partial(propose, pool), repeats=5), 4)
        pool = [Candidate(pool[0].worker_id, pool[0].name, []), *pool[1:]]
        fallback_growth[str(workers)] = round(median_ms(partial(propose, pool), repeats=5), 4)
        log(
            f"{workers} workers: {growth[str(workers)]:.4f} ms, "
            f"fallback {fallback_growth[str(workers)]:.4f} ms"
        )

    print(
        json.dumps(
            {
                "median_ms": round(plan_ms, 4),
                "oracle_median_ms": round(oracle_ms, 2),
                "speedup": round(oracle_ms / plan_ms, 1),
                "growth": growth,
                "fallback_median_ms": round(fallback_ms, 4),
                "fallback_growth": fallback_growth,
                "no_plan_median_ms": round(no_plan_ms, 4),
                "free_time_ms": round(free_ms, 2),
                "booked_share": round(share, 3),
                "workers": 10,
                "window_days": (LAST_DAY - FIRST_DAY).days + 1,
                "target": TARGET,
            }
        )
    )


if __name__ == "__main__":
    main()
