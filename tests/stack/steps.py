"""Steps the stack's journeys share: from a client's page to both appointments booked.

The stack runs on the real clock, so dates come from today: the hearing is the last weekday
(not a bank holiday) on or before today, and the court, the venue and the worker are open
long enough every day for the booking to find slots whatever day the tests run.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import holidays
from playwright.sync_api import Page, expect

from diversion.formatting import LONDON
from tests.browser.axe import check_accessibility


def last_court_weekday(today: date | None = None) -> date:
    """The last weekday on or before today (London) that is not an English bank holiday."""
    day = today or datetime.now(UTC).astimezone(LONDON).date()
    bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=[day.year - 1, day.year])
    while day.weekday() > 4 or day in bank_holidays:
        day -= timedelta(days=1)
    return day


def fill_date(page: Page, group_name: str, day: date) -> None:
    group = page.get_by_role("group", name=group_name)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def open_case_record_outcome_and_book(page: Page, *, court: str) -> None:
    """On her client page: open a case at the last court day, accepted at court, book both."""
    page.get_by_role("link", name="Open a case").click()
    expect(page.get_by_role("heading", name="What started this case?")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Court diversion (extended bail)").click()
    expect(page.get_by_role("heading", name="Open a case")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Court", exact=True).select_option(label=court)
    court_day = last_court_weekday()
    fill_date(page, "First court date", court_day)
    page.get_by_role("button", name="Open case").click()
    if court_day < datetime.now(UTC).astimezone(LONDON).date():
        # A first court date in the past is questioned, then opens once confirmed.
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        check_accessibility(page)
        page.get_by_label("Yes, the court date has passed: open the case anyway").check()
        page.get_by_role("button", name="Open case").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Case CD-\d+"))).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Record the court outcome").click()
    expect(page.get_by_role("heading", name="Record the court outcome")).to_be_visible()
    check_accessibility(page)
    # The return date starts empty (it is the court's to set): take the date the app offers.
    page.get_by_role("link", name=re.compile(r"^Use .+ as the return date$")).click()
    expect(page.get_by_label("Offered and accepted")).to_be_checked()
    page.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_text("Court outcome saved.")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Book appointments").click()
    expect(page.get_by_role("heading", name="Book appointments")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Book appointments").click()
    expect(page.get_by_text("Appointments booked.")).to_be_visible()
    expect(page.locator("#appointments tbody tr")).to_have_count(2)
    check_accessibility(page)
