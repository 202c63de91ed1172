"""The monitoring report (domain.md, "Monitoring"): one organisation's figures for its
managers, or the partnership's, by organisation and in total, for commissioners and managers.

Over a period: referrals (cases opened) and where each stands (accepted, declined, not
eligible, no decision), sessions attended and missed, compliance outcomes of the reports
signed off, the texts and what became of them, the replies, whether the reminders go with
better attendance, and the referrals and attendance by each monitoring answer (her latest
record as of the period's last day). Every table is suppressed (diversion.monitoring.tables)
before anything reads it: a page, a chart, a CSV or the comparison of the texts.

`build_report` runs a fixed number of queries (diversion.monitoring.queries.QUERIES),
whatever the size of the data, and opens only the distinct sealed answers.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from diversion.monitoring import queries
from diversion.monitoring.answers import NOT_RECORDED, answer_tables
from diversion.monitoring.effect import REMINDER_ROWS, Effect, effect_of, wording_words
from diversion.monitoring.queries import Period, Scope, Sessions
from diversion.monitoring.summary import Counted, gather
from diversion.monitoring.tables import Derived, Spec, Table, grid_of, publish

log = logging.getLogger(__name__)

DECISIONS = (
    ("accepted", "Accepted"),
    ("declined", "Declined"),
    ("not_eligible", "Not eligible"),
    ("no_decision", "No decision recorded"),
)
COMPLIANCE = (
    ("complied", "Complied"),
    ("not_complied", "Not complied"),
    ("in_progress", "In progress"),
    ("withdrawn_or_declined", "Withdrawn or declined"),
    ("closed", "Closed"),
)
TEXT_OUTCOMES = (
    ("delivered", "Delivered"),
    ("sent", "Sent, no delivery receipt"),
    ("failed", "Failed"),
    ("opted_out", "Not sent: she had opted out"),
    ("not_sent", "Not sent: another reason"),
)
REPLIES = (
    ("confirmed", "Confirmed (Y)"),
    ("opted_out", "Opted out"),
    ("opted_in", "Opted back in"),
    ("inbox", "Other replies"),
)
ATTENDANCE = (("attended", "Attended"), ("did_not_attend", "Did not attend"))


@dataclass(frozen=True)
class Section:
    """A heading of the report with its tables."""

    key: str
    heading: str
    intro: str
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class Report:
    """Everything the report page, its charts and its CSV downloads show."""

    period: Period
    partnership: bool
    organisations: tuple[tuple[int, str], ...]
    sections: tuple[Section, ...]
    effect: Effect
    any_reminder: bool
    # When the summary the report read was counted, and the last day read from it (None:
    # every figure was counted as the report was made).
    counted_at: datetime | None = None
    through_day: date | None = None

    @property
    def tables(self) -> dict[str, Table]:
        return {table.key: table for section in self.sections for table in section.tables}


def _margins(
    prefix: str, columns: Sequence[str], rows: int, total: str
) -> dict[tuple[int, int], str]:
    """The shared keys of a table's column totals and grand total."""
    shared = {(rows, j): f"{prefix}:{key}" for j, key in enumerate(columns)}
    shared[(rows, len(columns))] = total
    return shared


def _by(
    *,
    key: str,
    caption: str,
    row_heading: str,
    rows: Sequence[tuple[object, str]],
    columns: Sequence[tuple[str, str]],
    counts: dict[tuple[object, str], int],
    prefix: str,
    total: str,
    total_column: str,
    derived: tuple[Derived, ...] = (),
    note: str = "",
    chart: str = "0",
    chart_title: str = "",
) -> Spec:
    """A table of rows (organisations or orders) by columns, with both margins; one row
    alone has no total row (it would repeat the row)."""
    column_keys = [c for c, _ in columns]
    several = len(rows) > 1
    return Spec(
        key=key,
        caption=caption,
        row_heading=row_heading,
        rows=tuple(label for _, label in rows),
        columns=tuple(label for _, label in columns),
        counts=grid_of(counts, [r for r, _ in rows], column_keys),
        column_totals=several,
        total_column=total_column,
        derived=derived,
        shared=_margins(prefix, column_keys, len(rows), total) if several else {},
        note=note,
        chart=chart,
        chart_title=chart_title,
    )


def _reminders(sessions: list[Sessions], *, any_reminder: bool) -> list[Spec]:
    counts: Counter[tuple[object, str]] = Counter()
    by_wording: Counter[tuple[str, str]] = Counter()
    for line in sessions:
        counts[(line.reminder, line.status)] += line.count
        if line.reminder == "delivered":
            by_wording[(line.wording or "", line.status)] += line.count
    rows = list(REMINDER_ROWS)
    status_keys = [key for key, _ in ATTENDANCE]
    shared = _margins("attendance", status_keys, len(rows), "sessions")
    shared.update({(0, j): f"delivered:{key}" for j, key in enumerate(status_keys)})
    shared[(0, 2)] = "delivered"
    which = "any reminder" if any_reminder else "the day-before reminder"
    attendance_rate = (Derived("Attendance rate", (0,), (2,)),)
    specs = [
        _by(
            key="reminders",
            caption=f"Attendance by what became of {which}",
            row_heading="Reminder",
            rows=rows,
            columns=ATTENDANCE,
            counts=dict(counts),
            prefix="attendance",
            total="sessions",
            total_column="Sessions",
            derived=attendance_rate,
            chart="derived:0",
            chart_title=f"Attendance rate by what became of {which}",
        )
    ]
    specs[0] = replace(specs[0], shared=shared)
    wordings = sorted({wording for wording, _ in by_wording})
    if wordings:
        word_rows = [(w, wording_words(w) if w else "Wording not recorded") for w in wordings]
        shared_words = {
            (len(word_rows), j): f"delivered:{key}" for j, key in enumerate(status_keys)
        }
        shared_words[(len(word_rows), 2)] = "delivered"
        specs.append(
            Spec(
                key="wordings",
                caption="Attendance by the wording of the delivered reminder",
                row_heading="Wording",
                rows=tuple(words for _, words in word_rows),
                columns=tuple(words for _, words in ATTENDANCE),
                counts=grid_of(dict(by_wording), [w for w, _ in word_rows], status_keys),
                total_column="Sessions",
                total_row="All delivered",
                derived=attendance_rate,
                shared=shared_words,
                chart="derived:0",
                chart_title="Attendance rate by wording",
            )
        )
    return specs


@dataclass(frozen=True)
class _Draft:
    """A section before its tables are published."""

    key: str
    heading: str
    intro: str
    specs: tuple[Spec, ...]


def _headline(
    scope: Scope,
    period: Period,
    rows: list[tuple[int, str]],
    order_list: list[queries.Order],
    counted: Counted,
) -> list[_Draft]:
    """Referrals, attendance, compliance, texts and replies: by order, and for the
    partnership by organisation too."""
    partnership = scope is None
    orders = [(order.id, order.name) for order in order_list]
    referrals = counted.referrals
    attendance = [
        (line.organisation_id, line.requirement_type_id, line.status, line.count)
        for line in counted.sessions
    ]
    compliance = queries.compliance_counts(scope, period)
    by_org: dict[str, Counter[tuple[object, str]]] = {}
    by_order: dict[str, Counter[tuple[object, str]]] = {}
    for name, found in (
        ("referrals", referrals),
        ("attendance", attendance),
        ("compliance", compliance),
    ):
        by_org[name], by_order[name] = Counter(), Counter()
        for org, order, column, n in found:
            by_org[name][(org, column)] += n
            by_order[name][(order, column)] += n
    texts: Counter[tuple[object, str]] = Counter()
    for org, outcome, n in counted.texts:
        texts[(org, outcome)] += n
    replies: Counter[tuple[object, str]] = Counter()
    for org, action, n in counted.replies:
        replies[(org, action)] += n

    def both(name: str, **kwargs: Any) -> tuple[Spec, ...]:
        made = [
            _by(
                key=f"{name}-by-order",
                row_heading="Order",
                rows=orders,
                counts=dict(by_order[name]),
                **kwargs,
            )
        ]
        if partnership:
            made.insert(
                0,
                _by(
                    key=f"{name}-by-organisation",
                    row_heading="Organisation",
                    rows=rows,
                    counts=dict(by_org[name]),
                    **kwargs,
                ),
            )
        return tuple(made)

    referral_specs = both(
        "referrals",
        caption="Referrals and where each stands",
        columns=DECISIONS,
        prefix="referrals",
        total="referrals",
        total_column="Referrals",
        derived=(
            Derived("Offered", (0, 1)),
            Derived("Accepted of those offered", (0,), (0, 1)),
        ),
        chart="4",
        chart_title="Referrals",
    )
    attendance_specs = both(
        "attendance",
        caption="Sessions attended and missed",
        columns=ATTENDANCE,
        prefix="attendance",
        total="sessions",
        total_column="Sessions",
        derived=(Derived("Missed (DNA rate)", (1,), (2,)),),
        chart="derived:0",
        chart_title="Missed sessions (DNA rate)",
    )
    compliance_specs = both(
        "compliance",
        caption="Compliance outcomes of the reports signed off",
        columns=COMPLIANCE,
        prefix="compliance",
        total="reports",
        total_column="Reports",
        derived=(Derived("Complied of those finished", (0,), (0, 1)),),
        chart="derived:0",
        chart_title="Complied, of the cases finished",
    )
    text_specs = (
        _by(
            key="texts",
            caption="Texts and what became of them",
            row_heading="Organisation",
            rows=rows,
            columns=TEXT_OUTCOMES,
            counts=dict(texts),
            prefix="texts",
            total="texts",
            total_column="Texts",
            derived=(
                Derived("Sent", (0, 1, 2)),
                Derived("Delivered of those sent", (0,), (0, 1, 2)),
            ),
            chart="derived:1",
            chart_title="Delivered, of the texts sent",
        ),
        _by(
            key="replies",
            caption="Replies received",
            row_heading="Organisation",
            rows=rows,
            columns=REPLIES,
            counts=dict(replies),
            prefix="replies",
            total="replies",
            total_column="Replies",
            chart="0",
            chart_title="Confirmations (Y)",
        ),
    )
    return [
        _Draft(
            "referrals",
            "Referrals, offers and acceptances",
            "Cases opened in the period, by where each stands now. A court diversion "
            "case is offered at court; an order both agencies agree to is accepted when "
            "both have agreed; any other order is agreed when it is made.",
            referral_specs,
        ),
        _Draft(
            "attendance",
            "Sessions attended and missed",
            "Appointments in the period whose outcome is recorded. Cancelled and "
            "rearranged appointments are not counted.",
            attendance_specs,
        ),
        _Draft(
            "compliance",
            "Compliance outcomes",
            "Cases whose compliance report was signed off in the period, by what the "
            "latest report said.",
            compliance_specs,
        ),
        _Draft(
            "texts",
            "Texts",
            "Texts due in the period, by what became of them, and the replies received "
            "in it. Texts still waiting to go are not counted.",
            text_specs,
        ),
    ]


def build_report(*, scope: Scope, period: Period, any_reminder: bool = False) -> Report:
    """The report for some organisations (None: the whole partnership) over a period."""
    partnership = scope is None
    rows = queries.organisations(scope)
    order_list = queries.requirement_types()
    counted = gather(scope, period, orders=order_list, any_reminder=any_reminder)
    headline = _headline(scope, period, rows, order_list, counted)
    reminder_specs = _reminders(counted.sessions, any_reminder=any_reminder)
    answer_specs = answer_tables(counted.answers)
    specs: list[Spec] = [
        *(spec for draft in headline for spec in draft.specs),
        *reminder_specs,
        *answer_specs,
    ]
    published = {table.key: table for table in publish(specs)}
    sections = [
        Section(d.key, d.heading, d.intro, tuple(published[spec.key] for spec in d.specs))
        for d in headline
    ]
    reminder_tables = tuple(published[spec.key] for spec in reminder_specs)
    sections.append(
        Section(
            "texts-work",
            "Whether the texts work",
            "Attendance at appointments in the period whose outcome is recorded, by what "
            "became of the reminder, and by the wording of a delivered reminder.",
            reminder_tables,
        )
    )
    sections.append(
        Section(
            "answers",
            "Who was referred",
            "Referrals and sessions by each monitoring answer: her latest monitoring record "
            f'on or before the period\'s last day; "{NOT_RECORDED}" when she has none.',
            tuple(published[spec.key] for spec in answer_specs),
        )
    )
    effect = effect_of(published["reminders"], published.get("wordings"))
    return Report(
        period=period,
        partnership=partnership,
        organisations=tuple(rows),
        sections=tuple(sections),
        effect=effect,
        any_reminder=any_reminder,
        counted_at=counted.counted_at,
        through_day=counted.through_day,
    )
