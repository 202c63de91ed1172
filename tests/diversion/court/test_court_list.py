"""The sitting-day list: first appearances (reminded or not) and cases returning from extended
bail (status and attendance) for one court and day, its filters, its CSV, who may read it,
and what court liaison and CPS users can never see (security.md 3, 4, 11 and 12).

Today is Tuesday 8 December 2026; the court sits on Wednesdays. Cases returning on Wednesday
9 December had their court date on 11 November: their last appointment date was Monday 7
December (two working days before the return date), so on the 8th it has passed.

What the court reads of a missed appointment: on the list and in the CSV, its date only. The
reason a worker recorded reaches the court through the signed-off compliance report, whose
wording she checked before signing (diversion.court.reports); the list never shows free text.
A new field about her (on Client, ClientAlias, Case, Appointment, CaseEvent or CaseNote)
gets a marker in `planted` below.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import event, select
from werkzeug.test import TestResponse

from diversion.access import PUBLIC, declared_roles
from diversion.court import reports
from diversion.court.queries import FirstAppearance
from diversion.court.views.lists import Shown, audit_detail
from diversion.db import db
from diversion.models import (
    Appointment,
    AppointmentStatus,
    AuditEvent,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Client,
    ClientAlias,
    ComplianceReport,
    Court,
    CourtOutcome,
    DrugTestResult,
    InboundMessage,
    MessageStatus,
    OrganisationKind,
    OutboxMessage,
    ReplyAction,
    ReportVariant,
    Role,
    User,
    Venue,
)
from tests.conftest import World, sign_in
from tests.factories import Factory

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
LIST_DAY = date(2026, 12, 9)
COURT_DAY = date(2026, 11, 11)
EARLIER_HEARING = date(2026, 12, 2)

# Planted in every field the court and the CPS must never see (security.md 4).
ALIAS = "ALIASMARKER"
TEXT_NAME = "TEXTNAMEMARKER"
PHONE_DIGITS = "7700900461"
CHARGE = "CHARGEMARKER"
RISK = "RISKMARKER"
NOTE = "EVENTNOTEMARKER"
CASE_NOTE = "CASENOTEMARKER"
HOUSING = "HOUSINGMARKER"
HEALTH = "HEALTHMARKER"
REPLY = "REPLYMARKER"
SMS_BODY = "SMSBODYMARKER"
VENUE_NAME = "VENUENAMEMARKER"
NEUTRAL_VENUE = "NEUTRALVENUEMARKER"
VENUE_ADDRESS = "VENUEADDRESSMARKER"
REASON = "REASONMARKER"
ARREST_DATES = ("2026-11-05", "5 Nov 2026", "5 November 2026")
DRUG_WORDS = ("Positive for", "opiates", "cocaine", "heroin", "crack")
NEVER_TO_COURT = (
    ALIAS,
    TEXT_NAME,
    PHONE_DIGITS,
    "07700 900461",
    CHARGE,
    RISK,
    NOTE,
    CASE_NOTE,
    HOUSING,
    HEALTH,
    REPLY,
    SMS_BODY,
    VENUE_NAME,
    NEUTRAL_VENUE,
    VENUE_ADDRESS,
    *ARREST_DATES,
    *DRUG_WORDS,
    # The worker's own reason for a missed appointment: the court reads the chosen wording.
    REASON,
    "unwell",
)
# The worker's recorded reason for a missed appointment: never on the list or in the CSV;
# in the signed-off report by design (the court judges whether an absence was acceptable).
NEVER_ON_THE_LIST = NEVER_TO_COURT
# What the court is told about a missed or cancelled appointment that has a reason.
COURT_WORDING = "Acceptable absence: explained to the project"


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------
# Reading the page
# ---------------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """The body rows of each table on a page, by table id, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._in_body = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def names_in(html: str, table_id: str) -> list[str]:
    return [row[0] for row in tables(html).get(table_id, [])]


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def link_with_rel(html: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def page(web: FlaskClient, url: str) -> str:
    response = web.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def list_url(court: Court, day: date = LIST_DAY, **args: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"date": day.isoformat(), **args}.items())
    return f"/court/{court.id}/list?{query}"


def csv_url(court: Court, day: date = LIST_DAY, **args: str) -> str:
    return list_url(court, day, **args).replace("/list?", "/list.csv?")


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))


# ---------------------------------------------------------------------------------------
# The cases on Wednesday 9 December's list
# ---------------------------------------------------------------------------------------


@dataclass
class Seeded:
    cases: dict[str, int]
    clients: dict[str, int]
    venue: Venue
    other_court: Court


def _client(make: Factory, world: World, name: str, *, other: bool = False, **kw: Any) -> Client:
    first, last = name.split()
    return make.client(
        organisation=world.other_project if other else world.project,
        first_name=first,
        last_name=last,
        date_of_birth=date(1990, 3, 27),
        **kw,
    )


def _appointment(
    make: Factory,
    case: Case,
    venue: Venue,
    worker: User,
    number: int,
    day: date,
    status: AppointmentStatus = AppointmentStatus.ATTENDED,
    reason: str | None = None,
) -> None:
    """One appointment; one with the worker's own reason also has the court's wording."""
    make.appointment(
        case=case,
        venue=venue,
        worker=worker,
        session_number=number,
        kind="assessment" if number == 1 else "care_plan",
        starts_at=at(day, 10),
        ends_at=at(day, 11),
        status=status,
        reason=reason,
        court_wording=COURT_WORDING if reason else None,
    )


def _reminder(
    make: Factory, case: Case, *, hearing: date, status: MessageStatus, kind: str
) -> None:
    make.session.add(
        OutboxMessage(
            client_id=case.client_id,
            case_id=case.id,
            kind=kind,
            send_at=at(hearing - timedelta(days=1), 17),
            status=status,
            body=f"{SMS_BODY} reminder",
            event_at=at(hearing, 10),
        )
    )
    make.session.commit()


@pytest.fixture
def seeded(make: Factory, world: World) -> Seeded:
    """Three first appearances, four returning cases, and cases that are not on the list."""
    venue = make.venue(
        organisation=world.project,
        name=VENUE_NAME,
        neutral_name=NEUTRAL_VENUE,
        address=f"{VENUE_ADDRESS}, 1 High Street",
    )
    other_court = make.court(name="Elsewhere Magistrates' Court")
    cases: dict[str, Case] = {}
    clients: dict[str, Client] = {}

    # First appearances on the 9th.
    clients["Faye Allen"] = _client(make, world, "Faye Allen")
    cases["Faye Allen"] = make.case(
        client=clients["Faye Allen"],
        court=world.court,
        worker=world.worker,
        first_court_date=LIST_DAY,
        court_reference="01FA0001",
    )
    _reminder(
        make,
        cases["Faye Allen"],
        hearing=LIST_DAY,
        status=MessageStatus.DELIVERED,
        kind="court_day_before",
    )
    clients["Gina Brook"] = _client(make, world, "Gina Brook")
    cases["Gina Brook"] = make.case(
        client=clients["Gina Brook"],
        court=world.court,
        worker=world.worker,
        first_court_date=EARLIER_HEARING,
        adjourned_to=LIST_DAY,
        court_outcome=CourtOutcome.ADJOURNED,
        court_reference="01GB0002",
    )
    # Reminded of the hearing before the adjournment; the one for the 9th is not sent yet.
    _reminder(
        make,
        cases["Gina Brook"],
        hearing=EARLIER_HEARING,
        status=MessageStatus.SENT,
        kind="court_day_before",
    )
    _reminder(
        make,
        cases["Gina Brook"],
        hearing=LIST_DAY,
        status=MessageStatus.PENDING,
        kind="court_day_before",
    )
    clients["Hana Cole"] = _client(make, world, "Hana Cole", other=True)
    cases["Hana Cole"] = make.case(
        client=clients["Hana Cole"],
        court=world.court,
        worker=world.other_worker,
        first_court_date=LIST_DAY,
        court_reference="01HC0003",
    )
    _reminder(
        make,
        cases["Hana Cole"],
        hearing=LIST_DAY,
        status=MessageStatus.FAILED,
        kind="court_two_days_before",
    )

    # Returning from extended bail on the 9th.
    clients["Rita Dean"] = _client(make, world, "Rita Dean")
    cases["Rita Dean"] = make.accepted_case(
        client=clients["Rita Dean"],
        court=world.court,
        worker=world.worker,
        court_date=COURT_DAY,
        return_date=LIST_DAY,
        court_reference="01RD0004",
    )
    _appointment(make, cases["Rita Dean"], venue, world.worker, 1, date(2026, 11, 16))
    _appointment(
        make,
        cases["Rita Dean"],
        venue,
        world.worker,
        2,
        date(2026, 11, 19),
        AppointmentStatus.DID_NOT_ATTEND,
        f"{REASON}: she was unwell",
    )
    _appointment(make, cases["Rita Dean"], venue, world.worker, 2, date(2026, 11, 23))
    clients["Nell Evans"] = _client(make, world, "Nell Evans")
    cases["Nell Evans"] = make.accepted_case(
        client=clients["Nell Evans"],
        court=world.court,
        worker=world.worker,
        court_date=COURT_DAY,
        return_date=LIST_DAY,
        court_reference="01NE0005",
    )
    _appointment(make, cases["Nell Evans"], venue, world.worker, 1, date(2026, 11, 17))
    clients["Wren Ford"] = _client(make, world, "Wren Ford")
    cases["Wren Ford"] = make.accepted_case(
        client=clients["Wren Ford"],
        court=world.court,
        worker=world.worker,
        court_date=COURT_DAY,
        return_date=LIST_DAY,
        court_reference="01WF0006",
    )
    cases["Wren Ford"].status = CaseStatus.WITHDRAWN  # she left the scheme
    make.session.commit()
    clients["Olga Grant"] = _client(make, world, "Olga Grant", other=True)
    cases["Olga Grant"] = make.accepted_case(
        client=clients["Olga Grant"],
        court=world.court,
        worker=world.other_worker,
        court_date=COURT_DAY,
        return_date=LIST_DAY,
        court_reference="01OG0007",
    )

    # Not on the list: adjourned away from the 9th, at another court, declined, or another day.
    not_on_the_list: tuple[tuple[str, dict[str, Any]], ...] = (
        ("Ada Moved", {"first_court_date": LIST_DAY, "adjourned_to": date(2026, 12, 16)}),
        ("Bea Elsewhere", {"first_court_date": LIST_DAY, "court": other_court}),
        ("Cat Declined", {"first_court_date": LIST_DAY, "status": CaseStatus.DECLINED}),
        ("Dot Later", {"first_court_date": date(2026, 12, 16)}),
    )
    for name, kw in not_on_the_list:
        clients[name] = _client(make, world, name)
        kw.setdefault("court", world.court)
        cases[name] = make.case(client=clients[name], worker=world.worker, **kw)
    return Seeded(
        cases={name: case.id for name, case in cases.items()},
        clients={name: client.id for name, client in clients.items()},
        venue=venue,
        other_court=other_court,
    )


def sign_off(app: Flask, world: World, case_id: int) -> int:
    """The worker signs off the case's compliance report; its id."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        worker = db.session.get(User, world.worker.id)
        assert case is not None and worker is not None
        return reports.sign_off(case, actor=worker, statement="", now=NOW).id


# ---------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------


def test_court_liaison_sees_every_organisations_first_appearances_and_returning_cases(
    web: FlaskClient, world: World, seeded: Seeded
) -> None:
    sign_in(web, world.liaison)

    html = page(web, list_url(world.court))

    assert "Court list for Wednesday 9 December 2026" in html
    assert tables(html)["first-appearances"] == [
        ["Faye Allen", "27 Mar 1990", "01FA0001", "9 Dec 2026", "Yes"],
        ["Gina Brook", "27 Mar 1990", "01GB0002", "9 Dec 2026", "No"],
        ["Hana Cole", "27 Mar 1990", "01HC0003", "9 Dec 2026", "No"],
    ]
    assert tables(html)["returning"] == [
        [
            "Rita Dean",
            "27 Mar 1990",
            "01RD0004",
            "11 Nov 2026",
            "9 Dec 2026",
            "Complied",
            "2 of 2",
            "16 Nov 2026, 23 Nov 2026",
            "19 Nov 2026",
            "Not signed off",
        ],
        [
            "Nell Evans",
            "27 Mar 1990",
            "01NE0005",
            "11 Nov 2026",
            "9 Dec 2026",
            "Not complied",
            "1 of 2",
            "17 Nov 2026",
            "None",
            "Not signed off",
        ],
        [
            "Wren Ford",
            "27 Mar 1990",
            "01WF0006",
            "11 Nov 2026",
            "9 Dec 2026",
            "Withdrawn or declined",
            "0 of 2",
            "None",
            "None",
            "Not signed off",
        ],
        [
            "Olga Grant",
            "27 Mar 1990",
            "01OG0007",
            "11 Nov 2026",
            "9 Dec 2026",
            "Not complied",
            "0 of 2",
            "None",
            "None",
            "Not signed off",
        ],
    ]
    for absent in ("Ada Moved", "Bea Elsewhere", "Cat Declined", "Dot Later"):
        assert absent not in html


def test_court_and_cps_pages_link_to_no_client_or_case_only_to_signed_off_reports(
    app: Flask, web: FlaskClient, world: World, seeded: Seeded
) -> None:
    report_id = sign_off(app, world, seeded.cases["Rita Dean"])
    for user in (world.liaison, world.cps):
        sign_in(web, user)
        html = page(web, list_url(world.court))

        links = [href for href in hrefs(html) if not href.startswith(("#", "/static/"))]
        unexpected = [
            href
            for href in links
            if not re.fullmatch(
                r"/|/sign-out|/account|/court(/\d+/list(\.csv)?\?.*)?|/reports/\d+\.pdf", href
            )
        ]
        assert unexpected == []
        assert f"/reports/{report_id}.pdf" in links
        assert tables(html)["returning"][0][-1] == "PDF of the compliance report for Rita Dean"
        pdf = web.get(f"/reports/{report_id}.pdf")
        assert pdf.status_code == 200
        assert pdf.mimetype == "application/pdf"


def test_caseworkers_see_only_their_organisations_cases_and_may_open_them(
    web: FlaskClient, world: World, seeded: Seeded
) -> None:
    sign_in(web, world.worker)

    html = page(web, list_url(world.court))

    assert names_in(html, "first-appearances") == ["Faye Allen", "Gina Brook"]
    assert names_in(html, "returning") == ["Rita Dean", "Nell Evans", "Wren Ford"]
    assert f'href="/cases/{seeded.cases["Rita Dean"]}"' in html
    assert f'href="/cases/{seeded.cases["Faye Allen"]}"' in html

    sign_in(web, world.other_org_worker)
    html = page(web, list_url(world.court))
    assert names_in(html, "first-appearances") == ["Hana Cole"]
    assert names_in(html, "returning") == ["Olga Grant"]


def test_court_and_cps_users_land_on_their_courts_next_sitting_day(
    web: FlaskClient, world: World, seeded: Seeded
) -> None:
    for user in (world.liaison, world.cps):
        sign_in(web, user)

        landing = web.get("/")
        assert landing.status_code == 302
        assert landing.headers["Location"] == "/court"
        court = web.get("/court")
        assert court.status_code == 302
        assert court.headers["Location"] == list_url(world.court)
        assert "Court lists" in page(web, court.headers["Location"])


def test_the_courts_page_lists_several_courts_and_says_when_there_are_none(
    web: FlaskClient, make: Factory, world: World
) -> None:
    court_org = make.organisation(name="Twin Courts", kind=OrganisationKind.COURT)
    first = make.court(name="North Magistrates' Court", organisation_id=court_org.id)
    second = make.court(name="South Magistrates' Court", organisation_id=court_org.id)
    make.court(name="Closed Magistrates' Court", organisation_id=court_org.id, active=False)
    liaison = make.user(organisation=court_org, role=Role.COURT_LIAISON)
    sign_in(web, liaison)

    html = page(web, "/court")

    assert re.findall(r"/court/\d+/list\?date=[\d-]+", html) == [
        f"/court/{first.id}/list?date=2026-12-09",
        f"/court/{second.id}/list?date=2026-12-09",
    ]
    assert "Closed Magistrates" not in html

    lonely = make.organisation(name="No Court Yet", kind=OrganisationKind.COURT)
    sign_in(web, make.user(organisation=lonely, role=Role.CPS))
    assert "There are no court lists for your organisation yet" in page(web, "/court")


def test_court_and_cps_users_of_another_court_get_not_found(
    web: FlaskClient, make: Factory, world: World, seeded: Seeded
) -> None:
    court_org = make.organisation(name="Other Court Org", kind=OrganisationKind.COURT)
    cps_org = make.organisation(name="Other CPS Org", kind=OrganisationKind.CPS)
    other_liaison = make.user(organisation=court_org, role=Role.COURT_LIAISON)
    other_cps = make.user(organisation=cps_org, role=Role.CPS)

    for user in (other_liaison, other_cps):
        sign_in(web, user)
        assert web.get(list_url(world.court)).status_code == 404
        assert web.get(csv_url(world.court)).status_code == 404
    for user in (world.liaison, world.cps):
        sign_in(web, user)
        assert web.get(list_url(seeded.other_court)).status_code == 404
        assert web.get(csv_url(seeded.other_court)).status_code == 404


def test_administrators_may_not_read_court_lists(web: FlaskClient, world: World) -> None:
    sign_in(web, world.admin)

    assert web.get("/court").status_code == 403
    assert web.get(list_url(world.court)).status_code == 403
    assert web.get(csv_url(world.court)).status_code == 403


# ---------------------------------------------------------------------------------------
# Days
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "previous", "following"),
    [
        (date(2026, 12, 23), "2026-12-16", "2026-12-30"),
        # Wednesdays 25 December 2030 and 1 January 2031 are bank holidays: no court sits.
        (date(2030, 12, 18), "2030-12-11", "2031-01-08"),
        (date(2031, 1, 8), "2030-12-18", "2031-01-15"),
    ],
)
def test_previous_and_next_sitting_day_skip_bank_holidays(
    web: FlaskClient, world: World, day: date, previous: str, following: str
) -> None:
    sign_in(web, world.liaison)

    html = page(web, list_url(world.court, day))

    assert 'id="not-sitting"' not in html
    assert link_with_rel(html, "prev") == list_url(world.court, date.fromisoformat(previous))
    assert link_with_rel(html, "next") == list_url(world.court, date.fromisoformat(following))


def test_a_bank_holiday_says_the_court_does_not_sit_and_links_to_the_nearest_sitting_days(
    web: FlaskClient, world: World
) -> None:
    sign_in(web, world.liaison)

    html = page(web, list_url(world.court, date(2030, 12, 25)))

    assert "does not sit on Wednesday 25 December 2030: it is a bank holiday." in html
    assert (
        f'<a class="govuk-link" href="{list_url(world.court, date(2030, 12, 18))}">'
        "Wednesday 18 December 2030</a> and "
        f'<a class="govuk-link" href="{list_url(world.court, date(2031, 1, 8))}">'
        "Wednesday 8 January 2031</a>"
    ) in html


def test_a_day_the_court_does_not_sit_names_its_sitting_days(
    web: FlaskClient, world: World
) -> None:
    sign_in(web, world.liaison)

    html = page(web, list_url(world.court, date(2026, 12, 10)))

    assert "does not sit on Thursday 10 December 2026: it sits on Wednesdays." in html
    assert link_with_rel(html, "prev") == list_url(world.court, date(2026, 12, 9))
    assert link_with_rel(html, "next") == list_url(world.court, date(2026, 12, 16))


def test_a_court_sitting_two_days_a_week_names_both(
    web: FlaskClient, make: Factory, world: World
) -> None:
    court = make.court(
        name="Twice Weekly Magistrates' Court",
        sitting_weekdays=[1, 3],
        organisation_id=world.liaison.organisation_id,
    )
    sign_in(web, world.liaison)

    html = page(web, list_url(court, date(2026, 12, 9)))

    assert "does not sit on Wednesday 9 December 2026: it sits on Tuesdays and Thursdays." in html
    assert link_with_rel(html, "prev") == list_url(court, date(2026, 12, 8))
    assert link_with_rel(html, "next") == list_url(court, date(2026, 12, 10))
    # With two courts, her landing page lists them rather than choosing one.
    assert f"/court/{court.id}/list?date=2026-12-08" in page(web, "/court")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date=2026-02-30", "Date must be a real date, like 2026-12-09"),
        ("date=9%2F12%2F2026", "Date must be a real date, like 2026-12-09"),
        ("date=1066-10-14", "Date must be between 2000 and 2099, like 2026-12-09"),
        ("date=2026-12-09&status=lost", "Select a status from the list"),
        ("date=2026-12-09&show=%00", "Select which cases to show"),
    ],
)
def test_a_wrong_date_or_filter_is_an_error_message_not_a_list(
    web: FlaskClient, world: World, seeded: Seeded, query: str, message: str
) -> None:
    sign_in(web, world.liaison)

    response = web.get(f"/court/{world.court.id}/list?{query}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert message in html
    assert "Faye Allen" not in html
    assert web.get(f"/court/{world.court.id}/list.csv?{query}").status_code == 400


def test_without_a_date_the_list_is_the_next_sitting_day(
    web: FlaskClient, world: World, seeded: Seeded
) -> None:
    sign_in(web, world.liaison)

    html = page(web, f"/court/{world.court.id}/list")

    assert "Court list for Wednesday 9 December 2026" in html
    assert 'value="2026-12-09"' in html


# ---------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------


FIRST_NAMES = ["Faye Allen", "Gina Brook", "Hana Cole"]


@pytest.mark.parametrize(
    ("args", "first", "returning"),
    [
        # The status is of returning cases: first appearances stay on the list.
        ({"status": "complied"}, FIRST_NAMES, ["Rita Dean"]),
        ({"status": "not_complied"}, FIRST_NAMES, ["Nell Evans", "Olga Grant"]),
        ({"status": "in_progress"}, FIRST_NAMES, []),
        ({"status": "withdrawn_or_declined"}, FIRST_NAMES, ["Wren Ford"]),
        ({"show": "first"}, FIRST_NAMES, None),
        ({"show": "returning"}, None, ["Rita Dean", "Nell Evans", "Wren Ford", "Olga Grant"]),
        ({"show": "returning", "status": "complied"}, None, ["Rita Dean"]),
    ],
)
def test_filters_narrow_the_list(
    web: FlaskClient,
    world: World,
    seeded: Seeded,
    args: dict[str, str],
    first: list[str] | None,
    returning: list[str] | None,
) -> None:
    sign_in(web, world.cps)

    html = page(web, list_url(world.court, LIST_DAY, **args))

    if first is None:
        assert 'id="first-appearances"' not in html
    else:
        assert names_in(html, "first-appearances") == first
    if returning is None:
        assert 'id="returning"' not in html
    elif returning:
        assert names_in(html, "returning") == returning
    else:
        assert "No returning cases have that status." in html
    # The filters hold when moving a day on, and in the download.
    for key, value in args.items():
        assert f"{key}={value}" in (link_with_rel(html, "next") or "")
        assert f"{key}={value}" in html.split('id="download-csv" href="')[1].split('"')[0]


def test_a_status_filter_leaves_first_appearances_shown(
    web: FlaskClient, world: World, seeded: Seeded
) -> None:
    sign_in(web, world.cps)

    html = page(web, list_url(world.court, status="not_complied"))

    assert names_in(html, "first-appearances") == ["Faye Allen", "Gina Brook", "Hana Cole"]
    assert "Returning from extended bail (2 of 4)" in html


# ---------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------


FIRST = "First appearance"
BACK = "Returning from extended bail"
DOB = "1990-03-27"
FIRST_ROWS = [
    [FIRST, "Faye Allen", DOB, "01FA0001", "2026-12-09", "", "Yes", "", "", "", ""],
    [FIRST, "Gina Brook", DOB, "01GB0002", "2026-12-09", "", "No", "", "", "", ""],
    [FIRST, "Hana Cole", DOB, "01HC0003", "2026-12-09", "", "No", "", "", "", ""],
]
# Name, court reference, status, sessions attended, attended dates, missed dates.
RETURNING_ROWS = [
    [BACK, name, DOB, reference, "2026-11-11", "2026-12-09", "", status, sessions, went, missed]
    for name, reference, status, sessions, went, missed in (
        ("Rita Dean", "01RD0004", "Complied", "2 of 2", "2026-11-16; 2026-11-23", "2026-11-19"),
        ("Nell Evans", "01NE0005", "Not complied", "1 of 2", "2026-11-17", ""),
        ("Wren Ford", "01WF0006", "Withdrawn or declined", "0 of 2", "", ""),
        ("Olga Grant", "01OG0007", "Not complied", "0 of 2", "", ""),
    )
]


def test_the_csv_has_the_lists_rows_and_only_the_allowed_columns(
    web: FlaskClient, world: World, seeded: Seeded
) -> None:
    sign_in(web, world.liaison)

    response = web.get(csv_url(world.court))

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="court-list-{slug(world.court.name)}-2026-12-09.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert csv_rows(response.data) == [
        [
            "List",
            "Name",
            "Date of birth",
            "Court reference",
            "Court date",
            "Return date",
            "Reminded",
            "Status",
            "Sessions attended",
            "Attended dates",
            "Missed dates",
        ],
        *FIRST_ROWS,
        *RETURNING_ROWS,
    ]


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def test_the_csv_follows_the_filters(web: FlaskClient, world: World, seeded: Seeded) -> None:
    sign_in(web, world.worker)

    rows = csv_rows(web.get(csv_url(world.court, show="returning", status="complied")).data)

    assert [row[1] for row in rows[1:]] == ["Rita Dean"]


def test_csv_cells_that_would_start_a_formula_are_quoted(
    web: FlaskClient, make: Factory, world: World
) -> None:
    for first, last, reference in (
        ("=HYPERLINK(1)", "Smith", "=1+1"),
        ("+Plus", "Jones", "+44"),
        ("-Minus", "Khan", "-3"),
        ("@Sum", "Lee", "@A1"),
    ):
        client = make.client(organisation=world.project, first_name=first, last_name=last)
        make.case(
            client=client, court=world.court, first_court_date=LIST_DAY, court_reference=reference
        )
    sign_in(web, world.liaison)

    rows = csv_rows(web.get(csv_url(world.court)).data)

    assert sorted((row[1], row[3]) for row in rows[1:]) == [
        ("'+Plus Jones", "'+44"),
        ("'-Minus Khan", "'-3"),
        ("'=HYPERLINK(1) Smith", "'=1+1"),
        ("'@Sum Lee", "'@A1"),
    ]


# ---------------------------------------------------------------------------------------
# A cancellation by the project, and a woman who left after attending every session
# ---------------------------------------------------------------------------------------


@pytest.fixture
def cancelled_and_left(make: Factory, world: World) -> None:
    """Two cases returning on the 9th (and nothing else on the list)."""
    venue = make.venue(organisation=world.project)
    # The project cancelled her second session on 19 November; she made it up on the 23rd.
    cancelled = make.accepted_case(
        client=_client(make, world, "Tess Hale"),
        court=world.court,
        worker=world.worker,
        court_date=COURT_DAY,
        return_date=LIST_DAY,
        court_reference="01TH0008",
    )
    _appointment(make, cancelled, venue, world.worker, 1, date(2026, 11, 16))
    _appointment(
        make,
        cancelled,
        venue,
        world.worker,
        2,
        date(2026, 11, 19),
        AppointmentStatus.CANCELLED_BY_SERVICE,
        f"{REASON}: worker off sick",
    )
    _appointment(make, cancelled, venue, world.worker, 2, date(2026, 11, 23))
    # She attended both sessions inside the window, then left the scheme.
    left = make.accepted_case(
        client=_client(make, world, "Una Irwin"),
        court=world.court,
        worker=world.worker,
        court_date=COURT_DAY,
        return_date=LIST_DAY,
        court_reference="01UI0009",
    )
    _appointment(make, left, venue, world.worker, 1, date(2026, 11, 17))
    _appointment(make, left, venue, world.worker, 2, date(2026, 11, 24))
    left.status = CaseStatus.WITHDRAWN
    make.session.commit()


def test_the_list_shows_a_cancellation_by_the_project_and_a_woman_who_left_as_withdrawn(
    web: FlaskClient, world: World, cancelled_and_left: None
) -> None:
    sign_in(web, world.liaison)

    html = page(web, list_url(world.court))

    assert tables(html)["returning"] == [
        [
            "Tess Hale",
            "27 Mar 1990",
            "01TH0008",
            "11 Nov 2026",
            "9 Dec 2026",
            "Complied",
            "2 of 2",
            "16 Nov 2026, 23 Nov 2026",
            "19 Nov 2026",
            "Not signed off",
        ],
        [
            "Una Irwin",
            "27 Mar 1990",
            "01UI0009",
            "11 Nov 2026",
            "9 Dec 2026",
            "Withdrawn or declined",
            "2 of 2",
            "17 Nov 2026, 24 Nov 2026",
            "None",
            "Not signed off",
        ],
    ]
    assert REASON not in html  # the date only, and never the worker's own reason
    assert names_in(page(web, list_url(world.court, status="complied")), "returning") == [
        "Tess Hale"
    ]
    assert names_in(
        page(web, list_url(world.court, status="withdrawn_or_declined")), "returning"
    ) == ["Una Irwin"]


def test_the_csv_shows_a_cancellation_by_the_project_and_a_woman_who_left_as_withdrawn(
    web: FlaskClient, world: World, cancelled_and_left: None
) -> None:
    sign_in(web, world.cps)

    response = web.get(csv_url(world.court))
    complied = csv_rows(web.get(csv_url(world.court, status="complied")).data)

    assert response.status_code == 200
    assert csv_rows(response.data)[1:] == [
        [BACK, name, DOB, reference, "2026-11-11", "2026-12-09", "", status, "2 of 2", went, missed]
        for name, reference, status, went, missed in (
            ("Tess Hale", "01TH0008", "Complied", "2026-11-16; 2026-11-23", "2026-11-19"),
            ("Una Irwin", "01UI0009", "Withdrawn or declined", "2026-11-17; 2026-11-24", ""),
        )
    ]
    assert REASON not in response.get_data(as_text=True)
    assert [row[1] for row in complied[1:]] == ["Tess Hale"]


# ---------------------------------------------------------------------------------------
# Audit
# ---------------------------------------------------------------------------------------


def test_viewing_and_downloading_a_list_are_audited_with_ids_only(
    app: Flask, web: FlaskClient, make: Factory, world: World, seeded: Seeded
) -> None:
    sign_in(web, world.liaison)
    make.session.expire_all()
    before = make.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))

    page(web, list_url(world.court, show="first"))
    web.get(csv_url(world.court, show="returning", status="complied"))

    make.session.expire_all()
    rows = list(
        make.session.scalars(
            select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)
        )
    )
    assert [(row.action, row.object_type, row.object_id, row.user_id) for row in rows] == [
        ("court_list_viewed", "court", world.court.id, world.liaison.id),
        ("court_list_exported", "court", world.court.id, world.liaison.id),
    ]
    first = ",".join(str(seeded.cases[n]) for n in ("Faye Allen", "Gina Brook", "Hana Cole"))
    assert rows[0].detail == f"2026-12-09: 3 first appearances, 0 returning; cases {first}"
    assert rows[1].detail == (
        f"2026-12-09: 0 first appearances, 1 returning; cases {seeded.cases['Rita Dean']}"
    )


def test_the_audit_detail_of_a_long_list_keeps_to_its_column_and_says_how_many_more() -> None:
    lines = [
        FirstAppearance(
            case_id=100000 + n,
            client_id=n,
            name="Not In Detail",
            date_of_birth=date(1990, 1, 1),
            court_reference=None,
            hearing_date=LIST_DAY,
            reminded=False,
        )
        for n in range(200)
    ]

    detail = audit_detail(LIST_DAY, Shown(first_appearances=lines, returning=[]))

    assert len(detail) <= 500
    assert detail.startswith("2026-12-09: 200 first appearances, 0 returning; cases 100000,")
    assert re.search(r",\d+ and \d+ more$", detail)
    kept = detail.split("cases ")[1].split(" and ")[0].split(",")
    assert f" and {200 - len(kept)} more" in detail
    assert "Not In Detail" not in detail


# ---------------------------------------------------------------------------------------
# What court liaison and the CPS can never see (security.md 4)
# ---------------------------------------------------------------------------------------


@pytest.fixture
def planted(make: Factory, world: World, seeded: Seeded) -> Seeded:
    """A marker in every field the court and the CPS must not see, on cases on the list."""
    for name in ("Faye Allen", "Rita Dean"):
        client = make.session.get(Client, seeded.clients[name])
        case = make.session.get(Case, seeded.cases[name])
        assert client is not None and case is not None
        client.mobile = f"+44{PHONE_DIGITS}"
        client.consent_to_texts = True
        client.text_name = TEXT_NAME
        client.housing = f"{HOUSING}: sofa-surfing"
        client.health_notes = f"{HEALTH}: asthma"
        make.session.add(ClientAlias(client_id=client.id, name=f"{ALIAS} Smith"))
        case.charge = f"{CHARGE} loitering"
        case.custody_drug_test = DrugTestResult.POSITIVE_BOTH
        case.arrest_date = date(2026, 11, 5)
        case.at_risk_reason = RISK
        make.session.add_all(
            [
                CaseEvent(case_id=case.id, kind="note", summary=NOTE),
                CaseNote(case_id=case.id, author_id=world.worker.id, body=CASE_NOTE),
                InboundMessage(
                    provider_id=f"SM-reply-{case.id}",
                    from_number=f"+44{PHONE_DIGITS}",
                    body=REPLY,
                    client_id=client.id,
                    case_id=case.id,
                    organisation_id=world.project.id,
                    action=ReplyAction.INBOX,
                ),
            ]
        )
    make.session.commit()
    return seeded


@pytest.mark.parametrize("role", [Role.COURT_LIAISON, Role.CPS])
def test_no_planted_marker_reaches_court_or_cps_in_a_page_csv_pdf_or_email(
    app: Flask, web: FlaskClient, world: World, planted: Seeded, tmp_path: Path, role: Role
) -> None:
    report_id = sign_off(app, world, planted.cases["Rita Dean"])
    # The markers are there to find: her worker reads them on the case and client pages.
    sign_in(web, world.worker)
    worker_view = page(web, f"/cases/{planted.cases['Rita Dean']}") + page(
        web, f"/clients/{planted.clients['Rita Dean']}"
    )
    assert [m for m in (ALIAS, CHARGE, RISK, NOTE, "07700 900461") if m not in worker_view] == []

    user = world.liaison if role is Role.COURT_LIAISON else world.cps
    sign_in(web, user)

    outputs: dict[str, str] = {}
    for day in (LIST_DAY, date(2026, 12, 10)):
        outputs[f"list {day}"] = page(web, list_url(world.court, day))
    outputs["next sitting day"] = page(web, f"/court/{world.court.id}/list")
    outputs["returning only"] = page(web, list_url(world.court, show="returning"))
    outputs["csv"] = web.get(csv_url(world.court)).data.decode("utf-8-sig")
    assert "Faye Allen" in outputs[f"list {LIST_DAY}"] and "Rita Dean" in outputs["csv"]
    for output, text in outputs.items():
        found = [marker for marker in NEVER_ON_THE_LIST if marker in text]
        assert found == [], output

    pdf = web.get(f"/reports/{report_id}.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.data)
    assert "Rita Dean" in text
    assert COURT_WORDING in text
    assert [marker for marker in NEVER_TO_COURT if marker in text] == []

    # The email the court and the CPS receive: its words and its PDF.
    app.config["MAIL_FILE_DIR"] = str(tmp_path / "mail")
    with app.app_context():
        report = db.session.get(ComplianceReport, report_id)
        worker = db.session.get(User, world.worker.id)
        assert report is not None and worker is not None
        sent = reports.send_report(report, actor=worker, now=NOW)
        messages = [row.message for row in sent]
    assert len(messages) == 2
    for raw in messages:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(("plain",))
        assert body is not None
        words = str(message["Subject"]) + body.get_content()
        [attachment] = list(message.iter_attachments())
        words += pdf_text(attachment.get_content())
        assert COURT_WORDING in words
        assert [marker for marker in NEVER_TO_COURT if marker in words] == []


# What court liaison and CPS users may open, besides the pages about their own account (the
# auth blueprint: signing in and out, password, two-factor), which hold nothing of a client.
COURT_AND_CPS_PAGES = {
    "home.index",
    "court.index",
    "court.sitting_list",
    "court.sitting_list_csv",
    "reports.pdf",
}


def _own_account_page(endpoint: str) -> bool:
    return endpoint.startswith("auth.")


@pytest.mark.parametrize("role", [Role.COURT_LIAISON, Role.CPS])
def test_every_other_page_answers_forbidden_or_not_found_to_court_and_cps(
    app: Flask, web: FlaskClient, world: World, planted: Seeded, role: Role
) -> None:
    sign_in(web, world.liaison if role is Role.COURT_LIAISON else world.cps)
    ids: dict[str, object] = {
        "client_id": planted.clients["Rita Dean"],
        "case_id": planted.cases["Rita Dean"],
        "court_id": world.court.id,
        "user_id": world.worker.id,
        "organisation_id": world.project.id,
        "venue_id": planted.venue.id,
    }

    def url(rule_text: str) -> str:
        return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(ids.get(m.group(1), 1)), rule_text)

    # A page newly opened to them must be checked against the field-level rule first.
    theirs = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if isinstance(roles := declared_roles(app, rule.endpoint), frozenset)
        and role in roles
        and not _own_account_page(rule.endpoint)
    }
    assert theirs == COURT_AND_CPS_PAGES

    answers = {}
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if (
            endpoint in COURT_AND_CPS_PAGES
            or _own_account_page(endpoint)
            or declared_roles(app, endpoint) == PUBLIC
        ):
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            response = web.open(url(rule.rule), method=method, data={})
            answers[f"{method} {rule.rule}"] = response.status_code
    assert len(answers) > 30
    assert {request: code for request, code in answers.items() if code not in (403, 404)} == {}
    # Still signed in: the refusals were refusals, not a lost session.
    assert web.get(list_url(world.court)).status_code == 200


# ---------------------------------------------------------------------------------------
# A fixed number of queries, however long the list
# ---------------------------------------------------------------------------------------


def _seed_many(make: Factory, world: World, count: int) -> None:
    """`count` cases on the list, half first appearances (reminded) and half returning
    (two appointments each, a signed-off report), from both organisations."""
    venue = make.venue(organisation=world.project)
    requirement = make.requirement_type("CD")
    for n in range(count):
        organisation = world.project if n % 2 else world.other_project
        client = Client(
            organisation_id=organisation.id,
            first_name=f"Many{n}",
            last_name=f"Person{n:03d}",
            date_of_birth=date(1991, 1, 1),
        )
        make.session.add(client)
        make.session.flush()
        returning = n % 4 < 2
        case = Case(
            client_id=client.id,
            organisation_id=organisation.id,
            requirement_type_id=requirement.id,
            court_id=world.court.id,
            charge="Loitering or soliciting",
            custody_drug_test=DrugTestResult.NOT_TESTED,
            first_court_date=COURT_DAY if returning else LIST_DAY,
            outcome_hearing_date=COURT_DAY if returning else None,
            court_outcome=CourtOutcome.ACCEPTED if returning else None,
            return_date=LIST_DAY if returning else None,
            status=CaseStatus.ON_SCHEME if returning else CaseStatus.AWAITING_COURT,
            court_reference=f"01MP{n:04d}",
        )
        make.session.add(case)
        make.session.flush()
        if returning:
            for number, day in ((1, date(2026, 11, 16)), (2, date(2026, 11, 23))):
                make.session.add(
                    Appointment(
                        case_id=case.id,
                        session_number=number,
                        kind="session",
                        starts_at=at(day, 10),
                        ends_at=at(day, 11),
                        venue_id=venue.id,
                        worker_id=world.worker.id,
                        status=AppointmentStatus.ATTENDED,
                    )
                )
            make.session.add(
                ComplianceReport(
                    case_id=case.id,
                    variant=ReportVariant.COURT_DIVERSION,
                    compliance_status="complied",
                    html="<p>report</p>",
                    content_sha256="0" * 64,
                    signed_off_by_id=world.worker.id,
                    signed_off_at=NOW,
                )
            )
        else:
            make.session.add(
                OutboxMessage(
                    client_id=client.id,
                    case_id=case.id,
                    kind="court_day_before",
                    send_at=at(date(2026, 12, 8), 17),
                    status=MessageStatus.DELIVERED,
                    event_at=at(LIST_DAY, 10),
                )
            )
    make.session.commit()


def _statements(app: Flask, action: Callable[[], object]) -> list[str]:
    engine = app.extensions["diversion.db"][0]
    seen: list[str] = []

    def listener(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


@pytest.mark.parametrize("user_name", ["liaison", "worker"])
def test_a_list_of_forty_cases_takes_as_many_queries_as_a_list_of_five(
    app: Flask, make: Factory, world: World, user_name: str
) -> None:
    user = getattr(world, user_name)
    counts = []
    for count in (5, 40):
        make.session.query(OutboxMessage).delete()
        make.session.query(ComplianceReport).delete()
        make.session.query(Appointment).delete()
        make.session.query(Case).delete()
        make.session.query(Client).delete()
        make.session.commit()
        _seed_many(make, world, count)
        web = app.test_client()
        sign_in(web, user)
        responses: list[TestResponse] = []

        def fetch(web: FlaskClient = web, responses: list[TestResponse] = responses) -> None:
            responses.append(web.get(list_url(world.court)))
            responses.append(web.get(csv_url(world.court)))

        statements = _statements(app, fetch)
        html = responses[0].get_data(as_text=True)
        expected = count if user_name == "liaison" else count // 2
        rows = len(names_in(html, "first-appearances")) + len(names_in(html, "returning"))
        assert rows == expected
        assert html.count(".pdf") == len(names_in(html, "returning"))
        counts.append(len(statements))

    assert counts[0] == counts[1]
