"""Booking pages and the appointment page: propose and book, cancel, mark attendance."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TypeVar

from flask import (
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from wtforms.fields import SelectChoice

from diversion import audit, clock
from diversion.access import CASEWORKERS, allow, found_or_404
from diversion.admin import queries as admin_queries
from diversion.cases import queries
from diversion.errors import RuleBroken
from diversion.fields import query_id
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    Venue,
)
from scheduling import booking, calendar
from scheduling import queries as scheduling_queries
from scheduling.forms import (
    AttendanceForm,
    BookForm,
    CancelForm,
    offer_wordings,
    parse_day,
    parse_slot_value,
    slot_value,
)
from scheduling.options import Choices
from scheduling.plan import NoPlan, Plan
from scheduling.views import bp

FormWithWording = TypeVar("FormWithWording", CancelForm, AttendanceForm)


def _case_or_404(case_id: int) -> Case:
    return found_or_404(queries.case_for(g.user, case_id), "case", case_id)


def appointment_or_404(appointment_id: int) -> Appointment:
    return found_or_404(
        scheduling_queries.appointment_for(g.user, appointment_id), "appointment", appointment_id
    )


def case_page_for(item: Appointment) -> str:
    """Where "back to the case" leads: the case page for the agency that holds it; for the
    partner agency's worker (the CJIT's assessor), who never sees that page, Shared with us."""
    if item.case.organisation_id == g.user.organisation_id:
        return url_for("cases.show", case_id=item.case_id)
    return url_for("orders.shared")


def _holder(case: Case) -> int:
    """The organisation holding the sessions to book next (the partner agency's, for a
    session it holds)."""
    return booking.organisation_for(case, booking.outstanding_sessions(case))


def _venues_for(case: Case) -> list[Venue]:
    return [v for v in admin_queries.venues(_holder(case)) if v.active]


def _default_venue(case: Case, venues: list[Venue]) -> Venue:
    """Where she was last seen, else her worker's usual venue, else the first by name."""
    by_id = {v.id: v for v in venues}
    for venue_id in (
        scheduling_queries.last_seen_venue_id(case.client_id, case.organisation_id),
        scheduling_queries.usual_venue_id(case.worker_id) if case.worker_id else None,
    ):
        if venue_id in by_id:
            return by_id[venue_id]
    return venues[0]


# --- booking -------------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/book", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def book(case_id: int) -> Response | str:
    """Book every outstanding session: any free time, each following the one before.

    A POST with action=refresh (the "Show times" and "Update times" buttons) only shows the
    page again with what was chosen; a GET may name the same fields in its query string.
    """
    case = _case_or_404(case_id)
    now = clock.now()
    venues = _venues_for(case)
    if not venues:
        flash(
            "Add a venue for your organisation before booking appointments."
            if _holder(case) == case.organisation_id
            else "The partner agency holding this session has no venue yet: ask an "
            "administrator to add one."
        )
        return redirect(url_for("cases.show", case_id=case.id))
    form = BookForm()
    offer_wordings(form.move_wording, booking.court_wordings(case))
    form.venue_id.choices = [SelectChoice(v.id, v.name) for v in venues]
    posted = request.method == "POST"
    values = request.form if posted else request.args
    requested = form.venue_id.data if posted else query_id("venue")
    venue = next((v for v in venues if v.id == requested), None) or _default_venue(case, venues)
    form.venue_id.data = venue.id
    to_book = posted and request.form.get("action") != "refresh"
    picks, days = _asked_for(case, values)
    result = booking.choices(case, venue=venue, now=now, picks=picks, days=days, strict=to_book)
    errors: list[dict[str, str]] = []
    if to_book and isinstance(result, Choices):
        errors = _problems(result)
        moving = _moving(case)
        if not form.validate() or (moving and not form.check_move()):
            errors += [
                {"text": f.errors[0], "href": f"#{f.id}"}
                for f in (form.venue_id, form.moved_by, form.move_wording, form.move_reason)
                if f.errors
            ]
        if not errors:
            try:
                booking.book_plan(
                    actor=g.user,
                    case=case,
                    venue=venue,
                    slots=[o.chosen for o in result.options if o.chosen is not None],
                    now=now,
                    moved_by=form.moved_by.data if moving else None,
                    move_reason=form.move_reason.data if moving else None,
                    move_wording=form.move_wording.data if moving else None,
                )
            except RuleBroken as error:
                # Taken meanwhile (or a rule broken): say which time, with the fresh options.
                case = _case_or_404(case_id)
                result = booking.choices(
                    case, venue=venue, now=now, picks=picks, days=days, strict=True
                )
                errors = (_problems(result) if isinstance(result, Choices) else []) or [
                    {"text": error.message, "href": "#plan"}
                ]
            else:
                flash("Appointments booked.", "success")
                return redirect(url_for("cases.show", case_id=case.id))
    window = booking.booking_window(case, now=now)
    return render_template(
        "scheduling/book.html",
        title="Book appointments",
        case=case,
        choices=result,
        form=form,
        booking_errors=errors,
        show_problems=to_book,
        venue=venue,
        window=window,
        gap_days=case.requirement_type.min_gap_days,
        names=scheduling_queries.caseworker_names(_holder(case)),
        slot_value=slot_value,
        days_left=calendar.days_left(clock.today(), window.last_day) if window else None,
        is_plan=isinstance(result, Choices),
        moving=_moving(case),
    )


def _problems(result: Choices) -> list[dict[str, str]]:
    """The error summary's lines: each links to the first time offered for its session."""
    return [
        {"text": o.problem, "href": f"#session-{o.number}"} for o in result.options if o.problem
    ]


def _moving(case: Case) -> bool:
    """Booking now would replace live bookings: a reschedule, which needs who and why."""
    numbers = {s.number for s in booking.outstanding_sessions(case)}
    return bool(booking.booked_for(case, numbers))


def _asked_for(
    case: Case, values: Mapping[str, str]
) -> tuple[dict[int, tuple[int, datetime]], dict[int, date]]:
    """The time asked for each session (session-N) and the day whose times to list
    (session-N-day, YYYY-MM-DD); anything malformed counts as not asked."""
    picks: dict[int, tuple[int, datetime]] = {}
    days: dict[int, date] = {}
    for spec in booking.outstanding_sessions(case):
        parsed = parse_slot_value(values.get(f"session-{spec.number}", ""))
        if parsed is not None:
            picks[spec.number] = parsed
        day = parse_day(values.get(f"session-{spec.number}-day", ""))
        if day is not None:
            days[spec.number] = day
    return picks, days


# --- one appointment -------------------------------------------------------------------------


@bp.route("/appointments/<int:appointment_id>")
@allow(*CASEWORKERS)
def appointment(appointment_id: int) -> str:
    item = appointment_or_404(appointment_id)
    audit.record(
        "appointment_viewed",
        object_type="appointment",
        object_id=item.id,
        client_id=item.case.client_id,
    )
    return _appointment_page(item, CancelForm(), AttendanceForm())


def _with_wordings(item: Appointment, form: FormWithWording) -> FormWithWording:
    """A cancel or attendance form offering the case's court wordings."""
    offer_wordings(form.court_wording, booking.court_wordings(item.case))
    return form


def _appointment_page(
    item: Appointment, cancel_form: CancelForm, attendance_form: AttendanceForm
) -> str:
    now = clock.now()
    _with_wordings(item, cancel_form)
    _with_wordings(item, attendance_form)
    chain = []
    successor = item.successor
    while successor is not None and len(chain) < 20:
        chain.append(successor)
        successor = successor.successor
    return render_template(
        "scheduling/appointment.html",
        title="Appointment",
        item=item,
        back=case_page_for(item),
        chain=chain,
        cancel_form=cancel_form,
        attendance_form=attendance_form,
        form=cancel_form if cancel_form.errors else attendance_form,
        can_mark=item.status is AppointmentStatus.BOOKED and item.starts_at <= now,
        can_change=item.status is AppointmentStatus.BOOKED and item.starts_at > now,
    )


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["POST"])
@allow(*CASEWORKERS)
def cancel(appointment_id: int) -> Response | str:
    item = appointment_or_404(appointment_id)
    form = _with_wordings(item, CancelForm())
    if form.validate():
        try:
            result = booking.cancel(
                actor=g.user,
                appointment=item,
                by=form.by.data or "",
                court_wording=form.court_wording.data or "",
                reason=form.reason.data or "",
                now=clock.now(),
            )
        except RuleBroken as error:
            flash(error.message)
        else:
            flash("Appointment cancelled.", "success")
            _flash_rebooking(result)
            return redirect(case_page_for(item))
    return _appointment_page(item, form, AttendanceForm())


@bp.route("/appointments/<int:appointment_id>/attendance", methods=["POST"])
@allow(*CASEWORKERS)
def attendance(appointment_id: int) -> Response | str:
    item = appointment_or_404(appointment_id)
    form = _with_wordings(item, AttendanceForm())
    if form.validate():
        now = clock.now()
        try:
            if form.attended.data == "yes":
                booking.mark_attended(actor=g.user, appointment=item, now=now)
                flash("Attendance saved.", "success")
            else:
                result = booking.mark_did_not_attend(
                    actor=g.user,
                    appointment=item,
                    court_wording=form.court_wording.data or "",
                    reason=form.reason.data or "",
                    now=now,
                )
                flash("Recorded as did not attend.", "success")
                _flash_rebooking(result)
        except RuleBroken as error:
            flash(error.message)
        return redirect(case_page_for(item))
    return _appointment_page(item, CancelForm(), form)


def _flash_rebooking(result: Plan | NoPlan) -> None:
    if isinstance(result, NoPlan):
        flash(f"At risk: cannot complete before the return date. {result.reason}", "warning")
