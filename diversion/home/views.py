"""Where each role lands after signing in."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from diversion import clock
from diversion.access import CASEWORKERS, allow, found_or_404, public
from diversion.admin import queries as admin_queries
from diversion.cases import calls, queries, texts
from diversion.court.schedule import report_lines
from diversion.fields import query_id
from diversion.home import overview as overview_filter
from diversion.home import queries as home_queries
from diversion.models import Role
from diversion.web import menu_counts

bp = Blueprint("home", __name__)


@bp.route("/")
@allow(*Role)
def index() -> Response:
    user = g.user
    if user.role in CASEWORKERS:
        return redirect(url_for("home.caseload"))
    if user.role is Role.ADMIN:
        return redirect(url_for("admin.index"))
    if user.role is Role.COMMISSIONER:
        return redirect(url_for("monitoring.partnership"))
    # Court liaison and the CPS: the sitting-day lists of their courts.
    return redirect(url_for("court.index"))


@bp.route("/home")
@allow(*CASEWORKERS)
def caseload() -> str:
    now = clock.now()
    today = clock.today()
    cases = queries.caseload(g.user, today=today)
    waiting = queries.appointments_awaiting_outcome(g.user, now=now)
    reports = report_lines([line.case for line in cases.report_due], now=now)
    return render_template(
        "home/caseload.html",
        title="Home",
        caseload=cases,
        today=today,
        waiting=waiting,
        reports=reports,
        text_problems=texts.messages_needing_attention(g.user, now=now),
        unread_replies=menu_counts(g.user).unread_replies,
        calls=calls.open_tasks_for(g.user),
    )


@bp.route("/home/calls/<int:task_id>/done", methods=["POST"])
@allow(*CASEWORKERS)
def call_done(task_id: int) -> Response:
    """The worker made the call a task asked for: it leaves her home page."""
    task = found_or_404(calls.task_for(g.user, task_id), "worker_task", task_id)
    calls.mark_done(actor=g.user, task=task, now=clock.now())
    flash("Marked as done.", "success")
    return redirect(url_for("home.caseload") + "#texts-need-you")


@bp.route("/caseload")
@allow(*CASEWORKERS)
def overview() -> str:
    """Every open case with its progress: a manager's team (or one worker), a worker's own."""
    now = clock.now()
    today = clock.today()
    manager = g.user.role is Role.MANAGER
    workers = admin_queries.caseworkers(g.user.organisation_id) if manager else []
    worker_id = query_id("worker")
    if worker_id is not None and worker_id not in {w.id for w in workers}:
        abort(404)
    choice = request.args.get("show", "all")
    if choice not in overview_filter.SHOW_CHOICES:
        choice = "all"
    lines = queries.caseload_progress(g.user, today=today, worker_id=worker_id)
    reports = report_lines([line.case for line in lines], now=now)
    return render_template(
        "home/overview.html",
        title="Caseload",
        lines=[
            line for line in lines if overview_filter.shown(line, reports.get(line.case.id), choice)
        ],
        counts=overview_filter.counts(lines, reports),
        choices=overview_filter.SHOW_CHOICES,
        choice=choice,
        reports=reports,
        workers=workers,
        worker_id=worker_id,
        today=today,
    )


@bp.route("/healthz")
@public
def health() -> tuple[str, int, dict[str, str]]:
    """For the proxy or load balancer: 200 while the database answers, else 503. No data."""
    headers = {"Content-Type": "text/plain"}
    if not home_queries.database_answers():
        return "database unavailable", 503, headers
    return "ok", 200, headers
