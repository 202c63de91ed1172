"""Availability pages: working patterns, leave and venue closures."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from diversion import clock
from diversion.access import allow, found_or_404
from diversion.models import (
    Absence,
    Role,
    User,
)
from scheduling import queries, working_time
from scheduling.forms import (
    WEEKDAYS,
    AbsenceForm,
    ClosureForm,
    PatternForm,
)
from scheduling.views import bp


def _manageable_worker(user_id: int) -> User:
    return found_or_404(queries.manageable_worker(g.user, user_id), "user", user_id)


@bp.route("/availability")
@allow(Role.MANAGER, Role.ADMIN)
def availability() -> str:
    workers, venues = queries.availability_lists(g.user)
    return render_template(
        "scheduling/availability.html",
        title="Availability",
        workers=workers,
        venues=venues,
    )


def _fill_pattern(form: PatternForm, worker: User) -> None:
    for period in worker.working_periods:
        prefix = f"d{period.weekday}_{'break_' if period.is_break else ''}"
        getattr(form, prefix + "start").data = period.starts.strftime("%H:%M")
        getattr(form, prefix + "end").data = period.ends.strftime("%H:%M")


def _absences(worker: User) -> list[Absence]:
    return queries.recent_absences(worker, now=clock.now())


@bp.route("/availability/workers/<int:user_id>", methods=["GET", "POST"])
@allow(Role.MANAGER, Role.ADMIN)
def worker_pattern(user_id: int) -> Response | str:
    worker = _manageable_worker(user_id)
    form = PatternForm()
    if request.method == "GET":
        _fill_pattern(form, worker)
    if request.method == "POST" and form.validate():
        working_time.set_working_pattern(worker=worker, periods=form.periods)
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
        working_time.add_absence(
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
    venue = found_or_404(queries.manageable_venue(g.user, venue_id), "venue", venue_id)
    form = ClosureForm()
    if form.validate_on_submit():
        working_time.add_venue_closure(
            venue=venue,
            first_day=form.first_day.data,
            last_day=form.last_day.data,
            reason=form.reason.data or "",
        )
        flash("Closure added.", "success")
        return redirect(url_for("scheduling.venue_closures", venue_id=venue.id))
    return render_template(
        "scheduling/closures.html", title=f"Closures of {venue.name}", venue=venue, form=form
    )
