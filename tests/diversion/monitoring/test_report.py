"""The monitoring report against the hand-counted data set of tests/diversion/monitoring/
seeded.py: every table's counts, every figure shown (or hidden), the comparison of the texts,
the breakdowns by monitoring answer, and the fixed number of queries."""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import pytest
from flask import Flask
from sqlalchemy import event

import notifications.dispatcher
from diversion.db import db
from diversion.monitoring import queries
from diversion.monitoring.queries import Period
from diversion.monitoring.report import Report, build_report
from diversion.monitoring.stats import proportion, verdict
from diversion.monitoring.suppression import THRESHOLD, Grid, Suppression
from diversion.monitoring.tables import Table
from tests.conftest import World
from tests.diversion.monitoring.seeded import (
    EXPECTED,
    EXPECTED_ANSWERS,
    EXPECTED_ANY_REMINDERS,
    EXPECTED_ANY_WORDINGS,
    EXPECTED_RIVERSIDE,
    FIRST,
    LAST,
    ORDERS,
    Seeded,
    seed,
)
from tests.diversion.monitoring.test_suppression import assert_safe
from tests.factories import Factory

PERIOD = Period(FIRST, LAST)


@pytest.fixture
def seeded(make: Factory, world: World) -> Seeded:
    return seed(make, world)


def report_of(app: Flask, scope: Sequence[int] | None, *, any_reminder: bool = False) -> Report:
    with app.app_context():
        return build_report(scope=scope, period=PERIOD, any_reminder=any_reminder)


def with_margins(grid: list[list[int]], table: Table) -> list[list[int | None]]:
    """The grid as the table publishes it: each row with its total, then the total row."""
    spec = table.spec
    rows: list[list[int | None]] = [
        [*row, sum(row)] if spec.row_totals else list(row) for row in grid
    ]
    if spec.column_totals:
        totals = [sum(column) for column in zip(*grid, strict=True)]
        rows.append([*totals, sum(totals)] if spec.row_totals else totals)
    return rows


def shown(table: Table) -> list[list[int | None]]:
    return [[figure.value for figure in line.counts] for line in table.lines]  # type: ignore[misc]


def check_table(table: Table, grid: list[list[int]]) -> None:
    """The table counts what the hand counts say, and shows each figure or hides it:
    every count under 5 hidden, every shown one right, and none of the hidden ones
    recoverable from the rest (the attackers of test_suppression)."""
    assert [list(row) for row in table.spec.counts] == grid, table.key
    expected = with_margins(grid, table)
    published = shown(table)
    assert len(published) == len(expected), table.key
    for i, (row, line) in enumerate(zip(expected, table.lines, strict=True)):
        for j, (value, figure) in enumerate(zip(row, line.counts, strict=True)):
            assert value is not None
            if figure.value is None:
                assert figure.text in (f"fewer than {THRESHOLD}", "not shown"), (table.key, i, j)
                assert (figure.text == f"fewer than {THRESHOLD}") == (value < THRESHOLD)
            else:
                assert value >= THRESHOLD and figure.value == value, (table.key, i, j)
    assert_safe(rebuilt(table))


def rebuilt(table: Table) -> Suppression:
    """The table's suppression as a reader sees it, for the attackers."""
    grid = Grid(
        tuple(tuple(row) for row in table.spec.counts),
        row_totals=table.spec.row_totals,
        column_totals=table.spec.column_totals,
    )
    primary, secondary = set(), set()
    for i, line in enumerate(table.lines):
        for j, figure in enumerate(line.counts):
            if figure.value is None:
                (primary if figure.text.startswith("fewer") else secondary).add((i, j))
    return Suppression(grid, grid.values(), frozenset(primary), frozenset(secondary))


def answer_rows(table: Table) -> dict[str, tuple[int, ...]]:
    return {
        label: tuple(row)
        for label, row in zip(table.spec.rows, table.spec.counts, strict=True)
        if any(row)
    }


def test_every_figure_of_the_partnership_report_matches_the_hand_counts(
    app: Flask, seeded: Seeded
) -> None:
    report = report_of(app, None)
    tables = report.tables

    assert [name for _, name in report.organisations] == [
        seeded.elsewhere.name,
        seeded.riverside.name,
    ]
    assert tables["referrals-by-order"].spec.rows == ORDERS
    for key, grid in EXPECTED.items():
        check_table(tables[key], grid)
    for key, rows in EXPECTED_ANSWERS.items():
        assert answer_rows(tables[key]) == rows, key
        check_table(tables[key], [list(row) for row in tables[key].spec.counts])
    for key in tables:
        assert_safe(rebuilt(tables[key]))


def test_derived_figures_are_worked_out_from_shown_counts_only(app: Flask, seeded: Seeded) -> None:
    tables = report_of(app, None).tables

    by_order = tables["referrals-by-order"]
    court = by_order.lines[1]  # court diversion: 12 accepted, 7 declined
    assert court.label == "Court diversion (extended bail)"
    assert [f.text for f in court.derived] == ["19", "63.2%"]
    # The caution row's counts are all under 5: nothing worked out from them is shown.
    assert [f.text for f in by_order.lines[0].derived] == ["not shown", "not shown"]
    attendance = tables["attendance-by-organisation"].lines
    # Riverside: 24 missed of 65; the partnership: 36 of 93.
    assert attendance[1].derived[0].text == "36.9%"
    assert attendance[2].derived[0].text == "38.7%"
    # Riverside's texts: 32 delivered, 0 sent without a receipt, 16 failed. Her 0 is hidden,
    # and with it what would give it away; so is every figure worked out from them. The
    # partnership's: 40 delivered of 66 sent or tried.
    riverside, total = tables["texts"].lines[1], tables["texts"].lines[2]
    assert riverside.counts[1].text == "fewer than 5"
    assert [f.text for f in riverside.derived] == ["not shown", "not shown"]
    assert [f.text for f in total.derived] == ["66", "60.6%"]


def test_the_texts_comparison_uses_the_shown_counts_and_says_only_what_they_allow(
    app: Flask, seeded: Seeded
) -> None:
    effect = report_of(app, None).effect

    delivered, not_reached = effect.groups[0], effect.groups[1]
    assert (delivered.attendance.successes, delivered.attendance.trials) == (26, 36)  # type: ignore[union-attr]
    # Failed 10 of 16, opted out 5 of 10, not sent 6 of 11.
    assert (not_reached.attendance.successes, not_reached.attendance.trials) == (21, 37)  # type: ignore[union-attr]
    assert effect.sentence == verdict(
        proportion(26, 36),
        proportion(21, 37),
        reached_words="when the reminder was delivered",
        other_words="when it did not reach her",
    )
    assert effect.sentence.startswith("These figures cannot show a difference")
    # Every other group is under 30 appointments: too few to compare.
    assert [group.difference for group in effect.groups[2:]] == [None, None, None]
    assert not_reached.difference is not None and not_reached.difference.spans_zero
    # The second wording's 2 missed is hidden: no rate, no comparison, no claim.
    assert [group.label for group in effect.wordings] == [
        "English, discreet wording (version aaaa1111)",
        "English, plainer wording (version bbbb2222)",
    ]
    assert effect.wordings[1].attendance is None
    assert effect.wording_sentence.startswith("The numbers are too small to say anything")


def test_any_reminder_counts_the_two_hours_reminder_too(app: Flask, seeded: Seeded) -> None:
    report = report_of(app, None, any_reminder=True)

    check_table(report.tables["reminders"], EXPECTED_ANY_REMINDERS)
    check_table(report.tables["wordings"], EXPECTED_ANY_WORDINGS)
    assert report.tables["reminders"].spec.caption == "Attendance by what became of any reminder"


def test_a_managers_report_counts_her_organisation_only(app: Flask, seeded: Seeded) -> None:
    report = report_of(app, [seeded.riverside.id])
    tables = report.tables

    assert not report.partnership
    assert "referrals-by-organisation" not in tables
    for key, grid in EXPECTED_RIVERSIDE.items():
        check_table(tables[key], grid)
    # One organisation: no total row repeating its one row.
    assert [line.label for line in tables["texts"].lines] == [seeded.riverside.name]


def statements(app: Flask, period: Period = PERIOD) -> int:
    """The SQL statements one report over `period` sends."""
    with app.app_context():
        seen: list[str] = []

        def count(*_args: object) -> None:
            seen.append("sql")

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            build_report(scope=None, period=period)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)


def test_the_report_runs_the_same_few_queries_however_much_data(
    app: Flask, make: Factory, world: World
) -> None:
    empty = statements(app)
    seed(make, world)
    assert statements(app) == empty == queries.QUERIES


def test_the_opted_out_reason_is_the_dispatchers() -> None:
    """The report tells "not sent: she had opted out" by the dispatcher's reason."""
    assert f'"{queries.OPTED_OUT_REASON}"' in inspect.getsource(notifications.dispatcher)
