"""Signing in and out: one generic failure, safe redirects, audited, sessions that end."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.models import AuditEvent, User
from diversion.passwords import hash_password
from tests.conftest import World, sign_in
from tests.factories import PASSWORD, Factory

FAILURE = "Enter a correct email address and password"
SIGNED_IN_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def error_summary(response) -> list[str]:
    """The messages listed in the GOV.UK error summary at the top of the page."""
    html = response.get_data(as_text=True)
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if block is None:
        return []
    return [unescape(m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", block.group(1), re.S)]


def session_user_id(web: FlaskClient) -> int | None:
    with web.session_transaction() as session:
        return session.get("uid")


def audit_rows(make: Factory) -> list[AuditEvent]:
    make.session.expire_all()
    return list(make.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def is_signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_signing_in_with_the_right_password_lands_on_home(web: FlaskClient, world: World) -> None:
    response = web.post(
        "/sign-in", data={"email": world.worker.email, "password": PASSWORD}, follow_redirects=True
    )

    assert response.status_code == 200
    assert response.request.path == "/home"
    assert "Your cases" in response.get_data(as_text=True)
    assert session_user_id(web) == world.worker.id


def test_email_address_is_matched_without_regard_to_case_or_spaces(
    web: FlaskClient, world: World
) -> None:
    response = web.post(
        "/sign-in", data={"email": f"  {world.worker.email.upper()} ", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert session_user_id(web) == world.worker.id


@pytest.mark.parametrize("reason", ["wrong password", "unknown email", "disabled account"])
def test_every_failed_sign_in_shows_the_same_single_generic_message(
    web: FlaskClient, world: World, make: Factory, reason: str
) -> None:
    email, password = world.worker.email, PASSWORD
    if reason == "wrong password":
        password = "not the password at all"
    elif reason == "unknown email":
        email = "nobody@example.test"
    else:
        user = make.session.get(User, world.worker.id)
        user.active = False
        make.session.commit()

    response = web.post("/sign-in", data={"email": email, "password": password})

    assert response.status_code == 200
    assert error_summary(response) == [FAILURE]
    html = response.get_data(as_text=True)
    assert "<title>Error: Sign in" in html
    assert "disabled" not in html.lower()
    assert "not found" not in html.lower()
    assert session_user_id(web) is None
    assert is_signed_out(web.get("/home"))


def test_a_failed_sign_in_keeps_the_email_but_never_the_password(
    web: FlaskClient, world: World
) -> None:
    response = web.post(
        "/sign-in", data={"email": world.worker.email, "password": "typed-secret-value"}
    )

    html = response.get_data(as_text=True)
    assert f'value="{world.worker.email}"' in html
    assert "typed-secret-value" not in html


def test_missing_email_and_password_are_asked_for(web: FlaskClient, world: World) -> None:
    response = web.post("/sign-in", data={"email": "", "password": ""})

    assert response.status_code == 200
    assert error_summary(response) == ["Enter your email address", "Enter your password"]
    assert session_user_id(web) is None


def test_next_takes_her_back_to_the_page_she_asked_for(web: FlaskClient, world: World) -> None:
    asked = web.get("/clients")
    assert asked.status_code == 302
    sign_in_url = asked.headers["Location"]
    assert sign_in_url == "/sign-in?next=/clients"

    response = web.post(sign_in_url, data={"email": world.worker.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/clients"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "/\r\nSet-Cookie: x=1",
        "https:/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_next_never_sends_her_to_another_site(web: FlaskClient, world: World, target: str) -> None:
    response = web.post(
        "/sign-in",
        query_string={"next": target},
        data={"email": world.worker.email, "password": PASSWORD},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert session_user_id(web) == world.worker.id


def test_signing_out_with_a_post_ends_the_session(
    web: FlaskClient, world: World, make: Factory
) -> None:
    sign_in(web, world.worker)
    assert web.get("/home").status_code == 200

    response = web.post("/sign-out", follow_redirects=True)

    assert response.request.path == "/sign-in"
    assert "You have signed out." in response.get_data(as_text=True)
    assert session_user_id(web) is None
    assert is_signed_out(web.get("/home"))
    assert [row.action for row in audit_rows(make)][-1] == "sign_out"


def test_opening_the_sign_out_page_does_not_sign_her_out(web: FlaskClient, world: World) -> None:
    sign_in(web, world.worker)

    page = web.get("/sign-out")

    assert page.status_code == 200
    assert '<form method="post">' in page.get_data(as_text=True)
    assert web.get("/home").status_code == 200


def test_a_password_of_64_or_more_characters_works(
    web: FlaskClient, world: World, make: Factory
) -> None:
    long_password = "Correct horse battery staple, " * 4 + "ünïcödé and spaces ✓"
    assert len(long_password) >= 64
    user = make.session.get(User, world.worker.id)
    user.password_hash = hash_password(long_password)
    make.session.commit()

    web.post("/sign-in", data={"email": world.worker.email, "password": long_password[:-1]})
    assert session_user_id(web) is None

    response = web.post("/sign-in", data={"email": world.worker.email, "password": long_password})
    assert response.status_code == 302
    assert session_user_id(web) == world.worker.id


def test_sign_ins_and_failures_are_audited_without_the_password(
    web: FlaskClient, world: World, make: Factory
) -> None:
    wrong = "a-wrong-password-to-look-for"
    web.post("/sign-in", data={"email": world.worker.email, "password": wrong})
    web.post("/sign-in", data={"email": "unknown.person@example.test", "password": wrong})
    web.post("/sign-in", data={"email": world.worker.email, "password": PASSWORD})

    rows = audit_rows(make)
    assert [(row.action, row.user_id) for row in rows] == [
        ("sign_in_failed", world.worker.id),
        ("sign_in_failed", None),
        ("sign_in", world.worker.id),
    ]
    assert all(row.occurred_at is not None and row.remote_addr for row in rows)
    for row in rows:
        for column in AuditEvent.__table__.columns:
            value = str(getattr(row, column.key))
            assert wrong not in value
            assert PASSWORD not in value
            assert "unknown.person" not in value


def test_a_session_idle_for_more_than_30_minutes_ends(web: FlaskClient, world: World) -> None:
    with time_machine.travel(SIGNED_IN_AT, tick=False) as clock:
        sign_in(web, world.worker)
        clock.shift(timedelta(minutes=29))
        assert web.get("/home").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert web.get("/home").status_code == 200

        clock.shift(timedelta(minutes=30, seconds=1))
        response = web.get("/home")

    assert is_signed_out(response)
    assert session_user_id(web) is None


def test_a_session_older_than_12_hours_ends_even_when_she_keeps_working(
    web: FlaskClient, world: World
) -> None:
    with time_machine.travel(SIGNED_IN_AT, tick=False) as clock:
        sign_in(web, world.worker)
        for _ in range(12 * 60 // 25):  # a request every 25 minutes: never idle
            clock.shift(timedelta(minutes=25))
            assert web.get("/home").status_code == 200
        clock.move_to(SIGNED_IN_AT + timedelta(hours=12, minutes=1))
        response = web.get("/home")

    assert is_signed_out(response)


def test_bumping_the_session_version_ends_her_sessions(
    web: FlaskClient, world: World, make: Factory
) -> None:
    sign_in(web, world.worker)
    assert web.get("/home").status_code == 200

    user = make.session.get(User, world.worker.id)
    user.session_version += 1
    make.session.commit()

    assert is_signed_out(web.get("/home"))
    assert session_user_id(web) is None


def test_disabling_an_account_ends_its_sessions(
    web: FlaskClient, world: World, make: Factory
) -> None:
    sign_in(web, world.worker)

    user = make.session.get(User, world.worker.id)
    user.active = False
    make.session.commit()

    assert is_signed_out(web.get("/home"))


def test_a_signed_in_user_opening_sign_in_goes_home(web: FlaskClient, world: World) -> None:
    sign_in(web, world.manager)

    response = web.get("/sign-in")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_session_cookie_cannot_be_read_by_scripts(app: Flask, world: World) -> None:
    web = app.test_client()
    response = web.post("/sign-in", data={"email": world.worker.email, "password": PASSWORD})

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_an_email_address_with_control_characters_fails_like_any_other(
    web: FlaskClient, world: World
) -> None:
    response = web.post(
        "/sign-in", data={"email": world.worker.email + "\x00", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert error_summary(response) == [FAILURE]
    assert session_user_id(web) is None
