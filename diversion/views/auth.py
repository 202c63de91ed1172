"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from diversion import auth
from diversion.access import allow, public
from diversion.forms.auth import SignInForm
from diversion.models import Role

bp = Blueprint("auth", __name__)

FAILURE = "Enter a correct email address and password"


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an absolute URL to somewhere else."""
    if not target:
        return None
    # Browsers read a backslash as a slash and drop tabs and new lines, so "/\\evil.example"
    # would leave the site; a new line would also break the Location header.
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Response | str:
    if g.get("user") is not None and request.method == "GET":
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in email):
            # No account has such an address, and PostgreSQL refuses NUL in a query.
            email = ""
        user = auth.sign_in(email=email, password=form.password.data or "")
        if user is not None:
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
        form.email.errors = [FAILURE]
    return render_template("auth/sign_in.html", form=form, title="Sign in")


@bp.route("/sign-out", methods=["GET", "POST"])
@allow(*Role)
def sign_out() -> Response | str:
    if request.method == "POST":
        auth.sign_out()
        flash("You have signed out.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/sign_out.html", title="Sign out")
