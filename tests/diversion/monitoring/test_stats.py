"""The intervals of the texts comparison against values worked out by hand and published
ones (Newcombe 1998, "Two-sided confidence intervals for the single proportion" and
"Interval estimation for the difference between independent proportions"), and the one
sentence the figures allow."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diversion.monitoring.stats import (
    MIN_GROUP,
    Z_95,
    difference,
    newcombe,
    points,
    proportion,
    verdict,
    wilson,
)


def test_wilson_by_hand_for_8_of_10() -> None:
    # p = 0.8, z² = 3.8415: centre (0.8 + 0.19207) / 1.38415 = 0.71674;
    # half width 1.95996 * √(0.016 + 0.0096037) / 1.38415 = 0.22658.
    z2 = Z_95**2
    centre = (0.8 + z2 / 20) / (1 + z2 / 10)
    half = Z_95 * math.sqrt(0.8 * 0.2 / 10 + z2 / 400) / (1 + z2 / 10)
    assert (round(centre, 4), round(half, 4)) == (0.7167, 0.2266)

    lower, upper = wilson(8, 10)

    assert (round(lower, 4), round(upper, 4)) == (0.4902, 0.9433)
    assert math.isclose(lower, centre - half) and math.isclose(upper, centre + half)


@pytest.mark.parametrize(
    ("successes", "trials", "expected"),
    [
        (81, 263, (0.2553, 0.3662)),
        (15, 148, (0.0624, 0.1605)),
        (0, 20, (0.0, 0.1611)),
        (1, 29, (0.0061, 0.1718)),
        (29, 29, (0.8830, 1.0)),
    ],
)
def test_wilson_matches_newcombes_published_intervals(
    successes: int, trials: int, expected: tuple[float, float]
) -> None:
    assert tuple(round(v, 4) for v in wilson(successes, trials)) == expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((6, 7, 2, 7), (0.0582, 0.8062)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
        ((0, 10, 0, 20), (-0.1611, 0.2775)),
        ((0, 10, 0, 10), (-0.2775, 0.2775)),
        ((10, 10, 0, 20), (0.6791, 1.0)),
        ((10, 10, 0, 10), (0.6075, 1.0)),
    ],
)
def test_newcombe_matches_his_published_intervals(
    counts: tuple[int, int, int, int], expected: tuple[float, float]
) -> None:
    _difference, lower, upper = newcombe(*counts)

    assert (round(lower, 4), round(upper, 4)) == expected


@given(st.integers(0, 500), st.integers(1, 500))
def test_a_wilson_interval_holds_its_rate_and_stays_between_0_and_1(x: int, n: int) -> None:
    x = min(x, n)
    lower, upper = wilson(x, n)

    assert 0.0 <= lower <= x / n <= upper <= 1.0


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        wilson(5, 4)
    with pytest.raises(ValueError):
        newcombe(1, 0, 1, 2)
    assert wilson(0, 0) == (0.0, 1.0)
    assert difference(proportion(0, 0), proportion(1, 2)) is None


def test_points_are_signed_with_a_real_minus() -> None:
    assert (points(0.042), points(-0.03), points(0.0)) == ("+4.2", "\u22123.0", "0.0")


def test_groups_under_30_are_too_small_to_say_anything() -> None:
    small = verdict(
        proportion(20, 29), proportion(10, 40), reached_words="with", other_words="without"
    )
    hidden = verdict(None, proportion(10, 40), reached_words="with", other_words="without")

    assert small == hidden
    assert small.startswith("The numbers are too small to say anything")
    assert str(MIN_GROUP) in small


def test_an_interval_that_includes_zero_cannot_show_a_difference() -> None:
    sentence = verdict(
        proportion(26, 36),
        proportion(21, 37),
        reached_words="when the reminder was delivered",
        other_words="when it did not reach her",
    )

    assert sentence.startswith("These figures cannot show a difference: attendance was 72.2%")
    assert "higher" not in sentence and "lower" not in sentence


def test_a_clear_difference_is_said_as_going_together_not_as_a_cause() -> None:
    sentence = verdict(
        proportion(90, 100),
        proportion(60, 100),
        reached_words="when the reminder was delivered",
        other_words="when it did not reach her",
    )

    assert sentence.startswith(
        "Attendance was higher when the reminder was delivered: 90.0%, against 60.0%"
    )
    assert "+30.0 points" in sentence
    assert sentence.endswith("not that the text caused it.")
