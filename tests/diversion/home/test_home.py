"""The caseworker's home page: cases grouped by what needs doing next, and only her own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html import unescape

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from diversion.models import CaseStatus, Client, CourtOutcome
from tests.conftest import World, sign_in
from tests.factories import Factory

# Tuesday 15 December 2026, late morning in London.
TODAY = datetime(2026, 12, 15, 11, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


def sections(response) -> dict[str, list[list[str]]]:
    """Each table on the page by its caption (without the count): rows of cell texts."""
    html = response.get_data(as_text=True)
    out: dict[str, list[list[str]]] = {}
    for table in re.findall(r"<table.*?</table>", html, re.S):
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", table, re.S)
        if caption is None:
            continue
        name = re.sub(r"\s*\(\d+\)\s*$", "", unescape(caption.group(1)).strip())
        rows = []
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            if cells:
                rows.append(
                    [
                        re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", c))).strip()
                        for c in cells
                    ]
                )
        out[name] = rows
    return out


def names_in(rows: list[list[str]]) -> list[str]:
    return [row[0] for row in rows]


def caption_counts(response) -> dict[str, int]:
    html = response.get_data(as_text=True)
    return {
        unescape(name).strip(): int(n)
        for name, n in re.findall(r"<caption[^>]*>\s*(.*?) \((\d+)\)\s*</caption>", html, re.S)
    }


@pytest.fixture
def caseload(make: Factory, world: World) -> dict[str, Client]:
    """Cases of every kind, for the worker, her colleague, nobody and another organisation."""

    def client(first: str) -> Client:
        return make.client(organisation=world.project, first_name=first, last_name="Testcase")

    people = {
        name: client(name)
        for name in ("Coming", "Adjourned", "Outcome", "Onscheme", "Report", "Declined")
    }
    make.case(
        client=people["Coming"],
        court=world.court,
        worker=world.worker,
        first_court_date=date(2026, 12, 16),
    )
    make.case(
        client=people["Adjourned"],
        court=world.court,
        worker=world.worker,
        first_court_date=date(2026, 12, 2),
        adjourned_to=date(2026, 12, 23),
        court_outcome=CourtOutcome.ADJOURNED,
        outcome_hearing_date=date(2026, 12, 2),
    )
    make.case(
        client=people["Outcome"],
        court=world.court,
        worker=world.worker,
        first_court_date=date(2026, 12, 9),
    )
    make.accepted_case(
        client=people["Onscheme"],
        court=world.court,
        worker=world.worker,
        court_date=date(2026, 12, 2),
        return_date=date(2026, 12, 30),
    )
    make.accepted_case(
        client=people["Report"],
        court=world.court,
        worker=world.worker,
        court_date=date(2026, 11, 18),
        return_date=date(2026, 12, 16),
    )
    make.case(
        client=people["Declined"],
        court=world.court,
        worker=world.worker,
        status=CaseStatus.DECLINED,
        court_outcome=CourtOutcome.DECLINED,
        first_court_date=date(2026, 12, 9),
    )
    colleagues = make.client(
        organisation=world.project, first_name="Colleagues", last_name="Testcase"
    )
    make.case(
        client=colleagues,
        court=world.court,
        worker=world.colleague,
        first_court_date=date(2027, 1, 6),
    )
    unallocated = make.client(
        organisation=world.project, first_name="Unallocated", last_name="Testcase"
    )
    make.case(
        client=unallocated, court=world.court, worker=None, first_court_date=date(2026, 12, 30)
    )
    elsewhere = make.client(
        organisation=world.other_project, first_name="Elsewhere", last_name="Testcase"
    )
    make.case(
        client=elsewhere,
        court=world.court,
        worker=world.other_worker,
        first_court_date=date(2026, 12, 16),
    )
    make.accepted_case(client=elsewhere, court=world.court, worker=world.other_worker)
    return people


@pytest.mark.usefixtures("caseload")
def test_a_workers_home_groups_her_cases_by_what_needs_doing_next(
    web: FlaskClient, world: World
) -> None:
    sign_in(web, world.worker)

    response = web.get("/home")

    assert response.status_code == 200
    page = sections(response)
    assert names_in(page["Court outcome to record"]) == ["Outcome Testcase"]
    assert page["Court outcome to record"][0][2:] == [
        "Wed 9 Dec 2026",
        world.court.name,
        "Wendy Worker",
    ]
    assert names_in(page["Court date coming"]) == ["Coming Testcase", "Adjourned Testcase"]
    assert [row[2] for row in page["Court date coming"]] == ["Wed 16 Dec 2026", "Wed 23 Dec 2026"]
    # Return 30 Dec: last appointment Thu 24 Dec, 10 days from Tue 15 Dec counting both.
    assert page["On scheme or order"][0][0] == "Onscheme Testcase"
    assert page["On scheme or order"][0][2:5] == [
        "Court diversion (extended bail)",
        "Thu 24 Dec 2026",
        "10 days left",
    ]
    # Return Wed 16 Dec: the last appointment date (Mon 14 Dec) has passed; report due today.
    reports = page["Reports due"]
    assert reports[0][0] == "Report Testcase"
    assert reports[0][2:6] == [
        "Tue 15 Dec 2026, 12:00",
        "Due",
        "Court diversion (extended bail)",
        "Wed 16 Dec 2026",
    ]
    assert caption_counts(response) == {
        "Court outcome to record": 1,
        "Court date coming": 2,
        "On scheme or order": 1,
        "Reports due": 1,
    }
    text = response.get_data(as_text=True)
    assert "Today is Tuesday 15 December 2026." in re.sub(r"\s+", " ", text)
    assert "Your cases" in text


@pytest.mark.usefixtures("caseload")
def test_a_worker_sees_only_her_own_cases(web: FlaskClient, world: World) -> None:
    sign_in(web, world.worker)

    text = web.get("/home").get_data(as_text=True)

    assert "Declined Testcase" not in text
    assert "Colleagues Testcase" not in text
    assert "Unallocated Testcase" not in text
    assert "Elsewhere Testcase" not in text


@pytest.mark.usefixtures("caseload")
def test_a_manager_sees_her_whole_organisation_but_never_another(
    web: FlaskClient, world: World
) -> None:
    sign_in(web, world.manager)

    response = web.get("/home")

    page = sections(response)
    assert names_in(page["Court date coming"]) == [
        "Coming Testcase",
        "Adjourned Testcase",
        "Unallocated Testcase",
        "Colleagues Testcase",
    ]
    assert [row[-1] for row in page["Court date coming"]] == [
        "Wendy Worker",
        "Wendy Worker",
        "Not allocated",
        "Colin Colleague",
    ]
    assert names_in(page["Court outcome to record"]) == ["Outcome Testcase"]
    assert names_in(page["On scheme or order"]) == ["Onscheme Testcase"]
    assert names_in(page["Reports due"]) == ["Report Testcase"]
    text = response.get_data(as_text=True)
    assert "Your organisation&#39;s cases" in text
    assert "Elsewhere Testcase" not in text
    assert "Declined Testcase" not in text


def test_another_organisations_manager_sees_only_her_own(
    web: FlaskClient, world: World, caseload: dict[str, Client]
) -> None:
    sign_in(web, world.other_org_worker)

    response = web.get("/home")

    page = sections(response)
    assert names_in(page["Court date coming"]) == ["Elsewhere Testcase"]
    assert names_in(page["On scheme or order"]) == ["Elsewhere Testcase"]
    text = response.get_data(as_text=True)
    for name in caseload:
        assert f"{name} Testcase" not in text


def test_an_empty_caseload_says_so(web: FlaskClient, world: World) -> None:
    sign_in(web, world.worker)

    text = web.get("/home").get_data(as_text=True)

    assert "No court dates coming." in text
    assert "Nobody is on the scheme." in text
    assert "No reports are due." in text
    assert "Court outcome to record" not in text


def test_home_links_each_case_to_its_page(web: FlaskClient, world: World, make: Factory) -> None:
    client = make.client(organisation=world.project, first_name="Linked", last_name="Testcase")
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    sign_in(web, world.worker)

    html = web.get("/home").get_data(as_text=True)

    assert f'<a class="govuk-link" href="/cases/{case.id}">Linked Testcase</a>' in html


def test_the_root_sends_caseworkers_home_and_administrators_to_administration(
    web: FlaskClient, world: World
) -> None:
    sign_in(web, world.worker)
    assert web.get("/").headers["Location"] == "/home"

    sign_in(web, world.admin)
    assert web.get("/").headers["Location"] == "/admin"


def test_court_users_land_on_their_court_lists_and_never_on_the_caseload(
    web: FlaskClient, world: World, caseload: dict[str, Client]
) -> None:
    sign_in(web, world.liaison)

    response = web.get("/")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/court")
    assert web.get("/home").status_code == 403


# ---------------------------------------------------------------------------------------
# The caseload overview: progress per case, counts, filters, sortable columns
# ---------------------------------------------------------------------------------------


def overview_rows(response) -> dict[str, list[str]]:
    """The overview's rows by client name: the cells as a reader sees them."""
    [rows] = [rows for name, rows in sections(response).items() if name != "Counts"]
    return {row[0].split(" ")[0] + " " + row[0].split(" ")[1]: row for row in rows}


def figures(response) -> dict[str, int]:
    html = response.get_data(as_text=True)
    return {key: int(n) for key, n in re.findall(r'data-count="(\w+)">(\d+)<', html)}


@pytest.fixture
def progress(make: Factory, world: World, caseload: dict[str, Client]) -> None:
    """The on-scheme case has attended one session and missed the next; one is booked."""
    from diversion.models import AppointmentStatus, Case

    case = make.session.query(Case).filter_by(client_id=caseload["Onscheme"].id).one()
    venue = make.venue(organisation=world.project)
    for number, day, status in (
        (1, 7, AppointmentStatus.ATTENDED),
        (2, 10, AppointmentStatus.DID_NOT_ATTEND),
        (2, 17, AppointmentStatus.BOOKED),
    ):
        start = datetime(2026, 12, day, 10, tzinfo=UTC)
        make.appointment(
            case=case,
            venue=venue,
            worker=world.worker,
            session_number=number,
            starts_at=start,
            ends_at=start.replace(hour=11),
            status=status,
        )


@pytest.mark.usefixtures("progress")
def test_a_manager_sees_every_open_case_of_her_team_with_its_progress_and_counts(
    web: FlaskClient, world: World
) -> None:
    sign_in(web, world.manager)
    home = web.get("/home").get_data(as_text=True)
    assert 'href="/caseload"' in home

    response = web.get("/caseload")
    assert response.status_code == 200
    rows = overview_rows(response)
    # Open cases of the whole organisation, never another's, never a declined one.
    assert set(rows) == {
        "Coming Testcase",
        "Adjourned Testcase",
        "Outcome Testcase",
        "Onscheme Testcase",
        "Report Testcase",
        "Colleagues Testcase",
        "Unallocated Testcase",
    }
    onscheme = rows["Onscheme Testcase"]
    assert onscheme[1] == "Wendy Worker"
    assert onscheme[3:6] == ["1", "1", "1"]  # booked, attended, missed
    assert onscheme[6] == "Thu 24 Dec 2026 Last appointment"
    assert onscheme[7] == "10"
    assert rows["Report Testcase"][8].startswith("Due")
    assert rows["Unallocated Testcase"][1] == "Not allocated"
    html = response.get_data(as_text=True)
    assert 'data-module="moj-sortable-table"' in html
    assert html.count('aria-sort="none"') == 8
    counts = figures(response)
    assert counts["all"] == 7
    assert counts["on_scheme"] == 2
    assert counts["awaiting_court"] == 5
    assert counts["missed"] == 1
    assert counts["report_due"] == 1


@pytest.mark.usefixtures("progress")
def test_the_overview_filters_by_worker_and_by_what_to_show(web: FlaskClient, world: World) -> None:
    sign_in(web, world.manager)

    hers = overview_rows(web.get(f"/caseload?worker={world.colleague.id}"))
    assert set(hers) == {"Colleagues Testcase"}
    missed = overview_rows(web.get("/caseload?show=missed"))
    assert set(missed) == {"Onscheme Testcase"}
    due = overview_rows(web.get(f"/caseload?show=report_due&worker={world.worker.id}"))
    assert set(due) == {"Report Testcase"}
    # Someone not in her organisation is not a filter: 404, as for any record not hers.
    assert web.get(f"/caseload?worker={world.other_worker.id}").status_code == 404
    # An unknown choice shows everything rather than failing.
    assert len(overview_rows(web.get("/caseload?show=nonsense"))) == 7


@pytest.mark.usefixtures("progress")
def test_a_worker_sees_only_her_own_cases_in_the_overview(web: FlaskClient, world: World) -> None:
    sign_in(web, world.worker)

    response = web.get("/caseload")
    assert set(overview_rows(response)) == {
        "Coming Testcase",
        "Adjourned Testcase",
        "Outcome Testcase",
        "Onscheme Testcase",
        "Report Testcase",
    }
    assert 'name="worker"' not in response.get_data(as_text=True)
    assert web.get(f"/caseload?worker={world.colleague.id}").status_code == 404


def test_the_menus_counts_are_read_once_a_page_and_shared_with_home(
    app: Flask, web: FlaskClient, world: World
) -> None:
    """The page template renders its header twice (the first time to see whether it is
    empty), and home shows the unread replies too: one statement counts them all."""
    sign_in(web, world.worker)
    engine = app.extensions["diversion.db"][0]
    sent: list[str] = []

    def listener(*args: object) -> None:
        sent.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        for page in ("/home", "/diary", "/clients"):
            assert web.get(page).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)

    counting = [s for s in sent if "FROM inbound_message" in s]
    assert len(counting) == 3  # one a page
    assert all("match_notice" in s and "client_transfer" in s for s in counting)
