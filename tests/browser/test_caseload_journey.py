"""The caseload check in a real browser, on the demo's own data: a project worker types the
names the way she heard them, and finds the women the CJIT holds, with only whom to ask.

The demo plants, at Southbank CJIT, "Marnie Testwood-Hale" (born 4 Dec 1991) and "Elizabeth
Mockridge" (also "Beth Amberley", born 8 Mar 1979). Every page is checked with axe.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from devtools.demo import DEMO_PASSWORD, load_demo
from diversion.db import db
from diversion.models import Client, Organisation, OrganisationKind, User
from tests.browser.axe import check_accessibility
from tests.browser.conftest import Site, enter_two_factor_code
from tests.browser.test_order_journeys import sign_in_as
from tests.browser.test_worker_journey import fill_date

pytestmark = pytest.mark.browser

BORN = date(1991, 12, 4)

CJIT_CONTACT = "Southbank CJIT: contact the CJIT duty desk (Dee Demo-CJIT), 020 7946 0002"
# What the CJIT's file says and the project must not see: her name as they spell it, her
# date of birth, her other name.
THEIRS = ("Testwood-Hale", "Amberley", "4 Dec 1991", "8 Mar 1979", "1991-12-04", "1979-03-08")


def demo_worker(site: Site) -> User:
    with site.app.app_context():
        load_demo()
        db.session.commit()
        user = db.session.scalar(select(User).where(User.email == "worker@example.org"))
        assert user is not None
        db.session.expunge(user)
        return user


def clients(site: Site) -> int:
    with site.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Client)) or 0


def sign_in(page: Page, site: Site, user: User) -> None:
    page.goto(site.at("/"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_two_factor_code(page, site, user)
    expect(page.get_by_role("navigation", name="Menu")).to_be_visible()
    check_accessibility(page)


def search(page: Page, words: str, born: tuple[int, int, int] | None = None) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()
    page.get_by_label("Name, alias or mobile number").fill(words)
    if born:
        fill_date(page.get_by_role("group", name="Date of birth"), *born)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="Across the partnership")).to_be_visible()
    check_accessibility(page)


def shows_only_whom_to_ask(page: Page, site: Site) -> None:
    known = page.locator("#known-elsewhere")
    expect(known).to_contain_text("She may be known to another organisation of the partnership")
    expect(known).to_contain_text(CJIT_CONTACT)
    main = page.locator("main").inner_html()
    for theirs in THEIRS:
        assert theirs not in main, theirs
    with site.app.app_context():
        held = db.session.scalars(
            select(Client.id).join(Organisation).where(Organisation.name == "Southbank CJIT")
        ).all()
    assert held
    for client_id in held:
        assert f'href="/clients/{client_id}"' not in main


def test_the_demo_s_women_at_the_cjit_are_found_from_the_project_with_only_whom_to_ask(
    page: Page, site: Site
) -> None:
    worker = demo_worker(site)
    sign_in(page, site, worker)

    # Misspelt first and last name, as heard at the custody suite.
    search(page, "Marney Testwod")
    shows_only_whom_to_ask(page, site)

    # A nickname with her surname, and her birthday with day and month swapped.
    search(page, "Beth Mockridge", (3, 8, 1979))
    shows_only_whom_to_ask(page, site)

    # Adding her as new asks first, and saves nothing.
    before = clients(site)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Add a client").click()
    expect(page.get_by_role("heading", name="Add a client")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("First name").fill("Marnie")
    page.get_by_label("Last name").fill("Testwood")
    fill_date(page.get_by_role("group", name="Date of birth"), 4, 12, 1991)
    page.get_by_role("button", name="Save client").click()
    shows_only_whom_to_ask(page, site)
    check_accessibility(page)
    assert clients(site) == before


def test_a_transfer_from_the_cjit_to_the_project_end_to_end(page: Page, site: Site) -> None:
    """The project cannot open a second file for a woman the CJIT holds an open case for: it
    asks for her, the CJIT accepts, and her record moves with its history."""
    make = site.make
    cjit = make.organisation(
        name="Testbury CJIT", kind=OrganisationKind.CJIT, phone="020 7946 0999"
    )
    assessor = make.user(organisation=cjit, name="Carla Assessor", email="carla@example.test")
    held = make.client(
        organisation=cjit, first_name="Marnie", last_name="Testwood", date_of_birth=BORN
    )
    case = make.case(client=held, court=site.court, worker=assessor)

    sign_in_as(page, site, site.worker)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Add a client").click()
    page.get_by_label("First name").fill("Marnie")
    page.get_by_label("Last name").fill("Testwood")
    fill_date(page.get_by_role("group", name="Date of birth"), BORN.day, BORN.month, BORN.year)
    page.get_by_role("button", name="Save client").click()
    expect(page.locator("#known-elsewhere")).to_contain_text("Testbury CJIT")
    check_accessibility(page)
    # Even as "a different person", the CJIT's open case holds her file.
    page.get_by_label("She is a different person: add her as a new client").check()
    page.get_by_role("button", name="Save client").click()
    expect(page.locator("#held-elsewhere")).to_contain_text(
        "Testbury CJIT has an open case for her and holds her file. Call them on 020 7946 0999"
    )
    check_accessibility(page)
    page.get_by_role("link", name="Ask Testbury CJIT to transfer her").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Why should she move to your organisation?").fill(
        "She lives near the project and asked to see us."
    )
    page.get_by_role("button", name="Ask for the transfer").click()
    expect(
        page.get_by_text("Transfer asked for. Testbury CJIT will accept or decline it.")
    ).to_be_visible()
    check_accessibility(page)

    # The CJIT: the request waits in its menu; it accepts.
    sign_in_as(page, site, assessor)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Transfers").click()
    expect(page.get_by_role("heading", name="Transfers")).to_be_visible()
    expect(page.get_by_text("She lives near the project and asked to see us.")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Accept the transfer of Marnie Testwood").click()
    check_accessibility(page)
    # Her file has gone from the CJIT (asked with the browser's own session and cookies).
    assert page.request.get(site.at(f"/clients/{held.id}")).status == 404

    # The project holds her file now, with her case.
    sign_in_as(page, site, site.worker)
    page.goto(site.at(f"/clients/{held.id}"))
    expect(page.get_by_role("heading", name="Marnie Testwood")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(case.reference or "CD-"))).to_be_visible()
    check_accessibility(page)
