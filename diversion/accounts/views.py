"""Sign in (password, then a code from her authenticator app), sign out, and her own account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from diversion import clock
from diversion.access import allow, public
from diversion.accounts import invitations, two_factor
from diversion.accounts import services as auth
from diversion.accounts.forms import (
    ChangePasswordForm,
    ChoosePasswordForm,
    CodeForm,
    EnrolForm,
    RecoveryCodesForm,
    SignInForm,
)
from diversion.errors import RuleBroken
from diversion.models import Role, User

bp = Blueprint("auth", __name__)

# One message for every failure of a step, whatever the reason (throttling included).
FAILURE = "Enter a correct email address and password"
CODE_FAILURE = "Enter a correct code"
# Few enough recovery codes left that she should get new ones.
LOW_RECOVERY_CODES = 3


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


def _next() -> str | None:
    return _safe_next(request.args.get("next"))


def _pending() -> User | None:
    """The user of a half-signed-in session: password through, code still to come."""
    user: User | None = g.get("pending_user")
    return user


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
        user = auth.sign_in(email=email, password=form.password.data or "", now=clock.now())
        if user is not None:
            step = "auth.two_factor" if user.totp_confirmed_at is not None else "auth.enrol"
            return redirect(url_for(step, next=_next()))
        form.email.errors = [FAILURE]
    return render_template("accounts/sign_in.html", form=form, title="Sign in")


@bp.route("/sign-in/code", methods=["GET", "POST"], endpoint="two_factor")
@public
def two_factor_code() -> Response | str:
    if g.get("user") is not None:
        return redirect(_next() or url_for("home.index"))
    user = _pending()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if user.totp_confirmed_at is None:
        return redirect(url_for("auth.enrol", next=_next()))
    form = CodeForm()
    if form.validate_on_submit():
        if auth.verify_second_factor(code=form.code.data or "", now=clock.now()):
            if not two_factor.is_app_code(form.code.data or ""):
                left = auth.unused_recovery_codes(user)
                advice = (
                    " Get new ones from your account page." if left <= LOW_RECOVERY_CODES else ""
                )
                flash(
                    f"You have {left} recovery code{'s' if left != 1 else ''} left.{advice}",
                    "success",
                )
            return redirect(_next() or url_for("home.index"))
        form.code.errors = [CODE_FAILURE]
    return render_template("accounts/two_factor.html", form=form, title="Enter your code")


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
@public
def enrol() -> Response | str:
    if g.get("user") is not None:
        return redirect(url_for("home.index"))
    user = _pending()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if user.totp_confirmed_at is not None:
        return redirect(url_for("auth.two_factor", next=_next()))
    if not auth.may_enrol():
        # Signed in with a password alone: an authenticator can only be added from her link.
        page = render_template("accounts/set_up_link_needed.html", title="Use your set-up link")
        return make_response(page, 403)
    form = EnrolForm()
    if form.validate_on_submit():
        codes = auth.confirm_enrolment(code=form.code.data or "", now=clock.now())
        if codes is not None:
            return render_template(
                "accounts/recovery_codes.html",
                title="Save your recovery codes",
                codes=codes,
                continue_to=_next() or url_for("home.index"),
            )
        form.code.errors = [CODE_FAILURE]
    secret = auth.enrolment_secret(user)
    return render_template(
        "accounts/enrol.html",
        form=form,
        title="Set up two-factor authentication",
        qr_code=two_factor.qr_code_svg(two_factor.provisioning_uri(secret, user.email)),
        secret=two_factor.grouped(secret),
    )


def _password_advice() -> str:
    low, high = auth.password_limits()
    return (
        f"From {low} to {high} characters. 3 or more unrelated words make a good password; "
        "not your name, your email address or a common password."
    )


def _link_gone() -> Response:
    """One page, and one status, for every link that cannot be used, whatever the reason."""
    page = render_template(
        "accounts/invitation_gone.html", title="This link has expired or has already been used"
    )
    return make_response(page, 404)


@bp.route("/invitation", methods=["GET", "POST"])
@public
def accept_invitation() -> Response | str:
    """Her set-up link: she chooses a password, then sets up two-factor (or enters a code).

    The token travels in the query string, which neither nginx's nor gunicorn's access log
    writes down (deploy/): a live link never lands in a log. The form posts back to the same
    address, token included."""
    token = request.args.get("token", "")
    try:
        user = invitations.open_link(token, now=clock.now())
    except invitations.LinkRefused:
        return _link_gone()
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            user = invitations.accept(token, password=form.password.data or "", now=clock.now())
        except invitations.LinkRefused:
            return _link_gone()
        except RuleBroken as error:
            form.password.errors = [error.message]
        else:
            step = "auth.two_factor" if user.totp_confirmed_at is not None else "auth.enrol"
            return redirect(url_for(step))
    form.password.description = _password_advice()
    return render_template(
        "accounts/invitation.html", form=form, title="Set up your account", email=user.email
    )


@bp.route("/sign-out", methods=["GET", "POST"])
@public
def sign_out() -> Response | str:
    """Anyone may sign out: a signed-in session, or one still waiting for its code."""
    signed_in = g.get("user") is not None or _pending() is not None
    if request.method == "POST":
        if signed_in:
            auth.sign_out(now=clock.now())
            flash("You have signed out.", "success")
        return redirect(url_for("auth.sign_in"))
    if not signed_in:
        return redirect(url_for("auth.sign_in"))
    return render_template("accounts/sign_out.html", title="Sign out")


@bp.route("/account")
@allow(*Role)
def account() -> str:
    return render_template(
        "accounts/account.html",
        title="Your account",
        recovery_codes_left=auth.unused_recovery_codes(g.user),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*Role)
def change_password() -> Response | str:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            auth.change_password(
                current_password=form.current_password.data or "",
                new_password=form.new_password.data or "",
                now=clock.now(),
            )
        except RuleBroken as error:
            field = form.new_password if error.field == "new_password" else form.current_password
            field.errors = [error.message]
        else:
            flash("Your password has been changed. You have been signed out elsewhere.", "success")
            return redirect(url_for("auth.account"))
    form.new_password.description = _password_advice()
    return render_template("accounts/change_password.html", form=form, title="Change your password")


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@allow(*Role)
def recovery_codes() -> Response | str:
    form = RecoveryCodesForm()
    if form.validate_on_submit():
        try:
            codes = auth.replace_recovery_codes(
                current_password=form.current_password.data or "", now=clock.now()
            )
        except RuleBroken as error:
            form.current_password.errors = [error.message]
        else:
            return render_template(
                "accounts/recovery_codes.html",
                title="Save your new recovery codes",
                codes=codes,
                continue_to=url_for("auth.account"),
            )
    return render_template(
        "accounts/new_recovery_codes.html", form=form, title="Get new recovery codes"
    )
