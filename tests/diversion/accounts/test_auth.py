"""Signing in and out: one generic failure, safe redirects, audited, throttled, and sessions
held on the server that end when idle, when too old, and when she or an administrator ends
them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pyotp
import pytest
import time_machine
from argon2 import PasswordHasher
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.accounts import passwords
from diversion.accounts.passwords import TOO_EASY_TO_GUESS, hash_password, verify_password
from diversion.accounts.services import TOKEN_KEY, token_hash
from diversion.models import AuditEvent, User, UserSession
from tests.conftest import World, make_app, sign_in, signed_in_client, two_factor_code
from tests.factories import PASSWORD, Factory

FAILURE = "Enter a correct email address and password"
CODE_FAILURE = "Enter a correct code"
SIGNED_IN_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "lanterns over a quiet harbour at dusk"


def error_summary(response) -> list[str]:
    """The messages listed in the GOV.UK error summary at the top of the page."""
    html = response.get_data(as_text=True)
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if block is None:
        return []
    return [unescape(m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", block.group(1), re.S)]


def cookie_token(web: FlaskClient) -> str | None:
    with web.session_transaction() as session:
        return session.get(TOKEN_KEY)


def audit_rows(make: Factory) -> list[AuditEvent]:
    make.session.expire_all()
    return list(make.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def sessions_of(make: Factory, user: User) -> list[UserSession]:
    make.session.expire_all()
    return list(
        make.session.scalars(
            select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def fresh(make: Factory, user: User) -> User:
    make.session.expire_all()
    found = make.session.get(User, user.id)
    assert found is not None
    return found


def is_signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def password_step(web: FlaskClient, user: User, password: str = PASSWORD, **kw):
    return web.post("/sign-in", data={"email": user.email, "password": password}, **kw)


# ---------------------------------------------------------------------------------------
# Signing in
# ---------------------------------------------------------------------------------------


def test_signing_in_takes_the_password_then_a_code_and_lands_on_home(
    app: Flask, web: FlaskClient, world: World
) -> None:
    first = password_step(web, world.worker, follow_redirects=True)
    assert first.status_code == 200
    assert first.request.path == "/sign-in/code"
    assert "Enter your code" in first.get_data(as_text=True)

    response = web.post(
        "/sign-in/code",
        data={"code": two_factor_code(app, world.worker)},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert response.request.path == "/home"
    assert "Your cases" in response.get_data(as_text=True)


def test_email_address_is_matched_without_regard_to_case_or_spaces(
    web: FlaskClient, world: World
) -> None:
    response = web.post(
        "/sign-in", data={"email": f"  {world.worker.email.upper()} ", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in/code"


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
    assert cookie_token(web) is None
    assert sessions_of(make, world.worker) == []
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
    assert cookie_token(web) is None


def test_next_takes_her_back_to_the_page_she_asked_for(
    app: Flask, web: FlaskClient, world: World
) -> None:
    asked = web.get("/clients")
    assert asked.status_code == 302
    sign_in_url = asked.headers["Location"]
    assert sign_in_url == "/sign-in?next=/clients"

    response = web.post(sign_in_url, data={"email": world.worker.email, "password": PASSWORD})
    assert response.status_code == 302
    code_url = response.headers["Location"]
    assert code_url == "/sign-in/code?next=/clients"

    done = web.post(code_url, data={"code": two_factor_code(app, world.worker)})
    assert done.status_code == 302
    assert done.headers["Location"] == "/clients"


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
def test_next_never_sends_her_to_another_site(
    app: Flask, web: FlaskClient, world: World, target: str
) -> None:
    response = web.post(
        "/sign-in",
        query_string={"next": target},
        data={"email": world.worker.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in/code"

    done = web.post(
        "/sign-in/code",
        query_string={"next": target},
        data={"code": two_factor_code(app, world.worker)},
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/"
    assert web.get("/home").status_code == 200


def test_an_email_address_with_control_characters_fails_like_any_other(
    web: FlaskClient, world: World
) -> None:
    response = web.post(
        "/sign-in", data={"email": world.worker.email + "\x00", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert error_summary(response) == [FAILURE]
    assert cookie_token(web) is None


def test_a_signed_in_user_opening_sign_in_goes_home(web: FlaskClient, world: World) -> None:
    sign_in(web, world.manager)

    response = web.get("/sign-in")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_ins_and_failures_are_audited_without_the_password_or_code(
    app: Flask, web: FlaskClient, world: World, make: Factory
) -> None:
    wrong = "a-wrong-password-to-look-for"
    web.post("/sign-in", data={"email": world.worker.email, "password": wrong})
    web.post("/sign-in", data={"email": "unknown.person@example.test", "password": wrong})
    web.post("/sign-in", data={"email": world.worker.email, "password": PASSWORD})
    web.post("/sign-in/code", data={"code": "000000x"})
    code = two_factor_code(app, world.worker)
    web.post("/sign-in/code", data={"code": code})

    rows = audit_rows(make)
    assert [(row.action, row.user_id, row.detail) for row in rows] == [
        ("sign_in_failed", world.worker.id, "wrong password"),
        ("sign_in_failed", None, "unknown account"),
        ("sign_in_password", world.worker.id, None),
        ("sign_in_failed", world.worker.id, "wrong code"),
        ("sign_in", world.worker.id, "authenticator app"),
    ]
    assert all(row.occurred_at is not None and row.remote_addr for row in rows)
    for row in rows:
        for column in AuditEvent.__table__.columns:
            value = str(getattr(row, column.key))
            assert wrong not in value
            assert PASSWORD not in value
            assert code not in value
            assert "unknown.person" not in value


# ---------------------------------------------------------------------------------------
# Passwords: Argon2id, rehashed when the parameters change, long, never common
# ---------------------------------------------------------------------------------------


def test_a_hash_made_with_older_parameters_is_replaced_at_sign_in(
    web: FlaskClient, world: World, make: Factory
) -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    user = make.session.get(User, world.worker.id)
    user.password_hash = old
    make.session.commit()

    sign_in(web, world.worker)

    stored = fresh(make, world.worker).password_hash
    assert stored != old
    assert stored.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(stored)
    assert verify_password(stored, PASSWORD)


def test_changing_the_services_argon2_parameters_rehashes_at_the_next_sign_in(
    web: FlaskClient, world: World, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fresh(make, world.worker).password_hash
    stronger = PasswordHasher(time_cost=4, memory_cost=64 * 1024, parallelism=2)
    monkeypatch.setattr(passwords, "_hasher", stronger)

    sign_in(web, world.worker)

    after = fresh(make, world.worker).password_hash
    assert after != before
    assert "m=65536,t=4,p=2" in after
    assert stronger.verify(after, PASSWORD)


def test_a_hash_with_current_parameters_is_left_alone(
    web: FlaskClient, world: World, make: Factory
) -> None:
    before = fresh(make, world.worker).password_hash

    sign_in(web, world.worker)

    assert fresh(make, world.worker).password_hash == before


def test_a_password_of_64_or_more_characters_works(
    app: Flask, web: FlaskClient, world: World, make: Factory
) -> None:
    long_password = "Correct horse battery staple, " * 4 + "ünïcödé and spaces ✓"
    assert len(long_password) >= 64
    user = make.session.get(User, world.worker.id)
    user.password_hash = hash_password(long_password)
    make.session.commit()

    web.post("/sign-in", data={"email": world.worker.email, "password": long_password[:-1]})
    assert cookie_token(web) is None

    sign_in(web, world.worker, password=long_password)
    assert web.get("/home").status_code == 200


# ---------------------------------------------------------------------------------------
# Changing her own password
# ---------------------------------------------------------------------------------------


def change_password(web: FlaskClient, current: str, new: str):
    return web.post("/account/password", data={"current_password": current, "new_password": new})


def test_every_user_can_change_her_password_from_her_account_page(
    app: Flask, world: World, make: Factory
) -> None:
    web = app.test_client()
    sign_in(web, world.liaison)
    account = web.get("/account").get_data(as_text=True)
    assert 'href="/account/password"' in account
    assert "Change your password" in web.get("/account/password").get_data(as_text=True)

    response = change_password(web, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    saved = fresh(make, world.liaison)
    assert verify_password(saved.password_hash, NEW_PASSWORD)
    assert saved.password_changed_at is not None
    assert web.get("/account").status_code == 200  # she stays signed in here
    assert [row.action for row in audit_rows(make)][-1] == "password_changed"


def test_changing_her_password_ends_her_other_sessions_and_keeps_this_one(
    app: Flask, world: World, make: Factory
) -> None:
    here, elsewhere = app.test_client(), signed_in_client(app, world.worker)
    sign_in(here, world.worker)
    before = cookie_token(here)
    assert elsewhere.get("/home").status_code == 200

    assert change_password(here, PASSWORD, NEW_PASSWORD).status_code == 302

    assert is_signed_out(elsewhere.get("/home"))
    assert here.get("/home").status_code == 200
    assert cookie_token(here) != before  # a new token after a change of credentials
    reasons = [row.ended_reason for row in sessions_of(make, world.worker)]
    assert reasons.count("password_changed") == 1
    assert reasons.count(None) == 1


def test_a_new_password_of_64_or_more_characters_is_accepted(
    app: Flask, web: FlaskClient, world: World, make: Factory
) -> None:
    long_password = "a very long passphrase about harbours, lanterns and gulls " * 2
    assert len(long_password) > 64
    sign_in(web, world.worker)

    assert change_password(web, PASSWORD, long_password).status_code == 302

    assert verify_password(fresh(make, world.worker).password_hash, long_password)


@pytest.mark.parametrize(
    "new_password",
    ["password1234", "qwertyuiop123", "iloveyou1234", "Wendy Worker 2026"],
)
def test_a_common_or_guessable_new_password_is_refused(
    web: FlaskClient, world: World, make: Factory, new_password: str
) -> None:
    sign_in(web, world.worker)
    before = fresh(make, world.worker).password_hash

    response = change_password(web, PASSWORD, new_password)

    assert response.status_code == 200
    assert error_summary(response) == [TOO_EASY_TO_GUESS]
    assert new_password not in response.get_data(as_text=True)
    assert fresh(make, world.worker).password_hash == before


def test_a_new_password_needs_the_right_current_password(
    web: FlaskClient, world: World, make: Factory
) -> None:
    sign_in(web, world.worker)
    before = fresh(make, world.worker).password_hash

    response = change_password(web, "not my password at all", NEW_PASSWORD)

    assert response.status_code == 200
    assert error_summary(response) == ["Current password is not correct"]
    assert fresh(make, world.worker).password_hash == before


def test_a_new_password_that_is_too_short_or_missing_is_refused(
    web: FlaskClient, world: World
) -> None:
    sign_in(web, world.worker)

    assert error_summary(change_password(web, PASSWORD, "short")) == [
        "Password must be between 12 and 128 characters"
    ]
    assert error_summary(change_password(web, "", "")) == [
        "Enter your current password",
        "Enter a new password",
    ]


# ---------------------------------------------------------------------------------------
# Sessions held on the server
# ---------------------------------------------------------------------------------------


def test_the_cookie_carries_only_a_random_token_whose_hash_is_stored(
    web: FlaskClient, world: World, make: Factory
) -> None:
    sign_in(web, world.worker)

    with web.session_transaction() as session:
        keys = set(session.keys())
        token = session[TOKEN_KEY]
    assert keys <= {TOKEN_KEY, "_permanent", "csrf_token"}
    assert len(token) >= 40
    [stored] = sessions_of(make, world.worker)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash
    assert stored.verified_at is not None and stored.ended_at is None
    assert stored.remote_addr


def test_a_new_token_is_issued_at_each_step_of_signing_in(
    app: Flask, web: FlaskClient, world: World, make: Factory
) -> None:
    planted = "a-token-an-attacker-planted-in-her-browser"
    with web.session_transaction() as session:
        session[TOKEN_KEY] = planted

    password_step(web, world.worker)
    after_password = cookie_token(web)
    web.post("/sign-in/code", data={"code": two_factor_code(app, world.worker)})
    after_code = cookie_token(web)

    assert len({planted, after_password, after_code}) == 3
    [stored] = sessions_of(make, world.worker)
    assert stored.token_hash == token_hash(after_code or "")
    # Neither earlier token opens anything.
    for old in (planted, after_password):
        other = app.test_client()
        with other.session_transaction() as session:
            session[TOKEN_KEY] = old
        assert is_signed_out(other.get("/home"))


def test_signing_in_again_in_the_same_browser_ends_the_earlier_session(
    web: FlaskClient, world: World, make: Factory
) -> None:
    with time_machine.travel(SIGNED_IN_AT, tick=False) as clock:
        sign_in(web, world.worker)
        clock.shift(timedelta(seconds=30))
        sign_in(web, world.worker)

    reasons = [row.ended_reason for row in sessions_of(make, world.worker)]
    assert reasons == ["replaced", None]


def test_a_session_idle_for_more_than_30_minutes_ends(
    web: FlaskClient, world: World, make: Factory
) -> None:
    with time_machine.travel(SIGNED_IN_AT, tick=False) as clock:
        sign_in(web, world.worker)
        clock.shift(timedelta(minutes=29))
        assert web.get("/home").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert web.get("/home").status_code == 200

        clock.shift(timedelta(minutes=30, seconds=1))
        response = web.get("/home")

    assert is_signed_out(response)
    assert cookie_token(web) is None
    [stored] = sessions_of(make, world.worker)
    assert stored.ended_reason == "idle"


def test_last_seen_is_written_at_most_once_a_minute(
    web: FlaskClient, world: World, make: Factory
) -> None:
    with time_machine.travel(SIGNED_IN_AT, tick=False) as clock:
        sign_in(web, world.worker)
        clock.shift(timedelta(seconds=20))
        web.get("/home")
        assert sessions_of(make, world.worker)[0].last_seen_at == SIGNED_IN_AT
        clock.shift(timedelta(seconds=45))
        web.get("/home")

    assert sessions_of(make, world.worker)[0].last_seen_at == SIGNED_IN_AT + timedelta(seconds=65)


def test_a_session_older_than_12_hours_ends_even_when_she_keeps_working(
    web: FlaskClient, world: World, make: Factory
) -> None:
    with time_machine.travel(SIGNED_IN_AT, tick=False) as clock:
        sign_in(web, world.worker)
        for _ in range(12 * 60 // 25):  # a request every 25 minutes: never idle
            clock.shift(timedelta(minutes=25))
            assert web.get("/home").status_code == 200
        clock.move_to(SIGNED_IN_AT + timedelta(hours=12, minutes=1))
        response = web.get("/home")

    assert is_signed_out(response)
    [stored] = sessions_of(make, world.worker)
    assert stored.ended_reason == "expired"


def test_a_session_ended_on_the_server_ends_in_the_browser(
    web: FlaskClient, world: World, make: Factory
) -> None:
    sign_in(web, world.worker)
    assert web.get("/home").status_code == 200

    [stored] = sessions_of(make, world.worker)
    stored.ended_at, stored.ended_reason = datetime.now(UTC), "signed_out"
    make.session.commit()

    assert is_signed_out(web.get("/home"))
    assert cookie_token(web) is None


def test_signing_out_with_a_post_ends_every_session_of_hers(
    app: Flask, web: FlaskClient, world: World, make: Factory
) -> None:
    elsewhere = signed_in_client(app, world.worker)
    colleague = signed_in_client(app, world.colleague)
    sign_in(web, world.worker)
    assert web.get("/home").status_code == 200

    response = web.post("/sign-out", follow_redirects=True)

    assert response.request.path == "/sign-in"
    assert "You have signed out." in response.get_data(as_text=True)
    assert cookie_token(web) is None
    assert is_signed_out(web.get("/home"))
    assert is_signed_out(elsewhere.get("/home"))
    assert colleague.get("/home").status_code == 200
    assert {row.ended_reason for row in sessions_of(make, world.worker)} == {"signed_out"}
    assert [row.action for row in audit_rows(make)][-1] == "sign_out"


def test_opening_the_sign_out_page_does_not_sign_her_out(web: FlaskClient, world: World) -> None:
    sign_in(web, world.worker)

    page = web.get("/sign-out")

    assert page.status_code == 200
    assert '<form method="post">' in page.get_data(as_text=True)
    assert web.get("/home").status_code == 200


def test_disabling_an_account_ends_its_sessions(app: Flask, world: World, make: Factory) -> None:
    web, elsewhere = app.test_client(), signed_in_client(app, world.worker)
    sign_in(web, world.worker)

    user = make.session.get(User, world.worker.id)
    user.active = False
    make.session.commit()

    assert is_signed_out(web.get("/home"))
    assert is_signed_out(elsewhere.get("/home"))


def test_an_administrator_disabling_her_ends_every_session(
    app: Flask, world: World, make: Factory
) -> None:
    admin = signed_in_client(app, world.admin)
    worker_here, worker_there = app.test_client(), signed_in_client(app, world.worker)
    sign_in(worker_here, world.worker)

    def edit(user: User, *, active: bool = True) -> None:
        data = {
            "name": user.name,
            "role": user.role.value,
            "organisation_id": str(user.organisation_id),
        }
        if active:
            data["active"] = "y"
        response = admin.post(f"/admin/users/{user.id}/edit", data=data)
        assert response.status_code == 302, error_summary(response)

    edit(world.worker, active=False)
    assert is_signed_out(worker_here.get("/home"))
    assert is_signed_out(worker_there.get("/home"))
    assert {row.ended_reason for row in sessions_of(make, world.worker)} == {"account_disabled"}
    assert admin.get("/admin").status_code == 200


def test_the_session_cookie_cannot_be_read_by_scripts(app: Flask, world: World) -> None:
    web = app.test_client()
    response = web.post("/sign-in", data={"email": world.worker.email, "password": PASSWORD})

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # local development and tests run over plain HTTP


def test_in_production_the_session_cookie_is_sent_only_over_https(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        DIVERSION_ENV="production",
        SECRET_KEY="a-long-random-production-secret-key-for-this-test-only",
        ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        LOOKUP_HASH_KEY="a-long-random-lookup-hash-key-for-this-test-only",
    )
    try:
        make = Factory(app)
        worker = make.user()
        make.session.close()
        response = app.test_client().post(
            "/sign-in",
            data={"email": worker.email, "password": PASSWORD},
            base_url="https://localhost",
        )
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
    finally:
        app.extensions["diversion.db"][0].dispose()


# ---------------------------------------------------------------------------------------
# Throttling (more in test_throttle.py): the same message as a wrong password
# ---------------------------------------------------------------------------------------


@pytest.fixture
def throttled(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True)
    yield app
    app.extensions["diversion.db"][0].dispose()


def attempt(web: FlaskClient, email: str, password: str, address: str):
    return web.post(
        "/sign-in",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_too_many_attempts_from_one_address_are_refused_with_the_usual_message(
    throttled: Flask,
) -> None:
    assert (
        throttled.config["SIGN_IN_ADDRESS_FAILURES"] == "20 per minute; 100 per hour; 300 per day"
    )
    throttled.config["SIGN_IN_ADDRESS_FAILURES"] = "5 per minute; 100 per hour"  # quicker
    make = Factory(throttled)
    worker = make.user()
    web = throttled.test_client()
    with time_machine.travel(SIGNED_IN_AT, tick=False) as clock:
        for n in range(5):
            wrong = attempt(web, f"someone{n}@example.test", "guess-" + str(n), "192.0.2.7")
            assert error_summary(wrong) == [FAILURE]

        refused = attempt(web, worker.email, PASSWORD, "192.0.2.7")
        assert refused.status_code == 200
        assert error_summary(refused) == [FAILURE]
        assert cookie_token(web) is None

        # Another address is not held back, and the same one may try again a minute later.
        assert attempt(web, worker.email, PASSWORD, "198.51.100.9").status_code == 302
        clock.shift(timedelta(minutes=1, seconds=1))
        assert attempt(web, worker.email, PASSWORD, "192.0.2.7").status_code == 302
    rows = make.session.scalars(
        select(AuditEvent).where(AuditEvent.detail == "too many attempts")
    ).all()
    assert len(rows) == 1
    make.session.close()


def test_wrong_codes_count_against_the_account_too(throttled: Flask) -> None:
    make = Factory(throttled)
    worker = make.user()
    web = throttled.test_client()
    with time_machine.travel(SIGNED_IN_AT, tick=False):
        assert attempt(web, worker.email, PASSWORD, "192.0.2.50").status_code == 302
        totp = pyotp.TOTP(worker.totp_secret)
        step = totp.timecode(SIGNED_IN_AT)
        valid = {totp.generate_otp(s) for s in (step - 1, step, step + 1)}
        wrong_codes = [code for code in (f"{n:06d}" for n in range(20)) if code not in valid]
        for code in wrong_codes[:10]:
            wrong = web.post(
                "/sign-in/code", data={"code": code}, environ_base={"REMOTE_ADDR": "192.0.2.50"}
            )
            assert error_summary(wrong) == [CODE_FAILURE]

        right = web.post(
            "/sign-in/code",
            data={"code": two_factor_code(throttled, worker)},
            environ_base={"REMOTE_ADDR": "192.0.2.50"},
        )
        assert error_summary(right) == [CODE_FAILURE]
        assert web.get("/home").headers["Location"].startswith("/sign-in/code")
    make.session.close()
