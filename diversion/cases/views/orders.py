"""Opening a case from the event that starts its order, each agency's agreement, a session
recorded as not needed, and the cases another agency shares with this one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from diversion import audit, clock
from diversion.access import CASEWORKERS, allow, found_or_404
from diversion.admin import queries as admin_queries
from diversion.cases import flags, order_services, queries, rules
from diversion.cases.order_forms import AgreementForm, LapseForm, OrderCaseForm
from diversion.errors import RuleBroken
from diversion.models import Case, DrugTestResult, Role
from diversion.partnership import services as partnership

bp = Blueprint("orders", __name__)


def _put_error(form: object, error: RuleBroken) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        field = next(iter(form))  # type: ignore[call-overload]
    field.errors = [*field.errors, error.message]


@bp.route("/clients/<int:client_id>/cases/start")
@allow(*CASEWORKERS)
def choose(client_id: int) -> str:
    """Which event started the case: each order, opened from its own starting event."""
    client = found_or_404(queries.client_for(g.user, client_id), "client", client_id)
    kinds = [
        (kind, rules.rules_of(kind)) for kind in admin_queries.requirement_types() if kind.active
    ]
    return render_template(
        "cases/choose_order.html",
        title="Open a case",
        client=client,
        kinds=kinds,
        open_cases=queries.open_cases_of(client),
    )


@bp.route("/clients/<int:client_id>/cases/new/<int:requirement_type_id>", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def open_order(client_id: int, requirement_type_id: int) -> Response | str:
    """Open a case of an order that starts away from court, with only the fields it needs."""
    client = found_or_404(queries.client_for(g.user, client_id), "client", client_id)
    kind = found_or_404(
        admin_queries.requirement_type_by_id(requirement_type_id),
        "requirement_type",
        requirement_type_id,
    )
    order = rules.rules_of(kind)
    if order.starts_in_court or not kind.active:
        return redirect(url_for("cases.open_case", client_id=client.id))
    form = OrderCaseForm(today=clock.today(), order=order)
    form.court_id.choices = [SelectChoice(c.id, c.name) for c in admin_queries.courts()]
    form.worker_id.choices = [
        SelectChoice(u.id, u.name) for u in admin_queries.caseworkers(g.user.organisation_id)
    ]
    partners = {o.id: o for o in order_services.partner_choices(g.user)}
    if order.needs_partner:
        form.partner_organisation_id.choices = [
            SelectChoice(o.id, f"{o.name} ({o.kind.label})") for o in partners.values()
        ]
    if request.method == "GET":
        if g.user.role is Role.WORKER:
            form.worker_id.data = g.user.id
        if len(form.court_id.choices) == 1:
            form.court_id.data = form.court_id.choices[0].value
    if form.validate_on_submit():
        chosen = getattr(form, "sessions_required", None)
        partner = getattr(form, "partner_organisation_id", None)
        end = getattr(form, "end_date", None)
        details = order_services.OrderDetails(
            requirement_type=kind,
            court=admin_queries.court_by_id(form.court_id.data),
            start_date=form.start_date.data,
            end_date=end.data if end is not None else None,
            sessions_required=int(chosen.data) if chosen is not None and chosen.data else None,
            partner=partners.get(partner.data) if partner is not None else None,
            reference=form.reference.data,
            arrest_date=form.arrest_date.data,
            charge=form.charge.data or "",
            custody_drug_test=DrugTestResult(form.custody_drug_test.data),
            worker=admin_queries.user_by_id(form.worker_id.data),
        )
        try:
            case = order_services.open_order_case(
                actor=g.user, client=client, details=details, today=clock.today(), now=clock.now()
            )
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash(f"Case {case.reference} opened.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template(
        "cases/open_order.html",
        title=f"Open a case: {kind.name}",
        form=form,
        client=client,
        kind=kind,
        order=order,
        open_cases=queries.open_cases_of(client),
        check=flags.flagged(
            partnership.check_for_client(actor=g.user, client=client),
            seen_by=g.user,
            now=clock.now(),
        ),
    )


def _case_for_either(case_id: int) -> tuple[Case, bool]:
    """The case, held by the user's organisation or shared with it as partner; and whether
    the user's organisation holds it."""
    held = queries.case_for(g.user, case_id)
    if held is not None:
        return held, True
    shared = found_or_404(queries.partner_case_for(g.user, case_id), "case", case_id)
    return shared, False


def _back(case: Case, holds: bool) -> Response:
    if holds:
        return redirect(url_for("cases.show", case_id=case.id))
    return redirect(url_for("orders.shared"))


@bp.route("/cases/<int:case_id>/agreement", methods=["POST"])
@allow(*CASEWORKERS)
def agree(case_id: int) -> Response:
    """Record that the user's agency agrees to the case (each of the two, each audited)."""
    case, holds = _case_for_either(case_id)
    form = AgreementForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        both = order_services.record_agreement(case=case, actor=g.user, now=clock.now())
    except RuleBroken as error:
        flash(error.message)
    else:
        flash(
            "Both agencies have agreed: her sessions can now be booked."
            if both
            else "Your agreement is recorded. The other agency must agree too.",
            "success",
        )
    return _back(case, holds)


@bp.route("/cases/<int:case_id>/sessions/<int:number>/not-needed", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def lapse(case_id: int, number: int) -> Response | str:
    """The assessor records that a session is not needed (it then lapses)."""
    case, holds = _case_for_either(case_id)
    if order_services.lapsable_session(case, g.user) != number:
        flash("You cannot record that this session is not needed.")
        return _back(case, holds)
    form = LapseForm()
    if form.validate_on_submit():
        try:
            order_services.lapse_session(
                case=case,
                actor=g.user,
                number=number,
                reason=form.reason.data or "",
                now=clock.now(),
            )
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash("Recorded as not needed: it no longer counts towards compliance.", "success")
            return _back(case, holds)
    name = str(case.requirement_type.sessions[number - 1]["name"])
    return render_template(
        "cases/lapse.html",
        title=f"{name}: not needed",
        form=form,
        case=case,
        name=name,
        back=url_for("cases.show", case_id=case.id) if holds else url_for("orders.shared"),
    )


@bp.route("/shared")
@allow(*CASEWORKERS)
def shared() -> str:
    """Cases other agencies hold that name this one as partner: agreement to give, and the
    sessions this agency holds. Name and date of birth only; never notes or health."""
    cases = queries.shared_with(g.user)
    for case in cases:
        audit.record("case_viewed", object_type="case", object_id=case.id, client_id=case.client_id)
    lines = [
        {
            "case": case,
            "can_agree": order_services.can_agree(case, g.user),
            "lapsable": order_services.lapsable_session(case, g.user),
            "ours": [
                a for a in case.appointments if a.worker.organisation_id == g.user.organisation_id
            ],
        }
        for case in cases
    ]
    return render_template(
        "cases/shared.html", title="Shared with us", lines=lines, form=AgreementForm()
    )
