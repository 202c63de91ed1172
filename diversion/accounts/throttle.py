"""Sign-in throttling with Flask-Limiter: per address, and per account on failures.

Every sign-in and code attempt counts against the address it came from; every failure counts
against the account named (by the email address typed, so that unknown addresses are
throttled just like real ones). Over either limit, the attempt is refused with the same
message as a wrong password, so the limits tell an attacker nothing.

Counts live in Flask-Limiter's storage: memory in development (one process), and Redis or
Memcached in production through RATELIMIT_STORAGE_URI, so that every worker shares them.
Identifiers are keyed hashes, never the email address itself.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse, parse_many

EXTENSION = "diversion.accounts.throttle"


def init_app(app: Flask) -> None:
    """One limiter per app; RATELIMIT_ENABLED False (tests) switches throttling off."""
    limiter = Limiter(get_remote_address)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter


def _limiter() -> Limiter | None:
    limiter: Limiter | None = current_app.extensions.get(EXTENSION)
    if limiter is None or not limiter.enabled:
        return None
    return limiter


def _address_limits() -> list[RateLimitItem]:
    return parse_many(current_app.config["SIGN_IN_ADDRESS_LIMITS"])


def _account_limit() -> RateLimitItem:
    return parse(current_app.config["SIGN_IN_ACCOUNT_FAILURES"])


def _address() -> str:
    return request.remote_addr or "unknown"


def account_key(email: str) -> str:
    """The account's identifier in the limiter's storage: a keyed hash of the address."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def attempt_allowed_from_address() -> bool:
    """Count one attempt from this request's address; False once it is over a limit."""
    limiter = _limiter()
    if limiter is None:
        return True
    allowed = True
    for item in _address_limits():
        # Every limit is counted, so that a burst also uses up the hourly allowance.
        if not limiter.limiter.hit(item, "sign-in-address", _address()):
            allowed = False
    return allowed


def account_locked(email: str) -> bool:
    """True while the account has had too many recent failures to try again."""
    limiter = _limiter()
    if limiter is None:
        return False
    return not limiter.limiter.test(_account_limit(), "sign-in-account", account_key(email))


def count_account_failure(email: str) -> None:
    """Count one failed password or code against the account."""
    limiter = _limiter()
    if limiter is not None:
        limiter.limiter.hit(_account_limit(), "sign-in-account", account_key(email))
