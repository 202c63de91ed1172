"""Two-factor sign-in: set up with a QR code, codes accepted once, recovery codes used once,
half-signed-in sessions kept to the code page, and an administrator's audited reset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from devtools.demo import DEMO_PASSWORD, DEMO_TOTP_SECRETS
from diversion.models import AuditEvent, RecoveryCode, Role, User, UserSession
from tests.conftest import (
    World,
    flask_command,
    set_up_link,
    set_up_through_link,
    sign_in,
    signed_in_client,
)
from tests.diversion.accounts.test_auth import error_summary
from tests.factories import PASSWORD, Factory

CODE_FAILURE = "Enter a correct code"
NOW = datetime(2026, 12, 2, 9, 0, 10, tzinfo=UTC)


def fresh(make: Factory, user: User) -> User:
    make.session.expire_all()
    found = make.session.get(User, user.id)
    assert found is not None
    return found


def actions(make: Factory) -> list[tuple[str, int | None, int | None, str | None]]:
    make.session.expire_all()
    rows = make.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    return [(row.action, row.user_id, row.object_id, row.detail) for row in rows]


def password_step(web: FlaskClient, user: User, password: str = PASSWORD):
    return web.post("/sign-in", data={"email": user.email, "password": password})


def is_sent_to(response, path: str) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith(path)


def code_at(secret: str, when: datetime, steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(when) + steps)


def recovery_codes_on(response) -> list[str]:
    html = response.get_data(as_text=True)
    block = re.search(r'id="recovery-codes">(.*?)</ul>', html, re.S)
    assert block is not None, html[:2000]
    return re.findall(r"<code>([^<]+)</code>", block.group(1))


def enrol(web: FlaskClient, make: Factory, user: User) -> list[str]:
    """Set up two-factor for a user without it, through her set-up link (choosing PASSWORD as
    her password); the recovery codes shown."""
    return set_up_through_link(web, set_up_link(web.application, user), user)


def through_link(web: FlaskClient, user: User):
    """Her set-up link opened and a password chosen: where it sends her."""
    return web.post(set_up_link(web.application, user), data={"password": PASSWORD})


# ---------------------------------------------------------------------------------------
# Setting up
# ---------------------------------------------------------------------------------------


def test_someone_without_two_factor_is_asked_to_set_it_up_with_a_qr_code(
    web: FlaskClient, world: World, make: Factory
) -> None:
    newcomer = make.user(organisation=world.project, totp_secret=None)

    response = through_link(web, newcomer)

    assert is_sent_to(response, "/sign-in/set-up")
    page = web.get("/sign-in/set-up")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Set up two-factor authentication" in html
    svg = re.search(r"<svg [^>]*>", html)
    assert svg is not None and 'role="img"' in svg.group(0) and "aria-label=" in svg.group(0)
    assert "<path" in html
    assert "data:" not in html
    # No script of its own: only the layout's nonce-bearing one and the module file.
    assert re.search(r"<script(?![^>]*\b(?:src|nonce)=)", html) is None
    assert " style=" not in html
    secret = fresh(make, newcomer).totp_secret
    assert secret and len(secret) == 32
    assert fresh(make, newcomer).totp_confirmed_at is None
    key = re.search(r'<code id="secret-key">([^<]+)</code>', html)
    assert key is not None and key.group(1).replace(" ", "") == secret
    # Reloading the page keeps the same key, so a half-finished set-up still works.
    web.get("/sign-in/set-up")
    assert fresh(make, newcomer).totp_secret == secret


def test_the_first_code_turns_two_factor_on_signs_her_in_and_shows_ten_codes_once(
    web: FlaskClient, world: World, make: Factory
) -> None:
    newcomer = make.user(organisation=world.project, totp_secret=None)

    codes = enrol(web, make, newcomer)

    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", code) for code in codes)
    saved = fresh(make, newcomer)
    assert saved.totp_confirmed_at is not None
    assert saved.totp_last_step is not None
    stored = make.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == newcomer.id)
    ).all()
    assert len(stored) == 10
    for row in stored:
        assert row.used_at is None
        assert not any(code.replace("-", "") in row.code_hash for code in codes)
    assert web.get("/home").status_code == 200
    assert [a[0] for a in actions(make)][-3:] == [
        "invitation_used",
        "two_factor_enrolled",
        "sign_in",
    ]
    # Once set up, the set-up page is gone: a password alone can never set up another app.
    assert is_sent_to(web.get("/sign-in/set-up"), "/")


def test_a_wrong_first_code_leaves_two_factor_off(
    web: FlaskClient, world: World, make: Factory
) -> None:
    newcomer = make.user(organisation=world.project, totp_secret=None)
    through_link(web, newcomer)
    web.get("/sign-in/set-up")

    response = web.post("/sign-in/set-up", data={"code": "12345"})

    assert response.status_code == 200
    assert error_summary(response) == [CODE_FAILURE]
    assert fresh(make, newcomer).totp_confirmed_at is None
    assert is_sent_to(web.get("/home"), "/sign-in/code")
    assert is_sent_to(web.get("/sign-in/code"), "/sign-in/set-up")


def test_with_two_factor_set_up_the_set_up_page_sends_her_to_the_code(
    web: FlaskClient, world: World, make: Factory
) -> None:
    password_step(web, world.worker)
    before = fresh(make, world.worker).totp_secret

    assert is_sent_to(web.get("/sign-in/set-up"), "/sign-in/code")
    assert is_sent_to(web.post("/sign-in/set-up", data={"code": "123456"}), "/sign-in/code")
    assert fresh(make, world.worker).totp_secret == before


# ---------------------------------------------------------------------------------------
# Half signed in
# ---------------------------------------------------------------------------------------


def test_a_session_with_only_the_password_reaches_nothing_but_the_code_and_sign_out(
    web: FlaskClient, world: World, make: Factory
) -> None:
    password_step(web, world.admin)

    for path in ("/home", "/", "/clients", "/account", "/admin", "/admin/users", "/diary"):
        assert is_sent_to(web.get(path), "/sign-in/code"), path
    assert is_sent_to(web.post("/clients/new", data={}), "/sign-in/code")
    assert is_sent_to(web.post("/account/password", data={}), "/sign-in/code")
    code_page = web.get("/sign-in/code").get_data(as_text=True)
    assert "Enter your code" in code_page
    assert "Administration" not in code_page  # no menu before the second factor
    assert web.get("/sign-out").status_code == 200
    [row] = make.session.scalars(select(UserSession)).all()
    assert row.verified_at is None

    assert is_sent_to(web.post("/sign-out"), "/sign-in")
    make.session.expire_all()
    assert make.session.get(UserSession, row.id).ended_reason == "signed_out"
    assert is_sent_to(web.get("/sign-in/code"), "/sign-in")


def test_the_code_page_without_a_session_goes_to_sign_in(web: FlaskClient) -> None:
    assert web.get("/sign-in/code").headers["Location"] == "/sign-in"
    assert web.post("/sign-in/code", data={"code": "123456"}).headers["Location"] == "/sign-in"
    assert web.get("/sign-in/set-up").headers["Location"] == "/sign-in"


# ---------------------------------------------------------------------------------------
# Codes: once only
# ---------------------------------------------------------------------------------------


def test_a_code_is_accepted_once_only(web: FlaskClient, world: World, make: Factory) -> None:
    secret = world.worker.totp_secret
    assert secret
    with time_machine.travel(NOW, tick=False):
        code = code_at(secret, NOW)
        password_step(web, world.worker)
        assert is_sent_to(web.post("/sign-in/code", data={"code": code}), "/")
        web.post("/sign-out")

        password_step(web, world.worker)
        again = web.post("/sign-in/code", data={"code": code})
        assert again.status_code == 200
        assert error_summary(again) == [CODE_FAILURE]
        assert is_sent_to(web.get("/home"), "/sign-in/code")

        # The next step's code (her phone's clock a little ahead) still works.
        assert is_sent_to(web.post("/sign-in/code", data={"code": code_at(secret, NOW, 1)}), "/")
    assert ("sign_in_failed", world.worker.id, world.worker.id, "wrong code") in actions(make)


def test_a_code_from_the_step_before_is_accepted_but_not_older_ones(
    app: Flask, world: World
) -> None:
    secret = world.worker.totp_secret
    assert secret
    with time_machine.travel(NOW, tick=False):
        late = app.test_client()
        password_step(late, world.worker)
        stale = late.post("/sign-in/code", data={"code": code_at(secret, NOW, -2)})
        assert error_summary(stale) == [CODE_FAILURE]
        assert is_sent_to(late.post("/sign-in/code", data={"code": code_at(secret, NOW, -1)}), "/")


def test_codes_may_be_typed_with_spaces(web: FlaskClient, world: World) -> None:
    password_step(web, world.worker)
    code = pyotp.TOTP(world.worker.totp_secret).now()

    response = web.post("/sign-in/code", data={"code": f" {code[:3]} {code[3:]} "})

    assert is_sent_to(response, "/")


# ---------------------------------------------------------------------------------------
# Recovery codes
# ---------------------------------------------------------------------------------------


def test_a_recovery_code_signs_her_in_once(web: FlaskClient, world: World, make: Factory) -> None:
    newcomer = make.user(organisation=world.project, totp_secret=None)
    codes = enrol(web, make, newcomer)
    web.post("/sign-out")

    password_step(web, newcomer)
    used = web.post("/sign-in/code", data={"code": codes[3].upper()}, follow_redirects=True)

    assert used.request.path == "/home"
    assert "You have 9 recovery codes left." in used.get_data(as_text=True)
    rows = make.session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None)))
    assert len(rows.all()) == 1
    assert ("recovery_code_used", newcomer.id, newcomer.id, None) in actions(make)
    assert ("sign_in", newcomer.id, newcomer.id, "recovery code") in actions(make)
    web.post("/sign-out")

    password_step(web, newcomer)
    again = web.post("/sign-in/code", data={"code": codes[3]})
    assert error_summary(again) == [CODE_FAILURE]
    assert is_sent_to(web.post("/sign-in/code", data={"code": codes[4]}), "/")


def test_new_recovery_codes_need_her_password_and_replace_the_old_ones(
    app: Flask, world: World, make: Factory
) -> None:
    web = app.test_client()
    newcomer = make.user(organisation=world.project, totp_secret=None)
    old_codes = enrol(web, make, newcomer)
    elsewhere = signed_in_client(app, newcomer)
    assert "10 left" in web.get("/account").get_data(as_text=True)

    refused = web.post("/account/recovery-codes", data={"current_password": "wrong password"})
    assert error_summary(refused) == ["Current password is not correct"]

    response = web.post("/account/recovery-codes", data={"current_password": PASSWORD})
    new_codes = recovery_codes_on(response)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert is_sent_to(elsewhere.get("/home"), "/sign-in")
    assert web.get("/home").status_code == 200
    web.post("/sign-out")

    password_step(web, newcomer)
    assert error_summary(web.post("/sign-in/code", data={"code": old_codes[0]})) == [CODE_FAILURE]
    assert is_sent_to(web.post("/sign-in/code", data={"code": new_codes[0]}), "/")


# ---------------------------------------------------------------------------------------
# An administrator's reset
# ---------------------------------------------------------------------------------------


def test_an_administrator_resets_two_factor_which_ends_her_sessions_and_is_audited(
    app: Flask, world: World, make: Factory
) -> None:
    admin = signed_in_client(app, world.admin)
    hers = app.test_client()
    sign_in(hers, world.worker)
    page = admin.get(f"/admin/users/{world.worker.id}/edit").get_data(as_text=True)
    assert "Reset two-factor authentication" in page
    assert f'action="/admin/users/{world.worker.id}/two-factor/reset"' in page

    response = admin.post(f"/admin/users/{world.worker.id}/two-factor/reset")

    assert is_sent_to(response, f"/admin/users/{world.worker.id}/edit")
    saved = fresh(make, world.worker)
    assert (saved.totp_secret, saved.totp_confirmed_at, saved.totp_last_step) == (None, None, None)
    assert is_sent_to(hers.get("/home"), "/sign-in")
    sessions = make.session.scalars(
        select(UserSession).where(UserSession.user_id == world.worker.id)
    ).all()
    assert {row.ended_reason for row in sessions} == {"two_factor_reset"}
    assert ("two_factor_reset", world.admin.id, world.worker.id, None) in actions(make)
    after = admin.get(f"/admin/users/{world.worker.id}/edit").get_data(as_text=True)
    assert "Not set up yet" in after
    # Her password alone can no longer set up an app: only the link emailed to her can.
    by_password = app.test_client()
    assert is_sent_to(password_step(by_password, world.worker), "/sign-in/set-up")
    refused = by_password.get("/sign-in/set-up")
    assert refused.status_code == 403
    assert "Use your set-up link" in refused.get_data(as_text=True)
    assert by_password.post("/sign-in/set-up", data={"code": "123456"}).status_code == 403
    assert fresh(make, world.worker).totp_secret is None


def test_an_administrator_cannot_reset_her_own_two_factor(
    app: Flask, world: World, make: Factory
) -> None:
    admin = signed_in_client(app, world.admin)
    page = admin.get(f"/admin/users/{world.admin.id}/edit").get_data(as_text=True)
    assert "Reset two-factor authentication" not in page

    response = admin.post(f"/admin/users/{world.admin.id}/two-factor/reset", follow_redirects=True)

    assert "ask another administrator" in response.get_data(as_text=True)
    assert fresh(make, world.admin).totp_confirmed_at is not None
    assert admin.get("/admin").status_code == 200


def test_only_an_administrator_may_reset_two_factor(
    app: Flask, world: World, make: Factory
) -> None:
    for who in (world.manager, world.worker, world.liaison):
        response = signed_in_client(app, who).post(
            f"/admin/users/{world.colleague.id}/two-factor/reset"
        )
        assert response.status_code == 403
    assert fresh(make, world.colleague).totp_confirmed_at is not None
    assert (
        app.test_client()
        .post(f"/admin/users/{world.colleague.id}/two-factor/reset")
        .headers["Location"]
        .startswith("/sign-in")
    )


# ---------------------------------------------------------------------------------------
# The demo
# ---------------------------------------------------------------------------------------


def test_a_newcomer_can_sign_in_to_the_demo_from_what_the_demo_command_prints(
    app: Flask, web: FlaskClient
) -> None:
    result = flask_command(app, "demo")

    assert result.exit_code == 0, result.output
    assert f"password: {DEMO_PASSWORD}" in result.output
    line = next(line for line in result.output.splitlines() if "worker@example.org" in line)
    key = re.search(r"key ([A-Z2-7]{32})", line)
    code = re.search(r"code now (\d{6})", line)
    assert key is not None and code is not None
    assert key.group(1) == DEMO_TOTP_SECRETS["worker@example.org"]
    for email in DEMO_TOTP_SECRETS:
        assert email in result.output

    response = web.post("/sign-in", data={"email": "worker@example.org", "password": DEMO_PASSWORD})
    assert is_sent_to(response, "/sign-in/code")
    pyotp_now = pyotp.TOTP(key.group(1))
    signed = web.post("/sign-in/code", data={"code": code.group(1)})
    if signed.status_code != 302:  # the printed code's step ended: the key gives the next
        signed = web.post("/sign-in/code", data={"code": pyotp_now.now()})
    assert is_sent_to(signed, "/")
    assert web.get("/home").status_code == 200

    fresh_code = flask_command(app, "demo-code", "admin@example.org")
    assert fresh_code.exit_code == 0
    assert fresh_code.output.strip() == pyotp.TOTP(DEMO_TOTP_SECRETS["admin@example.org"]).now()


def test_every_demo_account_has_its_printed_key_confirmed(app: Flask) -> None:
    assert flask_command(app, "demo").exit_code == 0
    from tests.factories import Factory as _Factory

    make = _Factory(app)
    try:
        users = make.session.scalars(select(User).where(User.email.in_(DEMO_TOTP_SECRETS)))
        found = {user.email: user for user in users}
        assert set(found) == set(DEMO_TOTP_SECRETS)
        for email, user in found.items():
            assert user.totp_secret == DEMO_TOTP_SECRETS[email]
            assert user.totp_confirmed_at is not None
            assert len(user.totp_secret) == 32
            pyotp.TOTP(user.totp_secret).now()  # a valid base32 key
        assert {user.role for user in found.values()} == set(Role)
    finally:
        make.session.close()


def test_the_demo_never_loads_in_production(app: Flask) -> None:
    app.config["DIVERSION_ENV"] = "production"
    try:
        result = flask_command(app, "demo")
    finally:
        app.config["DIVERSION_ENV"] = "development"
    assert result.exit_code != 0
    assert "never loaded in production" in result.output


def test_half_signed_in_sessions_expire_like_any_other(
    web: FlaskClient, world: World, make: Factory
) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        password_step(web, world.worker)
        clock.shift(timedelta(minutes=31))
        assert is_sent_to(web.get("/sign-in/code"), "/sign-in")
    [row] = make.session.scalars(select(UserSession)).all()
    assert row.ended_reason == "idle"
