"""The monitoring report's pages: a manager's organisation, the partnership (commissioners
and managers), each table as CSV, and a manager's data-quality lists.

Every figure comes suppressed from diversion.monitoring.report; the charts are drawn from
the same published tables (diversion.monitoring.charts). The data-quality lists name women,
so they are for managers of her organisation only, and every view is audited.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, g, render_template, request
from markupsafe import Markup

from diversion import audit, clock
from diversion.access import allow
from diversion.formatting import format_date
from diversion.models import Role
from diversion.monitoring import quality
from diversion.monitoring.charts import Bar, bar_chart
from diversion.monitoring.queries import Period
from diversion.monitoring.report import Report, build_report
from diversion.monitoring.report_csv import csv_filename, csv_text, table_rows
from diversion.monitoring.report_forms import ReportForm, with_defaults
from diversion.monitoring.stats import percent, points
from diversion.monitoring.tables import Table

bp = Blueprint("monitoring", __name__)

PARTNERSHIP_READERS = (Role.MANAGER, Role.COMMISSIONER)


def _form() -> ReportForm:
    return ReportForm(formdata=with_defaults(request.args, clock.today()))


def _period(form: ReportForm) -> Period:
    first, last = form.date_from.data, form.date_to.data
    assert isinstance(first, date) and isinstance(last, date)
    return Period(first, last)


def chart_of(table: Table) -> Markup:
    """The table's bar chart, drawn from its published figures."""
    spec = table.spec
    figures = table.chart_figures()
    percent = any(figure.percent for _, figure in figures) or spec.chart.startswith("derived:")
    title = f"{spec.chart_title or spec.caption}, by {spec.row_heading.lower()}"
    return bar_chart(
        chart_id=f"chart-{spec.key}",
        title=title,
        description=(
            f"A bar for each {spec.row_heading.lower()}; a figure not shown has no bar. "
            f"The same figures are in the table \u201c{spec.caption}\u201d beside it."
        ),
        bars=[
            Bar(label, None if figure.value is None else float(figure.value), figure.text)
            for label, figure in figures
        ],
        maximum=1.0 if percent else None,
    )


def _page(*, report: Report | None, form: ReportForm, partnership: bool, heading: str) -> str:
    charts = {} if report is None else {key: chart_of(t) for key, t in report.tables.items()}
    return render_template(
        "monitoring/report.html",
        title=heading,
        heading=heading,
        form=form,
        report=report,
        charts=charts,
        percent=percent,
        points=points,
        partnership=partnership,
        is_manager=g.user.role is Role.MANAGER,
        csv_endpoint="monitoring.partnership_csv" if partnership else "monitoring.organisation_csv",
        period_args=(
            {}
            if report is None
            else {"from": report.period.first.isoformat(), "to": report.period.last.isoformat()}
            | ({"reminder": "any"} if report.any_reminder else {})
        ),
    )


@bp.route("/monitoring")
@allow(Role.MANAGER)
def organisation() -> str:
    """Her organisation's figures over a period (the last 12 months unless she chooses)."""
    form = _form()
    report = None
    if form.validate():
        report = build_report(
            scope=[g.user.organisation_id], period=_period(form), any_reminder=form.any_reminder
        )
    return _page(
        report=report,
        form=form,
        partnership=False,
        heading=f"Monitoring: {g.user.organisation.name}",
    )


@bp.route("/monitoring/partnership")
@allow(*PARTNERSHIP_READERS)
def partnership() -> str:
    """The partnership's figures, by organisation and in total."""
    form = _form()
    report = None
    if form.validate():
        report = build_report(scope=None, period=_period(form), any_reminder=form.any_reminder)
    return _page(report=report, form=form, partnership=True, heading="Monitoring: the partnership")


def _csv(report_of: str) -> Response:
    form = _form()
    if not form.validate():
        abort(400)
    key = request.args.get("table", "")
    period = _period(form)
    scope = None if report_of == "partnership" else [g.user.organisation_id]
    report = build_report(scope=scope, period=period, any_reminder=form.any_reminder)
    table = report.tables.get(key)
    if table is None:
        abort(404)
    audit.record(
        "monitoring_exported",
        detail=f"{report_of} table {key}, {period.first.isoformat()} to {period.last.isoformat()}",
    )
    return Response(
        csv_text(table_rows(table, report)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{csv_filename(report_of, key, period)}"'
        },
    )


@bp.route("/monitoring.csv")
@allow(Role.MANAGER)
def organisation_csv() -> Response:
    """One table of her organisation's report as CSV, suppressed as on the page."""
    return _csv("organisation")


@bp.route("/monitoring/partnership.csv")
@allow(*PARTNERSHIP_READERS)
def partnership_csv() -> Response:
    """One table of the partnership's report as CSV, suppressed as on the page."""
    return _csv("partnership")


@bp.route("/monitoring/data-quality")
@allow(Role.MANAGER)
def data_quality() -> str:
    """Her organisation's clients the texts cannot reach as things stand: no number, a last
    text that failed, a number two clients hold. Names: audited."""
    organisation_id = g.user.organisation_id
    without = quality.clients_without_number(organisation_id)
    failed = quality.last_text_failed(organisation_id)
    shared = quality.shared_numbers(organisation_id)
    ids = sorted(
        {p.client_id for p in without[: quality.LIMIT]}
        | {f.person.client_id for f in failed[: quality.LIMIT]}
        | {p.client_id for group in shared[: quality.LIMIT] for p in group}
    )
    audit.record_all(
        [
            audit.Entry(
                "data_quality_viewed",
                detail=(
                    f"no number {len(without)}, last text failed {len(failed)}, "
                    f"numbers held twice {len(shared)}"
                ),
            ),
            *(
                audit.Entry("data_quality_viewed", detail=detail)
                for detail in audit.id_details("clients", ids)
            ),
        ]
    )
    return render_template(
        "monitoring/report_data_quality.html",
        title="Data quality: texts",
        without=without,
        failed=failed,
        shared=shared,
        limit=quality.LIMIT,
        today=format_date(clock.today(), "plain"),
    )
