"""Fictional data in bulk, for benchmarks and load tests: `flask --app wsgi generate-data`.

Everything here is invented: names are made from syllables, nobody has a phone number, and
the staff accounts cannot sign in (their password hash is no hash at all; a benchmark makes
its sessions on the server). Same seed and sizes on a fresh database, same rows: a
benchmark's data set can be rebuilt at will. Rows are written with bulk INSERTs in batches,
their ids given here, never one ORM object at a time.

What it makes:

- two projects (a women's project and a CJIT), a magistrates' court sitting on Wednesdays
  with its court and CPS organisations, a venue for each project, one caseworker for every
  1,000 appointments (at least two) with a manager for each project, a court liaison
  officer and a CPS user (`LIAISON_EMAIL`, `CPS_EMAIL`), and the four requirement types;
- the clients, each with a history of closed (or declined) cases over the two years before
  the list day, at the court's sitting days, which hold the appointments: mostly attended,
  some missed and rebooked, some cancelled, at most four a day for each worker;
- the lists: exactly `list_cases` cases on the list day (half first appearances, a tenth of
  those adjourned to it and most reminded by text; half returning from extended bail, with
  their attendance and, for some, a signed-off report), and a tenth as many on the sitting
  day a week later (the small list, to compare a long list with a short one). No other case
  is heard or returns on either day.

The appointments of the returning cases count towards `appointments`; the rest are spread
at random over every client (some have none: their one case was declined).
"""

from __future__ import annotations

import hashlib
import random
import time as stopwatch
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select, text

from diversion.db import db
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseStatus,
    Client,
    ComplianceReport,
    Court,
    CourtOutcome,
    DrugTestResult,
    MessageStatus,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    ReportVariant,
    RequirementType,
    Role,
    User,
    Venue,
    WorkingPeriod,
)
from diversion.services.reference import seed_requirement_types
from scheduling.calendar import LONDON, is_working_day, sitting_days_between, suggest_return_date

LIST_DAY = date(2026, 11, 25)  # a Wednesday: the long list
LIST_CASES = 200
SMALL_LIST_SHARE = 10  # the small list, a week later, has a tenth as many cases
HISTORY_DAYS = 730  # cases over the two years before the list day
# History stays clear of both lists: its last return date is this long before the list day.
HISTORY_GAP_DAYS = 56
SITTING_WEEKDAYS = [2]  # Wednesdays
APPOINTMENTS_PER_WORKER = 1_000
CLIENTS_PER_BATCH = 5_000

PROJECT = "Generated Women's Project"
CJIT = "Generated CJIT"
COURT_ORGANISATION = "Generated Magistrates' Court"
CPS_ORGANISATION = "Generated CPS"
COURT_NAME = "Generated Magistrates' Court"
LIAISON_EMAIL = "liaison@generated.example.org"
CPS_EMAIL = "cps@generated.example.org"
# Not an Argon2 hash, so no password matches it (verify_password answers False).
NO_PASSWORD = "!generated-account-without-a-password"  # noqa: S105
CREATED = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)  # when the staff accounts were "made"

# Four slots a day, each long enough for a 90-minute session; lunch is 13:00 to 14:00.
SLOTS = (time(9, 30), time(11, 15), time(14, 0), time(15, 30))
WORKING_HOURS = (time(9, 30), time(17, 0))
LUNCH = (time(13, 0), time(14, 0))

FIRST_SYLLABLES = ("Ma", "Ro", "Ja", "El", "Ke", "Li", "Na", "Sa", "Ta", "Be", "Cla", "Do", "Fe")
MIDDLE_SYLLABLES = ("ri", "la", "ne", "lo", "ra", "mi", "de", "vi")
LAST_SYLLABLES = ("na", "sie", "lyn", "by", "dy", "ra", "tte", "lie", "nne", "ka")
SURNAME_STARTS = (
    "Ash", "Brook", "Cald", "Dun", "Elm", "Fen", "Gorse", "Hol", "Ivy", "Kes",
    "Lark", "Mar", "Nor", "Oak", "Pen", "Rush", "Stan", "Thorn", "Wy", "Bram",
)  # fmt: skip
SURNAME_ENDS = (
    "by", "field", "ford", "ham", "ley", "ton", "well", "wood", "croft", "dale",
    "mere", "stone", "worth", "bridge",
)  # fmt: skip
CHARGES = (
    "Loitering or soliciting for prostitution (Street Offences Act 1959, s.1)",
    "Theft from a shop",
    "Possession of a controlled drug of class A",
    "Being drunk and disorderly in a public place",
    "Criminal damage",
)
DRUG_TESTS = tuple(DrugTestResult)

ATTENDED = AppointmentStatus.ATTENDED
MISSED = AppointmentStatus.DID_NOT_ATTEND
Pattern = tuple[tuple[int, AppointmentStatus], ...]
# Statuses of an appointment in the history, with their weights: mostly attended.
HISTORY_STATUSES: tuple[tuple[AppointmentStatus, ...], tuple[int, ...]] = (
    (
        ATTENDED,
        AppointmentStatus.CANCELLED_BY_CLIENT,
        AppointmentStatus.CANCELLED_BY_SERVICE,
        MISSED,
    ),
    (88, 3, 2, 7),
)
# The attendance of a case returning on a list day: (session number, status) in date order.
RETURNING_PATTERNS: tuple[tuple[Pattern, ...], tuple[int, ...]] = (
    (
        ((1, ATTENDED), (2, ATTENDED)),
        ((1, MISSED), (1, ATTENDED), (2, ATTENDED)),
        ((1, ATTENDED), (2, MISSED)),
        ((1, ATTENDED), (2, AppointmentStatus.CANCELLED_BY_CLIENT)),
        ((1, ATTENDED), (2, AppointmentStatus.BOOKED)),
    ),
    (75, 10, 8, 4, 3),
)
REMINDED_SHARE = 0.6
ADJOURNED_SHARE = 0.1
REPORT_SHARE = 0.4

Row = dict[str, Any]


class GenerateError(click.ClickException):
    """The sizes asked for cannot be made, or the database is not one to fill."""


@dataclass(frozen=True)
class Sizes:
    """What to make: how many clients and appointments, and the list day's size."""

    clients: int
    appointments: int
    list_cases: int = LIST_CASES
    list_day: date = LIST_DAY
    seed: int = 1

    @property
    def small_day(self) -> date:
        return self.list_day + timedelta(days=7)

    @property
    def small_cases(self) -> int:
        return max(2, self.list_cases // SMALL_LIST_SHARE)

    @property
    def workers(self) -> int:
        return max(2, self.appointments // APPOINTMENTS_PER_WORKER)


@dataclass(frozen=True)
class Planted:
    """A case put on one of the two lists."""

    day: date
    returning: bool
    adjourned: bool = False
    reminded: bool = False
    report: bool = False
    pattern: Pattern = ()


@dataclass
class Generated:
    """What was made: the court, the two list days, and how many rows of each."""

    court_id: int
    list_day: date
    small_day: date
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Staff:
    """The ids the client rows refer to."""

    projects: tuple[int, int]
    workers: dict[int, list[int]]  # organisation id to its caseworkers
    venues: dict[int, int]  # organisation id to its venue
    court_id: int
    requirement_types: dict[str, RequirementType]


# --- names and dates ------------------------------------------------------------------------


def fictional_name(rng: random.Random) -> tuple[str, str]:
    """A first name and a surname made of syllables: nobody's real name, but name-like."""
    middle = rng.choice(MIDDLE_SYLLABLES) if rng.random() < 0.3 else ""
    first = rng.choice(FIRST_SYLLABLES) + middle + rng.choice(LAST_SYLLABLES)
    last = rng.choice(SURNAME_STARTS) + rng.choice(SURNAME_ENDS)
    if rng.random() < 0.1:
        last = f"{last}-{rng.choice(SURNAME_STARTS)}{rng.choice(SURNAME_ENDS)}"
    return first, last


@cache
def instant(day: date, at: time) -> datetime:
    """The UTC instant of a London wall-clock time."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


@cache
def return_date(court_date: date, window_days: int) -> date:
    return suggest_return_date(court_date, SITTING_WEEKDAYS, max_days=window_days)


def _window_days(requirement_type: RequirementType) -> int:
    """How long the generated order runs: four weeks, or twelve for an engagement order."""
    return 84 if requirement_type.code == "ESO" else 28


# --- planning the two lists -------------------------------------------------------------------


def plan_lists(sizes: Sizes, rng: random.Random) -> dict[int, Planted]:
    """Which clients (by index) have a case on either list, and what it is."""
    planted: list[Planted] = []
    for day, count in ((sizes.list_day, sizes.list_cases), (sizes.small_day, sizes.small_cases)):
        first = count // 2
        for _ in range(first):
            planted.append(
                Planted(
                    day=day,
                    returning=False,
                    adjourned=rng.random() < ADJOURNED_SHARE,
                    reminded=rng.random() < REMINDED_SHARE,
                )
            )
        for _ in range(count - first):
            pattern = rng.choices(*RETURNING_PATTERNS)[0]
            planted.append(
                Planted(
                    day=day, returning=True, report=rng.random() < REPORT_SHARE, pattern=pattern
                )
            )
    if len(planted) > sizes.clients:
        raise GenerateError(
            f"The two lists need {len(planted)} clients: ask for at least that many "
            "(or fewer --list-cases)."
        )
    chosen = rng.sample(range(sizes.clients), len(planted))
    return dict(zip(chosen, planted, strict=True))


def spread(total: int, over: int, rng: random.Random) -> list[int]:
    """`total` appointments shared at random among `over` clients (some get none)."""
    counts = [0] * over
    for _ in range(total):
        counts[rng.randrange(over)] += 1
    return counts


def split_into_cases(count: int, rng: random.Random) -> list[int]:
    """A client's appointments in cases of one to three (mostly two)."""
    sizes = []
    while count > 0:
        size = min(count, rng.choice((2, 2, 3)))
        sizes.append(size)
        count -= size
    return sizes


def _history_status(rng: random.Random) -> AppointmentStatus:
    return rng.choices(*HISTORY_STATUSES)[0]


def history_case(size: int, rng: random.Random) -> tuple[str, Pattern]:
    """The order and the attendance of a closed case holding `size` appointments."""
    if size == 1:
        return "CD", ((1, _history_status(rng)),)
    if size == 2:
        code = "CD" if rng.random() < 0.75 else "RA"
        return code, ((1, _history_status(rng)), (2, _history_status(rng)))
    pick = rng.random()
    if pick < 0.4:  # missed the first session, then came to the rebooked one
        return "CD", ((1, MISSED), (1, ATTENDED), (2, _history_status(rng)))
    code = "ESO" if pick < 0.8 else "CC"
    return code, tuple((n, _history_status(rng)) for n in (1, 2, 3))


# --- rows -----------------------------------------------------------------------------------


class Ids:
    """The next id of each table: rows are written with their ids, so that they can refer to
    each other without reading anything back."""

    def __init__(self) -> None:
        self._next: dict[type[Any], int] = {}

    def take(self, model: type[Any]) -> int:
        if model not in self._next:
            self._next[model] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self._next[model]
        self._next[model] = value + 1
        return value


@dataclass
class Batch:
    """The rows of one batch of clients, written together in the order of their keys."""

    clients: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    appointments: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    reports: list[Row] = field(default_factory=list)

    def write(self) -> None:
        for model, rows in (
            (Client, self.clients),
            (Case, self.cases),
            (Appointment, self.appointments),
            (OutboxMessage, self.messages),
            (ComplianceReport, self.reports),
        ):
            if rows:
                # render_nulls: a None goes as NULL, so that every row of a table has the same
                # columns and a batch is one executemany, not one for each run of alike rows.
                db.session.execute(insert(model).execution_options(render_nulls=True), rows)


class Builder:
    """Makes the rows of each client, her cases and their appointments."""

    def __init__(self, sizes: Sizes, staff: Staff, ids: Ids, rng: random.Random) -> None:
        self.sizes = sizes
        self.staff = staff
        self.ids = ids
        self.rng = rng
        self.booked: dict[tuple[int, date], int] = {}  # (worker, day) to slots taken
        first_day = sizes.list_day - timedelta(days=HISTORY_DAYS)
        # Court dates whose order ends well before the list day, by window length.
        self.court_dates = {
            days: sitting_days_between(
                first_day,
                sizes.list_day - timedelta(days=HISTORY_GAP_DAYS + days),
                SITTING_WEEKDAYS,
            )
            for days in (28, 84)
        }
        if not self.court_dates[84]:
            raise GenerateError("The list day leaves no room for a history before it.")

    def client(self, index: int, appointments: int, planted: Planted | None, batch: Batch) -> None:
        rng = self.rng
        organisation = self.staff.projects[0] if rng.random() < 0.7 else self.staff.projects[1]
        worker = rng.choice(self.staff.workers[organisation])
        client_id = self.ids.take(Client)
        first, last = fictional_name(rng)
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(45 * 365))
        cases: list[tuple[date, str, Pattern]] = []
        for size in split_into_cases(appointments, rng):
            code, pattern = history_case(size, rng)
            days = _window_days(self.staff.requirement_types[code])
            cases.append((rng.choice(self.court_dates[days]), code, pattern))
        if not cases or rng.random() < 0.08:
            cases.append((rng.choice(self.court_dates[28]), "CD", ()))  # declined: no sessions
        cases.sort(key=lambda item: item[0])
        opened: list[datetime] = []
        for court_date, code, pattern in cases:
            opened.append(
                self._history_case(
                    client_id, organisation, worker, court_date, code, pattern, batch
                )
            )
        if planted is not None:
            opened.append(self._planted_case(client_id, organisation, worker, planted, batch))
        created = min(opened)
        batch.clients.append(
            {
                "id": client_id,
                "organisation_id": organisation,
                "first_name": first,
                "last_name": last,
                "date_of_birth": born,
                "mobile": None,
                "mobile_hash": None,
                "housing": None,
                "health_notes": None,
                "anonymised_at": None,
                "consent_to_texts": False,
                "safe_to_text_confirmed_on": None,
                "text_name": None,
                "texts_opted_out_at": None,
                "created_at": created,
                "updated_at": created,
            }
        )

    def _case_row(
        self,
        *,
        client_id: int,
        organisation: int,
        worker: int,
        code: str,
        court_date: date,
        arrest_date: date,
        **values: Any,
    ) -> Row:
        case_id = self.ids.take(Case)
        row: Row = {
            "id": case_id,
            "reference": f"{code}-{case_id:06d}",
            "client_id": client_id,
            "organisation_id": organisation,
            "worker_id": worker,
            "requirement_type_id": self.staff.requirement_types[code].id,
            "arrest_date": arrest_date,
            "charge": self.rng.choice(CHARGES),
            "custody_drug_test": self.rng.choice(DRUG_TESTS),
            "court_id": self.staff.court_id,
            "first_court_date": court_date,
            "court_reference": f"GEN/{court_date:%y}/{case_id:07d}",
            "adjourned_to": None,
            "court_outcome": None,
            "outcome_hearing_date": None,
            "return_date": None,
            "status": CaseStatus.AWAITING_COURT,
            "at_risk_reason": None,
            "closed_at": None,
            "created_at": instant(arrest_date, time(12, 0)),
        }
        row.update(values)
        return row

    def _history_case(
        self,
        client_id: int,
        organisation: int,
        worker: int,
        court_date: date,
        code: str,
        pattern: Pattern,
        batch: Batch,
    ) -> datetime:
        """A case the court dealt with: closed after its return date, or declined."""
        rng = self.rng
        arrest = court_date - timedelta(days=rng.randint(1, 13))
        adjourned = rng.random() < ADJOURNED_SHARE
        first_hearing = court_date - timedelta(days=14) if adjourned else court_date
        common: Row = {
            "client_id": client_id,
            "organisation": organisation,
            "worker": worker,
            "code": code,
            "court_date": first_hearing,
            "arrest_date": min(arrest, first_hearing - timedelta(days=1)),
            "adjourned_to": court_date if adjourned else None,
            "outcome_hearing_date": court_date,
        }
        if not pattern:
            outcome = CourtOutcome.DECLINED if rng.random() < 0.6 else CourtOutcome.NOT_ELIGIBLE
            status = CaseStatus(outcome.value)
            row = self._case_row(**common, court_outcome=outcome, status=status)
            batch.cases.append(row)
            return row["created_at"]  # type: ignore[no-any-return]
        requirement_type = self.staff.requirement_types[code]
        back = return_date(court_date, _window_days(requirement_type))
        row = self._case_row(
            **common,
            court_outcome=CourtOutcome.ACCEPTED,
            return_date=back,
            status=CaseStatus.CLOSED,
            closed_at=instant(back, time(16, 0)),
        )
        batch.cases.append(row)
        self._appointments(row, requirement_type, pattern, court_date, batch)
        return row["created_at"]  # type: ignore[no-any-return]

    def _planted_case(
        self, client_id: int, organisation: int, worker: int, planted: Planted, batch: Batch
    ) -> datetime:
        rng = self.rng
        day = planted.day
        common: Row = {"client_id": client_id, "organisation": organisation, "worker": worker}
        if planted.returning:
            court_date = day - timedelta(days=28)
            row = self._case_row(
                **common,
                code="CD",
                court_date=court_date,
                arrest_date=court_date - timedelta(days=rng.randint(1, 13)),
                court_outcome=CourtOutcome.ACCEPTED,
                outcome_hearing_date=court_date,
                return_date=day,
                status=CaseStatus.ON_SCHEME,
            )
            batch.cases.append(row)
            requirement_type = self.staff.requirement_types["CD"]
            self._appointments(row, requirement_type, planted.pattern, court_date, batch)
            if planted.report:
                batch.reports.append(self._report(row, day))
            return row["created_at"]  # type: ignore[no-any-return]
        first_hearing = day - timedelta(days=14) if planted.adjourned else day
        row = self._case_row(
            **common,
            code="CD",
            court_date=first_hearing,
            arrest_date=first_hearing - timedelta(days=rng.randint(1, 13)),
            adjourned_to=day if planted.adjourned else None,
            court_outcome=CourtOutcome.ADJOURNED if planted.adjourned else None,
        )
        batch.cases.append(row)
        if planted.reminded:
            batch.messages.append(self._reminder(row, day))
        return row["created_at"]  # type: ignore[no-any-return]

    def _book(self, worker: int, day: date) -> tuple[date, time]:
        """The worker's first free slot on the day or the next working days."""
        for _ in range(30):
            if is_working_day(day):
                taken = self.booked.get((worker, day), 0)
                if taken < len(SLOTS):
                    self.booked[(worker, day)] = taken + 1
                    return day, SLOTS[taken]
            day += timedelta(days=1)
        return day, SLOTS[0]  # a month fully booked: double-book rather than give up

    def _appointments(
        self,
        case: Row,
        requirement_type: RequirementType,
        pattern: Pattern,
        court_date: date,
        batch: Batch,
    ) -> None:
        rng = self.rng
        worker = case["worker_id"]
        venue = self.staff.venues[case["organisation_id"]]
        day = court_date + timedelta(days=1 + rng.randint(0, 4))
        for number, status in pattern:
            session = requirement_type.sessions[number - 1]
            day, at = self._book(worker, day)
            starts = instant(day, at)
            ends = starts + timedelta(minutes=int(session["duration_minutes"]))
            recorded = ends if status in (ATTENDED, MISSED) else None
            created = starts - timedelta(days=5)
            batch.appointments.append(
                {
                    "id": self.ids.take(Appointment),
                    "case_id": case["id"],
                    "session_number": number,
                    "kind": session["kind"],
                    "starts_at": starts,
                    "ends_at": ends,
                    "venue_id": venue,
                    "worker_id": worker,
                    "status": status,
                    "reason": None,
                    "successor_id": None,
                    "sequence": 0,
                    "outcome_recorded_at": recorded,
                    "confirmed_at": None,
                    "created_at": created,
                    "updated_at": recorded or created,
                }
            )
            day += timedelta(days=requirement_type.min_gap_days + rng.randint(0, 3))

    def _reminder(self, case: Row, day: date) -> Row:
        """The court-date text sent the day before the hearing (its body long erased)."""
        sent = instant(day - timedelta(days=1), time(18, 0))
        message_id = self.ids.take(OutboxMessage)
        return {
            "id": message_id,
            "client_id": case["client_id"],
            "case_id": case["id"],
            "appointment_id": None,
            "kind": "court_day_before",
            "send_at": sent,
            "status": MessageStatus.DELIVERED,
            "reason": None,
            "body": None,
            "provider_id": f"SMgenerated{message_id:021d}",
            "attempts": 1,
            "event_at": instant(day, time(10, 0)),
            "provider_status": "delivered",
            "error_code": None,
            "status_updated_at": sent + timedelta(minutes=1),
            "created_at": case["created_at"],
            "updated_at": sent + timedelta(minutes=1),
        }

    def _report(self, case: Row, day: date) -> Row:
        """A signed-off compliance report (fictional wording; encrypted as it is written)."""
        html = f"<p>Generated compliance report for case {case['reference']}.</p>"
        return {
            "id": self.ids.take(ComplianceReport),
            "case_id": case["id"],
            "variant": ReportVariant.COURT_DIVERSION,
            "compliance_status": "complied",
            "statement": "",
            "html": html,
            "content_sha256": hashlib.sha256(html.encode()).hexdigest(),
            "signed_off_by_id": case["worker_id"],
            "signed_off_at": instant(day - timedelta(days=3), time(15, 0)),
        }


# --- staff, places and orders ---------------------------------------------------------------


def _ensure(model: type[Any], key: str, rows: Sequence[Row], ids: Ids) -> dict[Any, int]:
    """Key to id for each row, inserting the rows whose key is not there yet."""
    column = getattr(model, key)
    wanted = [row[key] for row in rows]
    found: dict[Any, int] = {
        value: row_id
        for value, row_id in db.session.execute(select(column, model.id).where(column.in_(wanted)))
    }
    missing = []
    for row in rows:
        if row[key] not in found:
            found[row[key]] = ids.take(model)
            missing.append({"id": found[row[key]], **row})
    if missing:
        db.session.execute(insert(model), missing)
    return found


def _user(email: str, name: str, role: Role, organisation: int) -> Row:
    return {
        "email": email,
        "name": name,
        "password_hash": NO_PASSWORD,
        "role": role,
        "organisation_id": organisation,
        "active": True,
        "session_version": 1,
        "schedule_version": 0,
        "created_at": CREATED,
    }


def make_staff(sizes: Sizes, ids: Ids) -> Staff:
    """Organisations, the court, venues, staff accounts and their working patterns."""
    seed_requirement_types()
    orgs = _ensure(
        Organisation,
        "name",
        [
            {"name": PROJECT, "kind": OrganisationKind.PROJECT, "phone": "020 7946 0101"},
            {"name": CJIT, "kind": OrganisationKind.CJIT, "phone": "020 7946 0102"},
            {"name": COURT_ORGANISATION, "kind": OrganisationKind.COURT, "phone": None},
            {"name": CPS_ORGANISATION, "kind": OrganisationKind.CPS, "phone": None},
        ],
        ids,
    )
    projects = (orgs[PROJECT], orgs[CJIT])
    court_id = _ensure(
        Court,
        "name",
        [
            {
                "name": COURT_NAME,
                "sitting_weekdays": SITTING_WEEKDAYS,
                "report_lead_working_days": 2,
                "report_due_time": time(12, 0),
                "court_email": "listing@generated-court.example.org",
                "cps_email": "cps-listing@generated-court.example.org",
                "organisation_id": orgs[COURT_ORGANISATION],
                "cps_organisation_id": orgs[CPS_ORGANISATION],
                "active": True,
            }
        ],
        ids,
    )[COURT_NAME]
    hours = {str(day): [["09:00", "18:00"]] for day in range(5)}
    venues = _ensure(
        Venue,
        "name",
        [
            {
                "name": f"{name}, Station Road",
                "organisation_id": orgs[name],
                "neutral_name": "Station Road office",
                "address": f"{n} Station Road\nLondon\nSE99 9ZZ",
                "opening_hours": hours,
                "active": True,
            }
            for n, name in enumerate((PROJECT, CJIT), start=1)
        ],
        ids,
    )
    worker_rows: dict[int, list[Row]] = {projects[0]: [], projects[1]: []}
    for n in range(1, sizes.workers + 1):
        organisation = projects[1] if n % 10 in (2, 5, 8) else projects[0]  # 7 in 10 to the first
        worker_rows[organisation].append(
            _user(
                f"worker{n}@generated.example.org",
                f"Generated Worker {n}",
                Role.WORKER,
                organisation,
            )
        )
    workers = {
        organisation: list(_ensure(User, "email", rows, ids).values())
        for organisation, rows in worker_rows.items()
    }
    managers = _ensure(
        User,
        "email",
        [
            _user(f"manager{n}@generated.example.org", f"Generated Manager {n}", Role.MANAGER, org)
            for n, org in enumerate(projects, start=1)
        ],
        ids,
    )
    _ensure(
        User,
        "email",
        [
            _user(LIAISON_EMAIL, "Generated Liaison", Role.COURT_LIAISON, orgs[COURT_ORGANISATION]),
            _user(CPS_EMAIL, "Generated Prosecutor", Role.CPS, orgs[CPS_ORGANISATION]),
        ],
        ids,
    )
    _working_patterns([*workers[projects[0]], *workers[projects[1]], *managers.values()], ids)
    requirement_types = {rt.code: rt for rt in db.session.scalars(select(RequirementType))}
    db.session.commit()
    return Staff(
        projects=projects,
        workers=workers,
        venues={orgs[name]: venues[f"{name}, Station Road"] for name in (PROJECT, CJIT)},
        court_id=court_id,
        requirement_types=requirement_types,
    )


def _working_patterns(user_ids: Iterable[int], ids: Ids) -> None:
    """Monday to Friday, 09:30 to 17:00 with lunch at 13:00, for whoever has no pattern yet."""
    wanted = list(user_ids)
    has = set(
        db.session.scalars(
            select(WorkingPeriod.user_id).where(WorkingPeriod.user_id.in_(wanted)).distinct()
        )
    )
    rows = [
        {
            "id": ids.take(WorkingPeriod),
            "user_id": user_id,
            "weekday": day,
            "starts": starts,
            "ends": ends,
            "is_break": is_break,
        }
        for user_id in wanted
        if user_id not in has
        for day in range(5)
        for (starts, ends), is_break in ((WORKING_HOURS, False), (LUNCH, True))
    ]
    if rows:
        db.session.execute(insert(WorkingPeriod), rows)


# --- the whole run --------------------------------------------------------------------------


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def _fix_sequences() -> None:
    """PostgreSQL: move each id sequence past the ids given here (SQLite needs nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in (
        Organisation,
        Court,
        Venue,
        User,
        WorkingPeriod,
        Client,
        Case,
        Appointment,
        OutboxMessage,
        ComplianceReport,
    ):
        table = model.__tablename__
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        )


def generate(sizes: Sizes, *, progress: Callable[[str], None] = lambda _: None) -> Generated:
    """Fill the database as the module docstring says; return what was made."""
    rng = random.Random(sizes.seed)
    planted = plan_lists(sizes, rng)
    planted_appointments = sum(len(p.pattern) for p in planted.values())
    if planted_appointments > sizes.appointments:
        raise GenerateError(
            f"The returning cases alone hold {planted_appointments} appointments: ask for at "
            "least that many."
        )
    counts = spread(sizes.appointments - planted_appointments, sizes.clients, rng)
    ids = Ids()
    staff = make_staff(sizes, ids)
    progress(f"staff and places: {sizes.workers} caseworkers, 2 managers, 1 court")
    builder = Builder(sizes, staff, ids, rng)
    started = stopwatch.perf_counter()
    made = Generated(court_id=staff.court_id, list_day=sizes.list_day, small_day=sizes.small_day)
    totals = dict.fromkeys(("clients", "cases", "appointments", "messages", "reports"), 0)
    for chunk in _chunks(sizes.clients, CLIENTS_PER_BATCH):
        batch = Batch()
        for index in chunk:
            builder.client(index, counts[index], planted.get(index), batch)
        batch.write()
        db.session.commit()
        for name in totals:
            totals[name] += len(getattr(batch, name))
        progress(
            f"{totals['clients']:,} of {sizes.clients:,} clients, {totals['cases']:,} cases, "
            f"{totals['appointments']:,} appointments ({stopwatch.perf_counter() - started:.0f} s)"
        )
    _fix_sequences()
    db.session.commit()
    made.counts = {"workers": sizes.workers, **totals}
    made.counts["list_cases"] = sizes.list_cases
    made.counts["small_list_cases"] = sizes.small_cases
    return made


@click.command("generate-data")
@click.option("--clients", default=100_000, show_default=True, type=click.IntRange(1))
@click.option("--appointments", default=500_000, show_default=True, type=click.IntRange(0))
@click.option(
    "--list-cases",
    default=LIST_CASES,
    show_default=True,
    type=click.IntRange(2),
    help="Cases on the list day (a tenth as many a week later).",
)
@click.option(
    "--list-day",
    default=LIST_DAY.isoformat(),
    show_default=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="A Wednesday that is not a bank holiday.",
)
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--force", is_flag=True, help="Add to a database that already has clients.")
@with_appcontext
def generate_data_command(
    clients: int, appointments: int, list_cases: int, list_day: datetime, seed: int, force: bool
) -> None:
    """Fill the configured database with fictional clients, cases and appointments in bulk,
    for benchmarks and load tests (never in production)."""
    if current_app.config["DIVERSION_ENV"] == "production":
        raise GenerateError("Generated data is never written to a production database.")
    day = list_day.date()
    if day.weekday() not in SITTING_WEEKDAYS or not is_working_day(day):
        raise GenerateError("--list-day must be a Wednesday that is not a bank holiday.")
    existing = db.session.scalar(select(func.count()).select_from(Client)) or 0
    if existing and not force:
        raise GenerateError(
            f"The database already has {existing:,} clients: use an empty one, "
            "or --force to add to it."
        )
    sizes = Sizes(
        clients=clients, appointments=appointments, list_cases=list_cases, list_day=day, seed=seed
    )
    started = stopwatch.perf_counter()
    made = generate(sizes, progress=lambda line: click.echo(line, err=True))
    elapsed = stopwatch.perf_counter() - started
    counts = made.counts
    click.echo(
        f"Generated in {elapsed:.0f} s: {counts['clients']:,} clients, {counts['cases']:,} cases, "
        f"{counts['appointments']:,} appointments, {counts['messages']:,} reminder texts, "
        f"{counts['reports']:,} reports, {counts['workers']:,} caseworkers."
    )
    click.echo(
        f"Lists at court {made.court_id} ({COURT_NAME}): {made.list_day.isoformat()} with "
        f"{counts['list_cases']} cases, {made.small_day.isoformat()} with "
        f"{counts['small_list_cases']}. Court liaison account: {LIAISON_EMAIL} (no password)."
    )
