"""Every page, as every role, on a phone and on a desktop: nothing scrolls sideways.

The crawl signs in as each role (administrator, manager, worker, court liaison, CPS) and as
nobody, on a small but realistic data set, and opens every GET page that role may open: the
list comes from the app's url_map and each view's declared roles (diversion/access.py), so
a new page joins the crawl, or fails it until it is given a path here or skipped with a
reason. At 320 and at 1280 pixels wide, no page may be wider than the screen, no box inside
it may hide content behind a sideways scroll, and html and body may not hide what overflows
(overflow-x hidden or clip would pass the width check by cutting content off). Each page is
checked once with axe (WCAG 2.2 AA), at 320 pixels. On the first page of each role, the menu
must fit on one line at 1280 pixels and fold behind the Menu button, keyboard usable, at 320.

Every problem found is reported together in one failure, not just the first.
Today is Wednesday 2 December 2026, court day (see conftest.NOW).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask, url_for
from playwright.sync_api import Browser, Page, ViewportSize, expect

from diversion.access import PUBLIC, declared_roles
from diversion.court import reports
from diversion.db import db
from diversion.models import (
    AppointmentStatus,
    Case,
    CaseNote,
    InboundMessage,
    MessageStatus,
    OrganisationKind,
    OutboxMessage,
    OutgoingMail,
    ReplyAction,
    Role,
    User,
)
from notifications.wording import DEFAULT_TEMPLATES
from tests.browser.axe import check_accessibility
from tests.browser.conftest import Site, enter_two_factor_code
from tests.conftest import set_up_link

pytestmark = pytest.mark.browser

NARROW: ViewportSize = {"width": 320, "height": 640}
WIDE: ViewportSize = {"width": 1280, "height": 800}
TODAY = date(2026, 12, 2)

# GET routes that are not pages, or not pages on their own: each with the reason.
SKIPPED = {
    "static": "stylesheets, scripts and images, not pages",
    "home.health": "the health check answers JSON for the load balancer",
    "scheduling.feed": "a calendar feed (.ics) download",
    "scheduling.appointment_ics": "a calendar file (.ics) download",
    "clients.export_json": "a subject-access download (.json)",
    "clients.export_pdf": "a subject-access download (.pdf)",
    "court.sitting_list_csv": "a spreadsheet (.csv) download",
    "monitoring.organisation_csv": "a spreadsheet (.csv) download",
    "monitoring.partnership_csv": "a spreadsheet (.csv) download",
    "reports.pdf": "a report (.pdf) download",
    "reports.eml": "an email file (.eml) download",
}
# Public pages seen on the way through signing in and setting up, not opened by address.
ON_THE_WAY = {
    "auth.two_factor": "Enter your code, after the password, as each role signs in",
    "auth.enrol": "Set up two-factor, after a newcomer chooses her password",
}
# Public pages that only make sense signed out.
SIGNED_OUT_ONLY = {"auth.sign_in", "auth.accept_invitation"}


@dataclass
class Seeded:
    users: dict[Role, User]
    newcomer: User
    ids: dict[str, Any]
    # Ids for one endpoint that differ from the rest (a case that page is about).
    by_endpoint: dict[str, dict[str, Any]]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def seed(site: Site) -> Seeded:
    """A small, realistic world: every role, and a case in every state the pages show."""
    make = site.make
    court_org = make.organisation(name="Testbury Court Listing", kind=OrganisationKind.COURT)
    cps_org = make.organisation(name="Testbury Crown Prosecution", kind=OrganisationKind.CPS)
    court = site.court
    court.organisation_id = court_org.id
    court.cps_organisation_id = cps_org.id
    make.session.add(court)
    make.session.commit()
    users = {
        Role.WORKER: site.worker,
        Role.MANAGER: make.user(
            organisation=site.project, role=Role.MANAGER, name="Margaret Manager"
        ),
        Role.ADMIN: make.user(organisation=site.project, role=Role.ADMIN, name="Adaeze Admin"),
        Role.COURT_LIAISON: make.user(
            organisation=court_org, role=Role.COURT_LIAISON, name="Lena Liaison"
        ),
        Role.CPS: make.user(organisation=cps_org, role=Role.CPS, name="Priya Prosecutor"),
        Role.COMMISSIONER: make.user(
            organisation=site.project, role=Role.COMMISSIONER, name="Carys Commissioner"
        ),
    }
    newcomer = make.user(organisation=site.project, name="Nadia Newcomer", totp_secret=None)
    venue = make.venue(organisation=site.project, name="Riverside rooms")
    worker = site.worker

    # A client with a long name and aliases: both sessions booked, one of them missed first.
    long_named = make.client(
        organisation=site.project,
        first_name="Anastasia-Josephine",
        last_name="Featherstonehaugh-Wolstenholme",
        aliases=("Jo Featherstonehaugh", "Stasia Wolstenholme-Fairweather"),
        mobile="+447700900461",
        consent_to_texts=True,
        text_name="Jo",
        housing="Staying with her sister",
    )
    case = make.accepted_case(
        client=long_named,
        court=court,
        worker=worker,
        court_date=date(2026, 11, 18),
        return_date=date(2026, 12, 30),
        court_reference="01AF0001",
    )
    missed = make.appointment(
        case=case,
        venue=venue,
        worker=worker,
        session_number=1,
        kind="assessment",
        starts_at=at(date(2026, 11, 25), 10),
        ends_at=at(date(2026, 11, 25), 11, 30),
        status=AppointmentStatus.DID_NOT_ATTEND,
        reason="She was called to a hospital appointment at short notice",
    )
    booked = make.appointment(
        case=case,
        venue=venue,
        worker=worker,
        session_number=1,
        kind="assessment",
        starts_at=at(date(2026, 12, 3), 14),
        ends_at=at(date(2026, 12, 3), 15, 30),
    )
    make.appointment(
        case=case,
        venue=venue,
        worker=worker,
        session_number=2,
        kind="care_plan",
        starts_at=at(date(2026, 12, 10), 10),
        ends_at=at(date(2026, 12, 10), 11),
    )

    # On today's court list: one who complied (her report signed off and sent), and a
    # first appearance.
    complied = make.accepted_case(
        client=make.client(organisation=site.project, first_name="Cara", last_name="Cole"),
        court=court,
        worker=worker,
        court_date=date(2026, 11, 4),
        return_date=TODAY,
        court_reference="01CC0002",
    )
    for number, day in ((1, date(2026, 11, 9)), (2, date(2026, 11, 16))):
        make.appointment(
            case=complied,
            venue=venue,
            worker=worker,
            session_number=number,
            kind="assessment" if number == 1 else "care_plan",
            starts_at=at(day, 10),
            ends_at=at(day, 11),
            status=AppointmentStatus.ATTENDED,
        )
    make.case(
        client=make.client(organisation=site.project, first_name="Fern", last_name="Gale"),
        court=court,
        worker=worker,
        first_court_date=TODAY,
        court_reference="01FG0003",
    )

    # Replies in the inbox (hers, and the managers' from an unknown number), texts sent.
    make.session.add_all(
        [
            CaseNote(
                case_id=case.id,
                author_id=worker.id,
                body="Rang her after the missed session; she will come on Thursday.",
            ),
            InboundMessage(
                provider_id="SMcrawl0001",
                received_at=at(TODAY, 8, 5),
                from_number="+447700900461",
                body="Sorry I missed it, can I come Thursday afternoon instead please?",
                client_id=long_named.id,
                case_id=case.id,
                organisation_id=site.project.id,
                worker_id=worker.id,
                action=ReplyAction.INBOX,
            ),
            InboundMessage(
                provider_id="SMcrawl0002",
                received_at=at(TODAY, 9, 40),
                from_number="+447700900999",
                body="Who is this?",
                organisation_id=site.project.id,
                action=ReplyAction.INBOX,
            ),
            OutboxMessage(
                client_id=long_named.id,
                case_id=case.id,
                appointment_id=booked.id,
                kind="booking_confirmation",
                send_at=at(date(2026, 12, 1), 16),
                status=MessageStatus.DELIVERED,
                body="Jo, your appointment is on Thursday 3 December at 14:00.",
            ),
        ]
    )
    make.session.commit()
    inbox_id = make.session.query(InboundMessage.id).filter_by(provider_id="SMcrawl0001").scalar()

    # A Required Assessment shared with a CJIT: her initial assessment attended, so its
    # assessor may record that the follow-up is not needed.
    assessed = make.order_case(
        "RA",
        client=make.client(organisation=site.project, first_name="Rhea", last_name="Moss"),
        court=court,
        worker=worker,
        start=date(2026, 11, 20),
        partner=make.organisation(name="Testbury CJIT", kind=OrganisationKind.CJIT),
    )
    make.appointment(
        case=assessed,
        venue=venue,
        worker=worker,
        session_number=1,
        kind="initial_assessment",
        starts_at=at(date(2026, 11, 24), 10),
        ends_at=at(date(2026, 11, 24), 11, 30),
        status=AppointmentStatus.ATTENDED,
    )

    app = site.app
    with app.app_context():
        the_case = db.session.get(Case, complied.id)
        signer = db.session.get(User, worker.id)
        assert the_case is not None and signer is not None
        report = reports.sign_off(the_case, actor=signer, statement="", now=at(TODAY, 9))
        reports.send_report(report, actor=signer, now=at(TODAY, 9))
        report_id = report.id
        mail_id = db.session.query(OutgoingMail.id).order_by(OutgoingMail.id).limit(1).scalar()

    return Seeded(
        users=users,
        newcomer=newcomer,
        ids={
            "case_id": case.id,
            "client_id": long_named.id,
            "appointment_id": missed.id,
            "court_id": court.id,
            "venue_id": venue.id,
            "user_id": worker.id,
            "requirement_type_id": make.requirement_type().id,
            "kind": next(iter(DEFAULT_TEMPLATES)),
            "variant": "cy",
            "report_id": report_id,
            "mail_id": mail_id,
            "message_id": inbox_id,
            "number": 2,
        },
        by_endpoint={
            "orders.lapse": {"case_id": assessed.id},
            "orders.open_order": {"requirement_type_id": make.requirement_type("RA").id},
        },
    )


# Endpoints whose page is worth seeing with a query: today's list, with its cases.
QUERIES: dict[str, dict[str, str]] = {
    "court.sitting_list": {"date": TODAY.isoformat()},
}


def path_for(app: Flask, seeded: Seeded, endpoint: str) -> str:
    """The endpoint's path, each <id> in it filled from the seeded data."""
    rule = next(app.url_map.iter_rules(endpoint))
    ids = seeded.ids | seeded.by_endpoint.get(endpoint, {})
    values = {name: ids[name] for name in rule.arguments}
    with app.test_request_context():
        return url_for(endpoint, **values, **QUERIES.get(endpoint, {}))


def get_endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}


def pages_for(app: Flask, role: Role | None) -> list[str]:
    """The GET pages a role may open (None: signed out), in url_map order."""
    found: list[str] = []
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if "GET" not in (rule.methods or ()) or endpoint in SKIPPED or endpoint in ON_THE_WAY:
            continue
        if endpoint in found:
            continue
        roles = declared_roles(app, endpoint)
        if roles == PUBLIC:
            allowed = role is None or endpoint not in SIGNED_OUT_ONLY
            allowed = allowed and not (role is None and endpoint == "auth.sign_out")
        else:
            allowed = role is not None and roles is not None and role in roles
        if allowed:
            found.append(endpoint)
    return found


MEASURE = """() => {
  const doc = document.documentElement;
  const named = (el) => el.id ? "#" + el.id : [el.tagName.toLowerCase(), ...el.classList].join(".");
  const boxes = [];
  for (const el of document.body.querySelectorAll(":not(input, select, textarea)")) {
    // A box that scrolls sideways, or cuts off what it cannot fit (the visually hidden text
    // for screen readers, a pixel square, cuts everything off on purpose; a text box scrolls
    // what is typed in it).
    const overflow = getComputedStyle(el).overflowX;
    const hides = ["auto", "scroll", "hidden", "clip"].includes(overflow) && el.clientWidth > 1;
    if (hides && el.scrollWidth > el.clientWidth + 1) {
      boxes.push(`${named(el)} (${overflow}) is ${el.scrollWidth}px in ${el.clientWidth}px`);
    }
  }
  const widest = [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1)
    .slice(-3)
    .map(named);
  return {
    scrollWidth: doc.scrollWidth,
    html: getComputedStyle(doc).overflowX,
    body: getComputedStyle(document.body).overflowX,
    boxes: boxes,
    widest: widest,
  };
}"""


class Crawl:
    """Visits pages at both widths, noting every problem rather than stopping at the first."""

    def __init__(self, page: Page, visited: set[str]) -> None:
        self.page = page
        self.problems: list[str] = []
        self.visited = visited  # endpoints reached, by any role
        self.seen: set[str] = set()  # addresses measured, by this role

    def measure(self, who: str, width: int) -> None:
        found = self.page.evaluate(MEASURE)
        where = f"{who} {self.page.url} at {width}px"
        if found["scrollWidth"] > width:
            self.problems.append(
                f"{where}: the page scrolls sideways ({found['scrollWidth']}px wide; "
                f"overflowing: {', '.join(found['widest'])})"
            )
        for side in ("html", "body"):
            if found[side] in ("hidden", "clip"):
                self.problems.append(f"{where}: {side} hides what overflows ({found[side]})")
        self.problems.extend(f"{where}: {box}" for box in found["boxes"])

    def both_widths(self, who: str, endpoint: str) -> None:
        """Measure at the width the tab has, then at the other; axe at 320px, once a page
        (the first role to open it: the others differ only in what the menu offers)."""
        page = self.page
        size = page.viewport_size
        first = size["width"] if size else NARROW["width"]
        for width in (first, WIDE["width"] if first == NARROW["width"] else NARROW["width"]):
            if (page.viewport_size or {}).get("width") != width:
                page.set_viewport_size(NARROW if width == NARROW["width"] else WIDE)
            self.measure(who, width)
            if width == NARROW["width"] and endpoint not in self.visited:
                try:
                    check_accessibility(page)
                except pytest.fail.Exception as failure:
                    self.problems.append(f"{who}: {failure.msg}")

    def visit(self, who: str, endpoint: str, path: str) -> None:
        response = self.page.goto(path)
        status = response.status if response else None
        if status != 200:
            self.problems.append(f"{who} {path}: answered {status}, not 200")
            return
        if self.page.url not in self.seen:  # else a redirect to a page seen (/ to /home, say)
            self.seen.add(self.page.url)
            self.both_widths(who, endpoint)
        self.visited.add(endpoint)


def assert_hiding_is_caught(crawl: Crawl) -> None:
    """The crawl's own check: a page made to fit by hiding its overflow still fails it."""
    before = len(crawl.problems)
    crawl.page.set_viewport_size(NARROW)
    crawl.page.evaluate(
        """() => {
          const wide = document.createElement("p");
          wide.style.width = "2000px";
          document.querySelector("main").append(wide);
          document.body.style.overflowX = "hidden";
          document.documentElement.style.overflowX = "clip";
          const box = document.createElement("div");
          box.style.overflowX = "hidden";
          box.append(wide.cloneNode());
          document.querySelector("main").append(box);
        }"""
    )
    crawl.measure("self-check", NARROW["width"])
    caught = crawl.problems[before:]
    del crawl.problems[before:]
    for needed in ("html hides", "body hides", "div (hidden) is 2000px"):
        assert any(needed in problem for problem in caught), (needed, caught)


def check_menu(crawl: Crawl, who: str) -> None:
    """Her account in the header; the menu one line at 1280px, and at 320px folded behind a
    Menu button that works by keyboard (a role with one destination has no button)."""
    page = crawl.page
    page.set_viewport_size(WIDE)
    account = page.get_by_role("navigation", name="Account")
    for name in ("Your account", "Sign out"):
        expect(account.get_by_role("link", name=name)).to_be_visible()
    menu = page.get_by_role("navigation", name="Menu")
    links = menu.get_by_role("link")
    tops = links.evaluate_all(
        "(links) => links.map((a) => Math.round(a.getBoundingClientRect().top))"
    )
    if len(set(tops)) != 1:
        crawl.problems.append(f"{who}: the menu takes {len(set(tops))} lines at 1280px")
    page.set_viewport_size(NARROW)
    expect(account.get_by_role("link", name="Sign out")).to_be_visible()
    if len(tops) == 1:
        expect(links).to_be_visible()
        return
    button = menu.get_by_role("button", name="Menu")
    expect(button).to_be_visible()
    expect(links.first).to_be_hidden()
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(links.first).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(links.first).to_be_hidden()


def sign_in(crawl: Crawl, site: Site, user: User, who: str) -> None:
    page = crawl.page
    page.goto(site.at("/sign-in"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(site.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    if "auth.two_factor" not in crawl.visited:
        crawl.both_widths(who, "auth.two_factor")
        crawl.visited.add("auth.two_factor")
    enter_two_factor_code(page, site, user)
    expect(page.get_by_role("heading", name="Enter your code")).to_have_count(0)


def test_every_page_fits_a_phone_and_a_desktop_for_every_role(browser: Browser, site: Site) -> None:
    started = time.monotonic()
    app = site.app
    # Every GET route is either crawled or skipped with a reason: a new one must choose.
    unaccounted = sorted(
        endpoint
        for endpoint in get_endpoints(app)
        if endpoint not in SKIPPED
        and endpoint not in ON_THE_WAY
        and not any(endpoint in pages_for(app, role) for role in (None, *Role))
    )
    assert unaccounted == [], f"GET routes neither crawled nor skipped: {unaccounted}"

    seeded = seed(site)
    errors: list[str] = []
    visited: set[str] = set()
    for role in (None, *Role):
        who = role.label if role else "Signed out"
        context = browser.new_context(
            locale="en-GB", timezone_id="Europe/London", viewport=NARROW, base_url=site.url
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on(
            "console",
            lambda m, who=who, page=page: (
                errors.append(f"{who} {page.url}: {m.text}") if m.type == "error" else None
            ),
        )
        page.on("pageerror", lambda e, who=who: errors.append(f"{who}: {e}"))
        crawl = Crawl(page, visited)
        if role is None:
            for endpoint in pages_for(app, None):
                if endpoint == "auth.accept_invitation":
                    continue  # opened below, with a real set-up link
                crawl.visit(who, endpoint, path_for(app, seeded, endpoint))
            link = set_up_link(app, seeded.newcomer)
            crawl.visit(who, "auth.accept_invitation", link)
            page.get_by_label("Choose a password").fill("lanterns over the quiet harbour")
            page.get_by_role("button", name="Continue").click()
            expect(
                page.get_by_role("heading", name="Set up two-factor authentication")
            ).to_be_visible()
            crawl.both_widths(who, "auth.enrol")
            visited.add("auth.enrol")
            assert_hiding_is_caught(crawl)
        else:
            sign_in(crawl, site, seeded.users[role], who)
            check_menu(crawl, who)
            for endpoint in pages_for(app, role):
                crawl.visit(who, endpoint, path_for(app, seeded, endpoint))
        context.close()
        errors.extend(crawl.problems)

    missed = sorted(
        endpoint
        for endpoint in get_endpoints(app)
        if endpoint not in SKIPPED and endpoint not in visited
    )
    elapsed = time.monotonic() - started
    print(f"crawled {len(visited)} routes in {elapsed:.1f}s")
    assert missed == [], f"GET routes never reached: {missed}"
    assert not errors, f"{len(errors)} problems:\n" + "\n".join(errors)
