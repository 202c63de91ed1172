"""The three orders that start away from court, each end to end in a real browser: open the
case from the event that starts it, book, attend, lapse or miss, then the compliance and the
report that order takes. (Court diversion's journey is test_worker_journey.py.)

Every page on the way is checked with axe against WCAG 2.2 AA. The app's clock starts at
Wednesday 2 December 2026, 11:50 (conftest.NOW) and is moved on, as the days pass, with
``clock``; a move of more than half an hour ends the browser's session, so each step after one
signs in again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time

import pytest
import time_machine
from playwright.sync_api import Page, expect

from diversion.models import Client, Organisation, OrganisationKind, User, WorkingPeriod
from tests.browser.axe import check_accessibility
from tests.browser.conftest import NOW, Site, enter_two_factor_code
from tests.browser.test_worker_journey import fill_date, summary_value

pytestmark = pytest.mark.browser

MoveClock = Callable[[datetime], None]
CJIT_CHOICE = "Eastside CJIT (Criminal Justice Integrated Team)"


@dataclass
class Cjit:
    """The partner agency: a CJIT with an assessor who works weekdays, and its office."""

    organisation: Organisation
    assessor: User


@pytest.fixture
def clock(frozen_time: None) -> Iterator[MoveClock]:
    """Move the app's clock to a given instant (it ticks on from there)."""
    traveller = time_machine.travel(NOW, tick=True)
    coordinates = traveller.start()
    yield lambda when: coordinates.move_to(when, tick=True)
    traveller.stop()


@pytest.fixture
def cjit(site: Site) -> Cjit:
    make = site.make
    organisation = make.organisation(name="Eastside CJIT", kind=OrganisationKind.CJIT)
    assessor = make.user(
        organisation=organisation, name="Carla Assessor", email="carla.assessor@example.test"
    )
    for weekday in range(5):
        make.session.add(
            WorkingPeriod(user_id=assessor.id, weekday=weekday, starts=time(9), ends=time(17))
        )
    make.session.commit()
    make.venue(organisation=organisation, name="Eastside CJIT office")
    return Cjit(organisation=organisation, assessor=assessor)


def london(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    """An instant in December 2026 or January 2027 (London is on GMT then)."""
    year = 2026 if month == 12 else 2027
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- steps ---------------------------------------------------------------------------------


def visit(page: Page, heading: str | re.Pattern[str]) -> None:
    """The page has arrived (its heading shows) and passes axe."""
    expect(
        page.get_by_role("heading", name=heading, exact=isinstance(heading, str))
    ).to_be_visible()
    check_accessibility(page)


def sign_in_as(page: Page, site: Site, user: User) -> None:
    """Sign in afresh as this user (whoever was signed in before, or however long ago)."""
    page.context.clear_cookies()
    page.goto(site.at("/"))
    visit(page, "Sign in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(site.password)
    page.get_by_role("button", name="Sign in").click()
    visit(page, "Enter your code")
    enter_two_factor_code(page, site, user)
    expect(page.get_by_role("navigation", name="Menu")).to_be_visible()


def menu(page: Page, item: str, heading: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=item).click()
    visit(page, heading)


def open_a_case(page: Page, site: Site, client: Client, order: str) -> None:
    """From her client page: Open a case, then the order, by the event that started it."""
    page.goto(site.at(f"/clients/{client.id}"))
    visit(page, client.full_name)
    page.get_by_role("link", name="Open a case").click()
    visit(page, "What started this case?")
    page.locator("#orders").get_by_role("link", name=order).click()
    visit(page, order)


def submit_case(page: Page) -> str:
    """Open the case as filled in; return its case page's address."""
    page.get_by_role("button", name="Open case").click()
    expect(page.get_by_text(re.compile(r"Case [A-Z]+-\d+ opened\."))).to_be_visible()
    visit(page, re.compile(r"^Case [A-Z]+-\d+"))
    return page.url


def book_the_times_offered(page: Page, case_url: str, *times: str) -> None:
    """From the case page, book the earliest times offered, which are the ones expected."""
    page.goto(case_url)
    page.get_by_role("link", name=re.compile("^Book")).click()
    visit(page, "Book appointments")
    for when in times:
        expect(page.get_by_label(re.compile(re.escape(when)))).to_be_checked()
    page.get_by_role("button", name="Book appointments").click()
    expect(page.get_by_text("Appointments booked.")).to_be_visible()
    check_accessibility(page)


def mark_attendance(page: Page, when: str, *, attended: bool, wording: str = "") -> None:
    """On the page that lists the appointment (her case, or Shared with us), open it and
    record whether she came."""
    page.get_by_role("link", name=when).click()
    visit(page, re.compile(r"^Session \d"))
    if attended:
        page.get_by_label("Yes, she attended").check()
    else:
        page.get_by_label("No, she did not attend").check()
        page.get_by_role("group", name=re.compile("what is the court told")).get_by_label(
            wording
        ).check()
    check_accessibility(page)
    page.get_by_role("button", name="Save attendance").click()
    expect(
        page.get_by_text("Attendance saved." if attended else "Recorded as did not attend.")
    ).to_be_visible()


def see_the_report(
    page: Page, case_url: str, *, title: str, status: str, goes_to: tuple[str, ...]
) -> None:
    """From the case page to its report page: her compliance now, who the order's report goes
    to, and the preview, under the order's own title."""
    page.goto(case_url)
    page.get_by_role("link", name="Compliance report").click()
    visit(page, "Compliance report")
    expect(page.locator("#status-now")).to_have_text(status)
    expect(page.locator("#goes-to li")).to_have_count(len(goes_to))
    for recipient in goes_to:
        expect(page.locator("#goes-to")).to_contain_text(recipient)
    preview = page.frame_locator("#preview")
    expect(preview.get_by_role("heading", level=1)).to_have_text(title)


# --- the journeys --------------------------------------------------------------------------


def test_a_required_assessment_from_a_positive_test_to_its_attendance_record(
    page: Page, site: Site, cjit: Cjit, clock: MoveClock
) -> None:
    her = site.make.client(organisation=site.project, first_name="Lena", last_name="Okafor")
    sign_in_as(page, site, site.worker)
    open_a_case(page, site, her, "Required Assessment (DIP)")
    fill_date(page.get_by_role("group", name="Date of the positive test"), 30, 11, 2026)
    page.get_by_label("Partner agency").select_option(label=CJIT_CHOICE)
    page.get_by_label("Positive for both").check()
    case_url = submit_case(page)
    expect(summary_value(page, "Partner agency")).to_have_text("Eastside CJIT")
    expect(page.locator("#window-start")).to_have_text("Monday 30 November 2026")
    expect(page.locator("#return-date")).to_have_text("Monday 28 December 2026")

    # The initial assessment is the CJIT's: booked with its assessor, at its office.
    book_the_times_offered(page, case_url, "Wednesday 2 December 2026, 14:00 with Carla Assessor")
    expect(page.locator("#appointments")).to_contain_text("Wed 2 Dec 2026, 14:00")

    # After the assessment: the CJIT's assessor records that she came, from her own agency's
    # list of shared cases, and that the follow-up is not needed.
    clock(london(2, 12, 15, 45))
    sign_in_as(page, site, cjit.assessor)
    menu(page, "Shared", "Shared with us")
    shared = page.locator("#shared-cases")
    expect(shared).to_contain_text("Lena Okafor")
    mark_attendance(page, "Wed 2 Dec 2026, 14:00", attended=True)
    visit(page, "Shared with us")
    expect(shared).to_contain_text("Wed 2 Dec 2026, 14:00 (attended)")
    shared.get_by_role("link", name="Record that the follow-up assessment is not needed").click()
    visit(page, "Follow-up assessment is not needed")
    page.get_by_role("button", name="Record as not needed").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("link", name="Say why the session is not needed")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Why is it not needed?").fill("Already in treatment with her GP")
    page.get_by_role("button", name="Record as not needed").click()
    expect(page.get_by_text("Recorded as not needed")).to_be_visible()
    visit(page, "Shared with us")
    expect(shared).not_to_contain_text("is not needed")

    # Her own worker sees the follow-up lapsed, nothing left to book, and the report.
    sign_in_as(page, site, site.worker)
    page.goto(case_url)
    visit(page, re.compile(r"^Case RA-"))
    expect(page.locator("#lapsed-2")).to_contain_text(
        "Follow-up assessment: not needed, recorded by Carla Assessor"
    )
    expect(page.locator("#book-appointments")).to_have_count(0)
    see_the_report(
        page,
        case_url,
        title="Attendance record: Required Assessment",
        status="Complied (1 of 1 attended)",
        goes_to=("The police",),
    )


def test_a_conditional_caution_waits_for_both_agencies_then_its_one_session_complies(
    page: Page, site: Site, cjit: Cjit, clock: MoveClock
) -> None:
    her = site.make.client(organisation=site.project, first_name="Mina", last_name="Duarte")
    sign_in_as(page, site, site.worker)
    open_a_case(page, site, her, "Conditional caution (DIP condition)")
    expect(page.locator("#agreement-needed")).to_be_visible()
    fill_date(page.get_by_role("group", name="Date of the caution"), 30, 11, 2026)
    fill_date(page.get_by_role("group", name="Deadline"), 18, 12, 2026)
    page.get_by_label("1 session", exact=True).check()
    page.get_by_label("Partner agency").select_option(label=CJIT_CHOICE)
    case_url = submit_case(page)
    expect(page.locator("h1 .govuk-tag")).to_have_text("Awaiting agreement")
    expect(page.locator("#sessions-set")).to_have_text("1")
    expect(page.locator("#return-date")).to_have_text("Friday 18 December 2026")

    # Nothing can be booked until both agencies have agreed: the project first.
    expect(page.get_by_role("link", name=re.compile("^Book"))).to_have_count(0)
    page.goto(case_url + "/book")
    visit(page, "Book appointments")
    expect(
        page.get_by_text(re.compile("both the CJIT and the project have agreed"))
    ).to_be_visible()
    page.goto(case_url)
    page.get_by_role("button", name="Record our agreement").click()
    expect(
        page.get_by_text("Your agreement is recorded. The other agency must agree too.")
    ).to_be_visible()
    check_accessibility(page)
    expect(page.locator("#agreements")).to_contain_text("Riverside Diversion Project agreed")
    expect(page.locator("h1 .govuk-tag")).to_have_text("Awaiting agreement")
    expect(page.get_by_role("button", name="Record our agreement")).to_have_count(0)

    # Then the CJIT, from the cases shared with it.
    clock(london(2, 12, 12, 30))
    sign_in_as(page, site, cjit.assessor)
    menu(page, "Shared", "Shared with us")
    expect(page.locator("#shared-cases")).to_contain_text("Awaiting agreement, 1 session")
    page.get_by_role("button", name="Record our agreement").click()
    expect(
        page.get_by_text("Both agencies have agreed: her sessions can now be booked.")
    ).to_be_visible()
    visit(page, "Shared with us")

    # Now her worker books the one session, and records that she came.
    clock(london(2, 12, 13, 0))
    sign_in_as(page, site, site.worker)
    page.goto(case_url)
    visit(page, re.compile(r"^Case CC-"))
    expect(page.locator("h1 .govuk-tag")).to_have_text("On scheme")
    book_the_times_offered(page, case_url, "Wednesday 2 December 2026, 15:15 with Wendy Worker")
    expect(page.locator("#appointments")).to_contain_text("Wed 2 Dec 2026, 15:15")

    clock(london(2, 12, 16, 50))
    sign_in_as(page, site, site.worker)
    page.goto(case_url)
    mark_attendance(page, "Wed 2 Dec 2026, 15:15", attended=True)
    visit(page, re.compile(r"^Case CC-"))
    expect(page.locator("#appointments")).to_contain_text("Attended")
    expect(page.get_by_role("link", name=re.compile("^Book"))).to_have_count(0)
    see_the_report(
        page,
        case_url,
        title="Compliance report: Conditional caution (DIP condition)",
        status="Complied (1 of 1 attended)",
        goes_to=("The CPS", "The police"),
    )


def test_an_engagement_and_support_order_three_meetings_with_its_supervisor_one_missed(
    page: Page, site: Site, clock: MoveClock
) -> None:
    her = site.make.client(organisation=site.project, first_name="Rhea", last_name="Kowalczyk")
    sign_in_as(page, site, site.worker)
    open_a_case(page, site, her, "Engagement and support order")
    fill_date(page.get_by_role("group", name="Date of the order"), 2, 12, 2026)
    end_date = page.get_by_role("group", name="Date the order sets")
    # More than six months away (Friday 4 June 2027) is refused, with the latest allowed.
    fill_date(end_date, 4, 6, 2027)
    expect(page.get_by_label("Supervisor named in the order")).to_have_value(str(site.worker.id))
    page.get_by_role("button", name="Open case").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    refused = (
        "The date the order sets must be at most 6 months after the date of the order: "
        "Wed 2 Jun 2027 or earlier"
    )
    expect(page.get_by_role("link", name=refused)).to_be_visible()
    check_accessibility(page)
    # A Friday inside it is accepted: the order's end need not be a court sitting day.
    fill_date(end_date, 8, 1, 2027)
    case_url = submit_case(page)
    expect(page.locator("#return-date")).to_have_text("Friday 8 January 2027")
    expect(summary_value(page, "Allocated worker")).to_have_text(site.worker.name)

    # Three meetings a week apart, all with her: the first offered is taken for each.
    book_the_times_offered(
        page,
        case_url,
        "Wednesday 2 December 2026, 14:00 with Wendy Worker",
        "Wednesday 9 December 2026, 09:00 with Wendy Worker",
        "Wednesday 16 December 2026, 09:00 with Wendy Worker",
    )
    meetings = page.locator("#appointments")
    expect(meetings).to_contain_text("Wed 16 Dec 2026, 09:00")

    # She comes to the first, misses the second without a word, comes to the third.
    clock(london(2, 12, 15, 30))
    sign_in_as(page, site, site.worker)
    page.goto(case_url)
    mark_attendance(page, "Wed 2 Dec 2026, 14:00", attended=True)
    clock(london(9, 12, 10, 30))
    sign_in_as(page, site, site.worker)
    page.goto(case_url)
    mark_attendance(page, "Wed 9 Dec 2026, 09:00", attended=False, wording="No reason given")
    visit(page, re.compile(r"^Case ESO-"))
    expect(meetings).to_contain_text("Court is told: No reason given")
    clock(london(16, 12, 10, 30))
    sign_in_as(page, site, site.worker)
    page.goto(case_url)
    mark_attendance(page, "Wed 16 Dec 2026, 09:00", attended=True)

    # After the last date a meeting could be held (Wednesday 6 January, two working days
    # before the order's end), she has not complied: the supervisor's notice says so.
    clock(london(11, 1, 10, 0))
    sign_in_as(page, site, site.worker)
    page.goto(case_url)
    visit(page, re.compile(r"^Case ESO-"))
    expect(page.locator("#last-appointment-date")).to_have_text("Wednesday 6 January 2027")
    expect(page.get_by_text("The last appointment date has passed.")).to_be_visible()
    see_the_report(
        page,
        case_url,
        title="Supervisor's notice: engagement and support order",
        status="Not complied (2 of 3 attended)",
        goes_to=("The court",),
    )
    missed = page.frame_locator("#preview").locator("table.missed")
    expect(missed).to_contain_text("Second meeting")
    expect(missed).to_contain_text("No reason given")
