"""What the bulk data generator (devtools/generate.py) makes: its sizes, fictional names,
the plan of the two lists, each client's history of cases, and the id counters."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

import click
from sqlalchemy import func, insert, select

from devtools.monitoring_data import PLAIN_INBOUND, PLAIN_MONITORING
from diversion.db import db
from diversion.formatting import LONDON
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    Client,
    ClientAlias,
    ClientNameKey,
    ComplianceReport,
    DrugTestResult,
    OutboxMessage,
    RequirementType,
)
from scheduling.calendar import suggest_return_date

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
COURT_LIST_TIME = time(10, 0)
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


# A share of women known by another name too: a maiden or married name, or a street name.
ALIAS_SHARE = 0.3
STREET_NAMES = ("Kiki", "Roxy", "Candy", "Star", "Jade", "Ruby", "Foxy", "Bunny", "Lulu", "Coco")


def fictional_aliases(first: str, rng: random.Random) -> list[str]:
    """Her other names, if any: two in three a surname from before (with her first name),
    one in three a street name."""
    if rng.random() >= ALIAS_SHARE:
        return []
    if rng.random() < 2 / 3:
        return [f"{first} {rng.choice(SURNAME_STARTS)}{rng.choice(SURNAME_ENDS)}"]
    return [rng.choice(STREET_NAMES)]


@cache
def instant(day: date, at: time) -> datetime:
    """The UTC instant of a London wall-clock time."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


@cache
def return_date(court_date: date, window_days: int) -> date:
    return suggest_return_date(court_date, SITTING_WEEKDAYS, max_days=window_days)


def window_days(requirement_type: RequirementType) -> int:
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
    aliases: list[Row] = field(default_factory=list)
    name_keys: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    appointments: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    reports: list[Row] = field(default_factory=list)
    # What the monitoring report counts (devtools.monitoring_data): her monitoring records
    # and her replies, their answers and texts sealed or encrypted there.
    records: list[Row] = field(default_factory=list)
    replies: list[Row] = field(default_factory=list)

    def write(self) -> None:
        for message in self.messages:
            for name in ("sent_at", "wording"):
                message.setdefault(name, None)
        for model, rows in (
            (Client, self.clients),
            (ClientAlias, self.aliases),
            (ClientNameKey, self.name_keys),
            (Case, self.cases),
            (Appointment, self.appointments),
            (OutboxMessage, self.messages),
            (ComplianceReport, self.reports),
            (PLAIN_MONITORING, self.records),
            (PLAIN_INBOUND, self.replies),
        ):
            if rows:
                # render_nulls: a None goes as NULL, so that every row of a table has the same
                # columns and a batch is one executemany, not one for each run of alike rows.
                db.session.execute(insert(model).execution_options(render_nulls=True), rows)
