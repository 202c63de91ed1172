"""Sign-in throttling that slows guessing but never lets a stranger lock a worker out.

Only failures count: a wrong password, an unknown account, a wrong code (app or recovery)
and a wrong current password on her own account pages. A success never counts, so ten staff
signing in behind one court gateway never hold each other back. Three limits, each checked
before the password or code is:

- Per account and address (SIGN_IN_ACCOUNT_ADDRESS_FAILURES): a hard limit, e.g. 10
  failures in 15 minutes at one account from one address, then refusal until the oldest
  falls out of the window. It stops one address guessing at one account, and holds back
  only that address. It applies everywhere, her known addresses included.
- Per address (SIGN_IN_ADDRESS_FAILURES): a hard limit on failures from one address at
  any accounts, e.g. 20 a minute, 100 an hour, 300 a day. It stops one address spraying
  a common password across many accounts. IPv6 addresses count by their /64, which one
  machine can fill with addresses of its own.
- Per account, from anywhere (SIGN_IN_ACCOUNT_*): a growing delay, never a lock. After
  FREE failures within WINDOW seconds, the next attempt is refused until FIRST seconds
  after the latest failure; each further failure doubles the delay, up to CAP (a minute).
  A refused attempt checks nothing and counts nothing, so it never makes the delay longer.
  Guessing from many addresses is held to about one try a minute per account, while the
  worst a stranger can do is make her wait a minute. Passwords and codes keep separate
  counts: only someone who has her password can slow her code.

Known addresses. When she completes a sign-in (both factors) the address becomes known for
her account for SIGN_IN_KNOWN_ADDRESS_SECONDS (30 days, renewed at each sign-in). From a
known address neither the account-wide delay nor the address limits apply, only the
per-account-and-address one: so a stranger's failures from elsewhere, however many, never
stop her signing in from her office or the court gateway. Failures from a known address
still count towards all three limits. A stranger who shares her address (the same gateway)
is still held by the per-account-and-address limit, which can hold her back there too; from
another address she then meets at most the capped delay. The known mark is trusted only as
far as the address is: behind a proxy PROXY_HOPS must be right, or X-Forwarded-For could
claim any address.

Every refusal answers as a wrong password or code does (the services show one message).
Counts live in Flask-Limiter's storage, as moving windows of failure times: memory in
development (one process), Redis in production through RATELIMIT_STORAGE_URI, so that every
worker shares them. The delay is worked out from the stored failure times, so nothing ever
sleeps inside a request. Keys hold keyed hashes (HMAC-SHA256 under a key derived from
SECRET_KEY) of the email address and the address, never either in clear. If the store is
down, sign-in goes on unthrottled (fail open) and one line without personal data is logged.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse, parse_many
from limits.errors import StorageError
from limits.storage import MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter

EXTENSION = "diversion.accounts.throttle"
NAMESPACE = "sign-in"
# The most failures remembered per account within the window: far more than the delay
# needs (it reaches its cap within a dozen), so that the latest failure is always kept.
REMEMBERED_FAILURES = 1000

log = logging.getLogger(__name__)


class Step(StrEnum):
    """What was tried: the account-wide delay is counted separately for each."""

    PASSWORD = "password"  # noqa: S105  (a name, not a secret)
    CODE = "code"


def delay_after(failures: int, *, free: int, first: int, cap: int) -> int:
    """Seconds to wait after the latest failure, given the failures in the window.

    Nothing for the first `free`; then `first`, doubling with each further failure, up to `cap`.
    """
    if failures < free:
        return 0
    doublings = min(failures - free, 32)
    return min(first * 2**doublings, cap)


def init_app(app: Flask) -> None:
    """One limiter per app; RATELIMIT_ENABLED False (tests) switches throttling off."""
    limiter = Limiter(get_remote_address)
    limiter.init_app(app)
    if limiter.enabled and not isinstance(limiter.storage, MovingWindowSupport):
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI must name a store with moving windows (memory:// or redis://)"
        )
    app.extensions[EXTENSION] = limiter


@dataclass(frozen=True)
class _Keys:
    """Where one attempt's counts are kept: keyed hashes only."""

    account: str
    address: str
    pair: str
    known: str


def _digest(secret: bytes, *parts: str) -> str:
    return hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


def _address() -> str:
    """This request's address; an IPv6 address as its /64 network."""
    raw = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _keys(email: str) -> _Keys:
    secret = hmac.new(
        str(current_app.config["SECRET_KEY"]).encode(), b"sign-in throttle", hashlib.sha256
    ).digest()
    account, address = email.strip().lower(), _address()
    return _Keys(
        account=_digest(secret, "account", account),
        address=_digest(secret, "address", address),
        pair=_digest(secret, "pair", account, address),
        known=_digest(secret, "known", account, address),
    )


class _Throttle:
    """The three limits and the known mark, on one storage."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.windows = MovingWindowRateLimiter(storage)
        config = current_app.config
        self.pair_limit: RateLimitItem = parse(config["SIGN_IN_ACCOUNT_ADDRESS_FAILURES"])
        self.address_limits: list[RateLimitItem] = parse_many(config["SIGN_IN_ADDRESS_FAILURES"])
        self.free = int(config["SIGN_IN_ACCOUNT_FREE_FAILURES"])
        self.first = int(config["SIGN_IN_ACCOUNT_FIRST_DELAY"])
        self.cap = int(config["SIGN_IN_ACCOUNT_DELAY_CAP"])
        self.window = int(config["SIGN_IN_ACCOUNT_WINDOW"])
        self.known_for = int(config["SIGN_IN_KNOWN_ADDRESS_SECONDS"])

    @staticmethod
    def _failures_key(keys: _Keys, step: Step) -> str:
        return f"{NAMESPACE}/account/{step.value}/{keys.account}"

    @staticmethod
    def _known_key(keys: _Keys) -> str:
        return f"{NAMESPACE}/known/{keys.known}"

    def _failures_within(self, key: str, seconds: int) -> int:
        assert isinstance(self.storage, MovingWindowSupport)
        return self.storage.get_moving_window(key, REMEMBERED_FAILURES, seconds)[1]

    def _held(self, keys: _Keys, step: Step) -> bool:
        key = self._failures_key(keys, step)
        failures = self._failures_within(key, self.window)
        delay = delay_after(failures, free=self.free, first=self.first, cap=self.cap)
        # Held while the latest failure is less than `delay` seconds old.
        return delay > 0 and self._failures_within(key, delay) > 0

    def allowed(self, keys: _Keys, step: Step) -> bool:
        if not self.windows.test(self.pair_limit, NAMESPACE, "pair", keys.pair):
            return False
        if self.storage.get(self._known_key(keys)) > 0:
            return True
        for item in self.address_limits:
            if not self.windows.test(item, NAMESPACE, "address", keys.address):
                return False
        return not self._held(keys, step)

    def failed(self, keys: _Keys, step: Step) -> None:
        self.windows.hit(self.pair_limit, NAMESPACE, "pair", keys.pair)
        for item in self.address_limits:
            self.windows.hit(item, NAMESPACE, "address", keys.address)
        assert isinstance(self.storage, MovingWindowSupport)
        self.storage.acquire_entry(self._failures_key(keys, step), REMEMBERED_FAILURES, self.window)

    def succeeded(self, keys: _Keys) -> None:
        known = self._known_key(keys)
        self.storage.clear(known)  # so that the new entry lives its full time
        self.storage.incr(known, self.known_for)
        self.windows.clear(self.pair_limit, NAMESPACE, "pair", keys.pair)


def _throttle() -> _Throttle | None:
    limiter: Limiter | None = current_app.extensions.get(EXTENSION)
    if limiter is None or not limiter.enabled:
        return None
    return _Throttle(limiter.storage)


@contextmanager
def _store_errors_allowed(throttle: _Throttle) -> Iterator[None]:
    """Let a store that is down pass: sign-in goes on unthrottled, noted once per request."""
    base = throttle.storage.base_exceptions
    errors = (StorageError, *(base if isinstance(base, tuple) else (base,)))
    try:
        yield
    except errors as error:
        if not g.get("_throttle_store_down"):
            g._throttle_store_down = True
            log.warning(
                "sign-in throttling store unavailable (%s); going on without throttling",
                type(error).__name__,
            )


def allowed(email: str, step: Step = Step.PASSWORD) -> bool:
    """May this address try the account now? False means refuse, with the usual message."""
    throttle = _throttle()
    if throttle is None:
        return True
    with _store_errors_allowed(throttle):
        return throttle.allowed(_keys(email), step)
    return True


def count_failure(email: str, step: Step = Step.PASSWORD) -> None:
    """Count one wrong password, unknown account or wrong code, from this address."""
    throttle = _throttle()
    if throttle is not None:
        with _store_errors_allowed(throttle):
            throttle.failed(_keys(email), step)


def count_success(email: str) -> None:
    """She is through both factors here: this address becomes known for her account."""
    throttle = _throttle()
    if throttle is not None:
        with _store_errors_allowed(throttle):
            throttle.succeeded(_keys(email))
