"""The monitoring report in a real browser: a manager opens her organisation's figures,
changes the period (a wrong one first), downloads a table as CSV and reads the data-quality
lists; a commissioner lands on the partnership's figures. Every page is checked with axe.

The data set is the hand-counted one of tests/diversion/monitoring/seeded.py (the first
half of 2026).
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from diversion.models import Role
from tests.browser.axe import check_accessibility
from tests.browser.conftest import Site
from tests.browser.test_order_journeys import sign_in_as
from tests.browser.test_worker_journey import fill_date
from tests.conftest import World
from tests.diversion.monitoring.seeded import seed

pytestmark = pytest.mark.browser


def seeded_world(site: Site) -> World:
    make = site.make
    other = make.organisation(name="Elsewhere Test Project")
    world = World(
        project=site.project,
        other_project=other,
        worker=site.worker,
        other_worker=make.user(organisation=other),
        colleague=site.worker,
        manager=make.user(
            organisation=site.project,
            role=Role.MANAGER,
            name="Mina Manager",
            email="mina.manager@example.test",
        ),
        admin=site.worker,
        liaison=site.worker,
        cps=site.worker,
        court=site.court,
        other_org_worker=site.worker,
    )
    seed(make, world)
    return world


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)
    check_accessibility(page)


def test_a_manager_reads_changes_and_downloads_her_figures_and_a_commissioner_the_partnerships(
    page: Page, site: Site
) -> None:
    world = seeded_world(site)
    sign_in_as(page, site, world.manager)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Monitoring").click()
    heading(page, "Monitoring: Riverside Diversion Project")
    # The last 12 months to today (the browser tests' 2 December 2026).
    expect(page.locator("#period-shown")).to_have_text("3 December 2025 to 2 December 2026")
    expect(page.locator("svg[role=img]").first).to_be_visible()

    # An end before the start is refused, saying so.
    period = page.locator("#period")
    fill_date(period.get_by_role("group", name="From"), 30, 6, 2026)
    fill_date(period.get_by_role("group", name="To"), 1, 1, 2026)
    page.get_by_role("button", name="Show the figures").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "End date must be on or after the start date"
    )
    check_accessibility(page)

    fill_date(period.get_by_role("group", name="From"), 1, 1, 2026)
    fill_date(period.get_by_role("group", name="To"), 30, 6, 2026)
    page.get_by_role("button", name="Show the figures").click()
    expect(page.locator("#period-shown")).to_have_text("1 January 2026 to 30 June 2026")
    check_accessibility(page)
    table = page.locator("#table-referrals-by-order")
    court = table.get_by_role("row", name=re.compile("^Court diversion"))
    expect(court.get_by_role("cell").first).to_have_text("7")  # accepted, by hand
    expect(page.locator("#texts-verdict")).to_be_visible()

    with page.expect_download() as waiting:
        page.locator("#referrals-by-order-csv").click()
    download = waiting.value
    assert download.suggested_filename == (
        "monitoring-organisation-referrals-by-order-2026-01-01-to-2026-06-30.csv"
    )
    path = download.path()
    assert path is not None
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0][:6] == [
        "Order",
        "Accepted",
        "Declined",
        "Not eligible",
        "No decision recorded",
        "Referrals",
    ]
    court_row = next(row for row in rows if row and row[0] == "Court diversion (extended bail)")
    assert court_row[1] == "7" and "fewer than 5" in court_row

    page.get_by_role("navigation", name="Monitoring pages").get_by_role(
        "link", name="Data quality"
    ).click()
    heading(page, "Data quality: texts")

    commissioner = site.make.user(
        organisation=site.project,
        role=Role.COMMISSIONER,
        name="Cora Commissioner",
        email="cora.commissioner@example.test",
    )
    sign_in_as(page, site, commissioner)
    heading(page, "Monitoring: the partnership")
    fill_date(page.get_by_role("group", name="From"), 1, 1, 2026)
    fill_date(page.get_by_role("group", name="To"), 30, 6, 2026)
    page.get_by_role("button", name="Show the figures").click()
    expect(page.locator("#period-shown")).to_contain_text("1 January 2026 to 30 June 2026")
    check_accessibility(page)
    organisations = page.locator("#table-referrals-by-organisation tbody th")
    expect(organisations).to_have_text(
        ["Elsewhere Test Project", "Riverside Diversion Project", "Total"]
    )
    expect(page.get_by_role("link", name="Data quality")).to_have_count(0)
