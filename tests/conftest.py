"""Fixtures: a fresh database per test (SQLite, or PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
from click.testing import Result
from flask import Flask
from flask.cli import FlaskGroup
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from diversion import clock
from diversion.accounts import invitations
from diversion.accounts.services import TOKEN_KEY, token_hash
from diversion.admin.reference import seed_requirement_types
from diversion.app import create_app
from diversion.db import Base, db
from diversion.models import (
    Court,
    InvitationPurpose,
    Organisation,
    OrganisationKind,
    Role,
    User,
    UserSession,
)
from tests.factories import PASSWORD, Factory

# The tests run in development (config.py's default is production), and so do the commands
# they start as subprocesses; a test that wants production says so in its settings.
os.environ["DIVERSION_ENV"] = "development"

# log_guard: no planted name or number in any log (security.md 11); redis_server: a private
# Redis for tests that need the real store.
pytest_plugins = ["tests.log_guard", "tests.redis_server"]

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def _postgres_url() -> str:
    url = POSTGRES_URL or ""
    url = (
        "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith("postgresql://") else url
    )
    # A test database need not survive a power cut: commits skip the wait for the disk, which
    # is most of a test's time on PostgreSQL. (A session setting: the server is untouched.)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-c%20synchronous_commit%3Doff"


class _SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for the whole run: every test builds an app of its own, and
    compiling the same templates again for each is most of a page test's time."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = _SharedTemplateCode()


def make_app(tmp_path: Path, **overrides: object) -> Flask:
    """An app on a fresh database with the reference data seeded."""
    url = _postgres_url() if POSTGRES_URL else f"sqlite:///{tmp_path / 'test.sqlite'}"
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        # Sign-in throttling is off unless a test turns it on (tests sign in many times).
        "RATELIMIT_ENABLED": False,
        # Set-up links and other development email go to files here, never to instance/.
        "MAIL_FILE_DIR": str(tmp_path / "mail"),
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    engine = app.extensions["diversion.db"][0]
    if POSTGRES_URL:
        _fresh_postgres(engine)
    else:
        Base.metadata.create_all(engine)
    with app.app_context():
        seed_requirement_types()
    return app


# PostgreSQL: the schema is built once per run and emptied between tests (building it costs
# far more than emptying it). It is built again whenever it is not the models' own: the
# migration tests replace it with the one the migrations build.
_schema_built = False


def _fresh_postgres(engine: Engine) -> None:
    global _schema_built
    tables = {t.name for t in Base.metadata.sorted_tables}
    if _schema_built and set(inspect(engine).get_table_names()) == tables:
        names = ", ".join(f'"{name}"' for name in tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        Base.metadata.create_all(conn)
    _schema_built = True


def forget_postgres_schema() -> None:
    """A test that built the schema some other way (the migrations): the next app rebuilds it."""
    global _schema_built
    _schema_built = False


def _empty_postgres(app: Flask) -> None:
    engine = app.extensions["diversion.db"][0]
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    application = make_app(tmp_path)
    yield application
    if POSTGRES_URL:
        _empty_postgres(application)
    else:
        application.extensions["diversion.db"][0].dispose()


@pytest.fixture
def web(app: Flask) -> FlaskClient:
    """A browser-like test client (named so as not to clash with the domain's clients)."""
    return app.test_client()


@pytest.fixture
def make(app: Flask) -> Iterator[Factory]:
    factory = Factory(app)
    yield factory
    factory.session.close()


@dataclass
class World:
    """Two organisations with a worker, a manager and a court each: the usual cast."""

    project: Organisation
    other_project: Organisation
    worker: User
    other_worker: User
    colleague: User
    manager: User
    admin: User
    liaison: User
    cps: User
    court: Court
    other_org_worker: User


@pytest.fixture
def world(make: Factory) -> World:
    project = make.organisation(name="Riverside Test Project")
    other = make.organisation(name="Elsewhere Test Project")
    court_org = make.organisation(name="Testbury Court", kind=OrganisationKind.COURT)
    cps_org = make.organisation(name="Test CPS", kind=OrganisationKind.CPS)
    court = make.court(organisation_id=court_org.id, cps_organisation_id=cps_org.id)
    return World(
        project=project,
        other_project=other,
        worker=make.user(organisation=project, role=Role.WORKER, name="Wendy Worker"),
        other_worker=make.user(organisation=other, role=Role.WORKER),
        colleague=make.user(organisation=project, role=Role.WORKER, name="Colin Colleague"),
        manager=make.user(organisation=project, role=Role.MANAGER),
        admin=make.user(organisation=project, role=Role.ADMIN),
        liaison=make.user(organisation=court_org, role=Role.COURT_LIAISON),
        cps=make.user(organisation=cps_org, role=Role.CPS),
        court=court,
        other_org_worker=make.user(organisation=other, role=Role.MANAGER),
    )


def two_factor_code(app: Flask, user: User) -> str:
    """A code from her authenticator app that the service has not accepted yet.

    A code is accepted once only, for its 30-second step or the next: so the current step's
    code, or the next step's when the current one was used (two sign-ins in one step).
    """
    with Session(app.extensions["diversion.db"][0]) as session:
        stored = session.get(User, user.id)
        assert stored is not None and stored.totp_secret, "the user has no two-factor secret"
        secret, last_step = stored.totp_secret, stored.totp_last_step
    totp = pyotp.TOTP(secret)
    current = totp.timecode(datetime.now(UTC))
    for step in (current, current + 1):
        if last_step is None or step > last_step:
            return totp.generate_otp(step)
    raise AssertionError(
        "both codes of this 30-second step were used: move the clock on between sign-ins"
    )


def set_up_link(
    app: Flask, user: User, *, purpose: InvitationPurpose = InvitationPurpose.NEW_LINK
) -> str:
    """The path of a new set-up link for the user, as an administrator would have it emailed."""
    with app.test_request_context():
        stored = db.session.get(User, user.id)
        assert stored is not None
        issued = invitations.issue(stored, purpose=purpose, now=clock.now())
        db.session.commit()
    return invitations.LINK_PATH + issued.token


def set_up_through_link(
    web: FlaskClient, path: str, user: User, password: str = PASSWORD
) -> list[str]:
    """Open a set-up link, choose a password, set up two-factor: signed in. Her recovery codes."""
    assert web.get(path).status_code == 200
    chosen = web.post(path, data={"password": password})
    assert chosen.status_code == 302, chosen.get_data(as_text=True)[:1000]
    assert chosen.headers["Location"].startswith("/sign-in/set-up"), chosen.headers["Location"]
    assert web.get("/sign-in/set-up").status_code == 200
    done = web.post("/sign-in/set-up", data={"code": two_factor_code(web.application, user)})
    text_of = done.get_data(as_text=True)
    assert done.status_code == 200, text_of[:1000]
    assert "Save your recovery codes" in text_of
    block = text_of.split('id="recovery-codes">', 1)[1].split("</ul>", 1)[0]
    return [part.split("</code>", 1)[0] for part in block.split("<code>")[1:]]


def sign_in(web: FlaskClient, user: User, password: str = PASSWORD) -> None:
    """Sign a test client in as a user (two-factor set up) through the real sign-in form and
    code page. One without two-factor cannot sign in this way: see set_up_through_link."""
    response = web.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    next_page = response.headers["Location"]
    assert next_page.startswith("/sign-in/code"), next_page
    done = web.post(next_page, data={"code": two_factor_code(web.application, user)})
    assert done.status_code == 302, done.get_data(as_text=True)[:500]


def signed_in_client(app: Flask, user: User) -> FlaskClient:
    """A test client with a live, fully signed-in session for the user, without the forms.

    The session is made on the server as signing in would make it; the cookie carries its
    token. Quicker than `sign_in` (no Argon2), for tests that call many pages.
    """
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with Session(app.extensions["diversion.db"][0]) as session:
        session.add(
            UserSession(
                token_hash=token_hash(token),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                verified_at=now,
            )
        )
        session.commit()
    web = app.test_client()
    with web.session_transaction() as cookie:
        cookie[TOKEN_KEY] = token
        cookie.permanent = True
    return web


def flask_command(app: Flask, *args: str) -> Result:
    """Run a command as `flask` would, plugins (the devtools commands) included."""
    return app.test_cli_runner().invoke(FlaskGroup(), list(args))
