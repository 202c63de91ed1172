"""A court liaison officer's morning: sign in, land on today's list, open next Wednesday's,
read the statuses, download the CSV, and find that a client's page is not hers to open.

Every page on the way is checked with axe against WCAG 2.2 AA, and the list again at 320px.
Today is Wednesday 2 December 2026, court day (see conftest.NOW).
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from diversion.models import (
    AppointmentStatus,
    Case,
    CaseStatus,
    Client,
    Court,
    MessageStatus,
    OrganisationKind,
    OutboxMessage,
    Role,
    User,
)
from tests.browser.axe import check_accessibility
from tests.browser.conftest import Site, enter_two_factor_code

pytestmark = pytest.mark.browser

NARROW: ViewportSize = {"width": 320, "height": 640}
TODAY = date(2026, 12, 2)
NEXT_WEDNESDAY = date(2026, 12, 9)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def seed(site: Site) -> tuple[User, Client]:
    """Her court's organisation and account, and the cases on today's and next week's lists."""
    make = site.make
    court_org = make.organisation(name="Testbury Court Listing", kind=OrganisationKind.COURT)
    court = make.session.get(Court, site.court.id)
    assert court is not None
    court.organisation_id = court_org.id
    make.session.commit()
    liaison = make.user(
        organisation=court_org,
        role=Role.COURT_LIAISON,
        name="Lena Liaison",
        email="lena.liaison@example.test",
    )
    venue = make.venue(organisation=site.project, name="Riverside rooms")

    def attended(case_id: int, number: int, day: date) -> None:
        case = make.session.get(Case, case_id)
        assert case is not None
        make.appointment(
            case=case,
            venue=venue,
            worker=site.worker,
            session_number=number,
            starts_at=at(day, 10),
            ends_at=at(day, 11),
            status=AppointmentStatus.ATTENDED,
        )

    def client(first: str, last: str) -> Client:
        return make.client(organisation=site.project, first_name=first, last_name=last)

    # Today: a first appearance she was reminded of, and a return without both sessions.
    first_case = make.case(
        client=client("Tara", "Amos"),
        court=court,
        worker=site.worker,
        first_court_date=TODAY,
        court_reference="01TA0001",
    )
    make.session.add(
        OutboxMessage(
            client_id=first_case.client_id,
            case_id=first_case.id,
            kind="court_day_before",
            send_at=at(TODAY - timedelta(days=1), 17),
            status=MessageStatus.DELIVERED,
            event_at=at(TODAY, 10),
        )
    )
    make.session.commit()
    late = make.accepted_case(
        client=client("Lola", "Birch"),
        court=court,
        worker=site.worker,
        court_date=date(2026, 11, 4),
        return_date=TODAY,
        court_reference="01LB0002",
    )
    attended(late.id, 1, date(2026, 11, 9))

    # Next Wednesday: one complied, one in progress, one withdrawn, and a first appearance.
    complied = make.accepted_case(
        client=client("Cara", "Cole"),
        court=court,
        worker=site.worker,
        court_date=date(2026, 11, 11),
        return_date=NEXT_WEDNESDAY,
        court_reference="01CC0003",
    )
    attended(complied.id, 1, date(2026, 11, 16))
    attended(complied.id, 2, date(2026, 11, 23))
    going = make.accepted_case(
        client=client("Ines", "Dale"),
        court=court,
        worker=site.worker,
        court_date=date(2026, 11, 11),
        return_date=NEXT_WEDNESDAY,
        court_reference="01ID0004",
    )
    attended(going.id, 1, date(2026, 11, 18))
    gone = make.accepted_case(
        client=client("Wynn", "Eames"),
        court=court,
        worker=site.worker,
        court_date=date(2026, 11, 11),
        return_date=NEXT_WEDNESDAY,
        court_reference="01WE0005",
    )
    gone.status = CaseStatus.WITHDRAWN
    make.session.commit()
    make.case(
        client=client("Fern", "Gale"),
        court=court,
        worker=site.worker,
        first_court_date=NEXT_WEDNESDAY,
        court_reference="01FG0006",
    )
    return liaison, make.session.get(Client, complied.client_id)  # type: ignore[return-value]


def sign_in(page: Page, site: Site, user: User) -> None:
    page.goto(site.at("/"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(site.password)
    page.get_by_role("button", name="Sign in").click()
    enter_two_factor_code(page, site, user)


def returning_statuses(page: Page) -> list[str]:
    return page.locator("#returning tbody .govuk-tag").all_inner_texts()


def scroll_width(page: Page) -> int:
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


def test_court_liaison_reads_next_wednesdays_list_downloads_it_and_cannot_open_a_client(
    page: Page, site: Site, artifacts: Path
) -> None:
    liaison, client = seed(site)
    sign_in(page, site, liaison)

    # She lands on today's list for her court.
    expect(
        page.get_by_role("heading", name="Court list for Wednesday 2 December 2026")
    ).to_be_visible()
    expect(page.locator("#first-appearances tbody tr")).to_have_text(
        [re.compile(r"Tara Amos.*01TA0001.*Yes", re.S)]
    )
    assert returning_statuses(page) == ["Not complied"]
    nav = page.get_by_role("navigation", name="Menu")
    expect(nav.get_by_role("link", name="Court lists")).to_be_visible()
    expect(nav.get_by_role("link", name="Clients")).to_have_count(0)
    check_accessibility(page)

    # Next Wednesday's list.
    page.get_by_role("link", name=re.compile("^Next sitting day")).click()
    heading = page.get_by_role("heading", name="Court list for Wednesday 9 December 2026")
    expect(heading).to_be_visible()
    assert returning_statuses(page) == ["Complied", "In progress", "Withdrawn or declined"]
    expect(page.locator("#returning tbody tr").first).to_contain_text("2 of 2")
    expect(page.locator("#first-appearances tbody tr")).to_have_text(
        [re.compile(r"Fern Gale.*01FG0006.*No", re.S)]
    )
    # Nothing on her list opens a client or a case.
    links = page.locator("main a").evaluate_all("(links) => links.map((a) => a.pathname)")
    assert [href for href in links if re.match(r"/(clients|cases)/", href)] == []
    check_accessibility(page)
    page.screenshot(path=artifacts / "court-list.png", full_page=True)

    # The CSV: the same rows, ready for a spreadsheet.
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download this list (CSV)").click()
    download = waiting.value
    assert download.suggested_filename == "court-list-testbury-magistrates-court-2026-12-09.csv"
    saved = download.path()
    with open(saved, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [(row[1], row[7]) for row in rows[1:]] == [
        ("Fern Gale", ""),
        ("Cara Cole", "Complied"),
        ("Ines Dale", "In progress"),
        ("Wynn Eames", "Withdrawn or declined"),
    ]

    # Filter by status, with the filter form.
    page.get_by_label("Status").select_option(label="Complied")
    page.get_by_label("Show", exact=True).select_option(label="Returning cases only")
    page.get_by_role("button", name="Show the list").click()
    expect(heading).to_be_visible()
    assert returning_statuses(page) == ["Complied"]
    expect(page.locator("#first-appearances")).to_have_count(0)
    check_accessibility(page)

    # The date picker: Christmas Day is a bank holiday.
    page.get_by_label("Date").fill("2030-12-25")
    page.get_by_role("button", name="Show the list").click()
    expect(page.locator("#not-sitting")).to_contain_text(
        "does not sit on Wednesday 25 December 2030: it is a bank holiday."
    )
    page.locator("#not-sitting").get_by_role("link", name="Wednesday 8 January 2031").click()
    expect(
        page.get_by_role("heading", name="Court list for Wednesday 8 January 2031")
    ).to_be_visible()
    check_accessibility(page)

    # A client's page is not hers to open. (In a tab of its own: the browser logs the 403 as
    # a console error, which the page fixture would rightly count against any other page.)
    refused = page.context.new_page()
    logged: list[str] = []
    refused.on("console", lambda message: logged.append(message.text))
    response = refused.goto(site.at(f"/clients/{client.id}"))
    assert response is not None and response.status == 403
    expect(
        refused.get_by_role("heading", name="You do not have access to this page")
    ).to_be_visible()
    expect(refused.get_by_text(client.last_name)).to_have_count(0)
    check_accessibility(refused)
    assert [text for text in logged if "status of 403" not in text] == []
    refused.close()


def test_the_list_works_at_320px_and_prints_as_a_plain_list(
    page: Page, site: Site, artifacts: Path
) -> None:
    liaison, _ = seed(site)
    page.set_viewport_size(NARROW)
    sign_in(page, site, liaison)
    expect(
        page.get_by_role("heading", name="Court list for Wednesday 2 December 2026")
    ).to_be_visible()

    page.goto(site.at(f"/court/{site.court.id}/list?date={NEXT_WEDNESDAY.isoformat()}"))
    expect(
        page.get_by_role("heading", name="Court list for Wednesday 9 December 2026")
    ).to_be_visible()
    # The wide table stacks its rows, each cell under its heading: nothing scrolls sideways.
    assert scroll_width(page) <= NARROW["width"]
    check_accessibility(page)
    page.screenshot(path=artifacts / "court-list-320px.png", full_page=True)

    page.set_viewport_size({"width": 1024, "height": 768})
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Menu")).to_be_hidden()
    expect(page.locator("#filters")).to_be_hidden()
    expect(page.get_by_role("link", name="Download this list (CSV)")).to_be_hidden()
    expect(page.locator("#returning")).to_be_visible()
    # Column headings repeat on every printed page.
    display = page.locator("#returning thead").evaluate("(head) => getComputedStyle(head).display")
    assert display == "table-header-group"
    page.screenshot(path=artifacts / "court-list-print.png", full_page=True)
    page.pdf(path=str(artifacts / "court-list.pdf"), format="A4")
