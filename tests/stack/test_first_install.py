"""docs/deploy.md section 11 on the production stack: from an empty install to the first
booked appointment, over HTTPS, with nothing seeded behind the service's back.

`flask --app wsgi create-admin` (production settings) prints the first administrator's link;
she sets up her password and two-factor, adds the court, the venue and a worker; the worker's
set-up link travels by SMTP with STARTTLS to the stack's mail server; the administrator sets
the worker's hours; the worker sets up on her phone, adds a client, opens her case, records
the outcome and books both appointments. axe checks every page on the way.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from datetime import date
from email.message import Message

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from diversion.models import OrganisationKind, User
from tests.browser.axe import check_accessibility
from tests.stack.conftest import Stack
from tests.stack.steps import fill_date, open_case_record_outcome_and_book

pytestmark = pytest.mark.browser

PROJECT = "Harbour Diversion Project"
ADMIN_PASSWORD = "kettles hum behind the lighthouse door"
WORKER_PASSWORD = "seven copper gulls above the quay"
LINK = re.compile(r"https://127\.0\.0\.1:\d+(/invitation\?token=[A-Za-z0-9_\-]+)")
NARROW = {"width": 320, "height": 640}


def set_up(page: Page, path: str, stack: Stack, password: str) -> None:
    """Open a set-up link, choose a password, enrol an authenticator, keep the recovery codes."""
    page.goto(stack.at(path))
    expect(page.get_by_role("heading", name="Set up your account")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Choose a password").fill(password)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    check_accessibility(page)
    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="I have saved these codes").click()
    expect(page.get_by_role("navigation", name="Menu")).to_be_visible()
    check_accessibility(page)


def received_mail(stack: Stack) -> list[Message]:
    box = mailbox.Maildir(str(stack.maildir), create=False)
    return list(box)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """The worker's own phone: another browser, 320 pixels wide."""
    context = browser.new_context(
        locale="en-GB", timezone_id="Europe/London", viewport=NARROW, ignore_https_errors=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_from_an_empty_install_to_the_first_booked_appointment(
    stack: Stack, page: Page, phone: Page
) -> None:
    made = stack.flask(
        "create-admin",
        "gail.admin@example.org",
        *("--name", "Gail Admin", "--organisation", PROJECT, "--kind", "project"),
    )
    assert made.returncode == 0, made.stderr
    found = LINK.search(made.stdout)
    assert found, "create-admin printed no https set-up link"
    again = stack.flask("create-admin", "second.admin@example.org")
    assert again.returncode != 0 and "administrator" in (again.stdout + again.stderr)

    # The first administrator sets herself up.
    set_up(page, found.group(1), stack, ADMIN_PASSWORD)

    # The court, with its sitting days and where reports go.
    page.goto(stack.at("/admin/courts/new"))
    expect(page.get_by_role("heading", name=re.compile("court", re.I)).first).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Name", exact=True).fill("Eastbury Magistrates' Court")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        page.get_by_label(day, exact=True).check()
    page.locator("#report_lead_working_days").fill("2")
    page.locator("#report_due_time").fill("12:00")
    page.get_by_label("Court email address (optional)").fill("court@example.org")
    page.get_by_label("CPS email address (optional)").fill("cps@example.org")
    page.get_by_role("button", name="Save court").click()
    expect(page.get_by_text("Eastbury Magistrates' Court").first).to_be_visible()
    check_accessibility(page)

    # The venue, open every day so that the test books whatever day it runs.
    page.goto(stack.at("/admin/venues/new"))
    check_accessibility(page)
    page.get_by_label("Organisation").select_option(label=PROJECT)
    page.get_by_label("Name", exact=True).fill("Harbour office")
    page.get_by_label("Name for text messages").fill("Quay Street office")
    page.get_by_label("Address").fill("1 Quay Street")
    for day in range(7):
        page.locator(f"#opens_{day}").fill("07:00")
        page.locator(f"#closes_{day}").fill("21:00")
    page.get_by_role("button", name="Save venue").click()
    expect(page.get_by_text("Harbour office").first).to_be_visible()
    check_accessibility(page)

    # A worker: her set-up link goes by email, over STARTTLS, to the stack's mail server.
    page.goto(stack.at("/admin/users/new"))
    expect(page.get_by_role("heading", name="Add a user")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Full name").fill("Hana Worker")
    page.get_by_label("Email address").fill("hana.worker@example.org")
    page.get_by_label("Diversion worker").check()
    page.get_by_label("Organisation").select_option(
        label=f"{PROJECT} ({OrganisationKind.PROJECT.label})"
    )
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("We have emailed them a set-up link")).to_be_visible()
    check_accessibility(page)
    (mail,) = received_mail(stack)
    assert mail["To"] == "hana.worker@example.org"
    body = mail.get_payload(decode=True) if not mail.is_multipart() else None
    text = (body or b"").decode() if body else str(mail)
    link = LINK.search(text)
    assert link, "the invitation mail holds no set-up link"
    worker = stack.make.session.scalars(
        select(User).where(User.email == "hana.worker@example.org")
    ).one()
    worker_id = worker.id

    # Her working hours, every day, so the test books whatever day it runs.
    page.goto(stack.at(f"/availability/workers/{worker_id}"))
    check_accessibility(page)
    for day in range(7):
        page.locator(f"#d{day}_start").fill("07:00")
        page.locator(f"#d{day}_end").fill("21:00")
    page.get_by_role("button", name="Save working pattern").click()
    expect(page.get_by_text("Working pattern saved.")).to_be_visible()
    check_accessibility(page)

    # The worker sets up on her phone and books the first appointments.
    set_up(phone, link.group(1), stack, WORKER_PASSWORD)
    phone.goto(stack.at("/clients/new"))
    expect(phone.get_by_role("heading", name="Add a client")).to_be_visible()
    check_accessibility(phone)
    phone.get_by_label("First name").fill("Rhea")
    phone.get_by_label("Last name").fill("Stanton")
    fill_date(phone, "Date of birth", date(1992, 5, 17))
    phone.get_by_role("button", name="Save client").click()
    expect(phone.get_by_role("heading", name="Rhea Stanton")).to_be_visible()
    check_accessibility(phone)

    open_case_record_outcome_and_book(phone, court="Eastbury Magistrates' Court")
