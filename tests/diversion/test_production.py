"""Production configuration: never debug, never the development secret key, and an error page
that shows nothing of the service's insides (security.md 11 and 26)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask, request
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from diversion.access import public
from diversion.app import create_app
from diversion.config import DEV_SECRET_KEY, ConfigError

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
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "only-twenty-five-characters"}, "at least 32 characters"),
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
