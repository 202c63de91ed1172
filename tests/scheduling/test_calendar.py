"""Tests for scheduling.calendar: the rules in design/domain.md, "Dates and windows".

Property tests check answers against an oracle built here from the `holidays` package
directly, so they do not trust the module's own helpers.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.calendar import (
    LONDON,
    ReturnDateCheck,
    Window,
    add_working_days,
    case_window,
    days_left,
    is_bank_holiday,
    is_sitting_day,
    is_working_day,
    last_appointment_date,
    next_sitting_day,
    previous_sitting_day,
    report_due_at,
    sitting_days_between,
    suggest_return_date,
    validate_return_date,
    weekday_names,
    working_days_between,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

# ---------------------------------------------------------------------------------------
# Independent oracle
# ---------------------------------------------------------------------------------------

_ORACLE_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2019, 2043))


def oracle_bank_holiday(day: date) -> bool:
    return day in _ORACLE_HOLIDAYS


def oracle_working_day(day: date) -> bool:
    return day.weekday() < 5 and not oracle_bank_holiday(day)


def oracle_sitting_day(day: date, weekdays: frozenset[int]) -> bool:
    return day.weekday() in weekdays and not oracle_bank_holiday(day)


def days_from(start: date, end: date) -> list[date]:
    """Every day from start to end, both inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Dates well inside the oracle's years so searches a few weeks either way stay covered.
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2041, 12, 31))
any_weekdays = st.frozensets(st.integers(min_value=0, max_value=6), min_size=1)
weekday_courts = st.frozensets(st.integers(min_value=MON, max_value=FRI), min_size=1)
# The first call for a year builds that year's holidays; don't let that trip the deadline.
property_test = settings(deadline=None, max_examples=150)


# ---------------------------------------------------------------------------------------
# Examples from domain.md
# ---------------------------------------------------------------------------------------


def test_court_on_27_november_2030_suggests_18_december_as_christmas_day_is_a_bank_holiday() -> (
    None
):
    assert is_bank_holiday(date(2030, 12, 25))
    assert suggest_return_date(date(2030, 11, 27), [WED]) == date(2030, 12, 18)


def test_the_suggested_return_date_can_be_exactly_28_days_after_the_court_date() -> None:
    assert suggest_return_date(date(2026, 12, 2), [WED]) == date(2026, 12, 30)


def test_return_on_30_december_2026_makes_24_december_the_last_appointment_date() -> None:
    # Fri 25 Dec and Mon 28 Dec 2026 are bank holidays; Tue 29 Dec is the first working day
    # back, Thu 24 Dec the second.
    assert last_appointment_date(date(2026, 12, 30)) == date(2026, 12, 24)


def test_court_2_december_2026_with_return_30_december_2026_gives_the_whole_window() -> None:
    window = case_window(court_date=date(2026, 12, 2), return_date=date(2026, 12, 30))
    assert window == Window(
        court_date=date(2026, 12, 2),
        return_date=date(2026, 12, 30),
        last_appointment_date=date(2026, 12, 24),
        report_due_at=utc(2026, 12, 29, 12, 0),
    )


# ---------------------------------------------------------------------------------------
# Bank holidays and working days
# ---------------------------------------------------------------------------------------


def test_good_friday_and_easter_monday_2027_are_bank_holidays_and_not_working_days() -> None:
    for day in (date(2027, 3, 26), date(2027, 3, 29)):
        assert is_bank_holiday(day)
        assert not is_working_day(day)


def test_the_days_around_easter_2027_are_ordinary_working_days() -> None:
    for day in (date(2027, 3, 25), date(2027, 3, 30)):
        assert not is_bank_holiday(day)
        assert is_working_day(day)


def test_one_working_day_after_maundy_thursday_2027_is_the_tuesday_after_easter() -> None:
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert add_working_days(date(2027, 3, 30), -1) == date(2027, 3, 25)
    assert working_days_between(date(2027, 3, 25), date(2027, 3, 30)) == 1


def test_a_monday_court_does_not_sit_on_easter_monday_2027() -> None:
    assert not is_sitting_day(date(2027, 3, 29), [MON])
    assert next_sitting_day(date(2027, 3, 22), [MON]) == date(2027, 4, 5)


def test_when_christmas_2027_falls_at_a_weekend_the_27th_and_28th_are_substitute_holidays() -> None:
    assert is_bank_holiday(date(2027, 12, 27))
    assert is_bank_holiday(date(2027, 12, 28))
    assert add_working_days(date(2027, 12, 24), 1) == date(2027, 12, 29)
    assert working_days_between(date(2027, 12, 24), date(2027, 12, 31)) == 3


def test_when_boxing_day_2026_is_a_saturday_monday_28_december_is_the_substitute() -> None:
    assert is_bank_holiday(date(2026, 12, 28))
    assert not is_working_day(date(2026, 12, 28))
    assert is_working_day(date(2026, 12, 29))


def test_when_christmas_2030_falls_midweek_there_is_no_substitute_day() -> None:
    assert is_bank_holiday(date(2030, 12, 25))
    assert is_bank_holiday(date(2030, 12, 26))
    assert is_working_day(date(2030, 12, 27))
    assert is_working_day(date(2030, 12, 30))


def test_one_off_bank_holidays_come_from_the_holidays_package() -> None:
    assert is_bank_holiday(date(2022, 9, 19))  # State Funeral of Queen Elizabeth II
    assert is_bank_holiday(date(2023, 5, 8))  # Coronation of Charles III


def test_weekends_are_not_working_days_and_ordinary_weekdays_are() -> None:
    assert not is_working_day(date(2026, 6, 13))  # Saturday
    assert not is_working_day(date(2026, 6, 14))  # Sunday
    assert is_working_day(date(2026, 6, 15))  # Monday


@property_test
@given(day=dates)
def test_bank_holidays_match_the_england_and_wales_calendar(day: date) -> None:
    assert is_bank_holiday(day) == oracle_bank_holiday(day)
    assert is_working_day(day) == oracle_working_day(day)


# ---------------------------------------------------------------------------------------
# Sitting days
# ---------------------------------------------------------------------------------------


def test_a_wednesday_court_does_not_sit_on_christmas_day_2030_even_though_it_is_a_wednesday() -> (
    None
):
    assert not is_sitting_day(date(2030, 12, 25), [WED])
    assert is_sitting_day(date(2030, 12, 18), [WED])
    assert not is_sitting_day(date(2030, 12, 19), [WED])


def test_a_court_sitting_tuesday_and_thursday_skips_the_boxing_day_substitute_in_2027() -> None:
    assert sitting_days_between(date(2027, 12, 1), date(2027, 12, 31), [TUE, THU]) == [
        date(2027, 12, 2),
        date(2027, 12, 7),
        date(2027, 12, 9),
        date(2027, 12, 14),
        date(2027, 12, 16),
        date(2027, 12, 21),
        date(2027, 12, 23),
        date(2027, 12, 30),
    ]


def test_a_tuesday_and_thursday_court_on_30_november_2027_suggests_thursday_23_december() -> None:
    # 28 days later is Tue 28 Dec 2027, the Boxing Day substitute, so the latest sitting day
    # in the window is the Thursday before.
    assert suggest_return_date(date(2027, 11, 30), [TUE, THU]) == date(2027, 12, 23)


def test_a_tuesday_and_thursday_court_moves_between_both_weekdays() -> None:
    assert next_sitting_day(date(2027, 12, 23), [THU, TUE]) == date(2027, 12, 30)
    assert previous_sitting_day(date(2027, 12, 30), [THU, TUE]) == date(2027, 12, 23)
    assert next_sitting_day(date(2027, 12, 14), [TUE, THU]) == date(2027, 12, 16)
    assert previous_sitting_day(date(2027, 12, 16), [TUE, THU]) == date(2027, 12, 14)


def test_include_today_returns_today_only_when_the_court_sits_today() -> None:
    wednesday, thursday = date(2030, 12, 18), date(2030, 12, 19)
    assert next_sitting_day(wednesday, [WED], include_today=True) == wednesday
    assert next_sitting_day(wednesday, [WED]) == date(2031, 1, 1 + 7)  # skips 25 Dec, 1 Jan
    assert previous_sitting_day(wednesday, [WED], include_today=True) == wednesday
    assert previous_sitting_day(wednesday, [WED]) == date(2030, 12, 11)
    assert next_sitting_day(thursday, [WED], include_today=True) == date(2031, 1, 8)
    assert previous_sitting_day(thursday, [WED], include_today=True) == wednesday


def test_sitting_weekdays_can_be_any_iterable_including_a_generator() -> None:
    assert is_sitting_day(date(2030, 12, 18), (d for d in [WED]))
    assert next_sitting_day(date(2030, 12, 11), (d for d in [WED])) == date(2030, 12, 18)


def test_finding_a_sitting_day_for_a_court_with_no_sitting_weekdays_is_refused() -> None:
    with pytest.raises(ValueError):
        next_sitting_day(date(2030, 12, 18), [])
    with pytest.raises(ValueError):
        previous_sitting_day(date(2030, 12, 18), [])
    with pytest.raises(ValueError):
        suggest_return_date(date(2030, 12, 18), [])


def test_a_weekday_number_outside_monday_to_sunday_is_refused() -> None:
    with pytest.raises(ValueError):
        is_sitting_day(date(2030, 12, 18), [7])
    with pytest.raises(ValueError):
        next_sitting_day(date(2030, 12, 18), [-1])


def test_sitting_days_between_a_later_start_and_an_earlier_end_is_empty() -> None:
    assert sitting_days_between(date(2030, 12, 18), date(2030, 12, 11), [WED]) == []


def test_sitting_days_between_includes_both_ends() -> None:
    assert sitting_days_between(date(2030, 12, 11), date(2030, 12, 18), [WED]) == [
        date(2030, 12, 11),
        date(2030, 12, 18),
    ]


@property_test
@given(day=dates, weekdays=any_weekdays, include_today=st.booleans())
def test_next_sitting_day_is_the_first_sitting_day_after_the_day(
    day: date, weekdays: frozenset[int], include_today: bool
) -> None:
    found = next_sitting_day(day, weekdays, include_today=include_today)
    first_candidate = day if include_today else day + timedelta(days=1)
    assert found >= first_candidate
    assert oracle_sitting_day(found, weekdays)
    assert not any(oracle_sitting_day(d, weekdays) for d in days_from(first_candidate, found)[:-1])


@property_test
@given(day=dates, weekdays=any_weekdays, include_today=st.booleans())
def test_previous_sitting_day_is_the_last_sitting_day_before_the_day(
    day: date, weekdays: frozenset[int], include_today: bool
) -> None:
    found = previous_sitting_day(day, weekdays, include_today=include_today)
    last_candidate = day if include_today else day - timedelta(days=1)
    assert found <= last_candidate
    assert oracle_sitting_day(found, weekdays)
    assert not any(oracle_sitting_day(d, weekdays) for d in days_from(found, last_candidate)[1:])


@property_test
@given(start=dates, length=st.integers(min_value=-3, max_value=60), weekdays=any_weekdays)
def test_sitting_days_between_lists_exactly_the_sitting_days_in_the_range(
    start: date, length: int, weekdays: frozenset[int]
) -> None:
    end = start + timedelta(days=length)
    expected = [d for d in days_from(start, end) if oracle_sitting_day(d, weekdays)]
    assert sitting_days_between(start, end, weekdays) == expected


# ---------------------------------------------------------------------------------------
# Suggested return date
# ---------------------------------------------------------------------------------------


def test_no_suggestion_is_possible_when_the_court_does_not_sit_within_max_days() -> None:
    with pytest.raises(ValueError):
        suggest_return_date(date(2030, 12, 18), [WED], max_days=6)
    with pytest.raises(ValueError):
        suggest_return_date(date(2030, 12, 18), [WED], max_days=0)


def test_a_shorter_maximum_gives_an_earlier_suggestion() -> None:
    assert suggest_return_date(date(2030, 11, 27), [WED], max_days=14) == date(2030, 12, 11)


@property_test
@given(court_date=dates, weekdays=any_weekdays)
def test_the_suggested_return_date_is_the_latest_sitting_day_within_28_days(
    court_date: date, weekdays: frozenset[int]
) -> None:
    suggested = suggest_return_date(court_date, weekdays)
    limit = court_date + timedelta(days=28)
    assert court_date < suggested <= limit
    assert oracle_sitting_day(suggested, weekdays)
    later_days = days_from(suggested, limit)[1:]
    assert not any(oracle_sitting_day(d, weekdays) for d in later_days)


@property_test
@given(court_date=dates, weekdays=any_weekdays)
def test_the_suggested_return_date_passes_validation_without_warnings(
    court_date: date, weekdays: frozenset[int]
) -> None:
    suggested = suggest_return_date(court_date, weekdays)
    check = validate_return_date(
        court_date=court_date, return_date=suggested, sitting_weekdays=weekdays
    )
    assert check == ReturnDateCheck(errors=[], warnings=[])


# ---------------------------------------------------------------------------------------
# Working-day arithmetic
# ---------------------------------------------------------------------------------------


def test_adding_zero_working_days_leaves_the_day_unchanged_even_at_a_weekend() -> None:
    assert add_working_days(date(2026, 6, 13), 0) == date(2026, 6, 13)


def test_counting_back_two_working_days_skips_the_weekend() -> None:
    assert add_working_days(date(2026, 6, 16), -2) == date(2026, 6, 12)  # Tue -> Fri


def test_working_days_between_counts_the_end_but_not_the_start() -> None:
    monday, friday = date(2026, 6, 15), date(2026, 6, 19)
    assert working_days_between(monday, friday) == 4
    assert working_days_between(monday, monday) == 0
    assert working_days_between(date(2026, 6, 12), monday) == 1  # Fri -> Mon


def test_working_days_between_is_zero_when_the_end_has_passed() -> None:
    assert working_days_between(date(2026, 6, 19), date(2026, 6, 15)) == 0


@property_test
@given(day=dates, n=st.integers(min_value=1, max_value=40))
def test_adding_n_working_days_lands_n_working_days_later(day: date, n: int) -> None:
    result = add_working_days(day, n)
    assert result > day
    assert oracle_working_day(result)
    assert sum(oracle_working_day(d) for d in days_from(day, result)[1:]) == n
    assert working_days_between(day, result) == n


@property_test
@given(day=dates, n=st.integers(min_value=1, max_value=40))
def test_subtracting_n_working_days_lands_n_working_days_earlier(day: date, n: int) -> None:
    result = add_working_days(day, -n)
    assert result < day
    assert oracle_working_day(result)
    assert sum(oracle_working_day(d) for d in days_from(result, day)[:-1]) == n


@property_test
@given(start=dates, first=st.integers(0, 40), second=st.integers(0, 40))
def test_working_days_between_adds_up_over_consecutive_ranges(
    start: date, first: int, second: int
) -> None:
    middle = start + timedelta(days=first)
    end = middle + timedelta(days=second)
    whole = working_days_between(start, end)
    assert whole == working_days_between(start, middle) + working_days_between(middle, end)
    assert whole == sum(oracle_working_day(d) for d in days_from(start, end)[1:])


# ---------------------------------------------------------------------------------------
# Last appointment date
# ---------------------------------------------------------------------------------------


def test_a_lead_of_three_working_days_counts_back_over_christmas_2026() -> None:
    assert last_appointment_date(date(2026, 12, 30), report_lead_working_days=3) == date(
        2026, 12, 23
    )


def test_a_lead_of_zero_working_days_makes_the_return_date_the_last_appointment_date() -> None:
    assert last_appointment_date(date(2026, 12, 30), report_lead_working_days=0) == date(
        2026, 12, 30
    )


def test_a_negative_report_lead_is_refused() -> None:
    with pytest.raises(ValueError):
        last_appointment_date(date(2026, 12, 30), report_lead_working_days=-1)


@property_test
@given(court_date=dates, weekdays=weekday_courts, lead=st.integers(min_value=1, max_value=5))
def test_the_last_appointment_date_is_a_working_day_lead_working_days_before_the_return_date(
    court_date: date, weekdays: frozenset[int], lead: int
) -> None:
    return_date = suggest_return_date(court_date, weekdays)
    last = last_appointment_date(return_date, report_lead_working_days=lead)
    assert last < return_date
    assert oracle_working_day(last)
    assert sum(oracle_working_day(d) for d in days_from(last, return_date)[:-1]) == lead


# ---------------------------------------------------------------------------------------
# Report due time across clock changes
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("return_date", "expected_due"),
    [
        # Winter (GMT): 12:00 London is 12:00 UTC.
        pytest.param(date(2027, 1, 13), utc(2027, 1, 12, 12, 0), id="winter-gmt"),
        # Clocks go forward Sun 29 Mar 2026.
        pytest.param(date(2026, 3, 30), utc(2026, 3, 27, 12, 0), id="2026-03-due-before-change"),
        pytest.param(date(2026, 4, 1), utc(2026, 3, 31, 11, 0), id="2026-03-due-after-change"),
        # Clocks go back Sun 25 Oct 2026.
        pytest.param(date(2026, 10, 26), utc(2026, 10, 23, 11, 0), id="2026-10-due-before"),
        pytest.param(date(2026, 10, 27), utc(2026, 10, 26, 12, 0), id="2026-10-due-after"),
        # Clocks go forward Sun 28 Mar 2027, the Easter weekend: return Tue 30 Mar skips
        # Easter Monday and Good Friday back to Thu 25 Mar, still GMT.
        pytest.param(date(2027, 3, 30), utc(2027, 3, 25, 12, 0), id="2027-03-over-easter"),
        pytest.param(date(2027, 3, 31), utc(2027, 3, 30, 11, 0), id="2027-03-due-after"),
        # Clocks go back Sun 31 Oct 2027.
        pytest.param(date(2027, 11, 1), utc(2027, 10, 29, 11, 0), id="2027-10-due-before"),
        pytest.param(date(2027, 11, 3), utc(2027, 11, 2, 12, 0), id="2027-10-due-after"),
    ],
)
def test_the_report_is_due_at_noon_london_time_on_the_working_day_before_the_return_date(
    return_date: date, expected_due: datetime
) -> None:
    due = report_due_at(return_date)
    assert due == expected_due
    assert due.utcoffset() == timedelta(0)
    assert due.astimezone(LONDON).time() == time(12, 0)


def test_a_court_can_set_its_own_report_due_time() -> None:
    assert report_due_at(date(2026, 4, 1), due_time=time(16, 30)) == utc(2026, 3, 31, 15, 30)


def test_a_report_due_time_with_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError):
        report_due_at(date(2026, 4, 1), due_time=time(12, 0, tzinfo=UTC))


@property_test
@given(
    return_date=dates,
    due_time=st.times(min_value=time(7, 0), max_value=time(19, 0)),
)
def test_the_report_due_instant_is_due_time_in_london_on_the_previous_working_day(
    return_date: date, due_time: time
) -> None:
    due = report_due_at(return_date, due_time=due_time)
    assert due.tzinfo is not None
    assert due.utcoffset() == timedelta(0)
    local = due.astimezone(ZoneInfo("Europe/London"))
    assert local.time() == due_time
    assert local.date() < return_date
    assert oracle_working_day(local.date())
    between = days_from(local.date(), return_date)[1:-1]
    assert not any(oracle_working_day(d) for d in between)
    assert local.utcoffset() in (timedelta(0), timedelta(hours=1))


# ---------------------------------------------------------------------------------------
# Days left
# ---------------------------------------------------------------------------------------


def test_on_the_last_day_itself_one_day_is_left() -> None:
    assert days_left(date(2026, 12, 24), date(2026, 12, 24)) == 1


def test_the_day_before_the_last_day_two_days_are_left() -> None:
    assert days_left(date(2026, 12, 23), date(2026, 12, 24)) == 2


def test_after_the_last_day_no_days_are_left() -> None:
    assert days_left(date(2026, 12, 25), date(2026, 12, 24)) == 0
    assert days_left(date(2027, 6, 1), date(2026, 12, 24)) == 0


@property_test
@given(today=dates, last_day=dates)
def test_days_left_is_zero_exactly_when_the_last_day_has_passed(
    today: date, last_day: date
) -> None:
    left = days_left(today, last_day)
    assert (left == 0) == (today > last_day)
    if today <= last_day:
        assert left == len(days_from(today, last_day))


# ---------------------------------------------------------------------------------------
# Weekday names
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekdays", "expected"),
    [
        ([WED], "Wednesday"),
        ([THU, TUE], "Tuesday and Thursday"),
        ([FRI, MON, WED], "Monday, Wednesday and Friday"),
        ([SUN, SAT], "Saturday and Sunday"),
    ],
)
def test_weekday_names_are_listed_in_week_order_in_plain_english(
    weekdays: list[int], expected: str
) -> None:
    assert weekday_names(weekdays) == expected


def test_naming_no_weekdays_is_refused() -> None:
    with pytest.raises(ValueError):
        weekday_names([])


# ---------------------------------------------------------------------------------------
# Validating the return date the court set
# ---------------------------------------------------------------------------------------

COURT_2030 = date(2030, 11, 27)  # a Wednesday


def test_a_sitting_day_within_28_days_is_accepted_without_warnings() -> None:
    check = validate_return_date(
        court_date=COURT_2030, return_date=date(2030, 12, 18), sitting_weekdays=[WED]
    )
    assert check == ReturnDateCheck(errors=[], warnings=[])
    assert check.ok


def test_a_return_date_on_the_court_date_is_refused() -> None:
    check = validate_return_date(
        court_date=COURT_2030, return_date=COURT_2030, sitting_weekdays=[WED]
    )
    assert check.errors == ["Return date must be after the court date"]
    assert check.warnings == []
    assert not check.ok


def test_a_return_date_before_the_court_date_is_refused() -> None:
    check = validate_return_date(
        court_date=COURT_2030, return_date=date(2030, 11, 20), sitting_weekdays=[WED]
    )
    assert check.errors == ["Return date must be after the court date"]


def test_a_return_date_on_a_day_the_court_does_not_sit_is_refused_naming_the_sitting_days() -> None:
    check = validate_return_date(
        court_date=COURT_2030, return_date=date(2030, 12, 19), sitting_weekdays=[WED]
    )
    assert check.errors == ["Return date must be a day the court sits: Wednesday"]
    assert check.warnings == []


def test_a_court_sitting_two_days_names_both_in_the_error() -> None:
    check = validate_return_date(
        court_date=date(2027, 11, 30), return_date=date(2027, 12, 22), sitting_weekdays=[THU, TUE]
    )
    assert check.errors == ["Return date must be a day the court sits: Tuesday and Thursday"]


def test_a_return_date_on_christmas_day_2030_is_refused_as_a_bank_holiday() -> None:
    check = validate_return_date(
        court_date=COURT_2030, return_date=date(2030, 12, 25), sitting_weekdays=[WED]
    )
    assert check.errors == ["25 December 2030 is a bank holiday; the court does not sit"]
    assert check.warnings == []


def test_a_return_date_on_the_boxing_day_substitute_is_refused_as_a_bank_holiday() -> None:
    check = validate_return_date(
        court_date=date(2027, 11, 30), return_date=date(2027, 12, 28), sitting_weekdays=[TUE, THU]
    )
    assert check.errors == ["28 December 2027 is a bank holiday; the court does not sit"]


def test_a_return_date_more_than_28_days_away_is_accepted_with_a_warning() -> None:
    check = validate_return_date(
        court_date=COURT_2030, return_date=date(2031, 1, 8), sitting_weekdays=[WED]
    )
    assert check.errors == []
    assert check.warnings == [
        "Return date is more than 28 days after the court date. Check the date the court set."
    ]
    assert check.ok


def test_a_bank_holiday_more_than_28_days_away_gets_both_the_error_and_the_warning() -> None:
    check = validate_return_date(
        court_date=COURT_2030, return_date=date(2031, 1, 1), sitting_weekdays=[WED]
    )
    assert check.errors == ["1 January 2031 is a bank holiday; the court does not sit"]
    assert len(check.warnings) == 1


def test_the_warning_uses_the_maximum_the_caller_gives() -> None:
    check = validate_return_date(
        court_date=COURT_2030,
        return_date=date(2030, 12, 18),
        sitting_weekdays=[WED],
        max_days=14,
    )
    assert check.errors == []
    assert check.warnings == [
        "Return date is more than 14 days after the court date. Check the date the court set."
    ]


@property_test
@given(
    court_date=dates,
    offset=st.integers(min_value=-10, max_value=60),
    weekdays=any_weekdays,
)
def test_a_return_date_is_refused_exactly_when_it_is_not_a_later_sitting_day(
    court_date: date, offset: int, weekdays: frozenset[int]
) -> None:
    return_date = court_date + timedelta(days=offset)
    check = validate_return_date(
        court_date=court_date, return_date=return_date, sitting_weekdays=weekdays
    )
    acceptable = offset > 0 and oracle_sitting_day(return_date, weekdays)
    assert (check.errors == []) == acceptable
    assert len(check.errors) <= 1
    assert (check.warnings != []) == (offset > 28)


# ---------------------------------------------------------------------------------------
# The case window
# ---------------------------------------------------------------------------------------


def test_a_case_window_uses_the_court_report_lead_and_due_time() -> None:
    window = case_window(
        court_date=date(2026, 3, 4),
        return_date=date(2026, 4, 1),
        report_lead_working_days=3,
        report_due_time=time(10, 0),
    )
    assert window.last_appointment_date == date(2026, 3, 27)
    assert window.report_due_at == utc(2026, 3, 31, 9, 0)  # 10:00 BST


def test_a_case_window_keeps_a_return_date_more_than_28_days_away_unchanged() -> None:
    window = case_window(court_date=COURT_2030, return_date=date(2031, 1, 8))
    assert window.return_date == date(2031, 1, 8)
    assert window.court_date == COURT_2030


def test_a_case_window_uses_recorded_dates_even_after_the_court_changes_its_sitting_days() -> None:
    # The court sat on Wednesdays when the dates were recorded; a window never refuses them.
    window = case_window(court_date=date(2030, 11, 27), return_date=date(2030, 12, 18))
    assert window.last_appointment_date == date(2030, 12, 16)


def test_windows_and_checks_cannot_be_changed_after_they_are_made() -> None:
    window = case_window(court_date=date(2026, 12, 2), return_date=date(2026, 12, 30))
    with pytest.raises(dataclasses.FrozenInstanceError):
        window.return_date = date(2027, 1, 6)  # type: ignore[misc]
    check = ReturnDateCheck(errors=[], warnings=[])
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.errors = ["x"]  # type: ignore[misc]
