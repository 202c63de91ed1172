"""Sign-in and the signed-in user: sessions held on the server, found from the cookie's token.

The session cookie carries only a random token; the `user_session` row holds its SHA-256,
when it started, when it was last used and when both factors were through. Every request
loads that row and refuses it once it has ended, been idle for 30 minutes or lasted 12
hours. Ending the row ends the session wherever the cookie is: signing out, disabling the
account, a new password and a change of two-factor all end every session of the user.

Signing in takes two steps. The password starts a session that is only half signed in: it
can open the two-factor pages and sign out, nothing else. A code from her authenticator app
(or a recovery code) completes it; a new token is issued at each step. An account without
two-factor can set it up only in a session started by her set-up link
(diversion.accounts.invitations), never after a password alone.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import Flask, current_app, g, redirect, request, session, url_for
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.wrappers import Response

from diversion import audit, clock
from diversion.accounts import throttle, two_factor
from diversion.accounts.passwords import (
    DUMMY_HASH,
    TOO_EASY_TO_GUESS,
    hash_password,
    needs_rehash,
    too_weak,
    verify_password,
)
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.models import RecoveryCode, User, UserSession

# The only key the application keeps in the cookie (besides Flask-WTF's CSRF token).
TOKEN_KEY = "sid"  # noqa: S105  (a cookie key, not a secret)
# last_seen_at is written at most this often, not on every request.
SEEN_EVERY = timedelta(minutes=1)
# What a session waiting for its second factor may open; anything else sends it to the code.
HALF_SIGNED_IN_ENDPOINTS = frozenset(
    {
        "static",
        "home.health",
        "auth.sign_in",
        "auth.sign_out",
        "auth.two_factor",
        "auth.enrol",
        "auth.accept_invitation",
    }
)

# Why a session ended (user_session.ended_reason).
SIGNED_OUT = "signed_out"
IDLE = "idle"
EXPIRED = "expired"
DISABLED = "account_disabled"
REPLACED = "replaced"
PASSWORD_CHANGED = "password_changed"  # noqa: S105  (a reason, not a secret)
TWO_FACTOR_CHANGED = "two_factor_changed"
TWO_FACTOR_RESET = "two_factor_reset"
INVITATION_USED = "invitation_used"

WRONG_CURRENT_PASSWORD = "Current password is not correct"  # noqa: S105  (a message)
SET_UP_LINK_NEEDED = "Two-factor authentication can only be set up from a set-up link"


def token_hash(token: str) -> str:
    """What is stored for a session token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    lifetime = config["PERMANENT_SESSION_LIFETIME"]
    absolute = lifetime if isinstance(lifetime, timedelta) else timedelta(seconds=lifetime)
    return timedelta(seconds=config["SESSION_IDLE_SECONDS"]), absolute


def session_problem(
    row: UserSession, *, now: datetime, idle: timedelta, absolute: timedelta
) -> str | None:
    """Why a stored session can no longer be used, or None while it is live."""
    if row.ended_at is not None:
        return row.ended_reason or SIGNED_OUT
    if now - row.created_at > absolute:
        return EXPIRED
    if now - row.last_seen_at > idle:
        return IDLE
    if not row.user.active:
        return DISABLED
    return None


def _find_session(token: object) -> UserSession | None:
    if not isinstance(token, str) or not token:
        return None
    return db.session.scalar(
        select(UserSession)
        .options(joinedload(UserSession.user))
        .where(UserSession.token_hash == token_hash(token))
    )


def load_user() -> Response | None:
    """Before each request: put the signed-in user (or None) on g from the server's session.

    g.user is set only when both factors are through. A half-signed-in session puts its user
    on g.pending_user instead, and is sent to the two-factor page from anywhere else.
    """
    g.user = None
    g.pending_user = None
    g.user_session = None
    if request.endpoint == "static" or TOKEN_KEY not in session:
        return None
    row = _find_session(session.get(TOKEN_KEY))
    now = clock.now()
    idle, absolute = _limits()
    problem = (
        "unknown" if row is None else session_problem(row, now=now, idle=idle, absolute=absolute)
    )
    if row is None or problem is not None:
        if row is not None and row.ended_at is None:
            row.ended_at, row.ended_reason = now, problem
            db.session.commit()
        session.clear()
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
        db.session.commit()
    g.user_session = row
    if row.verified_at is None:
        g.pending_user = row.user
        if request.endpoint is not None and request.endpoint not in HALF_SIGNED_IN_ENDPOINTS:
            return redirect(url_for("auth.two_factor"))
        return None
    g.user = row.user
    return None


def find_user_by_email(email: str) -> User | None:
    """The account with this email address, compared without case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _issue_token(row: UserSession) -> None:
    """A new random token for the session, in the cookie and (hashed) on the row."""
    token = secrets.token_urlsafe(32)
    row.token_hash = token_hash(token)
    session.clear()
    session[TOKEN_KEY] = token
    session.permanent = True


def _end_this_browsers_session(now: datetime) -> None:
    row = _find_session(session.get(TOKEN_KEY))
    if row is not None and row.ended_at is None:
        row.ended_at, row.ended_reason = now, REPLACED


def end_sessions(*, user_id: int, reason: str, now: datetime, keep: int | None = None) -> None:
    """End every live session of a user (but `keep`, the id of the one she is using)."""
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep)
    db.session.execute(statement)


def end_calendar_feed(user: User, *, reason: str, actor_id: int | None = None) -> None:
    """Her calendar feed's secret address stops working, like her sessions: a new password,
    a disabled account, a two-factor reset. Part of the caller's transaction; audited (the
    reason, never the address) when there was one. She can make a new address."""
    if user.calendar_token_hash is not None:
        user.calendar_token_hash = user.calendar_token_created_at = None
        audit.add(
            "calendar_feed_revoked",
            user_id=actor_id,
            object_type="user",
            object_id=user.id,
            detail=reason,
        )


def _refused(action_detail: str, *, user_id: int | None = None) -> None:
    audit.add(
        "sign_in_failed",
        user_id=user_id,
        object_type="user" if user_id is not None else None,
        object_id=user_id,
        detail=action_detail,
    )


@transactional
def sign_in(*, email: str, password: str, now: datetime) -> User | None:
    """The first factor: check the password and start a half-signed-in session.

    Every refusal looks the same to her: unknown address, wrong password, disabled account
    and too many attempts (from this address, or at this account) all answer None.
    """
    if not throttle.allowed(email):
        _refused("too many attempts")
        return None
    user = find_user_by_email(email)
    if user is None:
        verify_password(DUMMY_HASH, password)
        throttle.count_failure(email)
        _refused("unknown account")
        return None
    if not verify_password(user.password_hash, password):
        throttle.count_failure(email)
        _refused("wrong password", user_id=user.id)
        return None
    if not user.active:
        _refused("account disabled", user_id=user.id)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    _start_half_signed_in(user, now=now)
    audit.add("sign_in_password", user_id=user.id, object_type="user", object_id=user.id)
    return user


def _start_half_signed_in(
    user: User, *, now: datetime, invitation_id: int | None = None
) -> UserSession:
    """A new session for this browser, waiting for its second factor; any old one ends."""
    _end_this_browsers_session(now)
    row = UserSession(
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        remote_addr=(request.remote_addr or "")[:64] or None,
        invitation_id=invitation_id,
    )
    _issue_token(row)
    db.session.add(row)
    return row


def _complete(row: UserSession, *, now: datetime, how: str) -> None:
    """Both factors are through: the session is signed in, under a new token."""
    row.verified_at = now
    row.last_seen_at = now
    row.user.last_login_at = now
    _issue_token(row)
    audit.add("sign_in", user_id=row.user_id, object_type="user", object_id=row.user_id, detail=how)
    throttle.count_success(row.user.email)


def _accept_step(user: User, step: int) -> bool:
    """Take an app code's time step as her last accepted one, if no request has taken it (or
    a later one) first. One statement compares and sets: reading her last step and then
    writing it would let two requests with the same code both read the old step and both pass.
    """
    taken = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    """Use up the recovery code she typed, if it is one of hers still unused.

    The codes are salted hashes, so the match is found by reading her unused ones; the code
    is then claimed with one statement that only an unused row matches, so that two requests
    bringing the same code cannot both use it.
    """
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    stored = next((c for c in unused if two_factor.recovery_code_matches(c.code_hash, code)), None)
    if stored is None:
        return False
    claimed = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == stored.id, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(stored, "used_at", now)
    audit.add("recovery_code_used", user_id=user.id, object_type="user", object_id=user.id)
    return True


@transactional
def verify_second_factor(*, code: str, now: datetime) -> bool:
    """The second factor for the half-signed-in session: an app code or a recovery code.

    Each code is accepted once only, even from two requests at the same moment: an app
    code's time step must be later than the last accepted, and a recovery code unused, at
    the instant a single UPDATE takes it. A code already taken counts as a wrong one.
    """
    row: UserSession | None = g.get("user_session")
    if row is None or row.verified_at is not None:
        return False
    user = row.user
    if user.totp_secret is None or user.totp_confirmed_at is None:
        return False
    if not throttle.allowed(user.email, throttle.Step.CODE):
        _refused("too many attempts", user_id=user.id)
        return False
    if two_factor.is_app_code(code):
        step = two_factor.accepted_step(
            user.totp_secret, code, now=now, last_step=user.totp_last_step
        )
        if step is not None and _accept_step(user, step):
            _complete(row, now=now, how="authenticator app")
            return True
    elif _use_recovery_code(user, code, now):
        _complete(row, now=now, how="recovery code")
        return True
    throttle.count_failure(user.email, throttle.Step.CODE)
    _refused("wrong code", user_id=user.id)
    return False


def unused_recovery_codes(user: User) -> int:
    """How many of her recovery codes are left."""
    return (
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def start_invited_session(user: User, *, invitation_id: int, now: datetime) -> UserSession:
    """Her set-up link was accepted: a half-signed-in session that may enrol two-factor.

    Part of the caller's transaction. Whatever session this browser had ends."""
    return _start_half_signed_in(user, now=now, invitation_id=invitation_id)


def may_enrol() -> bool:
    """Whether this half-signed-in session came through a set-up link: only such a session
    may enrol an authenticator app. A password alone never can (after a two-factor reset,
    she still knows her password; so might someone else)."""
    row: UserSession | None = g.get("user_session")
    return row is not None and row.verified_at is None and row.invitation_id is not None


@transactional
def enrolment_secret(user: User) -> str:
    """The secret she is setting up: a new one, unless one is already waiting to be confirmed."""
    if user.totp_confirmed_at is not None:
        raise RuleBroken("Two-factor authentication is already set up")
    if not may_enrol():
        raise RuleBroken(SET_UP_LINK_NEEDED)
    if not user.totp_secret:
        user.totp_secret = two_factor.new_secret()
    return user.totp_secret


def _replace_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = two_factor.new_recovery_codes()
    for code in codes:
        db.session.add(
            RecoveryCode(
                user_id=user.id, code_hash=two_factor.hash_recovery_code(code), created_at=now
            )
        )
    return codes


@transactional
def confirm_enrolment(*, code: str, now: datetime) -> list[str] | None:
    """Her first code proves the app is set up: two-factor is on and she is signed in.

    Returns her ten new recovery codes (to show once), or None when the code is wrong.
    Every other session of hers ends, as after any change of two-factor.
    """
    row: UserSession | None = g.get("user_session")
    if row is None or row.verified_at is not None or not may_enrol():
        return None
    user = row.user
    if user.totp_confirmed_at is not None or not user.totp_secret:
        return None
    if not throttle.allowed(user.email, throttle.Step.CODE):
        _refused("too many attempts", user_id=user.id)
        return None
    step = two_factor.accepted_step(user.totp_secret, code, now=now, last_step=user.totp_last_step)
    if step is None or not _accept_step(user, step):
        throttle.count_failure(user.email, throttle.Step.CODE)
        _refused("wrong code", user_id=user.id)
        return None
    user.totp_confirmed_at = now
    codes = _replace_recovery_codes(user, now)
    end_sessions(user_id=user.id, reason=TWO_FACTOR_CHANGED, now=now, keep=row.id)
    audit.add("two_factor_enrolled", user_id=user.id, object_type="user", object_id=user.id)
    _complete(row, now=now, how="authenticator app")
    return codes


def _check_current_password(user: User, password: str) -> None:
    if not throttle.allowed(user.email):
        raise RuleBroken(WRONG_CURRENT_PASSWORD, field="current_password")
    if not verify_password(user.password_hash, password):
        throttle.count_failure(user.email)
        raise RuleBroken(WRONG_CURRENT_PASSWORD, field="current_password")


def password_limits() -> tuple[int, int]:
    """The shortest and longest password allowed (config: PASSWORD_MIN/MAX_LENGTH)."""
    config = current_app.config
    return int(config["PASSWORD_MIN_LENGTH"]), int(config["PASSWORD_MAX_LENGTH"])


def check_new_password(password: str, *, name: str, email: str, field: str = "password") -> None:
    """Refuse a password that is too short, too long or too easy to guess for this person."""
    low, high = password_limits()
    if not low <= len(password) <= high:
        raise RuleBroken(f"Password must be between {low} and {high} characters", field=field)
    if too_weak(password, user_inputs=(name, email)):
        raise RuleBroken(TOO_EASY_TO_GUESS, field=field)


@transactional
def change_password(*, current_password: str, new_password: str, now: datetime) -> None:
    """She changes her own password: every other session of hers ends; this one goes on."""
    row: UserSession = g.user_session
    user = row.user
    _check_current_password(user, current_password)
    check_new_password(new_password, name=user.name, email=user.email, field="new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    end_sessions(user_id=user.id, reason=PASSWORD_CHANGED, now=now, keep=row.id)
    end_calendar_feed(user, reason=PASSWORD_CHANGED)
    _issue_token(row)
    audit.add("password_changed", object_type="user", object_id=user.id)


@transactional
def replace_recovery_codes(*, current_password: str, now: datetime) -> list[str]:
    """She asks for new recovery codes: the old ones stop working, other sessions end."""
    row: UserSession = g.user_session
    user = row.user
    _check_current_password(user, current_password)
    codes = _replace_recovery_codes(user, now)
    end_sessions(user_id=user.id, reason=TWO_FACTOR_CHANGED, now=now, keep=row.id)
    _issue_token(row)
    audit.add("recovery_codes_replaced", object_type="user", object_id=user.id)
    return codes


def clear_two_factor(user: User, *, now: datetime) -> None:
    """Take two-factor off an account (an administrator's reset): she sets it up again.

    Her recovery codes go; every session of hers and her calendar feed (a lost phone has
    it) end. Part of the caller's transaction, which audits the reset.
    """
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(user_id=user.id, reason=TWO_FACTOR_RESET, now=now)
    end_calendar_feed(user, reason=TWO_FACTOR_RESET)


@transactional
def sign_out(*, now: datetime) -> None:
    """End this session and every other session of the same user."""
    row: UserSession | None = g.get("user_session")
    if row is not None:
        end_sessions(user_id=row.user_id, reason=SIGNED_OUT, now=now)
        audit.add("sign_out", user_id=row.user_id, object_type="user", object_id=row.user_id)
    session.clear()
    g.user = None
    g.pending_user = None
    g.user_session = None


def init_app(app: Flask) -> None:
    """Load the user before the access check runs."""
    app.before_request(load_user)
