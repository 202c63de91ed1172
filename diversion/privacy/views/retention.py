"""Retention and the processing register: what the retention job will erase, and why each
column of personal data is held."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from diversion import audit, clock
from diversion.access import allow
from diversion.models import Role
from diversion.privacy import erasure as retention_service
from diversion.privacy import register

bp = Blueprint("retention", __name__)

OUTLOOK_DAYS = 30


@bp.route("/retention")
@allow(Role.MANAGER)
def index() -> str:
    periods = retention_service.configured_periods()
    outlook = retention_service.outlook(
        organisation_id=g.user.organisation_id,
        now=clock.now(),
        periods=periods,
        days=OUTLOOK_DAYS,
    )
    audit.record("retention_viewed")
    return render_template(
        "privacy/retention/index.html",
        title="Retention",
        outlook=outlook,
        periods=periods,
        days=OUTLOOK_DAYS,
        runs=retention_service.recent_runs(),
    )


@bp.route("/retention/register")
@allow(Role.MANAGER, Role.ADMIN)
def processing_register() -> str:
    return render_template(
        "privacy/retention/register.html",
        title="Processing register",
        tables=register.by_table(),
    )
