"""Her monitoring data: the dated history of her answers and the form to record a new set.

For her caseworkers only (workers and managers of the organisation that holds her file);
another organisation's client answers 404 and the court, the CPS, administrators and
commissioners are refused. Every view and every recording is audited with ids only.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from diversion import audit, clock
from diversion.access import CASEWORKERS, allow, found_or_404
from diversion.cases import queries as case_queries
from diversion.errors import RuleBroken
from diversion.models import Case, Client
from diversion.monitoring import records
from diversion.monitoring import services as monitoring
from diversion.monitoring.forms import MonitoringForm

bp = Blueprint("monitoring_records", __name__)


def _answers(form: MonitoringForm) -> monitoring.MonitoringAnswers:
    return monitoring.MonitoringAnswers(
        work_pattern=form.work_pattern.data or "",
        contacts=form.contacts.data or "",
        housing_status=form.housing_status.data or "",
        known_previously=form.known_previously.data or "",
        age_band=form.age_band.data or "",
        ethnicity=form.ethnicity.data or "",
        drug_use=tuple(form.drug_use.data or ()),
    )


def _chosen_case(cases: list[Case], case_id: int | None) -> Case | None:
    return next((case for case in cases if case.id == case_id), None)


def _put_error(form: MonitoringForm, error: RuleBroken) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        field = form.recorded_on
    field.errors = [*field.errors, error.message]


@bp.route("/clients/<int:client_id>/monitoring", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def record(client_id: int) -> Response | str:
    client: Client = found_or_404(case_queries.client_for(g.user, client_id), "client", client_id)
    today = clock.today()
    cases = records.open_cases_of(client)
    defaults = {"recorded_on": today, "case_id": cases[0].id if len(cases) == 1 else None}
    form = MonitoringForm(
        today=today, cases=cases, data=defaults if request.method == "GET" else None
    )
    if form.validate_on_submit():
        try:
            monitoring.record_monitoring(
                actor=g.user,
                client=client,
                recorded_on=form.recorded_on.data,
                answers=_answers(form),
                case=_chosen_case(cases, form.case_id.data),
                today=today,
            )
        except RuleBroken as error:
            _put_error(form, error)
        else:
            flash("Monitoring data saved.", "success")
            return redirect(
                url_for("monitoring_records.record", client_id=client.id, _anchor="history"),
                code=303,
            )
    # Her answers are shown with the form: a view of her special category data.
    audit.record(
        "monitoring_viewed", object_type="client", object_id=client.id, client_id=client.id
    )
    return render_template(
        "monitoring/record.html",
        title=f"Monitoring data: {client.full_name}",
        client=client,
        form=form,
        cases=cases,
        history=records.history_of(client),
    )
