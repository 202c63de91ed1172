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
- the clients (three in ten also known by another name, with the caseload check's search keys
  of all their names), each with a history of closed (or declined) cases over the two years before
  the list day, at the court's sitting days, which hold the appointments: mostly attended,
  some missed and rebooked, some cancelled, at most four a day for each worker;
- for every appointment, its reminders and what became of them (with their wording), some
  confirmed by her "Y", and most clients' monitoring records (devtools.monitoring_data);
- the lists: exactly `list_cases` cases on the list day (half first appearances, a tenth of
  those adjourned to it and most reminded by text; half returning from extended bail, with
  their attendance and, for some, a signed-off report), and a tenth as many on the sitting
  day a week later (the small list, to compare a long list with a short one). No other case
  is heard or returns on either day.

The appointments of the returning cases count towards `appointments`; the rest are spread
at random over every client (some have none: their one case was declined).
"""

from __future__ import annotations

import random
import time as stopwatch
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, time
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select, text

from devtools.builder import Builder
from devtools.bulk import (
    CJIT,
    CLIENTS_PER_BATCH,
    COURT_LIST_TIME,
    COURT_NAME,
    COURT_ORGANISATION,
    CPS_EMAIL,
    CPS_ORGANISATION,
    CREATED,
    LIAISON_EMAIL,
    LIST_CASES,
    LIST_DAY,
    LUNCH,
    NO_PASSWORD,
    PROJECT,
    SITTING_WEEKDAYS,
    WORKING_HOURS,
    Batch,
    Generated,
    GenerateError,
    Ids,
    Row,
    Sizes,
    Staff,
    plan_lists,
    spread,
)
from devtools.monitoring_data import MonitoringData
from diversion.admin.reference import seed_requirement_types
from diversion.db import db
from diversion.models import (
    Appointment,
    Case,
    Client,
    ComplianceReport,
    Court,
    InboundMessage,
    MonitoringRecord,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    RequirementType,
    Role,
    User,
    Venue,
    WorkingPeriod,
)
from scheduling.calendar import is_working_day


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
                "list_time": COURT_LIST_TIME,
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
        MonitoringRecord,
        InboundMessage,
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
    monitoring = MonitoringData(sizes.seed, ids.take)
    started = stopwatch.perf_counter()
    made = Generated(court_id=staff.court_id, list_day=sizes.list_day, small_day=sizes.small_day)
    totals = dict.fromkeys(
        ("clients", "cases", "appointments", "messages", "reports", "records", "replies"), 0
    )
    for chunk in _chunks(sizes.clients, CLIENTS_PER_BATCH):
        batch = Batch()
        for index in chunk:
            builder.client(index, counts[index], planted.get(index), batch)
        monitoring.add(batch)
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
        f"{counts['reports']:,} reports, {counts['records']:,} monitoring records, "
        f"{counts['replies']:,} replies, {counts['workers']:,} caseworkers."
    )
    click.echo(
        f"Lists at court {made.court_id} ({COURT_NAME}): {made.list_day.isoformat()} with "
        f"{counts['list_cases']} cases, {made.small_day.isoformat()} with "
        f"{counts['small_list_cases']}. Court liaison account: {LIAISON_EMAIL} (no password)."
    )
