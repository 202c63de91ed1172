"""A worker's first morning: sign in, add a client, open her case, record the court outcome.

Every page on the way is checked with axe against WCAG 2.2 AA; the forms are the real ones,
CSRF tokens and all. Today is Wednesday 2 December 2026, court day (see conftest.NOW).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.axe import check_accessibility
from tests.browser.conftest import Site, enter_two_factor_code

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def fill_date(group: Locator, day: int, month: int, year: int) -> None:
    """Type a date into the three boxes of a GOV.UK date input."""
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def summary_value(page: Page, key: str) -> Locator:
    """The value beside a key in a summary list."""
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    )
    return row.locator("dd")


def sign_in(page: Page, site: Site) -> None:
    page.goto(site.at("/"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Email address").fill(site.worker.email)
    page.get_by_label("Password", exact=True).fill(site.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    check_accessibility(page)
    enter_two_factor_code(page, site, site.worker)


def scroll_width(page: Page) -> int:
    """How wide the page's content is: wider than the viewport means sideways scrolling."""
    return page.evaluate("() => document.documentElement.scrollWidth")


def focused_id(page: Page) -> str:
    return page.evaluate("() => document.activeElement ? document.activeElement.id : ''")


def tab_to(page: Page, element_id: str, *, most: int = 30) -> None:
    """Press Tab from the top of the page until the element has focus, as a keyboard user."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if focused_id(page) == element_id:
            return
    pytest.fail(f"#{element_id} was not reached in {most} presses of Tab")


def press_tab_and_expect_focus(page: Page, element_id: str) -> None:
    """The next Tab lands on this element: the form reads in a sensible order."""
    page.keyboard.press("Tab")
    assert focused_id(page) == element_id, f"Tab went to #{focused_id(page)}, not #{element_id}"


def test_a_worker_adds_a_client_opens_her_case_and_records_the_court_outcome(
    page: Page, site: Site, artifacts: Path
) -> None:
    sign_in(page, site)

    expect(page.get_by_role("heading", name="Your cases")).to_be_visible()
    expect(page.get_by_text("Today is Wednesday 2 December 2026.")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Add a client").click()
    expect(page.get_by_role("heading", name="Add a client")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("button", name="Save client").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link", name="Enter her first name")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter her last name")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter the date of birth")).to_be_visible()
    check_accessibility(page)

    page.get_by_label("First name").fill("Jade")
    page.get_by_label("Last name").fill("Marsh")
    page.get_by_label("Other names she is known by (optional)").fill("Jay")
    fill_date(page.get_by_role("group", name="Date of birth"), 14, 3, 1991)
    page.get_by_label("Mobile number (optional)").fill("07400 123456")
    page.get_by_label("She agrees to receive text message reminders").check()
    page.get_by_label("I have checked with her that this number is safe to text").check()
    page.get_by_role("button", name="Save client").click()

    expect(page.get_by_role("heading", name="Jade Marsh")).to_be_visible()
    expect(summary_value(page, "Also known as")).to_have_text("Jay")
    expect(summary_value(page, "Date of birth")).to_have_text("Thursday 14 March 1991")
    expect(summary_value(page, "Mobile")).to_have_text("07400 123456")
    expect(summary_value(page, "Texts")).to_contain_text("Agreed; number confirmed safe")
    check_accessibility(page)

    page.get_by_role("link", name="Open a case").click()
    expect(page.get_by_role("heading", name="What started this case?")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Court diversion (extended bail)").click()
    expect(page.get_by_role("heading", name="Open a case")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Court", exact=True).select_option(label=site.court.name)
    fill_date(page.get_by_role("group", name="First court date"), 2, 12, 2026)
    page.get_by_role("button", name="Open case").click()

    expect(page.get_by_role("heading", name=re.compile(r"^Case CD-\d+"))).to_be_visible()
    first_court_date = summary_value(page, "First court date")
    expect(first_court_date).to_have_text("Wednesday 2 December 2026 at 10:00")
    expect(summary_value(page, "Court")).to_have_text(site.court.name)
    expect(summary_value(page, "Allocated worker")).to_have_text(site.worker.name)
    check_accessibility(page)

    page.get_by_role("link", name="Record the court outcome").click()
    expect(page.get_by_role("heading", name="Record the court outcome")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Offered and accepted").check()
    return_date = page.get_by_role("group", name="Return date set by the court")
    # The court's date is for the worker to record: the suggestion is offered, never filled in.
    expect(return_date.get_by_label("Day")).to_have_value("")
    page.get_by_role("link", name=re.compile(r"^Use Wed 30 Dec 2026 as the return date$")).click()
    check_accessibility(page)
    return_date = page.get_by_role("group", name="Return date set by the court")
    expect(return_date.get_by_label("Day")).to_have_value("30")
    expect(return_date.get_by_label("Month")).to_have_value("12")
    expect(return_date.get_by_label("Year")).to_have_value("2026")
    page.get_by_role("button", name="Save outcome").click()

    expect(page.get_by_text("Court outcome saved.")).to_be_visible()
    expect(summary_value(page, "Court outcome")).to_have_text("Offered and accepted")
    expect(summary_value(page, "Return date")).to_have_text("Wednesday 30 December 2026 at 10:00")
    expect(summary_value(page, "Last appointment date")).to_have_text("Thursday 24 December 2026")
    expect(summary_value(page, "Report due")).to_have_text("Tuesday 29 December 2026, 12:00")
    check_accessibility(page)
    page.screenshot(path=artifacts / "case-page.png", full_page=True)

    # From "accepted at court" to the booking page: the earliest plan is chosen for her,
    # under the rules in plain words.
    page.get_by_role("link", name="Book appointments").click()
    expect(page.get_by_role("heading", name="Book appointments")).to_be_visible()
    rules = page.locator("#rules")
    expect(rules).to_contain_text("at least 2 days after the one before it")
    expect(rules).to_contain_text("on or before Thursday 24 December 2026")
    assessment = page.get_by_role("group", name=re.compile("^Comprehensive assessment"))
    expect(assessment.get_by_label(re.compile("Wednesday 2 December 2026, 14:00"))).to_be_checked()
    care_plan = page.get_by_role("group", name=re.compile("^Care-plan session"))
    expect(care_plan.get_by_label(re.compile("Friday 4 December 2026, 09:00"))).to_be_checked()
    check_accessibility(page)

    # She would rather come on Thursday the 10th, late morning: a day and time of her own.
    page.locator("#session-1-day").select_option(label="Thursday 10 December 2026")
    page.get_by_role("button", name="Show times for the comprehensive assessment").click()
    assessment.get_by_label(re.compile("Thursday 10 December 2026, 11:15")).check()
    # Booking before updating the care-plan times: Friday the 4th is now too early.
    page.get_by_role("button", name="Book appointments").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    problem = summary.get_by_role("link", name=re.compile("^Care-plan session must be at least"))
    expect(problem).to_be_visible()
    check_accessibility(page)
    problem.click()
    expect(page.locator("#session-2")).to_be_focused()
    # Nothing she chose is lost, and nothing she did not choose is chosen for her.
    expect(assessment.get_by_label(re.compile("Thursday 10 December 2026, 11:15"))).to_be_checked()
    expect(care_plan.locator("input:checked")).to_have_count(0)
    expect(care_plan.get_by_label(re.compile("Friday 4 December 2026"))).to_have_count(0)
    page.locator("#session-2-day").select_option(label="Tuesday 15 December 2026")
    page.get_by_role("button", name="Show times for the care-plan session").click()
    expect(assessment.get_by_label(re.compile("Thursday 10 December 2026, 11:15"))).to_be_checked()
    care_plan.get_by_label(re.compile("Tuesday 15 December 2026, 13:30")).check()
    check_accessibility(page)
    page.get_by_role("button", name="Book appointments").click()

    expect(page.get_by_text("Appointments booked.")).to_be_visible()
    case_url = page.url
    table = page.locator("#appointments")
    expect(table).to_contain_text("Thu 10 Dec 2026, 11:15")
    expect(table).to_contain_text("Tue 15 Dec 2026, 13:30")
    check_accessibility(page)

    page.get_by_role("link", name="Thu 10 Dec 2026, 11:15").click()
    expect(page.get_by_role("heading", name=re.compile("^Session 1"))).to_be_visible()
    check_accessibility(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Diary").click()
    expect(page.get_by_role("heading", name="Your diary")).to_be_visible()
    page.get_by_role("link", name="Next week").click()
    expect(page.get_by_role("link", name=re.compile("11:15.12:45"))).to_be_visible()
    check_accessibility(page)

    # The room is double-booked: the court is told a set wording, the reason stays in her file.
    page.goto(case_url)
    page.get_by_role("link", name="Thu 10 Dec 2026, 11:15").click()
    page.get_by_role("group", name="Who cancelled?").get_by_label("We cancelled").check()
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_role("link", name="Select what the court is told")).to_be_visible()
    told = page.get_by_role("group", name="What is the court told?")
    told.get_by_label("Rearranged by the project").check()
    page.get_by_label("Reason, in your words (optional)").fill("Room double-booked")
    check_accessibility(page)
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_text("Appointment cancelled.")).to_be_visible()
    table = page.locator("#appointments")
    expect(table).to_contain_text("Court is told: Rearranged by the project")
    expect(table).to_contain_text("For her file: Room double-booked")


def test_the_case_page_and_client_form_work_on_a_narrow_screen_by_keyboard_alone(
    page: Page, site: Site, artifacts: Path
) -> None:
    client = site.make.client(
        organisation=site.project, first_name="Jade", last_name="Marsh", aliases=("Jay",)
    )
    case = site.make.accepted_case(
        client=client,
        court=site.court,
        worker=site.worker,
        court_date=date(2026, 12, 2),
        return_date=date(2026, 12, 30),
    )
    page.set_viewport_size(NARROW)
    sign_in(page, site)
    expect(page.get_by_role("heading", name="Your cases")).to_be_visible()

    page.goto(site.at(f"/cases/{case.id}"))
    expect(summary_value(page, "Last appointment date")).to_have_text("Thursday 24 December 2026")
    assert scroll_width(page) <= NARROW["width"]
    check_accessibility(page)
    page.screenshot(path=artifacts / "case-page-320px.png", full_page=True)

    page.goto(site.at(f"/cases/{case.id}/book?session-1-day=2026-12-10"))
    expect(page.get_by_role("heading", name="Book appointments")).to_be_visible()
    assert scroll_width(page) <= NARROW["width"]
    check_accessibility(page)

    page.goto(site.at("/clients/new"))
    expect(page.get_by_role("heading", name="Add a client")).to_be_visible()
    assert scroll_width(page) <= NARROW["width"]
    check_accessibility(page)

    tab_to(page, "first_name")
    page.keyboard.type("Keira")
    for field, text in [
        ("last_name", "Stone"),
        ("aliases", "KJ"),
        ("date_of_birth-day", "2"),
        ("date_of_birth-month", "7"),
        ("date_of_birth-year", "1988"),
        ("mobile", "07400 123456"),
        ("text_name", "K"),
    ]:
        press_tab_and_expect_focus(page, field)
        page.keyboard.type(text)
    for checkbox in ("consent_to_texts", "safe_to_text"):
        press_tab_and_expect_focus(page, checkbox)
        page.keyboard.press("Space")
        expect(page.locator(f"#{checkbox}")).to_be_checked()
    # Her language for texts: Tab reaches the chosen answer ("Not known yet"); the arrow
    # keys choose Welsh. Then plainer wording, the safe days, and the safe hours.
    press_tab_and_expect_focus(page, "text_language-4")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#text_language-2")).to_be_checked()
    press_tab_and_expect_focus(page, "plain_wording")
    tab_to(page, "safe_from", most=10)
    page.keyboard.type("09:00")
    press_tab_and_expect_focus(page, "safe_until")
    page.keyboard.type("15:00")
    # For the project only: her housing and health, never shared with the court.
    press_tab_and_expect_focus(page, "housing")
    page.keyboard.type("Staying with a friend")
    press_tab_and_expect_focus(page, "health_notes")
    press_tab_and_expect_focus(page, "submit")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Keira Stone")).to_be_visible()
    expect(summary_value(page, "Date of birth")).to_have_text("Saturday 2 July 1988")
    expect(summary_value(page, "Texts")).to_contain_text("Agreed; number confirmed safe")
    expect(summary_value(page, "Language for texts")).to_have_text("Welsh")
    expect(summary_value(page, "Safe times for texts")).to_contain_text("09:00")
    assert scroll_width(page) <= NARROW["width"]
    check_accessibility(page)


def test_her_calendar_feed_address_is_shown_once_and_fits_a_narrow_screen(
    page: Page, site: Site
) -> None:
    page.set_viewport_size(NARROW)
    sign_in(page, site)
    # A request still loading from the page before can set the session cookie again without
    # the CSRF token that the feed page has just added (each response refreshes the cookie).
    page.wait_for_load_state("networkidle")
    page.goto(site.at("/calendar-feed"), wait_until="networkidle")
    expect(page.get_by_text("You have no calendar feed")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("button", name="Turn on the calendar feed").click()
    address = page.locator("#feed-url")
    expect(address).to_contain_text(site.app.config["PUBLIC_BASE_URL"] + "/calendar/")
    expect(page.get_by_text("You will not be shown this address again")).to_be_visible()
    assert scroll_width(page) <= NARROW["width"]  # the long address wraps
    check_accessibility(page)

    page.goto(site.at("/calendar-feed"))  # a later visit: the feed is on, the address gone
    expect(page.get_by_text("Your calendar feed is on")).to_be_visible()
    expect(page.locator("#feed-url")).to_have_count(0)
    expect(page.get_by_role("button", name="Make a new address")).to_be_visible()
    expect(page.get_by_role("button", name="Turn off the calendar feed")).to_be_visible()
    assert scroll_width(page) <= NARROW["width"]
    check_accessibility(page)
