"""Booking pages and the appointment page: propose and book, cancel, mark attendance."""

from __future__ import annotations

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
    parse_slot_value,
    slot_value,
)
from scheduling.plan import NoPlan, Plan, Slot
from scheduling.views import bp

FormWithWording = TypeVar("FormWithWording", CancelForm, AttendanceForm)


def _case_or_404(case_id: int) -> Case:
    return found_or_404(queries.case_for(g.user, case_id), "case", case_id)


def appointment_or_404(appointment_id: int) -> Appointment:
    return found_or_404(
        scheduling_queries.appointment_for(g.user, appointment_id), "appointment", appointment_id
    )


def _venues_for(case: Case) -> list[Venue]:
    return [v for v in admin_queries.venues(case.organisation_id) if v.active]


def _chosen_venue(case: Case, venue_id: int | None) -> Venue | None:
    venues = _venues_for(case)
    for venue in venues:
        if venue.id == venue_id:
            return venue
    return venues[0] if venues else None


def _worker_names(organisation_id: int) -> dict[int, str]:
    return {u.id: u.name for u in admin_queries.caseworkers(organisation_id)}


# --- booking -------------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/book", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def book(case_id: int) -> Response | str:
    case = _case_or_404(case_id)
    now = clock.now()
    form = BookForm()
    offer_wordings(form.move_wording, booking.court_wordings(case))
    venues = _venues_for(case)
    form.venue_id.choices = [SelectChoice(v.id, v.name) for v in venues]
    requested = query_id("venue") or (form.venue_id.data if request.method == "POST" else None)
    venue = _chosen_venue(case, requested)
    if venue is None:
        flash("Add a venue for your organisation before booking appointments.")
        return redirect(url_for("cases.show", case_id=case.id))
    form.venue_id.data = form.venue_id.data or venue.id
    errors: list[dict[str, str]] = []
    if request.method == "POST" and form.validate():
        venue = _chosen_venue(case, form.venue_id.data) or venue
        slots, errors = _chosen_slots(case)
        moving = _moving(case)
        if moving and not form.check_move():
            errors += [
                {"text": f.errors[0], "href": f"#{f.id}"}
                for f in (form.moved_by, form.move_wording, form.move_reason)
                if f.errors
            ]
        if not errors:
            try:
                booking.book_plan(
                    actor=g.user,
                    case=case,
                    venue=venue,
                    slots=slots,
                    now=now,
                    moved_by=form.moved_by.data if moving else None,
                    move_reason=form.move_reason.data if moving else None,
                    move_wording=form.move_wording.data if moving else None,
                )
            except booking.SlotTaken as error:
                errors = [{"text": error.message, "href": "#plan"}]
            except RuleBroken as error:
                errors = [{"text": error.message, "href": "#plan"}]
            else:
                flash("Appointments booked.", "success")
                return redirect(url_for("cases.show", case_id=case.id))
        case = _case_or_404(case_id)
    plan = booking.propose(case, venue=venue, now=now)
    window = booking.booking_window(case, now=now)
    return render_template(
        "scheduling/book.html",
        title="Book appointments",
        case=case,
        plan=plan,
        form=form,
        booking_errors=errors,
        venue=venue,
        window=window,
        names=_worker_names(case.organisation_id),
        slot_value=slot_value,
        days_left=calendar.days_left(clock.today(), window.last_day) if window else None,
        is_plan=isinstance(plan, Plan),
        moving=_moving(case),
    )


def _moving(case: Case) -> bool:
    """Booking now would replace live bookings: a reschedule, which needs who and why."""
    numbers = {s.number for s in booking.outstanding_sessions(case)}
    return bool(booking.booked_for(case, numbers))


def _chosen_slots(case: Case) -> tuple[list[Slot], list[dict[str, str]]]:
    """The slots picked on the booking page, checked against the sessions still to book."""
    slots: list[Slot] = []
    errors: list[dict[str, str]] = []
    for spec in booking.outstanding_sessions(case):
        raw = request.form.get(f"session-{spec.number}", "")
        parsed = parse_slot_value(raw)
        if parsed is None:
            errors.append(
                {
                    "text": f"Choose a time for the {spec.name.lower()}",
                    "href": f"#session-{spec.number}",
                }
            )
            continue
        worker_id, start = parsed
        slots.append(
            Slot(session=spec, worker_id=worker_id, start=start, end=start + spec.duration)
        )
    return slots, errors


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
            return redirect(url_for("cases.show", case_id=item.case_id))
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
        return redirect(url_for("cases.show", case_id=item.case_id))
    return _appointment_page(item, CancelForm(), form)


def _flash_rebooking(result: Plan | NoPlan) -> None:
    if isinstance(result, NoPlan):
        flash(f"At risk: cannot complete before the return date. {result.reason}", "warning")
