"""Where each role lands after signing in."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from diversion import clock
from diversion.access import CASEWORKERS, allow, public
from diversion.cases import queries, texts
from diversion.court.schedule import report_lines
from diversion.home import queries as home_queries
from diversion.models import Role

bp = Blueprint("home", __name__)


@bp.route("/")
@allow(*Role)
def index() -> Response:
    user = g.user
    if user.role in CASEWORKERS:
        return redirect(url_for("home.caseload"))
    if user.role is Role.ADMIN:
        return redirect(url_for("admin.index"))
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
        unread_replies=texts.unread_reply_count(g.user),
    )


@bp.route("/healthz")
@public
def health() -> tuple[str, int, dict[str, str]]:
    """For the proxy or load balancer: 200 while the database answers, else 503. No data."""
    headers = {"Content-Type": "text/plain"}
    if not home_queries.database_answers():
        return "database unavailable", 503, headers
    return "ok", 200, headers
