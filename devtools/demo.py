"""Fictional demo data for `make run`: every name, number and address here is invented."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select

from devtools.demo_monitoring import load_demo_monitoring
from diversion import clock
from diversion.accounts.passwords import hash_password
from diversion.admin.reference import seed_requirement_types
from diversion.cases.order_services import (
    OrderDetails,
    can_agree,
    open_order_case,
    record_agreement,
)
from diversion.db import db, transactional
from diversion.hooks import notify_case_changed
from diversion.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Client,
    ClientAlias,
    Court,
    CourtOutcome,
    DrugTestResult,
    Organisation,
    OrganisationKind,
    RequirementType,
    Role,
    User,
    Venue,
    WorkingPeriod,
)
from scheduling import calendar

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  (fictional demo accounts only)
WEEKDAY_HOURS = [["09:30", "17:00"]]

ORGANISATIONS = [
    ("Riverside Women's Project", OrganisationKind.PROJECT, "020 7946 0001"),
    ("Southbank CJIT", OrganisationKind.CJIT, "020 7946 0002"),
    ("Northgate Magistrates' Court", OrganisationKind.COURT, None),
    ("CPS London South (demo)", OrganisationKind.CPS, None),
]
# Whom the partnership asks about a woman the caseload check finds on each caseload.
CONTACTS = {
    "Riverside Women's Project": "the duty worker (Asha Demo-Worker)",
    "Southbank CJIT": "the CJIT duty desk (Dee Demo-CJIT)",
}
# Women the CJIT holds whom the project's caseload check finds, written as the CJIT wrote
# them: "Marney Testwod" or "Beth Fakenham" typed at the project find them (first, last,
# alias, born). Fictional.
CJIT_CLIENTS = [
    ("Marnie", "Testwood-Hale", None, date(1991, 12, 4)),
    ("Elizabeth", "Mockridge", "Beth Amberley", date(1979, 3, 8)),
]

USERS = [
    ("worker@example.org", "Asha Demo-Worker", Role.WORKER, "Riverside Women's Project"),
    ("worker2@example.org", "Bea Demo-Worker", Role.WORKER, "Riverside Women's Project"),
    ("manager@example.org", "Cara Demo-Manager", Role.MANAGER, "Riverside Women's Project"),
    ("cjit@example.org", "Dee Demo-CJIT", Role.WORKER, "Southbank CJIT"),
    (
        "liaison@example.org",
        "Eve Demo-Liaison",
        Role.COURT_LIAISON,
        "Northgate Magistrates' Court",
    ),
    ("cps@example.org", "Fay Demo-Prosecutor", Role.CPS, "CPS London South (demo)"),
    ("admin@example.org", "Gail Demo-Admin", Role.ADMIN, "Riverside Women's Project"),
    # The partnership's monitoring figures only (suppressed aggregates).
    (
        "commissioner@example.org",
        "Hana Demo-Commissioner",
        Role.COMMISSIONER,
        "Riverside Women's Project",
    ),
]

# Each demo account's two-factor secret (base32), fixed so that `make run` can print it: add
# it to an authenticator app, or work out the current code from it. Fictional accounts only.
DEMO_TOTP_SECRETS = {
    "worker@example.org": "DEMOTOTPWORKERASHAAAAAAAAAAAAAAA",
    "worker2@example.org": "DEMOTOTPWORKERBEAAAAAAAAAAAAAAAA",
    "manager@example.org": "DEMOTOTPMANAGERCARAAAAAAAAAAAAAA",
    "cjit@example.org": "DEMOTOTPCJITDEEAAAAAAAAAAAAAAAAA",
    "liaison@example.org": "DEMOTOTPLIAISONEVEAAAAAAAAAAAAAA",
    "cps@example.org": "DEMOTOTPCPSFAYAAAAAAAAAAAAAAAAAA",
    "admin@example.org": "DEMOTOTPADMINGAILAAAAAAAAAAAAAAA",
    "commissioner@example.org": "DEMOTOTPCOMMISSIONERHANAAAAAAAAA",
}

# (first, last, alias, born, text name, days from today to her court date, outcome)
CLIENTS = [
    ("Marnie", "Testwood", "Mo", date(1991, 4, 12), "Mo", 0, None),
    ("Juniper", "Fakenham", None, date(1987, 9, 3), "J", 7, None),
    ("Rosalind", "Exampleton", "Roz", date(1995, 1, 22), "Roz", -7, CourtOutcome.ACCEPTED),
    ("Tamsin", "Sampleford", None, date(1983, 6, 30), "T", -21, CourtOutcome.ACCEPTED),
    ("Odette", "Placeholder", "Detta", date(1999, 11, 5), None, -14, None),
]

# How some of them want their texts (issue 16): in Welsh, only at safe times, plainer.
TEXT_PREFERENCES: dict[str, dict[str, object]] = {
    "Rosalind": {"text_language": "cy"},
    "Tamsin": {"safe_days": [0, 1, 2, 3, 4], "safe_from": time(9, 0), "safe_until": time(15, 0)},
    "Juniper": {"plain_wording": True},
}

FRIDAY = 4  # date.weekday()
CHARGE = "Loitering or soliciting for prostitution (Street Offences Act 1959, s.1)"


@dataclass(frozen=True, kw_only=True)
class DemoOrder:
    """A client with one case of an order that starts away from court, and what her worker
    records when opening it (docs/orders.md)."""

    first: str
    last: str
    born: date
    text_name: str
    code: str
    days_since_start: int
    # The end set on the case: the first Friday at least this many weeks after the start.
    end_after_weeks: int | None = None
    sessions_required: int | None = None
    partner: str | None = None
    worker: str = "worker@example.org"
    reference: str | None = None
    drug_test: DrugTestResult = DrugTestResult.NOT_TESTED


ORDER_CLIENTS = [
    # A positive test in custody two days ago; the CJIT holds the initial assessment.
    DemoOrder(
        first="Philippa",
        last="Mockridge",
        born=date(1990, 2, 17),
        text_name="Pip",
        code="RA",
        days_since_start=2,
        partner="Southbank CJIT",
        drug_test=DrugTestResult.POSITIVE_BOTH,
    ),
    # Cautioned yesterday: two sessions by a deadline six weeks on. Only the project has
    # agreed so far, so it shows as waiting for the CJIT's agreement.
    DemoOrder(
        first="Henrietta",
        last="Dummersby",
        born=date(1985, 8, 9),
        text_name="Hen",
        code="CC",
        days_since_start=1,
        end_after_weeks=6,
        sessions_required=2,
        partner="Southbank CJIT",
        reference="DEMO/CAUTION/1",
        drug_test=DrugTestResult.POSITIVE_COCAINE,
    ),
    # An engagement and support order made a week ago, ending on a Friday about four months
    # on (at most six), with Bea as the supervisor it names.
    DemoOrder(
        first="Winifred",
        last="Notreal",
        born=date(1993, 12, 1),
        text_name="Win",
        code="ESO",
        days_since_start=7,
        end_after_weeks=17,
        worker="worker2@example.org",
        reference="DEMO/ESO/1",
    ),
]


def _organisations() -> dict[str, Organisation]:
    found = {o.name: o for o in db.session.scalars(select(Organisation))}
    for name, kind, phone in ORGANISATIONS:
        if name not in found:
            found[name] = Organisation(name=name, kind=kind, phone=phone)
            db.session.add(found[name])
        if found[name].contact_name is None and name in CONTACTS:
            found[name].contact_name = CONTACTS[name]
    db.session.flush()
    return found


def _users(orgs: dict[str, Organisation]) -> dict[str, User]:
    found = {u.email: u for u in db.session.scalars(select(User))}
    for email, name, role, org in USERS:
        if email not in found:
            found[email] = User(
                email=email,
                name=name,
                role=role,
                organisation=orgs[org],
                password_hash=hash_password(DEMO_PASSWORD),
            )
            db.session.add(found[email])
        _demo_two_factor(found[email], DEMO_TOTP_SECRETS[email])
    db.session.flush()
    return found


def _demo_two_factor(user: User, secret: str) -> None:
    """Two-factor on, with the printed secret (put back if it was reset in the demo)."""
    if user.totp_secret != secret or user.totp_confirmed_at is None:
        user.totp_secret = secret
        user.totp_confirmed_at = clock.now()
        user.totp_last_step = None


def _working_patterns(users: dict[str, User]) -> None:
    """Monday to Friday, 09:30 to 17:00 with lunch from 13:00, for every demo caseworker."""
    for user in users.values():
        if user.role not in (Role.WORKER, Role.MANAGER) or user.working_periods:
            continue
        for day in range(5):
            user.working_periods.append(
                WorkingPeriod(weekday=day, starts=time(9, 30), ends=time(17, 0))
            )
            user.working_periods.append(
                WorkingPeriod(weekday=day, starts=time(13, 0), ends=time(14, 0), is_break=True)
            )


def _court(orgs: dict[str, Organisation]) -> Court:
    court = db.session.scalar(select(Court).where(Court.name == "Northgate Magistrates' Court"))
    if court is None:
        court = Court(
            name="Northgate Magistrates' Court",
            sitting_weekdays=[2],
            list_time=time(10, 0),
            court_email="listing@northgate-court.example.org",
            cps_email="cps@example.org",
            liaison_email="liaison@northgate-court.example.org",
            police_email="custody@northgate-police.example.org",
            organisation_id=orgs["Northgate Magistrates' Court"].id,
            cps_organisation_id=orgs["CPS London South (demo)"].id,
        )
        db.session.add(court)
    return court


# Each agency's office: (organisation, name, neutral name, address). The CJIT's is where a
# Required Assessment's initial assessment is held.
VENUES = [
    (
        "Riverside Women's Project",
        "Riverside Women's Project, Station Road",
        "Station Road office",
        "1 Station Road\nLondon\nSE99 9ZZ",
    ),
    (
        "Southbank CJIT",
        "Southbank CJIT, Market Street",
        "Market Street office",
        "2 Market Street\nLondon\nSE99 8ZZ",
    ),
]


def _venues(orgs: dict[str, Organisation]) -> None:
    for org_name, name, neutral_name, address in VENUES:
        organisation = orgs[org_name]
        if db.session.scalar(select(Venue).where(Venue.organisation_id == organisation.id)):
            continue
        db.session.add(
            Venue(
                organisation=organisation,
                name=name,
                neutral_name=neutral_name,
                address=address,
                opening_hours={str(day): WEEKDAY_HOURS for day in range(5)},
            )
        )


def _client_named(first: str, last: str) -> Client | None:
    return db.session.scalar(
        select(Client).where(Client.first_name == first, Client.last_name == last)
    )


def _new_client(
    project: Organisation,
    first: str,
    last: str,
    born: date,
    text_name: str | None,
    *,
    alias: str | None = None,
) -> Client:
    """A fictional client of the project who agrees to texts on a number safe to text."""
    client = Client(
        organisation=project,
        first_name=first,
        last_name=last,
        date_of_birth=born,
        text_name=text_name,
        consent_to_texts=True,
        mobile=f"+447700900{100 + len(first):03d}",
        safe_to_text_confirmed_on=clock.today(),
    )
    if alias:
        client.aliases = [ClientAlias(name=alias)]
    db.session.add(client)
    return client


def _clients(orgs: dict[str, Organisation], users: dict[str, User], court: Court) -> None:
    project = orgs["Riverside Women's Project"]
    worker = users["worker@example.org"]
    diversion = db.session.scalar(select(RequirementType).where(RequirementType.code == "CD"))
    assert diversion is not None
    today = clock.today()
    for number, (first, last, alias, born, text_name, offset, outcome) in enumerate(CLIENTS):
        if _client_named(first, last) is not None:
            continue
        client = _new_client(project, first, last, born, text_name, alias=alias)
        for field, value in TEXT_PREFERENCES.get(first, {}).items():
            setattr(client, field, value)
        court_date = calendar.next_sitting_day(
            today + timedelta(days=offset), court.sitting_weekdays, include_today=True
        )
        case = Case(
            client=client,
            organisation=project,
            worker=worker,
            requirement_type=diversion,
            court=court,
            first_court_date=court_date,
            # Most are heard when the list starts; some are put back to the afternoon.
            first_court_time=time(14, 0) if number % 3 == 1 else court.list_time,
            court_reference=f"DEMO/{court_date:%y%m%d}/{len(last)}",
            arrest_date=court_date - timedelta(days=6),
            charge=CHARGE,
            custody_drug_test=DrugTestResult.POSITIVE_BOTH,
        )
        if outcome is CourtOutcome.ACCEPTED:
            case.court_outcome = outcome
            case.outcome_hearing_date = court_date
            case.return_date = calendar.suggest_return_date(court_date, court.sitting_weekdays)
            case.return_time = time(10, 30) if number % 2 else court.list_time
            case.status = CaseStatus.ON_SCHEME
        db.session.add(case)
        db.session.flush()
        case.reference = f"CD-{case.id:06d}"
        db.session.add(
            CaseEvent(
                case=case, actor_id=worker.id, kind="opened", summary="Case opened (demo data)."
            )
        )
        # As when a worker opens a case: her court-date reminders are written with it.
        notify_case_changed(case, change="opened", now=clock.now())


def _order_cases() -> None:
    """One open case of each order that starts away from court, opened through the same
    service a worker uses. The conditional caution has only the project's agreement, so it
    shows as waiting for the CJIT's."""
    orgs = {o.name: o for o in db.session.scalars(select(Organisation))}
    users = {u.email: u for u in db.session.scalars(select(User))}
    kinds = {k.code: k for k in db.session.scalars(select(RequirementType))}
    court = db.session.scalar(select(Court).where(Court.name == "Northgate Magistrates' Court"))
    assert court is not None
    worker = users["worker@example.org"]
    today = clock.today()
    for demo in ORDER_CLIENTS:
        if _client_named(demo.first, demo.last) is not None:
            continue
        client = _new_client(
            orgs["Riverside Women's Project"], demo.first, demo.last, demo.born, demo.text_name
        )
        db.session.flush()
        start = today - timedelta(days=demo.days_since_start)
        end = None
        if demo.end_after_weeks is not None:
            end = start + timedelta(weeks=demo.end_after_weeks)
            end += timedelta(days=(FRIDAY - end.weekday()) % 7)
        details = OrderDetails(
            requirement_type=kinds[demo.code],
            court=court,
            start_date=start,
            end_date=end,
            sessions_required=demo.sessions_required,
            partner=orgs[demo.partner] if demo.partner else None,
            reference=demo.reference,
            arrest_date=start,
            charge=CHARGE,
            custody_drug_test=demo.drug_test,
            worker=users[demo.worker],
        )
        case = open_order_case(
            actor=worker, client=client, details=details, today=today, now=clock.now()
        )
        if can_agree(case, worker):
            record_agreement(case=case, actor=worker, now=clock.now())


@transactional
def _load() -> list[tuple[str, str]]:
    orgs = _organisations()
    users = _users(orgs)
    _working_patterns(users)
    court = _court(orgs)
    _venues(orgs)
    db.session.flush()
    _clients(orgs, users, court)
    for first, last, alias, born in CJIT_CLIENTS:
        if _client_named(first, last) is None:
            _new_client(orgs["Southbank CJIT"], first, last, born, None, alias=alias)
    # A CJIT's worker is named as such: she is the one who agrees to a caution and holds a
    # Required Assessment's initial assessment.
    return [
        (f"{role.label} (CJIT)" if orgs[org].kind is OrganisationKind.CJIT else role.label, email)
        for email, _name, role, org in USERS
    ]


def load_demo() -> list[tuple[str, str]]:
    """Load the demo data; running it again adds nothing twice. Returns (role, email) pairs."""
    seed_requirement_types()
    users = _load()
    _order_cases()
    load_demo_monitoring()
    return users
