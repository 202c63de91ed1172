"""One text at a time, one rule for lateness, and her safe times (issue 16; domain.md, "Text
messages"): the pure rules of notifications.spacing, notifications.policy and
notifications.safe_times, with the instants written out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diversion.formatting import LONDON
from notifications import spacing
from notifications.policy import (
    DEFAULT_POLICY,
    REASON_QUIET_TOO_LATE,
    REASON_SAFE_TOO_LATE,
    Planned,
    ReminderKind,
    Skipped,
    is_allowed,
    last_useful_at,
    next_allowed_moment,
    plan_reminders,
    policy_from_dict,
    policy_to_dict,
)
from notifications.safe_times import ANY_TIME, SafeTimes

K = ReminderKind
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
GAP = timedelta(minutes=30)
WEEKDAYS_9_TO_3 = SafeTimes(days=frozenset(range(5)), start=time(9), end=time(15))


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=LONDON)


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def planned(event_at: datetime, booked: datetime, safe: SafeTimes = ANY_TIME) -> dict:
    results = plan_reminders(
        event="appointment",
        event_at=event_at,
        booked_at=booked,
        policy=DEFAULT_POLICY,
        now=booked,
        safe=safe,
    )
    return {r.kind: r for r in results}


# --- One rule for how late a text may go -----------------------------------------------------


def test_a_booking_at_2130_for_0810_sends_its_confirmation_at_0800() -> None:
    # Mon 7 Dec 2026 21:30 booking, Tue 8 Dec 08:10 appointment (GMT: London = UTC).
    plan = planned(local(2026, 12, 8, 8, 10), booked=local(2026, 12, 7, 21, 30))
    assert plan[K.BOOKING_CONFIRMATION] == Planned(K.BOOKING_CONFIRMATION, utc(2026, 12, 8, 8))
    # The dispatcher asks the same rule: at 08:00 it is still worth sending.
    last = last_useful_at(DEFAULT_POLICY, "booking_confirmation", local(2026, 12, 8, 8, 10))
    assert last == utc(2026, 12, 8, 8, 10)
    assert utc(2026, 12, 8, 8) < last


def test_the_thanks_for_her_y_goes_until_the_appointment_and_reminders_stop_an_hour_before():
    event = local(2026, 12, 8, 10)
    assert last_useful_at(DEFAULT_POLICY, "reply_confirmed", event) == utc(2026, 12, 8, 10)
    assert last_useful_at(DEFAULT_POLICY, "appointment_day_before", event) == utc(2026, 12, 8, 9)


# --- Her safe times ------------------------------------------------------------------------


def test_weekdays_0900_to_1500_move_a_1000_saturday_text_to_monday_0900() -> None:
    saturday = local(2026, 12, 12, 10)
    assert not is_allowed(saturday, DEFAULT_POLICY, WEEKDAYS_9_TO_3)
    assert next_allowed_moment(saturday, DEFAULT_POLICY, WEEKDAYS_9_TO_3) == utc(2026, 12, 14, 9)


def test_a_1700_text_waits_for_0900_next_weekday_and_0800_becomes_0900() -> None:
    assert next_allowed_moment(local(2026, 12, 8, 17), DEFAULT_POLICY, WEEKDAYS_9_TO_3) == utc(
        2026, 12, 9, 9
    )
    assert next_allowed_moment(local(2026, 12, 8, 8), DEFAULT_POLICY, WEEKDAYS_9_TO_3) == utc(
        2026, 12, 8, 9
    )
    # Inside them, it goes at once.
    inside = local(2026, 12, 8, 11, 30)
    assert next_allowed_moment(inside, DEFAULT_POLICY, WEEKDAYS_9_TO_3) == inside


def test_safe_times_are_london_wall_clock_across_the_march_and_october_changes() -> None:
    # Sat 28 Mar 2026 10:00 GMT; the clocks go forward on Sun 29 Mar. Mon 30 Mar 09:00 BST
    # is 08:00 UTC.
    assert next_allowed_moment(local(2026, 3, 28, 10), DEFAULT_POLICY, WEEKDAYS_9_TO_3) == utc(
        2026, 3, 30, 8
    )
    # Sat 24 Oct 2026 10:00 BST; back on Sun 25 Oct. Mon 26 Oct 09:00 GMT is 09:00 UTC.
    assert next_allowed_moment(local(2026, 10, 24, 10), DEFAULT_POLICY, WEEKDAYS_9_TO_3) == utc(
        2026, 10, 26, 9
    )


def test_days_only_open_at_the_end_of_quiet_hours_and_hours_only_every_day() -> None:
    tuesdays = SafeTimes(days=frozenset({TUE}))
    # Sun 6 Dec 12:00 -> Tue 8 Dec 08:00 (quiet hours end; any hour on a Tuesday).
    assert next_allowed_moment(local(2026, 12, 6, 12), DEFAULT_POLICY, tuesdays) == utc(
        2026, 12, 8, 8
    )
    afternoons = SafeTimes(start=time(13), end=time(16))
    assert next_allowed_moment(local(2026, 12, 6, 16, 30), DEFAULT_POLICY, afternoons) == utc(
        2026, 12, 7, 13
    )


def test_a_reminder_her_safe_times_cannot_fit_in_time_is_skipped_and_says_why() -> None:
    # Booked Fri 11 Dec 16:00 for Sat 12 Dec 11:00; she is safe to text weekdays 9-3 only:
    # the confirmation cannot reach her before the appointment.
    plan = planned(local(2026, 12, 12, 11), booked=local(2026, 12, 11, 16), safe=WEEKDAYS_9_TO_3)
    assert plan[K.BOOKING_CONFIRMATION] == Skipped(K.BOOKING_CONFIRMATION, REASON_SAFE_TOO_LATE)
    # Without safe times the same confirmation goes at once.
    plain = planned(local(2026, 12, 12, 11), booked=local(2026, 12, 11, 16))
    assert plain[K.BOOKING_CONFIRMATION] == Planned(K.BOOKING_CONFIRMATION, utc(2026, 12, 11, 16))


def test_quiet_hours_are_blamed_when_they_alone_make_it_too_late() -> None:
    # Booked 23:00 for 07:30 the next morning: quiet hours until 08:00, after the start.
    plan = planned(local(2026, 12, 8, 7, 30), booked=local(2026, 12, 7, 23), safe=WEEKDAYS_9_TO_3)
    assert plan[K.BOOKING_CONFIRMATION] == Skipped(K.BOOKING_CONFIRMATION, REASON_QUIET_TOO_LATE)


def test_impossible_safe_times_are_refused_when_made() -> None:
    for kwargs in (
        {"days": frozenset()},
        {"days": frozenset({7})},
        {"start": time(15), "end": time(9)},
        {"start": time(9, 0, 30)},
    ):
        with pytest.raises(ValueError):
            SafeTimes(**kwargs)  # type: ignore[arg-type]


@given(
    instant=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    start=st.integers(0, 22),
    length=st.integers(1, 10),
)
def test_the_next_allowed_moment_is_allowed_and_nothing_before_it_is(
    instant: datetime, days: frozenset[int], start: int, length: int
) -> None:
    safe = SafeTimes(days=days, start=time(start), end=time(min(23, start + length), 59))
    try:
        found = next_allowed_moment(instant, DEFAULT_POLICY, safe)
    except ValueError:
        # Her hours and the quiet hours never meet (say 21:00-23:59): nothing is allowed.
        assert safe.start is not None and safe.end is not None
        assert safe.start >= time(20) or safe.end <= time(8)
        return
    assert found >= instant and is_allowed(found, DEFAULT_POLICY, safe)
    # Checked every 15 minutes back to the instant: nothing earlier was allowed.
    probe = found - timedelta(minutes=15)
    while probe > instant:
        assert not is_allowed(probe, DEFAULT_POLICY, safe)
        probe -= timedelta(minutes=15)


def test_the_gap_is_kept_with_the_policy_and_old_policies_get_the_default() -> None:
    data = policy_to_dict(DEFAULT_POLICY)
    assert data["min_gap_minutes"] == 30
    del data["min_gap_minutes"]
    assert policy_from_dict(data).min_gap == GAP


# --- One text at a time --------------------------------------------------------------------

EIGHT = utc(2026, 12, 8, 8)


def due(
    message_id: int,
    kind: str,
    event_at: datetime,
    *,
    appointment: int | None = None,
    names: frozenset[int] = frozenset(),
    client: int = 1,
) -> spacing.Due:
    last = last_useful_at(DEFAULT_POLICY, kind, event_at)
    return spacing.Due(
        message_id=message_id,
        client_id=client,
        kind=kind,
        event_at=event_at,
        last_useful=last,
        names=names or frozenset({appointment} if appointment else ()),
        appointment_id=appointment,
    )


def test_booked_at_2130_one_text_at_0800_names_both_and_the_reminder_is_merged() -> None:
    # Both sessions booked Mon 21:30: Tue 10:00 (id 11) and Tue 15 Dec 10:00 (id 12). At
    # 08:00 the one confirmation (naming both) and Tue's two-hours-before reminder are due.
    first, second = utc(2026, 12, 8, 10), utc(2026, 12, 15, 10)
    texts = [
        due(2, "appointment_two_hours_before", first, appointment=11),
        due(1, "booking_confirmation", first, appointment=11, names=frozenset({11, 12})),
    ]
    decisions = spacing.space_out(texts, [], now=EIGHT, gap=GAP)
    assert decisions[1] == spacing.Send()
    assert isinstance(decisions[2], spacing.Merged)
    assert "08:00" in decisions[2].reason
    assert second > first


def test_booked_at_0700_the_same_one_text_at_0800() -> None:
    # Booked 07:00 for 09:30 the same day and a week later: the two-hours-before moment
    # (07:30) is quiet, so it too falls at 08:00, and is merged into the confirmation.
    first = utc(2026, 12, 8, 9, 30)
    plan = planned(local(2026, 12, 8, 9, 30), booked=local(2026, 12, 8, 7))
    assert plan[K.BOOKING_CONFIRMATION] == Planned(K.BOOKING_CONFIRMATION, EIGHT)
    assert plan[K.APPOINTMENT_TWO_HOURS_BEFORE] == Planned(K.APPOINTMENT_TWO_HOURS_BEFORE, EIGHT)
    texts = [
        due(1, "booking_confirmation", first, appointment=11, names=frozenset({11, 12})),
        due(2, "appointment_two_hours_before", first, appointment=11),
    ]
    decisions = spacing.space_out(texts, [], now=EIGHT, gap=GAP)
    assert [type(decisions[i]) for i in (1, 2)] == [spacing.Send, spacing.Merged]


def test_texts_about_different_things_wait_the_gap_one_after_another() -> None:
    court = utc(2026, 12, 9, 10)
    appointment = utc(2026, 12, 10, 14)
    texts = [
        due(1, "court_day_before", court),
        due(2, "appointment_day_before", appointment, appointment=21),
        due(3, "appointment_two_hours_before", utc(2026, 12, 11, 14), appointment=22),
    ]
    decisions = spacing.space_out(texts, [], now=EIGHT, gap=GAP)
    # The court date is soonest: it goes; the others wait 30 minutes after it.
    assert decisions[1] == spacing.Send()
    assert decisions[2] == spacing.Wait(EIGHT + GAP, "waiting: another text has just gone to her")
    assert decisions[3] == spacing.Wait(EIGHT + GAP, "waiting: another text has just gone to her")


def test_a_text_she_had_ten_minutes_ago_holds_the_next_for_the_rest_of_the_gap() -> None:
    recent = [spacing.Recent(client_id=1, sent_at=EIGHT - timedelta(minutes=10))]
    texts = [due(1, "appointment_day_before", utc(2026, 12, 9, 10), appointment=31)]
    decisions = spacing.space_out(texts, recent, now=EIGHT, gap=GAP)
    assert decisions[1] == spacing.Wait(
        EIGHT + timedelta(minutes=20), "waiting: another text has just gone to her"
    )
    # One she had 40 minutes ago holds nothing.
    old = [spacing.Recent(client_id=1, sent_at=EIGHT - timedelta(minutes=40))]
    assert spacing.space_out(texts, old, now=EIGHT, gap=GAP)[1] == spacing.Send()


def test_a_text_that_would_be_too_late_after_the_gap_is_not_sent() -> None:
    # A two-hours-before reminder for 09:05 is worth sending until 08:05: after the gap
    # (08:30) it is no use, so it is not sent, and why is kept.
    recent = [spacing.Recent(client_id=1, sent_at=EIGHT)]
    texts = [due(1, "appointment_two_hours_before", utc(2026, 12, 8, 9, 5), appointment=41)]
    decision = spacing.space_out(texts, recent, now=EIGHT, gap=GAP)[1]
    assert isinstance(decision, spacing.TooClose)


def test_two_women_each_get_their_text_at_once() -> None:
    texts = [
        due(1, "appointment_day_before", utc(2026, 12, 9, 10), appointment=51, client=1),
        due(2, "appointment_day_before", utc(2026, 12, 9, 10), appointment=52, client=2),
    ]
    decisions = spacing.space_out(texts, [], now=EIGHT, gap=GAP)
    assert decisions == {1: spacing.Send(), 2: spacing.Send()}


@given(
    kinds=st.lists(
        st.sampled_from(
            [
                "booking_confirmation",
                "appointment_day_before",
                "appointment_two_hours_before",
                "court_day_before",
                "reply_confirmed",
            ]
        ),
        min_size=1,
        max_size=6,
    ),
    hours_ahead=st.lists(st.integers(1, 72), min_size=6, max_size=6),
)
def test_never_two_texts_to_one_woman_at_one_moment(kinds: list[str], hours_ahead: list[int]):
    texts = [
        due(i, kind, EIGHT + timedelta(hours=hours_ahead[i]), appointment=100 + i % 3)
        for i, kind in enumerate(kinds)
    ]
    decisions = spacing.space_out(texts, [], now=EIGHT, gap=GAP)
    assert sum(isinstance(d, spacing.Send) for d in decisions.values()) == 1
    for decision in decisions.values():
        if isinstance(decision, spacing.Wait):
            assert decision.until >= EIGHT + GAP
