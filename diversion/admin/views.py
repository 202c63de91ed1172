"""Administration: courts, venues, requirement types, user accounts and the numbers texts are
received on (administrators only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response
from wtforms import Form
from wtforms.fields import SelectChoice

from diversion import audit, clock
from diversion.access import allow
from diversion.admin import queries as admin_queries
from diversion.admin import services as admin_service
from diversion.admin import users as user_service
from diversion.admin.account_forms import EditUserForm, NewUserForm, ReceivingNumberForm
from diversion.admin.forms import (
    COURT_WEEKDAYS,
    WEEKDAYS,
    CourtForm,
    RequirementTypeForm,
    VenueForm,
)
from diversion.admin.order_forms import format_sessions, kept_settings
from diversion.court_wording import DEFAULT_COURT_WORDINGS, format_court_wordings, wordings_of
from diversion.errors import RuleBroken
from diversion.models import (
    AgreedWhen,
    OrganisationKind,
    ReportVariant,
    Role,
    Venue,
    WindowRule,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

T = TypeVar("T")


def _put_error(form: Form, error: RuleBroken) -> None:
    """Show a service's refusal on the field it names (or the first field)."""
    field = form._fields.get(error.field) if error.field else None
    if field is None:
        field = next(iter(form))
    field.errors = [*field.errors, error.message]


def _found(item: T | None) -> T:
    if item is None:
        abort(404)
    return item


@bp.route("")
@allow(Role.ADMIN)
def index() -> str:
    return render_template("admin/index.html", title="Administration")


# Courts -------------------------------------------------------------------------------------


def _court_choices(form: CourtForm) -> None:
    none = [SelectChoice("", "None")]
    form.organisation_id.choices = none + [
        SelectChoice(str(o.id), o.name)
        for o in admin_service.organisations({OrganisationKind.COURT})
    ]
    form.cps_organisation_id.choices = none + [
        SelectChoice(str(o.id), o.name) for o in admin_service.organisations({OrganisationKind.CPS})
    ]


def _court_details(form: CourtForm) -> admin_service.CourtDetails:
    return admin_service.CourtDetails(
        name=form.name.data or "",
        sitting_weekdays=tuple(form.sitting_weekdays.data or ()),
        report_lead_working_days=form.report_lead_working_days.data,
        report_due_time=form.report_due_time.data,
        list_time=form.list_time.data,
        court_email=form.court_email.data or None,
        cps_email=form.cps_email.data or None,
        police_email=form.police_email.data or None,
        liaison_email=form.liaison_email.data or None,
        organisation_id=form.organisation_id.data,
        cps_organisation_id=form.cps_organisation_id.data,
        active=bool(form.active.data),
        in_wales=bool(form.in_wales.data),
    )


@bp.route("/courts")
@allow(Role.ADMIN)
def courts() -> str:
    return render_template(
        "admin/courts.html",
        title="Courts",
        courts=admin_service.all_courts(),
        weekdays=COURT_WEEKDAYS,
    )


@bp.route("/courts/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def add_court() -> Response | str:
    form = CourtForm()
    _court_choices(form)
    if form.validate_on_submit():
        try:
            admin_service.add_court(details=_court_details(form))
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash("Court added.", "success")
            return redirect(url_for("admin.courts"))
    return render_template("admin/court_form.html", title="Add a court", form=form, court=None)


@bp.route("/courts/<int:court_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_court(court_id: int) -> Response | str:
    court = _found(admin_queries.court_by_id(court_id))
    form = CourtForm(obj=court if request.method == "GET" else None)
    _court_choices(form)
    if form.validate_on_submit():
        try:
            admin_service.update_court(court=court, details=_court_details(form))
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash("Court saved.", "success")
            return redirect(url_for("admin.courts"))
    return render_template(
        "admin/court_form.html", title=f"Edit {court.name}", form=form, court=court
    )


# Venues -------------------------------------------------------------------------------------


def _venue_choices(form: VenueForm) -> None:
    form.organisation_id.choices = [
        SelectChoice(str(o.id), o.name)
        for o in admin_service.organisations(admin_service.VENUE_ORGANISATION_KINDS)
    ]


def _venue_details(form: VenueForm, venue: Venue | None) -> admin_service.VenueDetails:
    return admin_service.VenueDetails(
        organisation_id=form.organisation_id.data,
        name=form.name.data or "",
        neutral_name=form.neutral_name.data or "",
        address=form.address.data or "",
        opening_hours=form.opening_hours(previous=venue.opening_hours if venue else None),
        active=bool(form.active.data),
    )


def _render_venue_form(form: VenueForm, venue: Venue | None, title: str) -> str:
    days = [(name, *form.hours_fields(day)) for day, name in enumerate(WEEKDAYS)]
    return render_template("admin/venue_form.html", title=title, form=form, venue=venue, days=days)


@bp.route("/venues")
@allow(Role.ADMIN)
def venues() -> str:
    return render_template(
        "admin/venues.html", title="Venues", venues=admin_service.all_venues(), weekdays=WEEKDAYS
    )


@bp.route("/venues/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def add_venue() -> Response | str:
    form = VenueForm()
    _venue_choices(form)
    if form.validate_on_submit():
        try:
            admin_service.add_venue(details=_venue_details(form, None))
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash("Venue added.", "success")
            return redirect(url_for("admin.venues"))
    return _render_venue_form(form, None, "Add a venue")


@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_venue(venue_id: int) -> Response | str:
    venue = _found(admin_queries.venue_by_id(venue_id))
    form = VenueForm(obj=venue if request.method == "GET" else None)
    _venue_choices(form)
    if request.method == "GET":
        form.show_hours(venue.opening_hours)
    if form.validate_on_submit():
        try:
            admin_service.update_venue(venue=venue, details=_venue_details(form, venue))
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash("Venue saved.", "success")
            return redirect(url_for("admin.venues"))
    return _render_venue_form(form, venue, f"Edit {venue.name}")


# Requirement types --------------------------------------------------------------------------


def _requirement_type_details(
    form: RequirementTypeForm, old_sessions: list[dict[str, Any]] | None = None
) -> admin_service.RequirementTypeDetails:
    return admin_service.RequirementTypeDetails(
        code=form.code.data or "",
        name=form.name.data or "",
        description=form.description.data or "",
        window_rule=WindowRule(form.window_rule.data),
        window_days=form.window_days.data,
        max_window_days=form.max_window_days.data,
        min_gap_days=form.min_gap_days.data,
        slot_minutes=int(form.slot_minutes.data or 15),
        sessions=tuple(kept_settings(old_sessions or [], form.sessions)),
        sessions_chosen_per_case=bool(form.sessions_chosen_per_case.data),
        active=bool(form.active.data),
        court_wordings=tuple(form.court_wordings),
        end_on_sitting_day=bool(form.end_on_sitting_day.data),
        max_window_months=form.max_window_months.data,
        min_sessions=form.min_sessions.data,
        agreed_when=AgreedWhen(form.agreed_when.data),
        needs_partner=bool(form.needs_partner.data),
        report_to=tuple(form.report_to.data or ()),
        report_variant=ReportVariant(form.report_variant.data),
    )


@bp.route("/requirement-types")
@allow(Role.ADMIN)
def requirement_types() -> str:
    return render_template(
        "admin/requirement_types.html",
        title="Requirement types",
        requirement_types=admin_service.all_requirement_types(),
    )


@bp.route("/requirement-types/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def add_requirement_type() -> Response | str:
    form = RequirementTypeForm()
    if request.method == "GET":
        form.court_wordings_text.data = format_court_wordings(DEFAULT_COURT_WORDINGS)
    if form.validate_on_submit():
        try:
            admin_service.add_requirement_type(details=_requirement_type_details(form))
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash("Requirement type added.", "success")
            return redirect(url_for("admin.requirement_types"))
    return render_template(
        "admin/requirement_type_form.html",
        title="Add a requirement type",
        form=form,
        requirement_type=None,
        cases_using=0,
    )


@bp.route("/requirement-types/<int:requirement_type_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_requirement_type(requirement_type_id: int) -> Response | str:
    kind = _found(admin_queries.requirement_type_by_id(requirement_type_id))
    form = RequirementTypeForm(obj=kind if request.method == "GET" else None)
    if request.method == "GET":
        form.window_rule.data = kind.window_rule.value
        form.sessions_text.data = format_sessions(kind.sessions)
        form.show_settings(kind)
        form.court_wordings_text.data = format_court_wordings(wordings_of(kind.court_wordings))
    if form.validate_on_submit():
        try:
            admin_service.update_requirement_type(
                requirement_type=kind, details=_requirement_type_details(form, kind.sessions)
            )
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash("Requirement type saved.", "success")
            return redirect(url_for("admin.requirement_types"))
    return render_template(
        "admin/requirement_type_form.html",
        title=f"Edit {kind.name}",
        form=form,
        requirement_type=kind,
        cases_using=admin_service.cases_of_type(kind.id),
    )


# User accounts ------------------------------------------------------------------------------


def _organisation_choices(form: NewUserForm | EditUserForm, *, choose: bool = False) -> None:
    # A new account's organisation is chosen, never defaulted: a wrong default (the CPS)
    # would give the wrong people access.
    form.organisation_id.choices = [SelectChoice("", "Select the organisation")] if choose else []
    form.organisation_id.choices += [
        SelectChoice(str(o.id), f"{o.name} ({o.kind.label})") for o in admin_service.organisations()
    ]


def _link_sent(invited: user_service.Invited, done: str) -> None:
    """Say what happened to the set-up email: sent, or not and why (the change still stands)."""
    if invited.not_sent is None:
        flash(
            f"{done} We have emailed them a set-up link. It works once, for "
            f"{current_app.config['INVITATION_HOURS']} hours.",
            "success",
        )
    else:
        flash(
            f"{done} The set-up email could not be sent ({invited.not_sent}). "
            "When email works again, use “Send a new set-up link” below.",
            "error",
        )


@bp.route("/users")
@allow(Role.ADMIN)
def users() -> str:
    return render_template("admin/users.html", title="Users", users=user_service.all_users())


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def add_user() -> Response | str:
    form = NewUserForm()
    _organisation_choices(form, choose=True)
    if form.validate_on_submit():
        try:
            invited = user_service.add_user(
                details=user_service.NewAccount(
                    name=form.name.data or "",
                    email=form.email.data or "",
                    role=Role(form.role.data),
                    organisation_id=form.organisation_id.data,
                ),
                actor=g.user,
                now=clock.now(),
            )
        except RuleBroken as error:
            _put_error(form, error)
        else:
            _link_sent(invited, "User added.")
            if invited.not_sent is not None:
                return redirect(url_for("admin.edit_user", user_id=invited.user.id))
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", title="Add a user", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_user(user_id: int) -> Response | str:
    user = _found(admin_queries.user_by_id(user_id))
    form = EditUserForm(obj=user if request.method == "GET" else None)
    _organisation_choices(form)
    if request.method == "GET":
        form.role.data = user.role.value
    if form.validate_on_submit():
        try:
            user_service.update_user(
                actor=g.user,
                user=user,
                changes=user_service.AccountChanges(
                    name=form.name.data or "",
                    role=Role(form.role.data),
                    organisation_id=form.organisation_id.data,
                    active=bool(form.active.data),
                ),
                now=clock.now(),
            )
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash(
                "User saved." if form.active.data else "Account disabled and signed out.",
                "success",
            )
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html",
        title=f"Edit {user.name}",
        form=form,
        user=user,
        invitation=user_service.latest_invitation(user.id),
        now=clock.now(),
    )


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
@allow(Role.ADMIN)
def reset_two_factor(user_id: int) -> Response:
    """Take two-factor off her account (a lost phone) and email her a set-up link."""
    return _link_action(
        user_id, user_service.reset_two_factor, "Two-factor authentication reset and signed out."
    )


@bp.route("/users/<int:user_id>/set-up-link", methods=["POST"])
@allow(Role.ADMIN)
def send_set_up_link(user_id: int) -> Response:
    """Email her a new set-up link (an expired link, a forgotten password); older ones stop."""
    return _link_action(
        user_id, user_service.send_new_link, "Any older set-up link has stopped working."
    )


def _link_action(user_id: int, act: Callable[..., user_service.Invited], done: str) -> Response:
    """Run an action that ends in a set-up link, say how the email went, back to her page."""
    user = _found(admin_queries.user_by_id(user_id))
    try:
        invited = act(actor=g.user, user=user, now=clock.now())
    except RuleBroken as error:
        flash(error.message, "error")
    else:
        _link_sent(invited, done)
    return redirect(url_for("admin.edit_user", user_id=user.id))


# Receiving numbers ----------------------------------------------------------------------------


@bp.route("/receiving-numbers")
@allow(Role.ADMIN)
def receiving_numbers() -> str:
    numbers = admin_queries.receiving_numbers()
    replies = admin_queries.unplaced_replies()
    audit.record_all(admin_service.unplaced_view_entries(replies))
    return render_template(
        "admin/receiving_numbers.html",
        title="Receiving numbers",
        numbers=numbers,
        held={number.value for number in numbers},
        replies=replies,
    )


@bp.route("/receiving-numbers/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def add_receiving_number() -> Response | str:
    suggested = request.args.get("value", "")[:64] if request.method == "GET" else None
    form = ReceivingNumberForm(data={"value": suggested} if suggested else None)
    form.organisation_id.choices = [
        SelectChoice(str(o.id), o.name)
        for o in admin_service.organisations(admin_service.RECEIVING_ORGANISATION_KINDS)
    ]
    if form.validate_on_submit():
        try:
            admin_service.add_receiving_number(
                organisation_id=form.organisation_id.data,
                value=form.value.data or "",
                actor_id=g.user.id,
            )
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash("Number added. Texts sent to it now go to that organisation.", "success")
            return redirect(url_for("admin.receiving_numbers"))
    return render_template(
        "admin/receiving_number_form.html", title="Add a receiving number", form=form
    )


@bp.route("/receiving-numbers/<int:receiving_number_id>/remove", methods=["POST"])
@allow(Role.ADMIN)
def remove_receiving_number(receiving_number_id: int) -> Response:
    number = _found(admin_queries.receiving_number(receiving_number_id))
    admin_service.remove_receiving_number(number)
    flash("Number removed. Texts sent to it now go to administrators only.", "success")
    return redirect(url_for("admin.receiving_numbers"))
