"""The monitoring summary (diversion.monitoring.summary): a report read from the counts per
day is the report counted live, whichever days the summary holds, for the partnership and
one organisation, with either reminder; days are London's across the clock changes; the
answers are hers as of the period's last day even when a record comes after the count; the
job counts again when due; key rotation empties it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import literal, select

from diversion import clock
from diversion.db import UTCDateTime, db, london_day
from diversion.models import AppointmentStatus, MonitoringRecord, MonitoringSummary
from diversion.monitoring import queries, summary
from diversion.monitoring.queries import Period
from diversion.monitoring.report import Report, build_report
from diversion.privacy.keys import rotate_keys
from tests.conftest import World
from tests.diversion.monitoring.seeded import FIRST, LAST, Seeded, seed
from tests.diversion.monitoring.test_report import statements
from tests.factories import Factory

PERIOD = Period(FIRST, LAST)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def seeded(make: Factory, world: World) -> Seeded:
    return seed(make, world)


def figures(report: Report) -> tuple[object, ...]:
    """Everything a reader of the report sees, without when it was counted."""
    return (report.organisations, report.sections, report.effect)


def reports(app: Flask, scopes: Sequence[Sequence[int] | None], period: Period = PERIOD) -> list:
    with app.app_context():
        return [
            figures(build_report(scope=scope, period=period, any_reminder=any_reminder))
            for scope in scopes
            for any_reminder in (False, True)
        ]


def build(app: Flask, now: datetime) -> None:
    with app.app_context():
        summary.build_summary(now=now)


@pytest.mark.parametrize(
    "counted",
    [
        # After the period and after the record dated 2 July: every day of it from the summary,
        # one woman's answers counted again as of 30 June.
        datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        # Part-way through: days to 9 April from the summary, the rest live.
        datetime(2026, 4, 10, 12, 0, tzinfo=UTC),
        # On the period's last day, just after midnight in London (23:05 UTC on 29 June).
        datetime(2026, 6, 29, 23, 5, tzinfo=UTC),
        # Before the period: nothing of it in the summary.
        datetime(2025, 12, 1, 12, 0, tzinfo=UTC),
    ],
)
def test_a_report_from_the_summary_is_the_report_counted_live(
    app: Flask, seeded: Seeded, counted: datetime
) -> None:
    scopes = [None, [seeded.riverside.id], [seeded.elsewhere.id]]
    live = reports(app, scopes)

    build(app, counted)

    assert reports(app, scopes) == live
    with app.app_context():
        report = build_report(scope=None, period=PERIOD)
    through = counted.astimezone(LONDON).date() - timedelta(days=1)
    if through >= FIRST:
        assert report.counted_at == counted
        assert report.through_day == min(through, LAST)
    else:
        assert report.counted_at is None


def test_periods_inside_the_summary_are_counted_as_live(app: Flask, seeded: Seeded) -> None:
    periods = [
        Period(date(2026, 3, 1), date(2026, 3, 31)),  # a whole month: its month row
        Period(date(2025, 11, 1), LAST),
        Period(date(2026, 2, 10), date(2026, 5, 20)),  # days, whole months, days
        Period(date(2026, 3, 5), date(2026, 3, 20)),  # days only
        Period(date(2026, 6, 30), date(2026, 6, 30)),  # one day (30 June, 23:30 BST)
    ]
    live = [reports(app, [None], period) for period in periods]

    build(app, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))

    assert [reports(app, [None], period) for period in periods] == live


def test_a_record_written_after_the_count_moves_her_answers_at_once(
    app: Flask, seeded: Seeded, make: Factory
) -> None:
    build(app, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    record = make.session.scalars(
        select(MonitoringRecord).where(MonitoringRecord.recorded_on <= LAST).limit(1)
    ).one()
    # Written after the count, dated inside the period: it is her latest as of 30 June.
    make.session.add(
        MonitoringRecord(
            client_id=record.client_id,
            organisation_id=record.organisation_id,
            case_id=record.case_id,
            recorded_on=date(2026, 6, 1),
            recorded_by_id=record.recorded_by_id,
            recorded_at=datetime(2026, 12, 3, 10, 0, tzinfo=UTC),
            work_pattern="online",
            contacts="none",
            housing_status="homeless",
            known_previously="yes",
            age_band="35_44",
            ethnicity="mixed_other",
            drug_use="alcohol",
        )
    )
    make.session.commit()
    from_summary = reports(app, [None])

    with app.app_context():
        summary.forget_summary()
        db.session.commit()
    assert from_summary == reports(app, [None])


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        # The March change (29 March 2026, 01:00 UTC): 23:30 UTC is the same day before it,
        # the next day after it.
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 28)),
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), date(2026, 3, 29)),
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), date(2026, 3, 30)),
        # The October change (25 October 2026, 01:00 UTC).
        (datetime(2026, 10, 24, 23, 0, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 26, 0, 0, tzinfo=UTC), date(2026, 10, 26)),
        # A bank holiday is a day like any other here.
        (datetime(2026, 12, 24, 23, 59, tzinfo=UTC), date(2026, 12, 24)),
    ],
)
def test_the_day_of_an_instant_is_london_s_across_the_clock_changes(
    app: Flask, instant: datetime, day: date
) -> None:
    assert instant.astimezone(LONDON).date() == day
    with app.app_context():
        found = db.session.scalar(select(london_day(literal(instant, UTCDateTime()))))
    assert found == day


def test_the_summary_counts_an_evening_session_on_its_london_day(
    app: Flask, make: Factory, world: World
) -> None:
    case = make.case(client=make.client(organisation=world.project), court=world.court)
    venue = make.venue(organisation=world.project)
    for starts in (
        datetime(2026, 3, 29, 22, 30, tzinfo=UTC),  # 23:30 BST, 29 March
        datetime(2026, 3, 29, 23, 30, tzinfo=UTC),  # 00:30 BST, 30 March
        datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # 23:30 GMT, 25 October
    ):
        make.appointment(
            case=case,
            venue=venue,
            worker=world.worker,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            status=AppointmentStatus.ATTENDED,
        )
    build(app, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))

    with app.app_context():
        rows = db.session.execute(
            select(MonitoringSummary.grain, MonitoringSummary.day, MonitoringSummary.c1).where(
                MonitoringSummary.measure == "session"
            )
        ).all()
    assert sorted(rows) == [
        ("day", date(2026, 3, 29), 1),
        ("day", date(2026, 3, 30), 1),
        ("day", date(2026, 10, 25), 1),
        # Whole months to 30 November: March's two, and October's one.
        ("month", date(2026, 3, 1), 2),
        ("month", date(2026, 10, 1), 1),
    ]


def test_a_report_from_the_summary_runs_a_fixed_few_queries(app: Flask, seeded: Seeded) -> None:
    assert statements(app, PERIOD) == queries.QUERIES
    build(app, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    assert statements(app, PERIOD) == summary.SUMMED_QUERIES
    assert statements(app, Period(FIRST, date(2026, 12, 3))) == (
        summary.SUMMED_QUERIES + summary.TAIL_QUERIES
    )


def test_the_summary_is_due_when_never_counted_an_hour_old_or_a_day_behind(
    app: Flask, world: World
) -> None:
    now = datetime(2026, 10, 25, 23, 30, tzinfo=UTC)  # 23:30 in London, 25 October
    with app.app_context():
        assert summary.due(None, now=now)
        run = summary.build_summary(now=now)
        assert run.through_day == date(2026, 10, 24)
        assert not summary.due(run, now=now + timedelta(minutes=29))
        # Midnight in London: 24 October is no longer the last whole day.
        assert summary.due(run, now=now + timedelta(minutes=31))
        assert summary.due(run, now=now + summary.REFRESH)


def test_the_job_counts_when_due_and_only_then(app: Flask, world: World) -> None:
    with app.app_context():
        summary.summary_job()
        first = summary.latest_run()
        assert first is not None
        assert first.through_day == clock.now().astimezone(LONDON).date() - timedelta(days=1)
        summary.summary_job()
        assert summary.latest_run() == first


def test_rotating_the_keys_empties_the_summary(app: Flask, seeded: Seeded) -> None:
    build(app, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    with app.app_context():
        assert db.session.scalar(select(MonitoringSummary.id).limit(1)) is not None
        rotate_keys()
        assert summary.latest_run() is None
        assert db.session.scalar(select(MonitoringSummary.id).limit(1)) is None
        assert build_report(scope=None, period=PERIOD).counted_at is None
