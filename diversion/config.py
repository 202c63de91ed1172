"""Configuration: defaults in code, overridden by instance/config.py and the environment."""

from __future__ import annotations

import base64
import hashlib
import math
import os
import string
from pathlib import Path
from typing import Any

from flask import Flask

DEV_SECRET_KEY = "development-only-secret-key-never-used-in-production"  # noqa: S105
# Development and test keys for encryption at rest (diversion/crypto.py), derived from a
# published phrase: they protect nothing, and production refuses to start with them.
DEV_ENCRYPTION_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"development-only-encryption-key-never-used-in-production").digest()
).decode("ascii")
DEV_LOOKUP_HASH_KEY = "development-only-lookup-hash-key-never-used-in-production"
# Secret keys must carry at least 32 bytes of entropy: `secrets.token_hex(32)` (64 hex
# characters) or `secrets.token_urlsafe(32)` (43 characters) is the shortest that passes.
MIN_KEY_ENTROPY_BITS = 256
# A key drawing on fewer different characters than this is a pattern, not random text.
MIN_DISTINCT_CHARACTERS = 12
KEY_ADVICE = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"

# Variables read from the environment when set (strings; a few are converted below).
ENV_KEYS = (
    "DATABASE_URL",
    "DATABASE_OWNER_URL",
    "SECRET_KEY",
    "ENCRYPTION_KEYS",
    "LOOKUP_HASH_KEY",
    "PUBLIC_BASE_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_FROM",
    "TWILIO_API_BASE",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_FROM",
    "DIVERSION_ENV",
    "SMS_SENDER",
    "RATELIMIT_STORAGE_URI",
    "PROXY_HOPS",
    "WEB_CONCURRENCY",
    "RETENTION_MESSAGE_BODY_DAYS",
    "RETENTION_INBOUND_BODY_DAYS",
    "RETENTION_CLOSED_CASE_YEARS",
    "RETENTION_AUDIT_YEARS",
)

INT_KEYS = {
    "MAIL_PORT",
    "PROXY_HOPS",
    "WEB_CONCURRENCY",
    "RETENTION_MESSAGE_BODY_DAYS",
    "RETENTION_INBOUND_BODY_DAYS",
    "RETENTION_CLOSED_CASE_YEARS",
    "RETENTION_AUDIT_YEARS",
}
BOOL_KEYS = {"MAIL_USE_TLS"}


PRODUCTION = "production"
DEVELOPMENT = "development"


class ConfigError(RuntimeError):
    """Raised at start-up when configuration is unsafe or incomplete."""


def defaults(instance_path: str) -> dict[str, Any]:
    """Settings used when nothing overrides them.

    Production is the default, so that a forgotten setting fails closed: only an explicit
    DIVERSION_ENV=development (set by `make run` and the tests) fills in development keys.
    """
    return {
        "DIVERSION_ENV": PRODUCTION,
        "DATABASE_URL": "sqlite:///" + str(Path(instance_path) / "diversion.sqlite"),
        "SECRET_KEY": None,
        # Comma-separated Fernet keys, newest first, and the number look-up hash key
        # (diversion/crypto.py). Development fills in development keys; production
        # needs both.
        "ENCRYPTION_KEYS": None,
        "LOOKUP_HASH_KEY": None,
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        # "outbox" keeps texts in the service (development); "twilio" sends them.
        "SMS_SENDER": "outbox",
        "SERVICE_NAME": "Court diversion scheduler",
        "TIMEZONE": "Europe/London",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "PERMANENT_SESSION_LIFETIME": 12 * 60 * 60,
        "SESSION_IDLE_SECONDS": 30 * 60,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "PASSWORD_MIN_LENGTH": 12,
        "PASSWORD_MAX_LENGTH": 128,
        "INVITATION_HOURS": 24,
        # Sign-in throttling (diversion/accounts/throttle.py, Flask-Limiter's storage). Memory
        # suits one process in development; production sets RATELIMIT_STORAGE_URI (redis://...)
        # so that every worker shares the counts. Only failures count, never a success.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Passed to the Redis client (memory ignores them): a store that is down or unreachable
        # costs a sign-in a fraction of a second, and sign-in goes on without throttling.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        # Flask-Limiter's own hooks answer rather than fail when the store is down (throttle.py
        # catches the store's errors itself for sign-in).
        "RATELIMIT_SWALLOW_ERRORS": True,
        # How many reverse proxies stand in front of the app: their X-Forwarded-For and
        # -Proto headers are trusted that many hops deep (throttling by address, audit
        # addresses, Secure cookies). 0 trusts none.
        "PROXY_HOPS": 0,
        # How many web worker processes serve the app. gunicorn reads the same variable for
        # its default worker count, and gunicorn.conf.py sets it from the count it runs, so
        # that production can refuse per-process (memory://) throttling counts with several.
        "WEB_CONCURRENCY": 1,
        # Failures allowed from one address (an IPv6 /64) at any accounts, then a hard refusal;
        # an address where the account recently signed in is not held back by these.
        "SIGN_IN_ADDRESS_FAILURES": "20 per minute; 100 per hour; 300 per day",
        # Failures allowed at one account from one address, then a hard refusal.
        "SIGN_IN_ACCOUNT_ADDRESS_FAILURES": "10 per 15 minutes",
        # At one account from anywhere: a growing delay, never a lock. After FREE failures
        # (within WINDOW seconds) the next try waits FIRST seconds after the last failure,
        # doubling with each further failure up to CAP seconds. Separate counts for passwords
        # and for codes, so that a stranger's wrong passwords never hold up her code.
        "SIGN_IN_ACCOUNT_FREE_FAILURES": 5,
        "SIGN_IN_ACCOUNT_FIRST_DELAY": 2,
        "SIGN_IN_ACCOUNT_DELAY_CAP": 60,
        "SIGN_IN_ACCOUNT_WINDOW": 15 * 60,
        # An address she completed a sign-in from is known for this long (seconds): the
        # account-wide delay and the address limits do not apply to her there.
        "SIGN_IN_KNOWN_ADDRESS_SECONDS": 30 * 24 * 60 * 60,
        # Retention (security.md 13; diversion.privacy.retention): text-message bodies are erased
        # this many days after the appointment or hearing they are about (or after they were
        # due to go, when about neither); replies this many days after they arrived; a
        # client is anonymised this many years after her last case closed. Audit rows hold
        # ids only and are kept for RETENTION_AUDIT_YEARS (shown, not acted on here).
        "RETENTION_MESSAGE_BODY_DAYS": 90,
        "RETENTION_INBOUND_BODY_DAYS": 90,
        "RETENTION_CLOSED_CASE_YEARS": 6,
        "RETENTION_AUDIT_YEARS": 6,
    }


def _from_environment() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ENV_KEYS:
        value = os.environ.get(key)
        if value is None or value == "":
            continue
        if key in INT_KEYS:
            out[key] = int(value)
        elif key in BOOL_KEYS:
            out[key] = value.strip().lower() in {"1", "true", "yes", "on"}
        else:
            out[key] = value
    return out


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config in order: defaults, instance/config.py, environment, test_config."""
    app.config.from_mapping(defaults(app.instance_path))
    # The environment chooses development for every way of building the app, the tests'
    # included; a test may still ask for production in its own settings.
    if os.environ.get("DIVERSION_ENV"):
        app.config["DIVERSION_ENV"] = os.environ["DIVERSION_ENV"]
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(_from_environment())
    else:
        app.config.update(test_config)
    check(app)


def check(app: Flask) -> None:
    """Refuse to start production without secrets or with debug on; fill development gaps."""
    env = app.config["DIVERSION_ENV"]
    if env not in (PRODUCTION, DEVELOPMENT):
        raise ConfigError(f"DIVERSION_ENV must be {PRODUCTION!r} or {DEVELOPMENT!r}, not {env!r}.")
    if env == PRODUCTION:
        _check_key("SECRET_KEY", app.config.get("SECRET_KEY"), DEV_SECRET_KEY)
        if app.config.get("MAIL_SERVER") and not app.config.get("MAIL_USE_TLS"):
            raise ConfigError(
                "MAIL_SERVER is set without MAIL_USE_TLS: reports to the court and the CPS must "
                "not cross the network in clear text."
            )
        _check_encryption_keys(app)
        _check_throttle_storage(app)
        if app.debug or app.config.get("DEBUG"):
            raise ConfigError("Debug mode must never be on in production.")
        app.config["SESSION_COOKIE_SECURE"] = True
    else:
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = DEV_SECRET_KEY
        if not app.config.get("ENCRYPTION_KEYS"):
            app.config["ENCRYPTION_KEYS"] = DEV_ENCRYPTION_KEY
        if not app.config.get("LOOKUP_HASH_KEY"):
            app.config["LOOKUP_HASH_KEY"] = DEV_LOOKUP_HASH_KEY
    url = app.config["DATABASE_URL"]
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver this project installs.
        app.config["DATABASE_URL"] = "postgresql+psycopg://" + url[len("postgresql://") :]
    # The role migrations run as (security.md 29); unset, they run as DATABASE_URL.
    owner_url = app.config.get("DATABASE_OWNER_URL")
    if owner_url and owner_url.startswith("postgresql://"):
        app.config["DATABASE_OWNER_URL"] = (
            "postgresql+psycopg://" + owner_url[len("postgresql://") :]
        )


def estimated_entropy_bits(value: str) -> float:
    """A generous estimate of a key's entropy: its length times the bits per character of the
    character classes it draws on (hex digits, letters, digits, punctuation).

    It cannot prove a key random; it catches the keys people actually mistype into a
    config file: short ones, repeated patterns and words (a key of few distinct characters
    counts for nothing).
    """
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return 0.0
    if all(c in string.hexdigits for c in value) and value == value.lower():
        alphabet = 16
    else:
        alphabet = 0
        for chars in (string.ascii_lowercase, string.ascii_uppercase, string.digits):
            if any(c in chars for c in value):
                alphabet += len(chars)
        if any(not c.isalnum() for c in value):
            alphabet += 32
    return len(value) * math.log2(alphabet)


def _check_key(name: str, value: object, development_value: str) -> None:
    """One line naming the key when it is missing, a published value, or too short."""
    if not value:
        raise ConfigError(f"{name} must be set in production ({KEY_ADVICE}).")
    if value == development_value:
        raise ConfigError(
            f"{name} is the published development value: set a new random one ({KEY_ADVICE})."
        )
    bits = estimated_entropy_bits(str(value))
    if bits < MIN_KEY_ENTROPY_BITS:
        raise ConfigError(
            f"{name} is too short or too regular: about {int(bits)} bits where "
            f"{MIN_KEY_ENTROPY_BITS} (32 bytes) are needed ({KEY_ADVICE})."
        )


def _check_throttle_storage(app: Flask) -> None:
    """Several workers must share their sign-in counts, or each keeps its own allowance."""
    storage = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    workers = int(app.config.get("WEB_CONCURRENCY") or 1)
    if storage.startswith("memory://") and workers > 1:
        raise ConfigError(
            f"RATELIMIT_STORAGE_URI is memory:// with {workers} web workers: each would keep "
            "its own sign-in counts; set it to the shared Redis (redis://127.0.0.1:6379/0)."
        )


def _check_encryption_keys(app: Flask) -> None:
    """Production: real keys for encryption at rest, held outside the database (security.md 15)."""
    keys = app.config.get("ENCRYPTION_KEYS")
    listed = keys.split(",") if isinstance(keys, str) else list(keys or [])
    listed = [key.strip() for key in listed if key and key.strip()]
    if not listed:
        raise ConfigError(
            "ENCRYPTION_KEYS must be set in production: one or more Fernet keys, newest first "
            "(python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        )
    if DEV_ENCRYPTION_KEY in listed:
        raise ConfigError(
            "ENCRYPTION_KEYS includes the published development key: generate a new one."
        )
    _check_key("LOOKUP_HASH_KEY", app.config.get("LOOKUP_HASH_KEY"), DEV_LOOKUP_HASH_KEY)
