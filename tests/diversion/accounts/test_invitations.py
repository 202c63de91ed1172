"""Set-up links: the first administrator from the command line, every new account and every
two-factor reset by email; a link works once, for 24 hours, while it is the newest, and only
its hash is stored; a password alone never sets up two-factor."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import time_machine
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import func, select

from diversion.accounts.services import token_hash
from diversion.models import (
    AuditEvent,
    Invitation,
    InvitationPurpose,
    Organisation,
    OrganisationKind,
    OutgoingMail,
    Role,
    User,
    UserSession,
)
from tests.conftest import (
    World,
    flask_command,
    make_app,
    set_up_link,
    set_up_through_link,
    sign_in,
    signed_in_client,
    two_factor_code,
)
from tests.diversion.mail.smtp_server import SmtpServer, free_port
from tests.factories import PASSWORD, Factory

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
GONE = "This link has expired or has already been used"
NEW_PASSWORD = "lanterns over the quiet harbour"
# Words a set-up email must not carry (the service's own name aside): it may be read by
# someone else who picks up her phone.
GIVEAWAYS = (
    "court",
    "diversion",
    "bail",
    "police",
    "cps",
    "prosecution",
    "drug",
    "prostitution",
    "sex",
    "offence",
    "soliciting",
    "loitering",
)


# Helpers (the admin tests use them too) ---------------------------------------------------


def written_mail(app: Flask) -> list[EmailMessage]:
    """The messages the development mailer wrote, oldest first."""
    folder = Path(app.config["MAIL_FILE_DIR"])
    files = (
        sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
    )
    found = []
    for path in files:
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


def body_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def link_path(mail: EmailMessage) -> str:
    """The path of the set-up link in an email."""
    found = re.search(r"https?://[^/\s]+(/invitation\?token=[A-Za-z0-9_\-]+)", body_of(mail))
    assert found is not None, body_of(mail)
    return found.group(1)


def printed_link(output: str) -> str:
    found = re.search(r"https?://[^/\s]+(/invitation\?token=[A-Za-z0-9_\-]+)", output)
    assert found is not None, output
    return found.group(1)


def actions(make: Factory, action: str) -> list[AuditEvent]:
    make.session.expire_all()
    return list(
        make.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def fresh_user(make: Factory, user_id: int) -> User:
    make.session.expire_all()
    found = make.session.get(User, user_id)
    assert found is not None
    return found


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def is_gone(response: Any) -> bool:
    return (
        response.status_code == 404 and response.mimetype == "text/html" and GONE in text(response)
    )


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# The first administrator ------------------------------------------------------------------


def test_create_admin_on_an_empty_install_prints_a_link_that_signs_her_in_with_two_factor(
    tmp_path: Path, clock: time_machine.Coordinates
) -> None:
    app = make_app(tmp_path, PUBLIC_BASE_URL="https://diversion.example.org/")
    make = Factory(app)
    try:
        result = flask_command(
            app, "create-admin", "Gail.Admin@Example.org", "--name", "Gail Admin"
        )

        assert result.exit_code == 0, result.output
        assert "https://diversion.example.org/invitation?token=" in result.output
        assert "Made organisation: Administration" in result.output
        assert "24 hours" in result.output
        user = make.session.scalar(select(User).where(User.email == "gail.admin@example.org"))
        assert user is not None
        assert (user.role, user.name, user.totp_secret) == (Role.ADMIN, "Gail Admin", None)
        organisation = make.session.get(Organisation, user.organisation_id)
        assert organisation is not None and organisation.kind is OrganisationKind.PROJECT
        # Nobody knows a password for the account before she chooses one.
        refused = app.test_client().post(
            "/sign-in", data={"email": user.email, "password": "Administrator"}
        )
        assert refused.status_code == 200

        web = app.test_client()
        path = printed_link(result.output)
        page = text(web.get(path))
        assert "Set up your account" in page and "gail.admin@example.org" in page
        codes = set_up_through_link(web, path, user, password=NEW_PASSWORD)

        assert len(codes) == 10
        assert web.get("/admin").status_code == 200
        saved = fresh_user(make, user.id)
        assert saved.totp_confirmed_at is not None and saved.password_changed_at == NOW
        # From now on she signs in with her own password and a code.
        again = app.test_client()
        clock.shift(timedelta(minutes=1))
        sign_in(again, saved, password=NEW_PASSWORD)
        assert again.get("/admin").status_code == 200
        assert [e.detail for e in actions(make, "invitation_printed")] == ["first_admin"]
        assert [e.user_id for e in actions(make, "invitation_used")] == [user.id]
    finally:
        make.session.close()
        app.extensions["diversion.db"][0].dispose()


def test_create_admin_refuses_when_an_administrator_exists_unless_told_to_add_another(
    app: Flask, make: Factory, clock: time_machine.Coordinates
) -> None:
    first = flask_command(app, "create-admin", "first@example.org")
    assert first.exit_code == 0, first.output

    refused = flask_command(app, "create-admin", "second@example.org")

    assert refused.exit_code != 0
    assert refused.output.strip().count("\n") == 0
    assert "An administrator already exists" in refused.output and "--another" in refused.output
    assert "/invitation" not in refused.output
    assert make.session.scalar(select(User).where(User.email == "second@example.org")) is None

    another = flask_command(app, "create-admin", "second@example.org", "--another")

    assert another.exit_code == 0, another.output
    assert "In organisation: Administration" in another.output
    second = make.session.scalar(select(User).where(User.email == "second@example.org"))
    assert second is not None and second.role is Role.ADMIN
    assert make.session.scalar(select(func.count(Organisation.id))) == 1


def test_create_admin_joins_the_organisation_named_or_makes_it_with_the_kind_given(
    app: Flask, make: Factory, world: World
) -> None:
    named = flask_command(
        app, "create-admin", "a@example.org", "--another", "--organisation", world.project.name
    )
    assert named.exit_code == 0, named.output
    made = flask_command(
        app,
        "create-admin",
        "b@example.org",
        "--another",
        "--organisation",
        "Partnership Board",
        "--kind",
        "cjit",
    )
    assert made.exit_code == 0, made.output

    a = make.session.scalar(select(User).where(User.email == "a@example.org"))
    b = make.session.scalar(select(User).where(User.email == "b@example.org"))
    assert a is not None and a.organisation_id == world.project.id
    assert b is not None and b.organisation.name == "Partnership Board"
    assert b.organisation.kind is OrganisationKind.CJIT
    # Several organisations and none named: she must say which.
    unnamed = flask_command(app, "create-admin", "c@example.org", "--another")
    assert unnamed.exit_code != 0 and "--organisation" in unnamed.output


@pytest.mark.parametrize("email", ["not an address", "nobody@", ""])
def test_create_admin_refuses_something_that_is_not_an_email_address(
    app: Flask, make: Factory, email: str
) -> None:
    result = flask_command(app, "create-admin", email)
    assert result.exit_code != 0
    assert "EMAIL must be an email address" in result.output
    assert make.session.scalar(select(func.count(User.id))) == 0


def test_an_expired_first_link_is_replaced_with_new_link_and_the_old_one_stops(
    app: Flask, make: Factory, clock: time_machine.Coordinates
) -> None:
    first = flask_command(app, "create-admin", "gail@example.org")
    old_path = printed_link(first.output)
    taken = flask_command(app, "create-admin", "gail@example.org")
    assert taken.exit_code != 0 and "--new-link" in taken.output

    renewed = flask_command(app, "create-admin", "Gail@example.org", "--new-link")

    assert renewed.exit_code == 0, renewed.output
    new_path = printed_link(renewed.output)
    web = app.test_client()
    assert is_gone(web.get(old_path))
    assert web.get(new_path).status_code == 200
    assert actions(make, "invitation_refused")[-1].detail == "superseded"
    # Only for an administrator.
    worker = make.user(email="w@example.org")
    refused = flask_command(app, "create-admin", worker.email, "--new-link")
    assert refused.exit_code != 0 and "no active administrator" in refused.output


# The link ---------------------------------------------------------------------------------


def test_a_link_expires_after_24_hours(
    app: Flask, make: Factory, world: World, clock: time_machine.Coordinates
) -> None:
    newcomer = make.user(organisation=world.project, totp_secret=None)
    path = set_up_link(app, newcomer)

    clock.shift(timedelta(hours=24) - timedelta(seconds=1))
    assert app.test_client().get(path).status_code == 200
    clock.shift(timedelta(seconds=1))
    web = app.test_client()

    assert is_gone(web.get(path))
    assert is_gone(web.post(path, data={"password": NEW_PASSWORD}))
    assert fresh_user(make, newcomer.id).password_changed_at is None
    refusals = actions(make, "invitation_refused")
    assert [(e.object_type, e.object_id, e.detail) for e in refusals] == [
        ("user", newcomer.id, "expired"),
        ("user", newcomer.id, "expired"),
    ]


def test_the_hours_come_from_config(tmp_path: Path, clock: time_machine.Coordinates) -> None:
    app = make_app(tmp_path, INVITATION_HOURS=2)
    make = Factory(app)
    try:
        path = set_up_link(app, make.user(totp_secret=None))
        clock.shift(timedelta(hours=2))
        assert is_gone(app.test_client().get(path))
    finally:
        make.session.close()
        app.extensions["diversion.db"][0].dispose()


def test_a_link_works_once(app: Flask, make: Factory, world: World) -> None:
    newcomer = make.user(organisation=world.project, totp_secret=None)
    path = set_up_link(app, newcomer)
    set_up_through_link(app.test_client(), path, newcomer)

    other = app.test_client()
    assert is_gone(other.get(path))
    assert is_gone(other.post(path, data={"password": "someone else's passphrase"}))
    assert actions(make, "invitation_refused")[-1].detail == "used"
    # The password she chose still stands.
    other.post("/sign-in", data={"email": newcomer.email, "password": PASSWORD})
    assert other.get("/sign-in/code").status_code == 200


def test_a_newer_link_supersedes_the_older_one(app: Flask, make: Factory, world: World) -> None:
    newcomer = make.user(organisation=world.project, totp_secret=None)
    older = set_up_link(app, newcomer)
    newer = set_up_link(app, newcomer)
    web = app.test_client()

    assert is_gone(web.get(older))
    assert web.get(newer).status_code == 200
    rows = make.session.scalars(select(Invitation).order_by(Invitation.id)).all()
    assert [row.superseded_at is not None for row in rows] == [True, False]


def test_an_unknown_link_and_a_disabled_account_s_link_get_the_same_page(
    app: Flask, make: Factory, world: World
) -> None:
    newcomer = make.user(organisation=world.project, totp_secret=None)
    path = set_up_link(app, newcomer)
    newcomer_row = fresh_user(make, newcomer.id)
    newcomer_row.active = False
    make.session.commit()
    web = app.test_client()

    for gone in (
        path,
        "/invitation?token=not-a-real-token",
        "/invitation?token=" + "x" * 5000,
        "/invitation",
    ):
        assert is_gone(web.get(gone)), gone
    assert [e.detail for e in actions(make, "invitation_refused")] == [
        "account disabled",
        "unknown",
        "unknown",
        "unknown",
    ]


def test_only_a_hash_of_the_token_is_stored(app: Flask, make: Factory, world: World) -> None:
    path = set_up_link(app, make.user(organisation=world.project, totp_secret=None))
    token = path.split("token=", 1)[1]

    row = make.session.scalars(select(Invitation)).one()

    assert row.token_hash == token_hash(token)
    assert token not in repr([getattr(row, column.key) for column in Invitation.__table__.columns])
    assert len(token) >= 43


def test_a_weak_password_is_refused_and_the_link_still_works(
    app: Flask, make: Factory, world: World
) -> None:
    newcomer = make.user(organisation=world.project, totp_secret=None, name="Nina Newstarter")
    path = set_up_link(app, newcomer)
    web = app.test_client()

    for weak, message in (
        ("password1234", "Password is too easy to guess"),
        ("nina newstarter", "Password is too easy to guess"),
        ("short", "Password must be between 12 and 128 characters"),
        ("", "Enter a password"),
    ):
        response = web.post(path, data={"password": weak})
        assert response.status_code == 200
        assert message in text(response)
    assert fresh_user(make, newcomer.id).password_changed_at is None
    assert actions(make, "invitation_used") == []
    set_up_through_link(web, path, newcomer, password=NEW_PASSWORD)


def test_a_link_half_signs_her_in_until_two_factor_is_set_up(
    app: Flask, make: Factory, world: World
) -> None:
    newcomer = make.user(organisation=world.project, totp_secret=None)
    web = app.test_client()
    chosen = web.post(set_up_link(app, newcomer), data={"password": NEW_PASSWORD})
    assert chosen.headers["Location"].startswith("/sign-in/set-up")

    assert web.get("/home").headers["Location"].startswith("/sign-in/code")
    assert web.get("/sign-in/code").headers["Location"].startswith("/sign-in/set-up")
    session_row = make.session.scalars(
        select(UserSession).where(UserSession.user_id == newcomer.id)
    ).one()
    assert session_row.invitation_id is not None and session_row.verified_at is None


def test_with_two_factor_still_set_up_a_new_link_sets_a_password_then_asks_for_a_code(
    app: Flask, make: Factory, world: World
) -> None:
    elsewhere = signed_in_client(app, world.worker)
    web = app.test_client()

    chosen = web.post(set_up_link(app, world.worker), data={"password": NEW_PASSWORD})

    assert chosen.headers["Location"].startswith("/sign-in/code")
    assert elsewhere.get("/home").headers["Location"].startswith("/sign-in")
    done = web.post("/sign-in/code", data={"code": two_factor_code(app, world.worker)})
    assert done.status_code == 302 and web.get("/home").status_code == 200
    # Her old password has gone; the new one works.
    old = app.test_client().post(
        "/sign-in", data={"email": world.worker.email, "password": PASSWORD}
    )
    assert old.status_code == 200


def test_a_password_alone_never_sets_up_two_factor(app: Flask, make: Factory, world: World) -> None:
    # An account without two-factor whose password is known (an old account, or someone who
    # learnt it) gets no further than the page asking for the set-up link.
    legacy = make.user(organisation=world.project, totp_secret=None)
    web = app.test_client()
    step = web.post("/sign-in", data={"email": legacy.email, "password": PASSWORD})
    assert step.headers["Location"].startswith("/sign-in/set-up")

    page = web.get("/sign-in/set-up")
    posted = web.post("/sign-in/set-up", data={"code": "123456"})

    assert page.status_code == 403 and "Use your set-up link" in text(page)
    assert page.mimetype == "text/html"
    assert "secret-key" not in text(page)
    assert posted.status_code == 403
    assert fresh_user(make, legacy.id).totp_secret is None
    assert web.get("/home").status_code == 302


def test_the_set_up_pages_work_with_csrf_on(tmp_path: Path) -> None:
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    make = Factory(app)
    try:
        newcomer = make.user(totp_secret=None)
        path = set_up_link(app, newcomer)
        web = app.test_client()
        without = web.post(path, data={"password": NEW_PASSWORD})
        assert without.status_code in (200, 400)
        assert fresh_user(make, newcomer.id).password_changed_at is None
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text(web.get(path)))
        assert token is not None
        chosen = web.post(path, data={"password": NEW_PASSWORD, "csrf_token": token.group(1)})
        assert chosen.status_code == 302
    finally:
        make.session.close()
        app.extensions["diversion.db"][0].dispose()


# Email from the administration pages ------------------------------------------------------


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[SmtpServer]:
    server = SmtpServer(smtp_port).start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(tmp_path: Path, smtp_port: int) -> Iterator[Flask]:
    """The app sending through a real SMTP server on loopback (started by `smtp`)."""
    application = make_app(
        tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        MAIL_FROM="Accounts <accounts@example.test>",
        PUBLIC_BASE_URL="https://service.example.org",
    )
    yield application
    application.extensions["diversion.db"][0].dispose()


def new_user_form(organisation_id: int, email: str = "nadia.new@example.org") -> dict[str, str]:
    return {
        "name": "Nadia New",
        "email": email,
        "role": Role.WORKER.value,
        "organisation_id": str(organisation_id),
    }


def test_adding_a_user_emails_her_a_discreet_working_link_through_the_mail_server(
    smtp_app: Flask, smtp: SmtpServer
) -> None:
    make = Factory(smtp_app)
    try:
        project = make.organisation(name="Riverside Test Project")
        admin_user = make.user(organisation=project, role=Role.ADMIN)
        admin = signed_in_client(smtp_app, admin_user)

        response = admin.post("/admin/users/new", data=new_user_form(project.id))

        assert response.status_code == 302
        (received,) = smtp.received
        assert received.rcpt_tos == ["nadia.new@example.org"]
        mail = received.message
        assert mail["To"] == "nadia.new@example.org"
        assert mail["Subject"] == "Set up your account: Court diversion scheduler"
        body = body_of(mail)
        assert "https://service.example.org/invitation?token=" in body
        assert "The link works once, until " in body
        discreet = (str(mail["Subject"]) + body).replace("Court diversion scheduler", "").lower()
        assert [word for word in GIVEAWAYS if word in discreet] == []
        assert "Nadia" not in body and PASSWORD not in body
        # Never kept in the mail queue, where bodies stay at rest.
        assert make.session.scalar(select(func.count(OutgoingMail.id))) == 0
        user = make.session.scalar(select(User).where(User.email == "nadia.new@example.org"))
        assert user is not None
        sent = actions(make, "invitation_sent")
        assert [(e.user_id, e.object_type, e.object_id, e.detail) for e in sent] == [
            (admin_user.id, "user", user.id, "new_account")
        ]
        invitation = make.session.scalars(select(Invitation)).one()
        assert invitation.created_by_id == admin_user.id
        assert invitation.purpose is InvitationPurpose.NEW_ACCOUNT

        web = smtp_app.test_client()
        set_up_through_link(web, link_path(mail), user, password=NEW_PASSWORD)
        assert web.get("/home").status_code == 200
    finally:
        make.session.close()


def test_when_the_email_fails_the_account_stays_and_the_admin_is_told(
    smtp_app: Flask, smtp_port: int
) -> None:
    make = Factory(smtp_app)
    try:
        project = make.organisation(name="Riverside Test Project")
        admin = signed_in_client(smtp_app, make.user(organisation=project, role=Role.ADMIN))

        # Nobody listens on the mail server's port.
        response = admin.post(
            "/admin/users/new", data=new_user_form(project.id), follow_redirects=True
        )

        page = text(response)
        user = make.session.scalar(select(User).where(User.email == "nadia.new@example.org"))
        assert user is not None
        assert response.request.path == f"/admin/users/{user.id}/edit"
        assert "User added. The set-up email could not be sent" in page
        assert "the mail server refused the connection" in page
        assert "Send a new set-up link" in page
        (failed,) = actions(make, "invitation_not_sent")
        assert failed.object_id == user.id and "nadia" not in (failed.detail or "")

        server = SmtpServer(smtp_port).start()
        try:
            again = admin.post(f"/admin/users/{user.id}/set-up-link", follow_redirects=True)
        finally:
            server.stop()
        assert "We have emailed them a set-up link" in text(again)
        (received,) = server.received
        web = smtp_app.test_client()
        set_up_through_link(web, link_path(received.message), user, password=NEW_PASSWORD)
    finally:
        make.session.close()


def test_a_two_factor_reset_emails_her_a_link_to_set_it_up_again(
    app: Flask, make: Factory, world: World
) -> None:
    admin = signed_in_client(app, world.admin)

    reset = admin.post(f"/admin/users/{world.worker.id}/two-factor/reset", follow_redirects=True)

    assert "We have emailed them a set-up link" in text(reset)
    (mail,) = written_mail(app)
    assert mail["To"] == world.worker.email
    assert "reset the two-factor authentication" in body_of(mail)
    # Her password alone cannot set up a new app ...
    by_password = app.test_client()
    by_password.post("/sign-in", data={"email": world.worker.email, "password": PASSWORD})
    assert by_password.get("/sign-in/set-up").status_code == 403
    # ... her link can, and she chooses a new password on the way.
    web = app.test_client()
    set_up_through_link(web, link_path(mail), world.worker, password=NEW_PASSWORD)
    assert web.get("/home").status_code == 200
    assert [e.detail for e in actions(make, "invitation_used")] == ["two_factor_reset"]


def test_a_new_set_up_link_from_the_user_page(app: Flask, make: Factory, world: World) -> None:
    admin = signed_in_client(app, world.admin)
    first = admin.post(f"/admin/users/{world.colleague.id}/set-up-link", follow_redirects=True)
    second = admin.post(f"/admin/users/{world.colleague.id}/set-up-link", follow_redirects=True)

    assert "We have emailed them a set-up link" in text(second)
    assert "Any older set-up link has stopped working" in text(first)
    older, newer = written_mail(app)
    web = app.test_client()
    assert is_gone(web.get(link_path(older)))
    assert web.get(link_path(newer)).status_code == 200
    page = text(admin.get(f"/admin/users/{world.colleague.id}/edit"))
    assert "A set-up link was made" in page
    # Not for a disabled account.
    colleague = fresh_user(make, world.colleague.id)
    colleague.active = False
    make.session.commit()
    refused = admin.post(f"/admin/users/{world.colleague.id}/set-up-link", follow_redirects=True)
    assert "enable it first" in text(refused)
    assert len(written_mail(app)) == 2


def test_only_administrators_may_send_a_set_up_link(
    app: Flask, make: Factory, world: World
) -> None:
    for who in (world.manager, world.worker, world.liaison):
        response = signed_in_client(app, who).post(f"/admin/users/{world.colleague.id}/set-up-link")
        assert response.status_code == 403
    assert written_mail(app) == []
    assert make.session.scalar(select(func.count(Invitation.id))) == 0


@pytest.mark.parametrize(
    "typed",
    ["\x00", "\r\n\r\n", "x" * 5000, "{{ 7*7 }}", "'; DROP TABLE invitation; --", "👩🏽‍⚕️" * 20],
)
def test_hostile_input_to_the_set_up_page_never_gives_a_server_error(
    app: Flask, make: Factory, typed: str
) -> None:
    path = set_up_link(app, make.user(totp_secret=None))
    web = app.test_client()
    assert web.post(path, data={"password": typed}).status_code < 500
    assert web.post(path, data={"password": [typed, typed]}).status_code < 500
    assert web.get("/invitation", query_string={"token": typed}).status_code in (200, 302, 404)


def test_in_production_create_admin_needs_an_https_public_address(tmp_path: Path) -> None:
    settings = {
        "DIVERSION_ENV": "production",
        "SECRET_KEY": "a-long-random-production-secret-key-for-this-test-only",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "LOOKUP_HASH_KEY": "a-long-random-lookup-hash-key-for-this-test-only",
    }
    app = make_app(tmp_path, **settings, PUBLIC_BASE_URL="http://127.0.0.1:5000")
    try:
        refused = flask_command(app, "create-admin", "gail@example.org")
        assert refused.exit_code != 0 and "https://" in refused.output
        app.config["PUBLIC_BASE_URL"] = "https://diversion.example.org"
        made = flask_command(app, "create-admin", "gail@example.org")
        assert made.exit_code == 0, made.output
        assert "https://diversion.example.org/invitation?token=" in made.output
    finally:
        app.extensions["diversion.db"][0].dispose()
