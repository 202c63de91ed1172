"""A newcomer's first sign-in: an administrator adds her (no password typed), the set-up email
arrives, and on a narrow phone screen she opens the link, chooses her password, sets up
two-factor and lands signed in. Every page on the way is checked with axe (WCAG 2.2 AA)."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from diversion.models import Role, User
from tests.browser.axe import check_accessibility
from tests.browser.conftest import Site, enter_two_factor_code
from tests.diversion.accounts.test_invitations import link_path, written_mail

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
HER_PASSWORD = "lanterns over the quiet harbour"
LINK = "/invitation?token="


def fits(page: Page) -> None:
    """Nothing on the page makes a 320-pixel screen scroll sideways."""
    assert page.evaluate("() => document.documentElement.scrollWidth") <= NARROW["width"]


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """Her own phone: another browser, 320 pixels wide, failing on any script error."""
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London", viewport=NARROW)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []
    # The used link's page answers 404 on purpose, which Chromium reports as a failed load;
    # any other error fails the test.
    tab.on(
        "console",
        lambda m: (
            problems.append(f"{tab.url}: {m.text}")
            if m.type == "error" and not (LINK in tab.url and "status of 404" in m.text)
            else None
        ),
    )
    tab.on("pageerror", lambda error: problems.append(str(error)))
    yield tab
    context.close()
    assert not problems, problems


def test_a_newcomer_accepts_her_invitation_and_sets_up_two_factor(
    page: Page, phone: Page, site: Site
) -> None:
    admin = site.make.user(
        organisation=site.project, role=Role.ADMIN, name="Gail Admin", email="gail@example.test"
    )
    page.goto(site.at("/sign-in"))
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password", exact=True).fill(site.password)
    page.get_by_role("button", name="Sign in").click()
    enter_two_factor_code(page, site, admin)

    page.goto(site.at("/admin/users/new"))
    expect(page.get_by_role("heading", name="Add a user")).to_be_visible()
    expect(page.locator("input[type=password]")).to_have_count(0)
    check_accessibility(page)
    page.get_by_label("Full name").fill("Nadia Newcomer")
    page.get_by_label("Email address").fill("nadia.newcomer@example.org")
    page.get_by_label("Diversion worker").check()
    page.get_by_label("Organisation").select_option(
        label=f"{site.project.name} ({site.project.kind.label})"
    )
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("We have emailed them a set-up link")).to_be_visible()
    check_accessibility(page)

    (mail,) = written_mail(site.app)
    assert mail["To"] == "nadia.newcomer@example.org"
    site.make.session.expire_all()
    newcomer = site.make.session.query(User).filter_by(email="nadia.newcomer@example.org").one()

    phone.goto(site.at(link_path(mail)))
    expect(phone.get_by_role("heading", name="Set up your account")).to_be_visible()
    check_accessibility(phone)
    fits(phone)
    phone.get_by_label("Choose a password").fill("password1234")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("heading", name="There is a problem")).to_be_visible()
    check_accessibility(phone)
    phone.get_by_label("Choose a password").fill(HER_PASSWORD)
    phone.get_by_role("button", name="Continue").click()

    expect(phone.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    check_accessibility(phone)
    fits(phone)
    secret = phone.locator("#secret-key").inner_text().replace(" ", "")
    phone.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
    phone.get_by_role("button", name="Continue").click()

    expect(phone.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    check_accessibility(phone)
    fits(phone)
    phone.get_by_role("button", name="I have saved these codes").click()
    expect(phone.get_by_role("heading", name="Your cases")).to_be_visible()
    check_accessibility(phone)

    # The link has done its work: opened again, it says so.
    phone.goto(site.at(link_path(mail)))
    expect(
        phone.get_by_role("heading", name="This link has expired or has already been used")
    ).to_be_visible()
    check_accessibility(phone)
    fits(phone)
    site.make.session.expire_all()
    assert site.make.session.get(User, newcomer.id).totp_confirmed_at is not None
