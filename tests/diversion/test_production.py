"""Production configuration: never debug, never the development secret key, and an error page
that shows nothing of the service's insides (security.md 11 and 26)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask, request
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from diversion.access import public
from diversion.app import create_app
from diversion.config import (
    DEV_ENCRYPTION_KEY,
    DEV_LOOKUP_HASH_KEY,
    DEV_SECRET_KEY,
    ENV_KEYS,
    MIN_KEY_ENTROPY_BITS,
    ConfigError,
    estimated_entropy_bits,
)

ROOT = Path(__file__).resolve().parents[2]
INTERNAL = "internal-detail-zq81 in module secretsauce"


def production(tmp_path: Path, **settings: object) -> Flask:
    values: dict[str, object] = {
        "DIVERSION_ENV": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite'}",
        "SECRET_KEY": "a-long-random-production-secret-key-for-this-test-only",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "LOOKUP_HASH_KEY": "a-long-random-lookup-hash-key-for-this-test-only",
    }
    values.update(settings)
    return create_app({key: value for key, value in values.items() if value is not None})


def test_production_starts_with_its_secrets_and_debug_off(tmp_path: Path) -> None:
    app = production(tmp_path)

    assert app.debug is False
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY is the published development value"),
        ({"SECRET_KEY": "only-twenty-five-characters"}, "SECRET_KEY is too short"),
        # 32 hex characters are 16 bytes, half what is needed, however long they look.
        ({"SECRET_KEY": "0123456789abcdef" * 2}, "SECRET_KEY is too short"),
        ({"SECRET_KEY": "ab" * 40}, "SECRET_KEY is too short or too regular"),
        ({"WEB_CONCURRENCY": 2}, "RATELIMIT_STORAGE_URI is memory:// with 2 web workers"),
        ({"DIVERSION_ENV": "staging"}, "DIVERSION_ENV must be 'production' or 'development'"),
        ({"MAIL_SERVER": "mail.example.org"}, "MAIL_SERVER is set without MAIL_USE_TLS"),
        (
            {"MAIL_SERVER": "mail.example.org", "MAIL_USE_TLS": False},
            "MAIL_SERVER is set without MAIL_USE_TLS",
        ),
        ({"DEBUG": True}, "Debug mode must never be on in production"),
    ],
)
def test_production_refuses_to_start(
    tmp_path: Path, settings: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        production(tmp_path, **settings)


def test_production_refuses_debug_switched_on_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")  # what `flask run --debug` sets

    with pytest.raises(ConfigError, match="Debug mode must never be on in production"):
        production(tmp_path)


@pytest.fixture
def failing_app(tmp_path: Path) -> Flask:
    app = production(tmp_path)

    @app.route("/explode")
    @public
    def explode() -> str:
        raise RuntimeError(INTERNAL)

    return app


def test_an_unexpected_error_in_production_shows_a_plain_page_and_no_internals(
    failing_app: Flask,
) -> None:
    response = failing_app.test_client().get("/explode", base_url="https://localhost")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    for internal in (INTERNAL, "Traceback", "RuntimeError", "explode", "File &#34;", 'File "'):
        assert internal not in page, internal
    assert response.headers["Cache-Control"] == "no-store"


def test_a_missing_page_in_production_is_plain_too(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/no/such/page", base_url="https://localhost")

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert "Traceback" not in page and "werkzeug" not in page.lower()


def test_behind_a_proxy_the_forwarded_address_is_trusted_only_as_configured(tmp_path) -> None:
    from tests.conftest import make_app

    def seen_address(app) -> str:
        @app.get("/__address")
        @public
        def address() -> str:
            return request.remote_addr or ""

        return (
            app.test_client()
            .get("/__address", headers={"X-Forwarded-For": "203.0.113.9"})
            .get_data(as_text=True)
        )

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert seen_address(make_app(tmp_path / "a")) == "127.0.0.1"
    assert seen_address(make_app(tmp_path / "b", PROXY_HOPS=1)) == "203.0.113.9"


def test_database_errors_never_carry_her_details_outside_development(tmp_path: Path) -> None:
    engine = production(tmp_path).extensions["diversion.db"][0]
    assert engine.hide_parameters is True
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE person (name TEXT UNIQUE)"))
        connection.execute(text("INSERT INTO person VALUES (:name)"), {"name": "Zqx Planted"})
    with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
        connection.execute(text("INSERT INTO person VALUES (:name)"), {"name": "Zqx Planted"})
    assert "Zqx Planted" not in str(raised.value)
    development = production(tmp_path, DIVERSION_ENV="development")
    assert development.extensions["diversion.db"][0].hide_parameters is False


def test_production_sends_mail_over_tls(tmp_path: Path) -> None:
    app = production(tmp_path, MAIL_SERVER="mail.example.org", MAIL_USE_TLS=True)
    assert app.config["MAIL_USE_TLS"] is True


def _start(tmp_path: Path, *command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a command of the installed service with only the given settings in its environment."""
    clean = {key: value for key, value in os.environ.items() if key not in ENV_KEYS}
    clean.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite'}", **env})
    return subprocess.run(
        [*command],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


FLASK = str(Path(sys.executable).parent / "flask")


@pytest.mark.parametrize(
    "command",
    [
        pytest.param([FLASK, "--app", "wsgi", "scheduler"], id="scheduler"),
        pytest.param([FLASK, "--app", "wsgi", "routes"], id="web app"),
    ],
)
def test_production_is_the_default_and_refuses_to_start_without_keys(
    tmp_path: Path, command: list[str]
) -> None:
    """No DIVERSION_ENV: production, so no development keys are filled in."""
    result = _start(tmp_path, *command)

    assert result.returncode == 4  # gunicorn's 'App failed to load'
    assert result.stderr.strip().splitlines() == [
        "Refusing to start: SECRET_KEY must be set in production "
        "(python -c 'import secrets; print(secrets.token_urlsafe(48))')."
    ]


def test_the_published_development_keys_are_refused_one_line_each(tmp_path: Path) -> None:
    good = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "LOOKUP_HASH_KEY": secrets.token_hex(32),
    }
    published = {
        "SECRET_KEY": DEV_SECRET_KEY,
        "ENCRYPTION_KEYS": DEV_ENCRYPTION_KEY,
        "LOOKUP_HASH_KEY": DEV_LOOKUP_HASH_KEY,
    }
    for name, value in published.items():
        result = _start(tmp_path, FLASK, "--app", "wsgi", "routes", **{**good, name: value})

        assert result.returncode == 4  # gunicorn's 'App failed to load', name
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"Refusing to start: {name} ")
        assert "development" in line

    started = _start(tmp_path, FLASK, "--app", "wsgi", "routes", **good)
    assert started.returncode == 0, started.stderr


def test_only_an_explicit_development_fills_in_development_keys(tmp_path: Path) -> None:
    result = _start(tmp_path, FLASK, "--app", "wsgi", "routes", DIVERSION_ENV="development")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "key", ["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"], ids=["hex32"]
)
def test_thirty_two_random_bytes_are_enough(key: str) -> None:
    assert estimated_entropy_bits(key) >= MIN_KEY_ENTROPY_BITS
    assert estimated_entropy_bits(secrets.token_urlsafe(32)) >= MIN_KEY_ENTROPY_BITS
    assert estimated_entropy_bits(secrets.token_urlsafe(24)) < MIN_KEY_ENTROPY_BITS
