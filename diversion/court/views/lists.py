"""The sitting-day list: for a court and a day, who is expected and who complied.

Court liaison and the CPS read the lists of their own courts only (another court answers
404), with every organisation's cases, and only what domain.md lets them see: name, date of
birth, court reference, hearing dates, compliance status and attendance dates, and the PDF
of a signed-off report. Nothing on their pages links to a client or case page. Caseworkers
read every court's lists, with their own organisation's cases, and may open each case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from diversion import audit, clock
from diversion.access import allow, found_or_404
from diversion.cases.compliance import ComplianceStatus
from diversion.court import queries as court_queries
from diversion.court.forms import ALL, BOTH, SittingListForm
from diversion.court.list_csv import csv_filename, csv_rows, csv_text
from diversion.court.queries import FirstAppearance, ReturningCase, SittingDayList
from diversion.fields import EARLIEST_DATE, LATEST_DATE
from diversion.formatting import format_date
from diversion.models import Court, Role
from scheduling.calendar import (
    is_bank_holiday,
    is_sitting_day,
    next_sitting_day,
    previous_sitting_day,
    weekday_names,
)

bp = Blueprint("court", __name__, url_prefix="/court")

# Who reads sitting-day lists: caseworkers, court liaison and the CPS (not administrators,
# who see no case content).
READERS = (Role.WORKER, Role.MANAGER, Role.COURT_LIAISON, Role.CPS)

STATUS_TAGS = {
    ComplianceStatus.COMPLIED: "govuk-tag--green",
    ComplianceStatus.NOT_COMPLIED: "govuk-tag--red",
    ComplianceStatus.IN_PROGRESS: "govuk-tag--blue",
    ComplianceStatus.WITHDRAWN_OR_DECLINED: "govuk-tag--grey",
    ComplianceStatus.CLOSED: "govuk-tag--grey",
}


def _court_or_404(court_id: int) -> Court:
    return found_or_404(court_queries.court_for(g.user, court_id), "court", court_id)


def _within_range(day: date | None) -> date | None:
    return day if day is not None and EARLIEST_DATE <= day <= LATEST_DATE else None


def _next_sitting(court: Court, day: date, *, include_today: bool = False) -> date | None:
    """The court's next sitting day, or None when it has no sitting days set up."""
    try:
        found = next_sitting_day(day, court.sitting_weekdays, include_today=include_today)
    except ValueError:
        return None
    return _within_range(found)


def _previous_sitting(court: Court, day: date) -> date | None:
    try:
        found = previous_sitting_day(day, court.sitting_weekdays)
    except ValueError:
        return None
    return _within_range(found)


@dataclass(frozen=True)
class DayInfo:
    """Whether the court sits on the day, why not, and the sitting days either side."""

    sits: bool
    why_not: str
    previous: date | None
    next: date | None


def _day_info(court: Court, day: date) -> DayInfo:
    try:
        sits = is_sitting_day(day, court.sitting_weekdays)
    except ValueError:
        sits = False
    why_not = ""
    if not sits:
        if is_bank_holiday(day):
            why_not = "it is a bank holiday"
        elif court.sitting_weekdays:
            # "Tuesday and Thursday" -> "it sits on Tuesdays and Thursdays"
            days = re.sub(r"day\b", "days", weekday_names(court.sitting_weekdays))
            why_not = f"it sits on {days}"
        else:
            why_not = "no sitting days are set up for it"
    return DayInfo(
        sits=sits,
        why_not=why_not,
        previous=_previous_sitting(court, day),
        next=_next_sitting(court, day),
    )


def _list_url(
    court: Court,
    day: date,
    form: SittingListForm | None = None,
    *,
    endpoint: str = "court.sitting_list",
) -> str:
    """The list's address for a day, keeping the filters that are not the default."""
    args: dict[str, Any] = {"date": day.isoformat()}
    if form is not None:
        if form.status.data not in (None, ALL):
            args["status"] = str(form.status.data)
        if form.show.data not in (None, BOTH):
            args["show"] = str(form.show.data)
    return url_for(endpoint, court_id=court.id, **args)


@bp.route("")
@allow(*READERS)
def index() -> Response | str:
    today = clock.today()
    courts = court_queries.courts_for(g.user)
    if len(courts) == 1:
        court = courts[0]
        day = _next_sitting(court, today, include_today=True) or today
        return redirect(_list_url(court, day))
    return render_template(
        "court/index.html",
        title="Court lists",
        courts=[(court, _next_sitting(court, today, include_today=True)) for court in courts],
    )


@dataclass(frozen=True)
class Shown:
    """The rows of a list that the filters let through."""

    first_appearances: list[FirstAppearance] | None
    returning: list[ReturningCase] | None

    def case_lines(self) -> list[FirstAppearance | ReturningCase]:
        return [*(self.first_appearances or []), *(self.returning or [])]


def _filtered(listing: SittingDayList, form: SittingListForm) -> Shown:
    """Apply the filters: which list, and (of returning cases) which compliance status."""
    wanted = form.status_filter()
    returning = [
        line for line in listing.returning if wanted is None or line.compliance.status is wanted
    ]
    return Shown(
        first_appearances=listing.first_appearances if form.shows_first else None,
        returning=returning if form.shows_returning else None,
    )


AUDIT_DETAIL_LENGTH = 500  # AuditEvent.detail


def audit_detail(day: date, shown: Shown) -> str:
    """What an audit row says of a list: the day, how many, and the case ids (as many as
    fit, then how many more); ids only, never a name."""
    head = (
        f"{day.isoformat()}: {len(shown.first_appearances or [])} first appearances, "
        f"{len(shown.returning or [])} returning"
    )
    ids = [str(line.case_id) for line in shown.case_lines()]
    for kept in range(len(ids), -1, -1):
        more = f" and {len(ids) - kept} more" if kept < len(ids) else ""
        detail = f"{head}; cases {','.join(ids[:kept])}{more}" if ids else head
        if len(detail) <= AUDIT_DETAIL_LENGTH:
            return detail
    return head


def _audit_list(action: str, court: Court, day: date, shown: Shown) -> None:
    """One row per list read or downloaded, whatever its length (the page's queries stay
    fixed): the court, the day and the ids of the cases on it."""
    audit.record(action, object_type="court", object_id=court.id, detail=audit_detail(day, shown))


def _load(court: Court, form: SittingListForm) -> tuple[date, SittingDayList]:
    today = clock.today()
    day = form.date.data or _next_sitting(court, today, include_today=True) or today
    form.date.data = day
    return day, court_queries.sitting_day_list(court, day, user=g.user, today=today)


@bp.route("/<int:court_id>/list")
@allow(*READERS)
def sitting_list(court_id: int) -> str:
    court = _court_or_404(court_id)
    form = SittingListForm(formdata=request.args)
    if not form.validate():
        return render_template(
            "court/list.html",
            title=f"Court list, {court.name}",
            court=court,
            form=form,
            listing=None,
        )
    day, listing = _load(court, form)
    shown = _filtered(listing, form)
    _audit_list("court_list_viewed", court, day, shown)
    info = _day_info(court, day)
    return render_template(
        "court/list.html",
        title=f"Court list for {format_date(day, 'long')}, {court.name}",
        court=court,
        form=form,
        listing=listing,
        day=day,
        info=info,
        shown=shown,
        links_to_cases=g.user.is_caseworker,
        filtered=form.status_filter() is not None,
        previous_url=_list_url(court, info.previous, form) if info.previous else None,
        next_url=_list_url(court, info.next, form) if info.next else None,
        nearest=[
            (d, _list_url(court, d, form)) for d in (info.previous, info.next) if d is not None
        ],
        csv_url=_list_url(court, day, form, endpoint="court.sitting_list_csv"),
        status_tags=STATUS_TAGS,
    )


@bp.route("/<int:court_id>/list.csv")
@allow(*READERS)
def sitting_list_csv(court_id: int) -> Response:
    court = _court_or_404(court_id)
    form = SittingListForm(formdata=request.args)
    if not form.validate():
        abort(400)
    day, listing = _load(court, form)
    shown = _filtered(listing, form)
    _audit_list("court_list_exported", court, day, shown)
    # A byte-order mark, so that spreadsheet programs read the names as UTF-8.
    body = "\ufeff" + csv_text(csv_rows(shown.first_appearances or [], shown.returning or []))
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{csv_filename(court, day)}"',
            "Cache-Control": "no-store",
        },
    )
