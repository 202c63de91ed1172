"""The monitoring summary: the report's counts per Europe/London day, so that a report over
two years sums a few thousand rows rather than grouping every appointment and text again.

The scheduler's `monitoring-summary` job counts every whole day up to yesterday (London) with
the report's own queries (diversion.monitoring.queries, grouped by day as well) and replaces
the summary in one transaction, once an hour and soon after midnight. `gather` gives the
report its counts: the summary for the days it holds, and the days after it counted live as
before, so today's work shows at once.

What the summary cannot know is said plainly on the report: a change made after it was
counted to a day it holds (an outcome recorded late, a text's receipt) shows at the next
count, within the hour. One figure is kept exact: the monitoring answers are hers "as of the
period's last day", while the summary holds them as of its own last day. Women with a record
dated between the two (or written since the count) are counted again for those days: their
summary counts are taken off and their counts with the right answers put on.

The summary holds counts only, never a person's id; monitoring answers stay sealed.
`keys rotate` empties it (its sealed answers are under the old key) and the report counts
live until the next count.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, true

from diversion import clock
from diversion.db import db
from diversion.formatting import LONDON
from diversion.models import MonitoringRecord, MonitoringSummary, MonitoringSummaryRun
from diversion.monitoring import queries
from diversion.monitoring.queries import Order, Period, Scope, Sessions

log = logging.getLogger(__name__)

# What each measure's rows count, and what their keys hold.
MEASURES = {
    "referral": "cases opened: k1 where each stands; c1 cases",
    "session": "appointments with an outcome: k1 attended or not, k2 what became of the "
    "day-before reminder, k3 the wording of a delivered one; c1 appointments",
    "session_any": "as session, by the best of any reminder",
    "text": "texts due and settled: k1 what became of them; c1 texts",
    "reply": "replies received: k1 what they did; c1 replies",
    "answer": "k1 the question, k2 her sealed answer as of the summary's last day (none: no "
    "record); c1 referrals, c2 sessions attended, c3 sessions missed",
}
EARLIEST = date(2000, 1, 1)
# The summary is counted again when it is this old, or when a new day has begun in London.
REFRESH = timedelta(hours=1)
# The statements of a report read from the summary: the run, the summary's rows and the
# answers counted again (two), with the organisations, the orders and the compliance that
# are always live; the days after the summary add the five live counts.
SUMMED_QUERIES = 7
TAIL_QUERIES = 5


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _rows(span: Period) -> list[dict[str, Any]]:
    """Every count of the span by day, as summary rows."""
    rows: list[dict[str, Any]] = []

    def add(day: Any, measure: str, org: int, order: int | None = None, **keys: Any) -> None:
        rows.append(
            {
                "grain": "day",
                "day": _day(day),
                "measure": measure,
                "organisation_id": org,
                "requirement_type_id": order,
                "k1": keys.get("k1"),
                "k2": keys.get("k2"),
                "k3": keys.get("k3"),
                "c1": keys.get("c1", 0),
                "c2": keys.get("c2", 0),
                "c3": keys.get("c3", 0),
            }
        )

    orders = queries.requirement_types()
    for day, org, order, decision, n in queries.referral_counts(None, span, orders, by_day=True):
        add(day, "referral", org, order, k1=decision, c1=n)
    for any_reminder, measure in ((False, "session"), (True, "session_any")):
        for line in queries.session_counts(None, span, any_reminder=any_reminder, by_day=True):
            add(
                line.day,
                measure,
                line.organisation_id,
                line.requirement_type_id,
                k1=line.status,
                k2=line.reminder,
                k3=line.wording,
                c1=line.count,
            )
    for day, org, outcome, n in queries.text_counts(None, span, by_day=True):
        add(day, "text", org, k1=outcome, c1=n)
    for day, org, action, n in queries.reply_counts(None, span, by_day=True):
        add(day, "reply", org, k1=action, c1=n)
    for day, org, question, answer, referrals, attended, missed in queries.answer_counts(
        None, span, by_day=True
    ):
        add(day, "answer", org, k1=question, k2=answer, c1=referrals, c2=attended, c3=missed)
    return rows


COUNTS = ("c1", "c2", "c3")
KEYS = ("measure", "organisation_id", "requirement_type_id", "k1", "k2", "k3")


def _months(rows: list[dict[str, Any]], through: date) -> list[dict[str, Any]]:
    """The day rows of every whole month up to `through`, summed into a row a month."""
    summed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        first = row["day"].replace(day=1)
        if _month_end(first) > through:
            continue
        key = (first, *(row[k] for k in KEYS))
        found = summed.get(key)
        if found is None:
            summed[key] = {**row, "grain": "month", "day": first}
        else:
            for c in COUNTS:
                found[c] += row[c]
    return list(summed.values())


def _month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def build_summary(*, now: datetime) -> MonitoringSummaryRun:
    """Count every whole London day before `now` again and replace the summary with it."""
    through = now.astimezone(LONDON).date() - timedelta(days=1)
    rows = _rows(Period(EARLIEST, through))
    rows += _months(rows, through)
    session = db.session
    try:
        session.execute(delete(MonitoringSummary))
        session.execute(delete(MonitoringSummaryRun))
        if rows:
            session.execute(insert(MonitoringSummary), rows)
        run = MonitoringSummaryRun(built_at=now, through_day=through, rows=len(rows))
        session.add(run)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    log.info("monitoring summary counted through %s: %d rows", through, len(rows))
    return run


def forget_summary() -> None:
    """Empty the summary (the report counts live until the next count). The caller commits."""
    db.session.execute(delete(MonitoringSummary))
    db.session.execute(delete(MonitoringSummaryRun))


def latest_run() -> MonitoringSummaryRun | None:
    return db.session.scalars(
        select(MonitoringSummaryRun).order_by(MonitoringSummaryRun.id.desc()).limit(1)
    ).first()


def due(run: MonitoringSummaryRun | None, *, now: datetime) -> bool:
    """Whether the summary should be counted again: never counted, an hour old, or a day
    has ended in London since it was counted."""
    if run is None:
        return True
    yesterday = now.astimezone(LONDON).date() - timedelta(days=1)
    return run.built_at <= now - REFRESH or run.through_day < yesterday


def summary_job() -> None:
    """The scheduler's job: count the summary again when it is due."""
    now = clock.now()
    run = latest_run()
    db.session.rollback()
    if due(run, now=now):
        build_summary(now=now)


@dataclass(frozen=True)
class Counted:
    """The report's counts, in the shapes of diversion.monitoring.queries; a line may be a
    correction (negative), so readers add them up."""

    referrals: list[tuple[Any, ...]]
    sessions: list[Sessions]
    texts: list[tuple[Any, ...]]
    replies: list[tuple[Any, ...]]
    answers: list[tuple[Any, ...]]
    counted_at: datetime | None = None  # when the summary used was counted
    through_day: date | None = None  # the last day read from it


def _live(scope: Scope, period: Period, orders: list[Order], any_reminder: bool) -> Counted:
    return Counted(
        referrals=queries.referral_counts(scope, period, orders),
        sessions=queries.session_counts(scope, period, any_reminder=any_reminder),
        texts=queries.text_counts(scope, period),
        replies=queries.reply_counts(scope, period),
        answers=queries.answer_counts(scope, period),
    )


def _grains(covered: Period) -> ColumnElement[bool]:
    """The rows that count the covered days once: a row a month for its whole months, and
    the days before and after them."""
    s = MonitoringSummary
    first = covered.first if covered.first.day == 1 else _month_end(covered.first)
    first = first if first.day == 1 else first + timedelta(days=1)
    last = _month_end(covered.last)
    last = last if last == covered.last else covered.last.replace(day=1) - timedelta(days=1)
    if first > last:  # no whole month inside
        return and_(s.grain == "day", s.day >= covered.first, s.day <= covered.last)
    return or_(
        and_(s.grain == "month", s.day >= first, s.day <= last),
        and_(s.grain == "day", s.day >= covered.first, s.day < first),
        and_(s.grain == "day", s.day > last, s.day <= covered.last),
    )


def _summed(scope: Scope, covered: Period, any_reminder: bool) -> Counted:
    """The summary's counts over whole days, grouped as the live queries group them."""
    s = MonitoringSummary
    sessions = "session_any" if any_reminder else "session"
    query = (
        select(
            s.measure,
            s.organisation_id,
            s.requirement_type_id,
            s.k1,
            s.k2,
            s.k3,
            func.sum(s.c1),
            func.sum(s.c2),
            func.sum(s.c3),
        )
        .where(
            _grains(covered),
            s.measure.in_(("referral", sessions, "text", "reply", "answer")),
            true() if scope is None else s.organisation_id.in_(list(scope)),
        )
        .group_by(s.measure, s.organisation_id, s.requirement_type_id, s.k1, s.k2, s.k3)
    )
    found = Counted([], [], [], [], [])
    for measure, org, order, k1, k2, k3, c1, c2, c3 in db.session.execute(query):
        c1, c2, c3 = int(c1 or 0), int(c2 or 0), int(c3 or 0)
        if measure == "referral":
            found.referrals.append((org, order, k1, c1))
        elif measure == sessions:
            found.sessions.append(Sessions(org, order, k1, k2, k3, c1))
        elif measure == "text":
            found.texts.append((org, k1, c1))
        elif measure == "reply":
            found.replies.append((org, k1, c1))
        else:
            found.answers.append((k1, k2, c1, c2, c3))
    return found


def _answers_again(
    scope: Scope, covered: Period, last: date, run: MonitoringSummaryRun
) -> list[tuple[Any, ...]]:
    """For the women whose answers as of `last` may differ from the summary's, their
    summary counts taken off and their counts with the answers as of `last` put on."""
    low, high = sorted((last, run.through_day))
    changed = select(MonitoringRecord.client_id).where(
        or_(
            and_(MonitoringRecord.recorded_on > low, MonitoringRecord.recorded_on <= high),
            MonitoringRecord.recorded_at > run.built_at,
        )
    )
    counted = queries.answer_counts(
        scope, covered, as_of=run.through_day, clients=changed, written_by=run.built_at
    )
    right = queries.answer_counts(scope, covered, as_of=last, clients=changed)
    return [(q, a, -r, -at, -m) for q, a, r, at, m in counted] + right


def gather(scope: Scope, period: Period, *, orders: list[Order], any_reminder: bool) -> Counted:
    """The report's counts over the period: from the summary for the days it holds, live
    for the rest."""
    run = latest_run()
    if run is None or period.first > run.through_day:
        return _live(scope, period, orders, any_reminder)
    covered = Period(period.first, min(period.last, run.through_day))
    found = _summed(scope, covered, any_reminder)
    found.answers.extend(_answers_again(scope, covered, period.last, run))
    if period.last > run.through_day:
        tail = _live(
            scope, Period(run.through_day + timedelta(days=1), period.last), orders, any_reminder
        )
        for name in ("referrals", "sessions", "texts", "replies", "answers"):
            getattr(found, name).extend(getattr(tail, name))
    return Counted(
        found.referrals,
        found.sessions,
        found.texts,
        found.replies,
        found.answers,
        counted_at=run.built_at,
        through_day=covered.last,
    )
