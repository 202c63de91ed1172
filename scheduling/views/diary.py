"""The worker's week and calendar files: the diary, an appointment's .ics, the subscription feed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from diversion import audit, clock
from diversion.access import CASEWORKERS, allow, found_or_404, public
from diversion.admin import queries as admin_queries
from diversion.fields import query_date, query_id
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Role,
    User,
)
from scheduling import booking, calendar, queries, working_time
from scheduling.availability import Interval
from scheduling.forms import (
    BookForm,
)
from scheduling.ics import CalendarEvent, build_calendar
from scheduling.views import bp
from scheduling.views.appointments import appointment_or_404


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@bp.route("/diary")
@allow(*CASEWORKERS)
def diary() -> str:
    today = clock.today()
    # A week outside the service's years shows this week: its days, the previous and the
    # next week's Mondays must all be dates (9999-12-31 + 7 days is an OverflowError).
    week = _monday(query_date("week") or today)
    worker = g.user
    worker_id = query_id("worker")
    if worker_id and worker_id != g.user.id:
        if g.user.role is not Role.MANAGER:
            abort(403)
        worker = found_or_404(queries.colleague(g.user, worker_id), "user", worker_id)
    days = [week + timedelta(days=i) for i in range(7)]
    start = datetime.combine(week, time(0), calendar.LONDON)
    end = start + timedelta(days=8)
    items = queries.diary_appointments(worker, start=start, end=end)
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
        colleagues=admin_queries.caseworkers(g.user.organisation_id)
        if g.user.role is Role.MANAGER
        else [],
    )


def _free_by_day(worker: User, days: list[date]) -> dict[date, list[Interval]]:
    """The worker's free time at her organisation's first venue, day by day."""
    venues = [v for v in admin_queries.venues(worker.organisation_id) if v.active]
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
    cancelled = item.status in (
        AppointmentStatus.CANCELLED_BY_CLIENT,
        AppointmentStatus.CANCELLED_BY_SERVICE,
        AppointmentStatus.RESCHEDULED,
    )
    # The same for ever, whichever address the file was fetched from: the service's public
    # host name, never the request's (two addresses would show one appointment twice).
    host = urlsplit(str(current_app.config.get("PUBLIC_BASE_URL") or "")).hostname
    return CalendarEvent(
        uid=f"appointment-{item.id}@{host or 'diversion.invalid'}",
        sequence=item.sequence,
        start=item.starts_at,
        end=item.ends_at,
        summary=f"{item.case.reference} {initials} {item.session_name}",
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
    item = appointment_or_404(appointment_id)
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
    worker = queries.feed_owner(token)
    if worker is None:
        abort(404)
    items = queries.feed_appointments(worker, since=clock.now() - timedelta(days=60))
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
        if request.form.get("action") == "revoke":
            working_time.revoke_calendar_feed(user_id=g.user.id)
            flash("Your calendar feed is turned off. Its address no longer works.", "success")
            return redirect(url_for("scheduling.calendar_feed"))
        # The new address is shown in this answer only (like recovery codes): it is never
        # stored, so a reload or a later visit shows that the feed is on, not the address.
        address = working_time.issue_calendar_feed(user_id=g.user.id, now=clock.now())
        return _feed_page(form, address=address)
    return _feed_page(form)


def _feed_page(form: BookForm, *, address: str | None = None) -> str:
    return render_template(
        "scheduling/feed.html",
        title="Calendar feed",
        form=form,
        address=address,
        has_feed=g.user.calendar_token_hash is not None,
        created_at=g.user.calendar_token_created_at,
    )
