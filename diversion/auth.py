"""Sign-in and the signed-in user: loaded from the session cookie before every request."""

from __future__ import annotations

import time as _time

from flask import Flask, current_app, g, session
from sqlalchemy import func, select

from diversion import audit
from diversion.db import db, transactional
from diversion.models import User, utcnow
from diversion.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password


def load_user() -> None:
    """Put the signed-in user (or None) on g; end sessions that are idle, too old or revoked."""
    g.user = None
    user_id = session.get("uid")
    if user_id is None:
        return
    now = _time.time()
    idle_limit = current_app.config["SESSION_IDLE_SECONDS"]
    absolute_limit = current_app.config["PERMANENT_SESSION_LIFETIME"]
    started = session.get("started", 0)
    seen = session.get("seen", 0)
    if now - seen > idle_limit or now - started > absolute_limit:
        session.clear()
        return
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != session.get("sv"):
        session.clear()
        return
    session["seen"] = int(now)
    g.user = user


def find_user_by_email(email: str) -> User | None:
    """The account with this email address, compared without case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


@transactional
def sign_in(*, email: str, password: str) -> User | None:
    """Check credentials; on success start a session. One generic failure for every reason."""
    user = find_user_by_email(email)
    if user is None:
        verify_password(DUMMY_HASH, password)
        audit.add("sign_in_failed", detail="unknown account")
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        audit.add("sign_in_failed", user_id=user.id, object_type="user", object_id=user.id)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.add("sign_in", user_id=user.id, object_type="user", object_id=user.id)
    session.clear()
    now = int(_time.time())
    session.update({"uid": user.id, "sv": user.session_version, "started": now, "seen": now})
    session.permanent = True
    return user


@transactional
def sign_out() -> None:
    """End this session."""
    user = g.get("user")
    if user is not None:
        audit.add("sign_out", object_type="user", object_id=user.id)
    session.clear()
    g.user = None


def init_app(app: Flask) -> None:
    """Load the user before the access check runs."""
    app.before_request(load_user)
