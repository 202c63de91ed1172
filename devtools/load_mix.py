"""The pages of the load benchmark (bench/load.py), picked from data built by
`flask --app wsgi generate-data`, and the signed-in sessions its users carry.

A caseworker's working day in seven pages: her home page, a client search (a name of one of
her organisation's clients, posted then shown, as the search form does), one of her cases, the
booking page of a case waiting for its appointments (its proposed times), her diary for a week
she has appointments in, and the generated court's long sitting-day list and its CSV.

The generated data holds no case waiting to be booked (its cases are closed, or attended on
the list day), so `plant_booking_case` gives each caseworker one, accepted at the last sitting
day on or before today and returning four weeks later, with no appointment: the booking page
then proposes times for both sessions. It is found again by its reference, and its dates are
moved on when the bench runs on a later day. Nothing is booked: the pages are only read.

Staff accounts of generated data cannot sign in (no password): `make_session` writes the
session row a completed sign-in (both factors) writes, and returns the token the browser's
cookie would carry. Only someone who can write to the database can do this; nothing in the
application is relaxed for it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from devtools.bulk import COURT_NAME, LIST_DAY, SITTING_WEEKDAYS
from diversion.accounts.services import token_hash
from diversion.db import db
from diversion.models import (
    Appointment,
    Case,
    CaseStatus,
    Client,
    Court,
    CourtOutcome,
    DrugTestResult,
    RequirementType,
    Role,
    User,
    UserSession,
)
from scheduling.calendar import LONDON

BOOKING_PREFIX = "LOAD-"  # the planted cases' references: LOAD-<worker id>
BOOKING_CHARGE = "Load benchmark: a case waiting for its appointments"
RETURN_AFTER = timedelta(days=28)

# The pages, in the order the benchmark reports them.
PAGES = ("home", "search", "case", "booking", "diary", "list", "list_csv")


@dataclass(frozen=True)
class WorkerPages:
    """One caseworker's pages (paths, with their query strings) and the name she searches."""

    worker_id: int
    home: str
    search_name: str
    case: str
    booking: str
    diary: str
    list: str
    list_csv: str

    def urls(self) -> dict[str, str]:
        """Every page that is a plain GET (the search is a POST, then its GET /clients)."""
        return {
            "home": self.home,
            "search": "/clients",
            "case": self.case,
            "booking": self.booking,
            "diary": self.diary,
            "list": self.list,
            "list_csv": self.list_csv,
        }


def caseworkers(count: int) -> list[User]:
    """The first `count` caseworkers (workers) by id who hold at least one case."""
    holders = select(Case.worker_id).where(Case.worker_id.is_not(None)).distinct()
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.WORKER, User.active.is_(True), User.id.in_(holders))
            .order_by(User.id)
            .limit(count)
        )
    )


def generated_court() -> Court:
    court = db.session.scalar(select(Court).where(Court.name == COURT_NAME))
    if court is None:
        raise LookupError("no generated court: build the data with flask generate-data")
    return court


def last_sitting_day(today: date) -> date:
    day = today
    while day.weekday() not in SITTING_WEEKDAYS:
        day -= timedelta(days=1)
    return day


def plant_booking_case(worker: User, *, court: Court, today: date) -> Case:
    """Her case waiting to be booked (made once, its dates moved on to `today`'s)."""
    reference = f"{BOOKING_PREFIX}{worker.id}"
    court_day = last_sitting_day(today)
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    if case is None:
        client_id = db.session.scalar(
            select(Case.client_id).where(Case.worker_id == worker.id).order_by(Case.id).limit(1)
        )
        client = db.session.get(Client, client_id)
        requirement = db.session.scalar(select(RequirementType).where(RequirementType.code == "CD"))
        if client is None or requirement is None:
            raise LookupError("no client or requirement type to plant a booking case on")
        case = Case(
            reference=reference,
            client_id=client.id,
            organisation_id=client.organisation_id,
            worker_id=worker.id,
            requirement_type_id=requirement.id,
            charge=BOOKING_CHARGE,
            custody_drug_test=DrugTestResult.NOT_TESTED,
            court_id=court.id,
        )
        db.session.add(case)
    case.first_court_date = court_day
    case.outcome_hearing_date = court_day
    case.court_outcome = CourtOutcome.ACCEPTED
    case.return_date = court_day + RETURN_AFTER
    case.status = CaseStatus.ON_SCHEME
    db.session.commit()
    return case


def worker_pages(worker: User, *, court: Court, booking: Case) -> WorkerPages:
    """Her pages: her latest generated case (and its client's name to search for), the
    planted booking case, the week of her latest appointment, and the long list."""
    case = db.session.scalar(
        select(Case)
        .where(Case.worker_id == worker.id, Case.id != booking.id)
        .order_by(Case.id.desc())
        .limit(1)
    )
    if case is None:
        raise LookupError("the caseworker holds no generated case")
    latest = db.session.scalar(
        select(func.max(Appointment.starts_at)).where(Appointment.worker_id == worker.id)
    )
    week = (latest.astimezone(LONDON).date() if latest else LIST_DAY).isoformat()
    day = LIST_DAY.isoformat()
    return WorkerPages(
        worker_id=worker.id,
        home="/home",
        search_name=f"{case.client.first_name} {case.client.last_name}",
        case=f"/cases/{case.id}",
        booking=f"/cases/{booking.id}/book",
        diary=f"/diary?week={week}",
        list=f"/court/{court.id}/list?date={day}",
        list_csv=f"/court/{court.id}/list.csv?date={day}",
    )


def prepare(count: int, *, today: date) -> list[WorkerPages]:
    """Pages for `count` caseworkers (fewer when the data has fewer), booking cases planted."""
    court = generated_court()
    out = []
    for worker in caseworkers(count):
        booking = plant_booking_case(worker, court=court, today=today)
        out.append(worker_pages(worker, court=court, booking=booking))
    return out


def make_session(user_id: int) -> str:
    """A signed-in session (both factors through) for the user; returns its token."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    db.session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            verified_at=now,
        )
    )
    db.session.commit()
    return token
