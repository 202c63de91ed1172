"""Configuration: defaults in code, overridden by instance/config.py and the environment."""

from __future__ import annotations

import base64
import hashlib
import os
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
# A secret key shorter than this is guessable; 32 random characters carry well over
# the 128 bits a session signature needs.
MIN_SECRET_KEY_LENGTH = 32
MIN_LOOKUP_HASH_KEY_LENGTH = 32

# Variables read from the environment when set (strings; a few are converted below).
ENV_KEYS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "ENCRYPTION_KEYS",
    "LOOKUP_HASH_KEY",
    "PUBLIC_BASE_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_FROM",
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
    "RETENTION_MESSAGE_BODY_DAYS",
    "RETENTION_INBOUND_BODY_DAYS",
    "RETENTION_CLOSED_CASE_YEARS",
    "RETENTION_AUDIT_YEARS",
)

INT_KEYS = {
    "MAIL_PORT",
    "PROXY_HOPS",
    "RETENTION_MESSAGE_BODY_DAYS",
    "RETENTION_INBOUND_BODY_DAYS",
    "RETENTION_CLOSED_CASE_YEARS",
    "RETENTION_AUDIT_YEARS",
}
BOOL_KEYS = {"MAIL_USE_TLS"}


class ConfigError(RuntimeError):
    """Raised at start-up when configuration is unsafe or incomplete."""


def defaults(instance_path: str) -> dict[str, Any]:
    """Settings used when nothing overrides them: a local development set-up."""
    return {
        "DIVERSION_ENV": "development",
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
        # Sign-in throttling (diversion/accounts/throttle.py, Flask-Limiter). Memory suits one
        # process in development; production sets RATELIMIT_STORAGE_URI (redis://...) so that every
        # worker shares the counts.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        # If the limits' store (Redis) is down, sign-in still works rather than answering 500.
        "RATELIMIT_SWALLOW_ERRORS": True,
        # How many reverse proxies stand in front of the app: their X-Forwarded-For and
        # -Proto headers are trusted that many hops deep (throttling by address, audit
        # addresses, Secure cookies). 0 trusts none.
        "PROXY_HOPS": 0,
        "SIGN_IN_ADDRESS_LIMITS": "20 per minute; 100 per hour",
        "SIGN_IN_ACCOUNT_FAILURES": "10 per 15 minutes",
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
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(_from_environment())
    else:
        app.config.update(test_config)
    check(app)


def check(app: Flask) -> None:
    """Refuse to start production without secrets or with debug on; fill development gaps."""
    env = app.config["DIVERSION_ENV"]
    if env == "production":
        if not app.config.get("SECRET_KEY") or app.config["SECRET_KEY"] == DEV_SECRET_KEY:
            raise ConfigError("SECRET_KEY must be set to a long random value in production.")
        if len(str(app.config["SECRET_KEY"])) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters of random text "
                "in production (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if app.config.get("MAIL_SERVER") and not app.config.get("MAIL_USE_TLS"):
            raise ConfigError(
                "MAIL_SERVER is set without MAIL_USE_TLS: reports to the court and the CPS must "
                "not cross the network in clear text."
            )
        _check_encryption_keys(app)
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


def _check_encryption_keys(app: Flask) -> None:
    """Production: real keys for encryption at rest, held outside the database (security.md 15)."""
    keys = app.config.get("ENCRYPTION_KEYS")
    listed = keys.split(",") if isinstance(keys, str) else list(keys or [])
    listed = [key.strip() for key in listed if key and key.strip()]
    if not listed:
        raise ConfigError(
            "ENCRYPTION_KEYS must be set in production: one or more Fernet keys, newest first."
        )
    if DEV_ENCRYPTION_KEY in listed:
        raise ConfigError("ENCRYPTION_KEYS must not include the development key in production.")
    hash_key = app.config.get("LOOKUP_HASH_KEY")
    if not hash_key or hash_key == DEV_LOOKUP_HASH_KEY:
        raise ConfigError("LOOKUP_HASH_KEY must be set to a long random value in production.")
    if len(hash_key) < MIN_LOOKUP_HASH_KEY_LENGTH:
        raise ConfigError(
            f"LOOKUP_HASH_KEY must be at least {MIN_LOOKUP_HASH_KEY_LENGTH} characters long."
        )
