"""Configuration: defaults in code, overridden by instance/config.py and the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

DEV_SECRET_KEY = "development-only-secret-key-never-used-in-production"  # noqa: S105

# Variables read from the environment when set (strings; a few are converted below).
ENV_KEYS = (
    "DATABASE_URL",
    "SECRET_KEY",
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
)

INT_KEYS = {"MAIL_PORT"}
BOOL_KEYS = {"MAIL_USE_TLS"}


class ConfigError(RuntimeError):
    """Raised at start-up when configuration is unsafe or incomplete."""


def defaults(instance_path: str) -> dict[str, Any]:
    """Settings used when nothing overrides them: a local development set-up."""
    return {
        "DIVERSION_ENV": "development",
        "DATABASE_URL": "sqlite:///" + str(Path(instance_path) / "diversion.sqlite"),
        "SECRET_KEY": None,
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
        if app.debug or app.config.get("DEBUG"):
            raise ConfigError("Debug mode must never be on in production.")
        app.config["SESSION_COOKIE_SECURE"] = True
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
    url = app.config["DATABASE_URL"]
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver this project installs.
        app.config["DATABASE_URL"] = "postgresql+psycopg://" + url[len("postgresql://") :]
