"""Administration: courts, venues, requirement types and user accounts."""

from __future__ import annotations

from flask import Blueprint, render_template

from diversion.access import allow
from diversion.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("")
@allow(Role.ADMIN)
def index() -> str:
    return render_template("admin/index.html", title="Administration")
