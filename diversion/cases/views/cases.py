"""Opening cases, recording court outcomes, closing cases and the case page."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from diversion import audit, clock
from diversion.access import CASEWORKERS, allow, found_or_404
from diversion.admin import queries as admin_queries
from diversion.cases import flags, offers, order_services, queries, rules, texts
from diversion.cases import services as case_service
from diversion.cases.forms import (
    CaseForm,
    CaseNoteForm,
    CloseCaseForm,
    OutcomeForm,
    name_list_time,
)
from diversion.cases.order_forms import AgreementForm
from diversion.cases.partnership import HeldElsewhere
from diversion.errors import RuleBroken
from diversion.fields import query_id
from diversion.models import (
    AppointmentStatus,
    Case,
    CaseStatus,
    CourtOutcome,
    DrugTestResult,
    Role,
)
from diversion.partnership import services as partnership
from scheduling import booking, calendar
from scheduling.plan import NoPlan, Plan

bp = Blueprint("cases", __name__)


def _case_or_404(case_id: int) -> Case:
    return found_or_404(queries.case_for(g.user, case_id), "case", case_id)


def _fill_choices(form: CaseForm) -> None:
    # This form opens an order that starts at a court hearing; the others have their own
    # (diversion.cases.views.orders).
    form.requirement_type_id.choices = [
        SelectChoice(t.id, t.name)
        for t in admin_queries.requirement_types()
        if rules.rules_of(t).starts_in_court
    ]
    form.court_id.choices = [SelectChoice(c.id, c.name) for c in admin_queries.courts()]
    form.worker_id.choices = [
        SelectChoice(u.id, u.name) for u in admin_queries.caseworkers(g.user.organisation_id)
    ]


def _put_error(form: object, error: RuleBroken) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        field = next(iter(form))  # type: ignore[call-overload]
    field.errors = [*field.errors, error.message]


@bp.route("/clients/<int:client_id>/cases/new", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def open_case(client_id: int) -> Response | str:
    client = found_or_404(queries.client_for(g.user, client_id), "client", client_id)
    form = CaseForm(today=clock.today())
    _fill_choices(form)
    if request.method == "GET":
        if g.user.role is Role.WORKER:
            form.worker_id.data = g.user.id
        if form.court_id.choices:
            form.court_id.data = form.court_id.choices[0].value
        offered = [choice.value for choice in form.requirement_type_id.choices]
        asked = query_id("requirement_type")
        if asked in offered:
            form.requirement_type_id.data = asked
        elif offered:
            form.requirement_type_id.data = offered[0]
    if form.validate_on_submit():
        details = case_service.CaseDetails(
            requirement_type=admin_queries.requirement_type_by_id(form.requirement_type_id.data),
            court=admin_queries.court_by_id(form.court_id.data),
            first_court_date=form.first_court_date.data,
            first_court_time=form.first_court_time.data,
            court_reference=form.court_reference.data,
            arrest_date=form.arrest_date.data,
            charge=form.charge.data or "",
            custody_drug_test=DrugTestResult(form.custody_drug_test.data),
            worker=admin_queries.user_by_id(form.worker_id.data),
        )
        try:
            case = case_service.open_case(
                actor=g.user, client=client, details=details, now=clock.now()
            )
        except RuleBroken as error:
            if isinstance(error, HeldElsewhere):
                offers.offer_transfer(error)  # one file per woman: ask for a transfer
            _put_error(form, error)
        else:
            flash(f"Case {case.reference} opened.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template(
        "cases/open.html",
        title="Open a case",
        form=form,
        client=client,
        open_cases=queries.open_cases_of(client),
        check=flags.flagged(
            partnership.check_for_client(actor=g.user, client=client),
            seen_by=g.user,
            now=clock.now(),
        ),
    )


@bp.route("/cases/<int:case_id>")
@allow(*CASEWORKERS)
def show(case_id: int) -> str:
    return _case_page(_case_or_404(case_id), note_form=CaseNoteForm(formdata=None))


def _case_page(case: Case, *, note_form: CaseNoteForm) -> str:
    """The case page; after a refused note, with the note form's errors."""
    today = clock.today()
    window = queries.window_of(case)
    order = rules.rules_of(case.requirement_type)
    audit.record("case_viewed", object_type="case", object_id=case.id, client_id=case.client_id)
    to_book = booking.outstanding_sessions(case) if case.status is CaseStatus.ON_SCHEME else []
    return render_template(
        "cases/show.html",
        form=note_form,
        notes=queries.notes_for_case(case.id),
        rebooking=_rebooking(case) if to_book else None,
        title=f"Case {case.reference}",
        case=case,
        window=window,
        at_risk=queries.at_risk_reason(case, today=today, window=window),
        days_left=calendar.days_left(today, window.last_appointment_date) if window else None,
        today=today,
        can_record_outcome=order.starts_in_court
        and case.status in (CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME),
        order=order,
        can_agree=order_services.can_agree(case, g.user),
        lapsable=order_services.lapsable_session(case, g.user),
        agreement_form=AgreementForm(formdata=None),
        to_book=to_book,
        messages=texts.messages_for_case(case.id),
        replies=texts.replies_for_case(case.id),
        session_names={i: s["name"] for i, s in enumerate(case.requirement_type.sessions, 1)},
    )


@bp.route("/cases/<int:case_id>/notes", methods=["POST"])
@allow(*CASEWORKERS)
def add_note(case_id: int) -> Response | str:
    case = _case_or_404(case_id)
    form = CaseNoteForm()
    if form.validate_on_submit():
        try:
            case_service.add_case_note(
                case, actor=g.user, body=form.note.data or "", now=clock.now()
            )
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash("Note added.", "success")
            return redirect(url_for("cases.show", case_id=case.id, _anchor="notes"))
    return _case_page(case, note_form=form)


def _rebooking(case: Case) -> Plan | NoPlan | None:
    """After a miss or a cancellation: the earliest rebooking that still fits, or why none does."""
    missed = {
        AppointmentStatus.DID_NOT_ATTEND,
        AppointmentStatus.CANCELLED_BY_CLIENT,
        AppointmentStatus.CANCELLED_BY_SERVICE,
    }
    live = {a.session_number for a in case.appointments if a.status is AppointmentStatus.BOOKED}
    if not any(a.status in missed and a.session_number not in live for a in case.appointments):
        return None
    venues = [v for v in admin_queries.venues(case.organisation_id) if v.active]
    if not venues:
        return None
    return booking.propose(case, venue=venues[0], now=clock.now())


@bp.route("/cases/<int:case_id>/outcome", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def record_outcome(case_id: int) -> Response | str:
    case = _case_or_404(case_id)
    if not rules.starts_in_court(case):
        # An order made away from court (a test, a caution) has no court outcome: its window
        # is set when the case is opened, so there is no form to offer.
        flash("This order does not start at court, so it has no court outcome to record.")
        return redirect(url_for("cases.show", case_id=case.id))
    if case.status not in (CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME):
        flash(f"This case is {case.status.label.lower()}; its court outcome cannot change.")
        return redirect(url_for("cases.show", case_id=case.id))
    form = OutcomeForm(today=clock.today())
    hearing = (
        case.next_hearing_date
        if case.status is CaseStatus.AWAITING_COURT
        else (case.outcome_hearing_date or case.first_court_date)
    )
    suggestion = case_service.suggested_return_date(case, hearing)
    name_list_time(form.return_time, case.court.list_time)
    name_list_time(form.adjourned_to_time, case.court.list_time)
    if request.method == "GET":
        form.hearing_date.data = hearing
        if case.status is CaseStatus.ON_SCHEME:
            form.outcome.data = CourtOutcome.ACCEPTED.value
            form.return_date.data = case.return_date
            # Shown as recorded, so saving the form again keeps the time the court set.
            form.return_time.data = case.return_time
        # Rule (domain.md, "Dates and windows"): the return date is what the court sets, so
        # the field starts empty and the suggestion is only an offer beside it. Taking the
        # offer (a plain link, so it works without JavaScript) fills the form and records
        # nothing: the worker still saves it.
        if request.args.get("use_suggested") == "1" and suggestion is not None:
            form.outcome.data = CourtOutcome.ACCEPTED.value
            form.return_date.data = suggestion
    if form.validate_on_submit():
        decision = case_service.OutcomeDecision(
            outcome=CourtOutcome(form.outcome.data),
            hearing_date=form.hearing_date.data,
            return_date=form.return_date.data,
            adjourned_to=form.adjourned_to.data,
            return_time=form.return_time.data,
            adjourned_to_time=form.adjourned_to_time.data,
        )
        try:
            warnings = case_service.record_outcome(
                actor=g.user, case=case, decision=decision, now=clock.now()
            )
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash("Court outcome saved.", "success")
            for warning in warnings:
                flash(warning, "warning")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template(
        "cases/outcome.html",
        title="Record the court outcome",
        form=form,
        case=case,
        suggestion=suggestion,
        hearing=hearing,
    )


@bp.route("/cases/<int:case_id>/close", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def close(case_id: int) -> Response | str:
    case = _case_or_404(case_id)
    outcomes = case_service.closing_outcomes(case)
    if not outcomes:
        flash(f"This case is already {case.status.label.lower()}.")
        return redirect(url_for("cases.show", case_id=case.id))
    form = CloseCaseForm(outcomes=outcomes)
    now = clock.now()
    if form.validate_on_submit():
        try:
            cancelled = case_service.close_case(
                case,
                actor=g.user,
                outcome=CaseStatus(form.outcome.data),
                reason=form.reason.data or "",
                now=now,
            )
        except RuleBroken as error:
            _put_error(form, error)
        else:
            done = f"Case {case.reference} closed."
            if cancelled:
                done += f" {len(cancelled)} future appointment{'s' if len(cancelled) > 1 else ''}"
                done += " cancelled."
            flash(done, "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template(
        "cases/close.html",
        title="Close the case",
        form=form,
        case=case,
        bookings=case_service.future_bookings(case, now=now),
    )
