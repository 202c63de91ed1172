"""The generator of fictional bulk data (`flask generate-data`, devtools/generate.py), at a
tiny size: its counts, the two lists it plants, the same rows for the same seed, and the
databases it refuses to fill."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from devtools.bulk import LIAISON_EMAIL, LIST_DAY
from diversion.admin.reference import seed_requirement_types
from diversion.court.queries import sitting_day_list
from diversion.db import Base, db
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseStatus,
    Client,
    Court,
    User,
)
from scheduling.calendar import last_appointment_date
from tests.conftest import flask_command

TINY = ["--clients", "200", "--appointments", "1000", "--list-cases", "40", "--seed", "7"]
TODAY = date(2026, 11, 29)


def generate(app: Flask, *args: str) -> Result:
    return flask_command(app, "generate-data", *args)


def count(model: type[Base]) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def snapshot() -> str:
    """A digest of every generated client, case and appointment, in id order."""
    rows = [
        *db.session.execute(
            select(Client.id, Client.first_name, Client.last_name, Client.date_of_birth).order_by(
                Client.id
            )
        ).all(),
        *db.session.execute(
            select(
                Case.id, Case.client_id, Case.first_court_date, Case.status, Case.return_date
            ).order_by(Case.id)
        ).all(),
        *db.session.execute(
            select(
                Appointment.id, Appointment.case_id, Appointment.starts_at, Appointment.status
            ).order_by(Appointment.id)
        ).all(),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_tiny_data_set_has_its_counts_and_both_lists(app: Flask) -> None:
    result = generate(app, *TINY)
    assert result.exit_code == 0, result.output
    assert "200 clients" in result.output
    with app.app_context():
        assert count(Client) == 200
        assert count(Appointment) == 1000
        assert db.session.scalar(select(func.count()).where(Client.mobile.is_not(None))) == 0
        court = db.session.scalars(select(Court)).one()
        liaison = db.session.scalar(select(User).where(User.email == LIAISON_EMAIL))
        assert court.sitting_weekdays == [2]

        listing = sitting_day_list(court, LIST_DAY, user=liaison, today=TODAY)
        assert (len(listing.first_appearances), len(listing.returning)) == (20, 20)
        small = sitting_day_list(court, LIST_DAY + timedelta(days=7), user=liaison, today=TODAY)
        assert (len(small.first_appearances), len(small.returning)) == (2, 2)
        # No other case is heard or returns in the weeks around the list day.
        for weeks in (-2, -1, 2):
            other = sitting_day_list(
                court, LIST_DAY + timedelta(weeks=weeks), user=liaison, today=TODAY
            )
            assert not other.first_appearances and not other.returning

        # Returning cases attended inside their window; the history is mostly attended.
        last_day = last_appointment_date(LIST_DAY)
        for line in listing.returning:
            case = db.session.get(Case, line.case_id)
            assert case is not None and case.status is CaseStatus.ON_SCHEME
            assert case.outcome_hearing_date == LIST_DAY - timedelta(days=28)
            assert case.appointments
            assert all(
                LIST_DAY - timedelta(days=28) < a.starts_at.date() <= last_day
                for a in case.appointments
            )
        attended = db.session.scalar(
            select(func.count()).where(Appointment.status == AppointmentStatus.ATTENDED)
        )
        assert attended is not None and 700 < attended < 1000


def test_same_seed_gives_the_same_rows(app: Flask) -> None:
    assert generate(app, *TINY).exit_code == 0
    with app.app_context():
        first = snapshot()
        engine = db.engine
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with app.app_context():
        seed_requirement_types()
    assert generate(app, *TINY).exit_code == 0
    with app.app_context():
        assert snapshot() == first
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with app.app_context():
        seed_requirement_types()
    assert generate(app, *TINY[:-1], "8").exit_code == 0
    with app.app_context():
        assert snapshot() != first


def test_refuses_a_database_with_clients_unless_forced(app: Flask) -> None:
    assert generate(app, *TINY).exit_code == 0
    again = generate(app, *TINY)
    assert again.exit_code != 0
    assert "already has 200 clients" in again.output
    forced = generate(app, *TINY, "--force")
    assert forced.exit_code == 0, forced.output
    with app.app_context():
        assert count(Client) == 400
        assert count(Appointment) == 2000
        assert db.session.scalar(select(func.count()).select_from(Court)) == 1


def test_refuses_production_and_impossible_sizes(app: Flask) -> None:
    app.config["DIVERSION_ENV"] = "production"
    refused = generate(app, *TINY)
    assert refused.exit_code != 0
    assert "never written to a production database" in refused.output
    app.config["DIVERSION_ENV"] = "development"
    too_few = generate(app, "--clients", "30", "--appointments", "100")
    assert too_few.exit_code != 0
    assert "need 220 clients" in too_few.output
    not_wednesday = generate(app, *TINY, "--list-day", "2026-11-26")
    assert not_wednesday.exit_code != 0
    with app.app_context():
        assert count(Client) == 0
