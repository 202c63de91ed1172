"""Tests for notifications.policy: design/domain.md, "Text messages" (reminder timing).

Examples pin the rules down in dates a worker would recognise, with the expected UTC
instants written out by hand (not computed with the module's helpers); property tests
check every planned message against the rules directly.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diversion.formatting import LONDON
from notifications.policy import (
    DEFAULT_POLICY,
    REASON_BOOKED_AFTER,
    REASON_QUIET_TOO_LATE,
    REASON_TOO_LATE,
    Planned,
    Policy,
    ReminderKind,
    ReminderRule,
    Skipped,
    court_event_at,
    is_quiet,
    next_allowed_moment,
    plan_reminders,
    policy_from_dict,
    policy_to_dict,
)

K = ReminderKind
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

# Well before any event below, and in the middle of a weekday afternoon.
EARLY = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=LONDON)


def appointment(
    event_at: datetime, *, now: datetime = EARLY, booked_at: datetime | None = None
) -> list[Planned | Skipped]:
    return plan_reminders(
        event="appointment", event_at=event_at, booked_at=booked_at, policy=DEFAULT_POLICY, now=now
    )


def by_kind(results: list[Planned | Skipped]) -> dict[ReminderKind, Planned | Skipped]:
    kinds = [r.kind for r in results]
    assert len(kinds) == len(set(kinds))
    return {r.kind: r for r in results}


def test_the_default_appointment_reminders_go_the_day_before_at_ten_and_two_hours_before() -> None:
    # Tue 31 Mar 2026 11:00 BST is 10:00 UTC.
    event_at = local(2026, 3, 31, 11)
    assert event_at.weekday() == TUE
    assert appointment(event_at) == [
        Planned(K.APPOINTMENT_DAY_BEFORE, utc(2026, 3, 30, 9)),  # Mon 10:00 BST
        Planned(K.APPOINTMENT_TWO_HOURS_BEFORE, utc(2026, 3, 31, 8)),  # Tue 09:00 BST
    ]


@pytest.mark.parametrize(
    ("event_at", "weekday", "expected_day_before"),
    [
        # March 2026: clocks go forward on Sun 29 Mar. Sat 10:00 GMT is 10:00 UTC, Sun 10:00
        # BST is 09:00 UTC.
        (local(2026, 3, 29, 10), SUN, utc(2026, 3, 28, 10)),
        (local(2026, 3, 30, 10), MON, utc(2026, 3, 29, 9)),
        # October 2026: clocks go back on Sun 25 Oct. Sat 10:00 BST is 09:00 UTC, Sun 10:00
        # GMT is 10:00 UTC.
        (local(2026, 10, 25, 10), SUN, utc(2026, 10, 24, 9)),
        (local(2026, 10, 26, 10), MON, utc(2026, 10, 25, 10)),
        # March 2027: forward on Sun 28 Mar.
        (local(2027, 3, 28, 10), SUN, utc(2027, 3, 27, 10)),
        (local(2027, 3, 29, 10), MON, utc(2027, 3, 28, 9)),
        # October 2027: back on Sun 31 Oct.
        (local(2027, 10, 31, 10), SUN, utc(2027, 10, 30, 9)),
        (local(2027, 11, 1, 10), MON, utc(2027, 10, 31, 10)),
    ],
)
def test_the_day_before_reminder_stays_at_ten_local_across_each_clock_change(
    event_at: datetime, weekday: int, expected_day_before: datetime
) -> None:
    assert event_at.weekday() == weekday
    results = by_kind(appointment(event_at))
    assert results[K.APPOINTMENT_DAY_BEFORE] == Planned(
        K.APPOINTMENT_DAY_BEFORE, expected_day_before
    )


def test_the_day_before_is_counted_from_the_local_date_not_the_utc_date() -> None:
    # Wed 15 Apr 2026 00:30 BST is still Tue 14 Apr (23:30) in UTC; the day before is Tue.
    results = by_kind(appointment(local(2026, 4, 15, 0, 30)))
    assert results[K.APPOINTMENT_DAY_BEFORE] == Planned(
        K.APPOINTMENT_DAY_BEFORE, utc(2026, 4, 14, 9)
    )


def test_the_two_hours_before_reminder_is_two_real_hours_even_across_a_clock_change() -> None:
    # Sun 29 Mar 2026 11:00 BST (10:00 UTC): two hours earlier is 08:00 UTC = 09:00 BST,
    # though the wall clock only moved from 09:00 (BST) to 11:00 (BST).
    results = by_kind(appointment(local(2026, 3, 29, 11)))
    assert results[K.APPOINTMENT_TWO_HOURS_BEFORE] == Planned(
        K.APPOINTMENT_TWO_HOURS_BEFORE, utc(2026, 3, 29, 8)
    )


def test_court_reminders_go_two_days_before_at_ten_and_the_day_before_at_five() -> None:
    # Hearing Wed 15 Apr 2026, sitting at 10:00 BST.
    event_at = court_event_at(date(2026, 4, 15), time(10, 0))
    assert event_at == utc(2026, 4, 15, 9)
    results = plan_reminders(
        event="court", event_at=event_at, booked_at=None, policy=DEFAULT_POLICY, now=EARLY
    )
    assert results == [
        Planned(K.COURT_TWO_DAYS_BEFORE, utc(2026, 4, 13, 9)),  # Mon 10:00 BST
        Planned(K.COURT_DAY_BEFORE, utc(2026, 4, 14, 16)),  # Tue 17:00 BST
    ]


def test_court_reminders_follow_local_time_across_the_march_change() -> None:
    # Hearing Mon 30 Mar 2026: two days before is Sat 28 Mar 10:00 GMT (10:00 UTC), not
    # 48 hours before the 09:00 UTC hearing; the day before is Sun 29 Mar 17:00 BST.
    event_at = court_event_at(date(2026, 3, 30), time(10, 0))
    results = plan_reminders(
        event="court", event_at=event_at, booked_at=None, policy=DEFAULT_POLICY, now=EARLY
    )
    assert results == [
        Planned(K.COURT_TWO_DAYS_BEFORE, utc(2026, 3, 28, 10)),
        Planned(K.COURT_DAY_BEFORE, utc(2026, 3, 29, 16)),
    ]


def test_a_court_sitting_at_another_time_moves_the_event_but_not_the_reminders() -> None:
    event_at = court_event_at(date(2026, 1, 14), time(14, 0))
    assert event_at == utc(2026, 1, 14, 14)
    results = plan_reminders(
        event="court", event_at=event_at, booked_at=None, policy=DEFAULT_POLICY, now=EARLY
    )
    assert [r.send_at for r in results if isinstance(r, Planned)] == [
        utc(2026, 1, 12, 10),
        utc(2026, 1, 13, 17),
    ]


def test_a_reminder_falling_in_quiet_hours_waits_until_eight() -> None:
    # 09:00 appointment: two hours before is 07:00, inside quiet hours; it waits until 08:00
    # BST (07:00 UTC), still an hour before the appointment.
    results = by_kind(appointment(local(2026, 4, 15, 9)))
    assert results[K.APPOINTMENT_TWO_HOURS_BEFORE] == Planned(
        K.APPOINTMENT_TWO_HOURS_BEFORE, utc(2026, 4, 15, 7)
    )


def test_a_reminder_that_would_be_too_late_after_quiet_hours_is_skipped_with_a_reason() -> None:
    # 08:30 appointment: two hours before is 06:30; 08:00 is after 08:30 - 1 hour.
    results = by_kind(appointment(local(2026, 4, 15, 8, 30)))
    assert results[K.APPOINTMENT_TWO_HOURS_BEFORE] == Skipped(
        K.APPOINTMENT_TWO_HOURS_BEFORE, REASON_QUIET_TOO_LATE
    )
    assert results[K.APPOINTMENT_DAY_BEFORE] == Planned(
        K.APPOINTMENT_DAY_BEFORE, utc(2026, 4, 14, 9)
    )


def test_a_booking_confirmation_goes_at_once() -> None:
    now = local(2026, 4, 14, 14)
    results = by_kind(appointment(local(2026, 4, 20, 14), now=now, booked_at=now))
    assert results[K.BOOKING_CONFIRMATION] == Planned(K.BOOKING_CONFIRMATION, utc(2026, 4, 14, 13))


def test_a_booking_confirmation_made_in_quiet_hours_waits_until_eight() -> None:
    now = local(2026, 4, 14, 22)  # Tue 22:00 BST
    results = by_kind(appointment(local(2026, 4, 16, 14), now=now, booked_at=now))
    assert results[K.BOOKING_CONFIRMATION] == Planned(
        K.BOOKING_CONFIRMATION,
        utc(2026, 4, 15, 7),  # Wed 08:00 BST
    )


def test_a_booking_confirmation_is_only_for_an_appointment_just_booked() -> None:
    assert K.BOOKING_CONFIRMATION not in by_kind(appointment(local(2026, 4, 20, 14)))
    court = plan_reminders(
        event="court",
        event_at=court_event_at(date(2026, 4, 20), time(10, 0)),
        booked_at=EARLY,
        policy=DEFAULT_POLICY,
        now=EARLY,
    )
    assert {r.kind for r in court} == {K.COURT_TWO_DAYS_BEFORE, K.COURT_DAY_BEFORE}


def test_booked_thirty_minutes_before_only_the_confirmation_goes() -> None:
    now = local(2026, 4, 15, 13, 30)
    results = appointment(local(2026, 4, 15, 14), now=now, booked_at=now)
    assert results == [
        Planned(K.BOOKING_CONFIRMATION, utc(2026, 4, 15, 12, 30)),
        Skipped(K.APPOINTMENT_DAY_BEFORE, REASON_BOOKED_AFTER),
        Skipped(K.APPOINTMENT_TWO_HOURS_BEFORE, REASON_BOOKED_AFTER),
    ]


def test_a_same_day_booking_gets_one_text_now_and_the_later_reminder_not_a_burst() -> None:
    now = local(2026, 4, 15, 11, 0)
    results = appointment(local(2026, 4, 15, 14), now=now, booked_at=now)
    assert results == [
        Planned(K.BOOKING_CONFIRMATION, utc(2026, 4, 15, 10, 0)),
        Skipped(K.APPOINTMENT_DAY_BEFORE, REASON_BOOKED_AFTER),
        Planned(K.APPOINTMENT_TWO_HOURS_BEFORE, utc(2026, 4, 15, 11, 0)),
    ]


def test_after_downtime_a_reminder_still_useful_goes_late_once() -> None:
    # Booked days ago; the dispatcher was down at 10:00 the day before and plans again at 11:00.
    now = local(2026, 4, 14, 11, 0)
    results = appointment(local(2026, 4, 15, 14), now=now, booked_at=None)
    assert Planned(K.APPOINTMENT_DAY_BEFORE, utc(2026, 4, 14, 10, 0)) in results


def test_a_reminder_whose_time_has_passed_goes_now_while_still_useful() -> None:
    # Booked at 11:00 for a 14:00 appointment the same day: the day-before time is past but
    # there is more than an hour to go, so it goes now; two hours before is 12:00, ahead.
    now = local(2026, 4, 15, 11)
    results = by_kind(appointment(local(2026, 4, 15, 14), now=now))
    assert results[K.APPOINTMENT_DAY_BEFORE] == Planned(
        K.APPOINTMENT_DAY_BEFORE, utc(2026, 4, 15, 10)
    )
    assert results[K.APPOINTMENT_TWO_HOURS_BEFORE] == Planned(
        K.APPOINTMENT_TWO_HOURS_BEFORE, utc(2026, 4, 15, 11)
    )


def test_a_reminder_whose_time_has_passed_in_quiet_hours_waits_until_eight() -> None:
    now = local(2026, 4, 14, 23)  # Tue 23:00 BST, appointment Wed 11:00
    results = by_kind(appointment(local(2026, 4, 15, 11), now=now))
    assert results[K.APPOINTMENT_DAY_BEFORE] == Planned(
        K.APPOINTMENT_DAY_BEFORE, utc(2026, 4, 15, 7)
    )


def test_nothing_is_planned_for_an_event_already_past() -> None:
    now = local(2026, 4, 15, 15)
    results = appointment(local(2026, 4, 15, 14), now=now, booked_at=now)
    assert all(isinstance(r, Skipped) for r in results)
    assert len(results) == 3


def test_nothing_is_planned_for_a_woman_who_does_not_want_texts() -> None:
    results = plan_reminders(
        event="appointment",
        event_at=local(2026, 4, 20, 14),
        booked_at=EARLY,
        policy=DEFAULT_POLICY,
        now=EARLY,
        wants_texts=False,
    )
    assert results == []


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="event_at"):
        plan_reminders(
            event="appointment",
            event_at=datetime(2026, 4, 20, 14),
            booked_at=None,
            policy=DEFAULT_POLICY,
            now=EARLY,
        )


def test_quiet_hours_run_from_eight_in_the_evening_to_eight_in_the_morning_local() -> None:
    # Summer (BST): 19:59 and 08:00 local are allowed, 20:00 and 07:59 are quiet.
    assert not is_quiet(utc(2026, 7, 1, 18, 59), DEFAULT_POLICY)
    assert is_quiet(utc(2026, 7, 1, 19, 0), DEFAULT_POLICY)
    assert is_quiet(utc(2026, 7, 2, 6, 59), DEFAULT_POLICY)
    assert not is_quiet(utc(2026, 7, 2, 7, 0), DEFAULT_POLICY)
    # Winter (GMT).
    assert is_quiet(utc(2026, 1, 1, 7, 59), DEFAULT_POLICY)
    assert not is_quiet(utc(2026, 1, 1, 8, 0), DEFAULT_POLICY)


def test_the_next_allowed_moment_after_an_evening_is_eight_the_next_morning() -> None:
    assert next_allowed_moment(local(2026, 3, 28, 21), DEFAULT_POLICY) == utc(2026, 3, 29, 7)
    assert next_allowed_moment(local(2026, 3, 29, 0, 30), DEFAULT_POLICY) == utc(2026, 3, 29, 7)
    assert next_allowed_moment(local(2026, 10, 24, 23), DEFAULT_POLICY) == utc(2026, 10, 25, 8)
    assert next_allowed_moment(utc(2026, 4, 1, 12), DEFAULT_POLICY) == utc(2026, 4, 1, 12)


def test_a_policy_survives_a_round_trip_through_plain_data() -> None:
    data = policy_to_dict(DEFAULT_POLICY)
    assert policy_from_dict(json.loads(json.dumps(data))) == DEFAULT_POLICY
    assert data["quiet_start"] == "20:00"


def test_a_stored_policy_can_change_the_quiet_hours_and_rules() -> None:
    data = policy_to_dict(DEFAULT_POLICY)
    data["quiet_start"] = "21:00"
    data["rules"] = [r for r in data["rules"] if r["kind"] != "court_two_days_before"]  # type: ignore[attr-defined]
    policy = policy_from_dict(data)
    assert policy.quiet_start == time(21, 0)
    assert K.COURT_TWO_DAYS_BEFORE not in {r.kind for r in policy.rules}


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "court_weekly"},
        {"days_before": "2"},
        {"at_local": "ten"},
        {"hours_before_minutes": 120},  # two timings at once
        {"latest_useful_minutes": -5},
    ],
)
def test_malformed_policy_data_is_refused(change: dict[str, object]) -> None:
    data = policy_to_dict(DEFAULT_POLICY)
    rule = dict(data["rules"][0])  # type: ignore[index]
    rule.update(change)
    data["rules"] = [rule]
    with pytest.raises(ValueError):
        policy_from_dict(data)


def test_a_rule_must_have_exactly_one_timing() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        ReminderRule(
            kind=K.APPOINTMENT_DAY_BEFORE,
            days_before=None,
            at_local=None,
            hours_before=None,
            immediate=False,
            latest_useful=timedelta(hours=1),
        )


def test_a_policy_has_at_most_one_rule_per_kind() -> None:
    with pytest.raises(ValueError, match="at most one"):
        Policy(rules=DEFAULT_POLICY.rules + DEFAULT_POLICY.rules[:1])


# Instants from 2025 to 2028, covering the clock changes, on a 5-minute grid so quiet-hour
# boundaries are hit exactly.
instants = st.builds(
    lambda minutes: datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=5 * minutes),
    st.integers(min_value=0, max_value=(4 * 366 * 24 * 60) // 5),
)
lead_times = st.builds(
    lambda minutes: timedelta(minutes=5 * minutes),
    st.integers(min_value=-2 * 24 * 12, max_value=5 * 24 * 12),
)


@given(
    event=st.sampled_from(["court", "appointment"]),
    event_at=instants,
    lead=lead_times,
    booked=st.booleans(),
)
def test_every_planned_message_goes_before_the_event_outside_quiet_hours_and_not_in_the_past(
    event: str, event_at: datetime, lead: timedelta, booked: bool
) -> None:
    now = event_at - lead
    results = plan_reminders(
        event="court" if event == "court" else "appointment",
        event_at=event_at,
        booked_at=now if booked else None,
        policy=DEFAULT_POLICY,
        now=now,
    )
    for result in results:
        if isinstance(result, Planned):
            assert result.send_at.tzinfo is UTC
            assert now <= result.send_at < event_at
            assert not is_quiet(result.send_at, DEFAULT_POLICY)
            rule = next(r for r in DEFAULT_POLICY.rules if r.kind is result.kind)
            assert result.send_at <= event_at - rule.latest_useful
        else:
            assert result.reason in {REASON_TOO_LATE, REASON_QUIET_TOO_LATE, REASON_BOOKED_AFTER}


@given(instant=instants)
def test_the_next_allowed_moment_is_the_first_instant_outside_quiet_hours(
    instant: datetime,
) -> None:
    moment = next_allowed_moment(instant, DEFAULT_POLICY)
    assert moment >= instant
    assert not is_quiet(moment, DEFAULT_POLICY)
    if not is_quiet(instant, DEFAULT_POLICY):
        assert moment == instant
    else:
        assert moment.astimezone(LONDON).time() == time(8, 0)
        assert moment - instant <= timedelta(hours=13)
        # Every 5-minute step in between is quiet: nothing earlier was allowed.
        step = instant
        while step < moment:
            assert is_quiet(step, DEFAULT_POLICY)
            step += timedelta(minutes=5)
