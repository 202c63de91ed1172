"""How sure a proportion is: Wilson intervals, Newcombe's interval for a difference, and the
plain sentence the report says about whether the texts make a difference.

Pure rules (architecture rule 1): counts in, numbers and words out.

- **Wilson score interval** (Wilson 1927) for a proportion x/n: unlike the textbook
  p ± 1.96·√(p(1-p)/n) it never leaves 0..1 and stays honest for small n and for rates near
  0 or 1, which attendance rates are.
- **Newcombe's hybrid score interval** for a difference of two independent proportions
  (Newcombe 1998, method 10): d = p1 - p2, with the Wilson limits (l1, u1) and (l2, u2),
  from d - √((p1 - l1)² + (u2 - p2)²) to d + √((u1 - p1)² + (p2 - l2)²).
- **What may be said** (`verdict`): a group with fewer than MIN_GROUP appointments is too
  small to say anything; a difference whose interval includes zero cannot be told from
  chance; only otherwise does the sentence give a direction, and then as what the figures
  show, never as a cause (the women whose texts reach them may differ in other ways).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "MIN_GROUP",
    "Z_95",
    "Difference",
    "Proportion",
    "difference",
    "newcombe",
    "percent",
    "points",
    "proportion",
    "verdict",
    "wilson",
]

# The standard normal quantile for a two-sided 95% interval.
Z_95 = 1.959963984540054
# Below this many appointments in a group the report says the numbers are too small.
MIN_GROUP = 30


def wilson(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval (lower, upper) for successes out of trials; ValueError for
    impossible counts, and (0, 1) when there are no trials (nothing is known)."""
    if trials < 0 or successes < 0 or successes > trials:
        raise ValueError("successes must be between 0 and trials")
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    # At 0 or n successes one limit is exactly 0 or 1: say so, not 1e-17.
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == trials else min(1.0, centre + half)
    return lower, upper


def newcombe(
    successes_1: int, trials_1: int, successes_2: int, trials_2: int, z: float = Z_95
) -> tuple[float, float, float]:
    """The difference p1 - p2 with Newcombe's hybrid score interval: (difference, lower,
    upper). Both groups need at least one trial."""
    if trials_1 <= 0 or trials_2 <= 0:
        raise ValueError("both groups need at least one trial")
    p1, p2 = successes_1 / trials_1, successes_2 / trials_2
    l1, u1 = wilson(successes_1, trials_1, z)
    l2, u2 = wilson(successes_2, trials_2, z)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, max(-1.0, lower), min(1.0, upper)


@dataclass(frozen=True)
class Proportion:
    """A rate with its counts and its 95% Wilson interval."""

    successes: int
    trials: int
    rate: float | None
    lower: float
    upper: float


def proportion(successes: int, trials: int) -> Proportion:
    """successes out of trials as a rate (None when there are no trials) and its interval."""
    lower, upper = wilson(successes, trials)
    rate = successes / trials if trials else None
    return Proportion(successes, trials, rate, lower, upper)


@dataclass(frozen=True)
class Difference:
    """p1 - p2 with its 95% Newcombe interval; `spans_zero` when it includes no difference."""

    value: float
    lower: float
    upper: float

    @property
    def spans_zero(self) -> bool:
        return self.lower <= 0.0 <= self.upper


def difference(first: Proportion, second: Proportion) -> Difference | None:
    """The difference of two rates with its interval; None when either has no trials."""
    if not first.trials or not second.trials:
        return None
    value, lower, upper = newcombe(first.successes, first.trials, second.successes, second.trials)
    return Difference(value, lower, upper)


def points(value: float) -> str:
    """A difference of rates in percentage points, one decimal, signed: "+4.2", "-3.0"."""
    rounded = round(value * 100, 1)
    if rounded == 0:
        return "0.0"
    sign = "+" if rounded > 0 else "\u2212"
    return f"{sign}{abs(rounded):.1f}"


def percent(value: float) -> str:
    """A rate as a percentage with one decimal: "87.5%"."""
    return f"{value * 100:.1f}%"


def verdict(
    reached: Proportion | None,
    other: Proportion | None,
    *,
    reached_words: str,
    other_words: str,
    minimum: int = MIN_GROUP,
) -> str:
    """The one sentence the report may say about two groups' attendance.

    `None` stands for a group whose counts are not shown (suppressed). The sentence says the
    numbers are too small when either group is missing or under `minimum` appointments, that
    the figures cannot show a difference when the interval includes zero, and otherwise which
    way the difference goes, with its interval, as an association only."""
    if reached is None or other is None or reached.trials < minimum or other.trials < minimum:
        return (
            f"The numbers are too small to say anything: each group needs at least {minimum} "
            "appointments with their attendance recorded."
        )
    found = difference(reached, other)
    assert found is not None and reached.rate is not None and other.rate is not None
    interval = f"{points(found.lower)} to {points(found.upper)} percentage points"
    if found.spans_zero:
        return (
            f"These figures cannot show a difference: attendance was {percent(reached.rate)} "
            f"{reached_words} and {percent(other.rate)} {other_words}, and the difference "
            f"could be anything from {interval}."
        )
    direction = "higher" if found.value > 0 else "lower"
    return (
        f"Attendance was {direction} {reached_words}: {percent(reached.rate)}, against "
        f"{percent(other.rate)} {other_words} (a difference of {points(found.value)} points; "
        f"95% confidence interval {interval}). This shows the two went together here, not "
        "that the text caused it."
    )
