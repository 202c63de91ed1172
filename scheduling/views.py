"""Booking pages, the appointment page, the worker's week, availability and calendar files."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields import SelectChoice

from diversion import audit, clock, queries
from diversion.access import CASEWORKERS, allow, public
from diversion.db import db, transaction
from diversion.errors import RuleBroken
from diversion.models import (
    Absence,
    Appointment,
    AppointmentStatus,
    Case,
    Role,
    User,
    Venue,
    VenueClosure,
)
from scheduling import booking, calendar
from scheduling.availability import Interval
from scheduling.forms import (
    WEEKDAYS,
    AbsenceForm,
    AttendanceForm,
    BookForm,
    CancelForm,
    ClosureForm,
    PatternForm,
    parse_slot_value,
    slot_value,
)
from scheduling.ics import CalendarEvent, build_calendar
from scheduling.plan import NoPlan, Plan, Slot

bp = Blueprint("scheduling", __name__)


# --- helpers -----------------------------------------------------------------------------


def _case_or_404(case_id: int) -> Case:
    case = queries.case_for(g.user, case_id)
    if case is None:
        abort(404)
    return case


def _appointment_or_404(appointment_id: int) -> Appointment:
    appointment = db.session.scalar(
        select(Appointment)
        .join(Case, Appointment.case_id == Case.id)
        .where(Appointment.id == appointment_id)
        .where(Case.organisation_id == g.user.organisation_id)
        .options(
            joinedload(Appointment.case).joinedload(Case.client),
            joinedload(Appointment.venue),
            joinedload(Appointment.worker),
        )
    )
    if appointment is None:
        abort(404)
    return appointment


def _venues_for(case: Case) -> list[Venue]:
    return [v for v in queries.venues(case.organisation_id) if v.active]


def _chosen_venue(case: Case, venue_id: int | None) -> Venue | None:
    venues = _venues_for(case)
    for venue in venues:
        if venue.id == venue_id:
            return venue
    return venues[0] if venues else None


def _worker_names(organisation_id: int) -> dict[int, str]:
    return {u.id: u.name for u in queries.caseworkers(organisation_id)}


# --- booking -------------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/book", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def book(case_id: int) -> Response | str:
    case = _case_or_404(case_id)
    now = clock.now()
    form = BookForm()
    venues = _venues_for(case)
    form.venue_id.choices = [SelectChoice(v.id, v.name) for v in venues]
    requested = request.values.get("venue", type=int) or (
        form.venue_id.data if request.method == "POST" else None
    )
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
                for f in (form.moved_by, form.move_reason)
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
    item = _appointment_or_404(appointment_id)
    audit.record(
        "appointment_viewed",
        object_type="appointment",
        object_id=item.id,
        client_id=item.case.client_id,
    )
    return _appointment_page(item, CancelForm(), AttendanceForm())


def _appointment_page(
    item: Appointment, cancel_form: CancelForm, attendance_form: AttendanceForm
) -> str:
    now = clock.now()
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
    item = _appointment_or_404(appointment_id)
    form = CancelForm()
    if form.validate():
        try:
            result = booking.cancel(
                actor=g.user,
                appointment=item,
                by=form.by.data or "",
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
    item = _appointment_or_404(appointment_id)
    form = AttendanceForm()
    if form.validate():
        now = clock.now()
        try:
            if form.attended.data == "yes":
                booking.mark_attended(actor=g.user, appointment=item, now=now)
                flash("Attendance saved.", "success")
            else:
                result = booking.mark_did_not_attend(
                    actor=g.user, appointment=item, reason=form.reason.data or "", now=now
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


# --- the worker's week -------------------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@bp.route("/diary")
@allow(*CASEWORKERS)
def diary() -> str:
    today = clock.today()
    try:
        week = _monday(date.fromisoformat(request.args.get("week", "")))
    except ValueError:
        week = _monday(today)
    worker = g.user
    worker_id = request.args.get("worker", type=int)
    if worker_id and worker_id != g.user.id:
        if g.user.role is not Role.MANAGER:
            abort(403)
        worker = db.session.get(User, worker_id)
        if worker is None or worker.organisation_id != g.user.organisation_id:
            abort(404)
    days = [week + timedelta(days=i) for i in range(7)]
    start = datetime.combine(week, time(0), calendar.LONDON)
    end = start + timedelta(days=8)
    items = list(
        db.session.scalars(
            select(Appointment)
            .where(Appointment.worker_id == worker.id)
            .where(Appointment.starts_at >= start, Appointment.starts_at < end)
            .options(
                joinedload(Appointment.case).joinedload(Case.client), joinedload(Appointment.venue)
            )
            .order_by(Appointment.starts_at)
        )
    )
    free = _free_by_day(worker, days)
    by_day = {
        d: [a for a in items if a.starts_at.astimezone(calendar.LONDON).date() == d] for d in days
    }
    return render_template(
        "scheduling/diary.html",
        title="Diary",
        worker=worker,
        days=days,
        by_day=by_day,
        free=free,
        week=week,
        previous_week=week - timedelta(days=7),
        next_week=week + timedelta(days=7),
        today=today,
        colleagues=queries.caseworkers(g.user.organisation_id)
        if g.user.role is Role.MANAGER
        else [],
    )


def _free_by_day(worker: User, days: list[date]) -> dict[date, list[Interval]]:
    """The worker's free time at her organisation's first venue, day by day."""
    venues = [v for v in queries.venues(worker.organisation_id) if v.active]
    out: dict[date, list[Interval]] = {d: [] for d in days}
    if not venues:
        return out
    candidates = booking.free_time_for(
        worker, venue=venues[0], first_day=days[0], last_day=days[-1], now=clock.now()
    )
    for interval in candidates:
        day = interval.start.astimezone(calendar.LONDON).date()
        if day in out:
            out[day].append(interval)
    return out


# --- calendar files ----------------------------------------------------------------------------


def _event(item: Appointment) -> CalendarEvent:
    client = item.case.client
    initials = f"{client.first_name[:1]}.{client.last_name[:1]}.".upper()
    spec_names = {i: s["name"] for i, s in enumerate(item.case.requirement_type.sessions, 1)}
    session_name = spec_names.get(item.session_number, item.kind)
    cancelled = item.status in (
        AppointmentStatus.CANCELLED_BY_CLIENT,
        AppointmentStatus.CANCELLED_BY_SERVICE,
        AppointmentStatus.RESCHEDULED,
    )
    host = request.host.split(":")[0] or "diversion.invalid"
    return CalendarEvent(
        uid=f"appointment-{item.id}@{host}",
        sequence=item.sequence,
        start=item.starts_at,
        end=item.ends_at,
        summary=f"{item.case.reference} {initials} {session_name}",
        location=item.venue.name,
        description=f"Case {item.case.reference}, session {item.session_number}.",
        cancelled=cancelled,
        stamp=item.updated_at,
    )


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/appointments/<int:appointment_id>.ics")
@allow(*CASEWORKERS)
def appointment_ics(appointment_id: int) -> Response:
    item = _appointment_or_404(appointment_id)
    audit.record(
        "calendar_exported",
        object_type="appointment",
        object_id=item.id,
        client_id=item.case.client_id,
    )
    return _ics(build_calendar([_event(item)], name="Appointment"), f"appointment-{item.id}.ics")


@bp.route("/calendar/<token>.ics")
@public
def feed(token: str) -> Response:
    # The secret in the address is the credential: a wrong or revoked token is simply 404.
    if len(token) < 20 or len(token) > 64:
        abort(404)
    worker = db.session.scalar(select(User).where(User.calendar_token == token))
    if worker is None or not worker.active:
        abort(404)
    since = clock.now() - timedelta(days=60)
    items = db.session.scalars(
        select(Appointment)
        .join(Case, Appointment.case_id == Case.id)
        .where(Appointment.worker_id == worker.id, Case.organisation_id == worker.organisation_id)
        .where(Appointment.starts_at >= since)
        .options(
            joinedload(Appointment.case).joinedload(Case.client),
            joinedload(Appointment.case).joinedload(Case.requirement_type),
            joinedload(Appointment.venue),
        )
        .order_by(Appointment.starts_at)
    )
    events = [_event(a) for a in items]
    # Read by her calendar program, not in a session: the feed's owner is the one audited.
    audit.record(
        "calendar_feed_read",
        user_id=worker.id,
        object_type="user",
        object_id=worker.id,
        detail=f"{len(events)} appointments",
    )
    body = build_calendar(events, name="Diversion appointments")
    response = _ics(body, "appointments.ics")
    response.headers["Content-Disposition"] = 'inline; filename="appointments.ics"'
    return response


@bp.route("/calendar-feed", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def calendar_feed() -> Response | str:
    form = BookForm(meta={"csrf": True})
    if request.method == "POST":
        action = request.form.get("action")
        with transaction():
            user = db.session.get(User, g.user.id)
            assert user is not None
            if action == "revoke":
                user.calendar_token = None
                flash(
                    "Your calendar feed is switched off. The old address no longer works.",
                    "success",
                )
            else:
                user.calendar_token = secrets.token_urlsafe(32)
                flash(
                    "Your calendar feed has a new address. The old one no longer works.", "success"
                )
            audit.add(
                "calendar_feed_" + ("revoked" if action == "revoke" else "issued"),
                object_type="user",
                object_id=user.id,
            )
        return redirect(url_for("scheduling.calendar_feed"))
    url = None
    if g.user.calendar_token:
        url = url_for("scheduling.feed", token=g.user.calendar_token, _external=True)
    return render_template("scheduling/feed.html", title="Calendar feed", url=url, form=form)


# --- availability (managers for their organisation, administrators for all) ----------------


def _manageable_worker(user_id: int) -> User:
    worker = db.session.get(User, user_id)
    if worker is None or worker.role not in (Role.WORKER, Role.MANAGER):
        abort(404)
    if g.user.role is Role.MANAGER and worker.organisation_id != g.user.organisation_id:
        abort(404)
    return worker


@bp.route("/availability")
@allow(Role.MANAGER, Role.ADMIN)
def availability() -> str:
    query = select(User).where(User.role.in_([Role.WORKER, Role.MANAGER]), User.active.is_(True))
    venue_query = select(Venue).order_by(Venue.name)
    if g.user.role is Role.MANAGER:
        query = query.where(User.organisation_id == g.user.organisation_id)
        venue_query = venue_query.where(Venue.organisation_id == g.user.organisation_id)
    workers = list(db.session.scalars(query.order_by(User.name)))
    return render_template(
        "scheduling/availability.html",
        title="Availability",
        workers=workers,
        venues=list(db.session.scalars(venue_query)),
    )


def _fill_pattern(form: PatternForm, worker: User) -> None:
    for period in worker.working_periods:
        prefix = f"d{period.weekday}_{'break_' if period.is_break else ''}"
        getattr(form, prefix + "start").data = period.starts.strftime("%H:%M")
        getattr(form, prefix + "end").data = period.ends.strftime("%H:%M")


def _absences(worker: User) -> list[Absence]:
    return list(
        db.session.scalars(
            select(Absence)
            .where(
                Absence.user_id == worker.id, Absence.ends_at >= clock.now() - timedelta(days=30)
            )
            .order_by(Absence.starts_at)
        )
    )


@bp.route("/availability/workers/<int:user_id>", methods=["GET", "POST"])
@allow(Role.MANAGER, Role.ADMIN)
def worker_pattern(user_id: int) -> Response | str:
    worker = _manageable_worker(user_id)
    form = PatternForm()
    if request.method == "GET":
        _fill_pattern(form, worker)
    if request.method == "POST" and form.validate():
        booking.set_working_pattern(worker=worker, periods=form.periods)
        flash("Working pattern saved.", "success")
        return redirect(url_for("scheduling.worker_pattern", user_id=worker.id))
    absences = _absences(worker)
    return render_template(
        "scheduling/pattern.html",
        title=f"Availability of {worker.name}",
        worker=worker,
        form=form,
        pattern_form=form,
        weekdays=WEEKDAYS,
        absences=absences,
        absence_form=AbsenceForm(),
    )


@bp.route("/availability/workers/<int:user_id>/absences", methods=["POST"])
@allow(Role.MANAGER, Role.ADMIN)
def add_absence(user_id: int) -> Response | str:
    worker = _manageable_worker(user_id)
    form = AbsenceForm()
    if form.validate():
        booking.add_absence(
            worker=worker,
            first_day=form.first_day.data,
            last_day=form.last_day.data,
            kind=form.kind.data or "leave",
        )
        flash("Absence added.", "success")
        return redirect(url_for("scheduling.worker_pattern", user_id=worker.id))
    pattern = PatternForm(formdata=None)
    _fill_pattern(pattern, worker)
    return render_template(
        "scheduling/pattern.html",
        title=f"Availability of {worker.name}",
        worker=worker,
        form=form,
        pattern_form=pattern,
        weekdays=WEEKDAYS,
        absences=_absences(worker),
        absence_form=form,
    )


@bp.route("/availability/venues/<int:venue_id>", methods=["GET", "POST"])
@allow(Role.MANAGER, Role.ADMIN)
def venue_closures(venue_id: int) -> Response | str:
    venue = db.session.get(Venue, venue_id)
    if venue is None or (
        g.user.role is Role.MANAGER and venue.organisation_id != g.user.organisation_id
    ):
        abort(404)
    form = ClosureForm()
    if form.validate_on_submit():
        with transaction():
            db.session.add(
                VenueClosure(
                    venue_id=venue.id,
                    first_day=form.first_day.data,
                    last_day=form.last_day.data,
                    reason=form.reason.data or "",
                )
            )
            audit.add("venue_closure_added", object_type="venue", object_id=venue.id)
        flash("Closure added.", "success")
        return redirect(url_for("scheduling.venue_closures", venue_id=venue.id))
    return render_template(
        "scheduling/closures.html", title=f"Closures of {venue.name}", venue=venue, form=form
    )
