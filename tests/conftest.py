"""Fixtures: a fresh database per test (SQLite, or PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from diversion import create_app
from diversion.db import Base
from diversion.models import Court, Organisation, OrganisationKind, Role, User
from diversion.services.reference import seed_requirement_types
from tests.factories import PASSWORD, Factory

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def _postgres_url() -> str:
    url = POSTGRES_URL or ""
    return (
        "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith("postgresql://") else url
    )


def make_app(tmp_path: Path, **overrides: object) -> Flask:
    """An app on a fresh database with the reference data seeded."""
    url = _postgres_url() if POSTGRES_URL else f"sqlite:///{tmp_path / 'test.sqlite'}"
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
    }
    config.update(overrides)
    app = create_app(config)
    engine = app.extensions["diversion.db"][0]
    if POSTGRES_URL:
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            Base.metadata.create_all(conn)
    else:
        Base.metadata.create_all(engine)
    with app.app_context():
        seed_requirement_types()
    return app


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


def sign_in(web: FlaskClient, user: User, password: str = PASSWORD) -> None:
    """Sign a test client in as a user through the real sign-in form."""
    response = web.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
