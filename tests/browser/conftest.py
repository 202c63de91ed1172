"""A live server on a fresh database, frozen in time, and Debian's Chromium to drive it.

The app runs in this process (in a thread), so time_machine freezes its notion of "today".
Chromium runs in its own process on the real clock and never sees the frozen time. Cookies
still work: Chromium reads a cookie's Expires against the response's Date header (both from
the frozen clock), so a session that lasts 12 hours lasts 12 real hours in the browser.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from werkzeug.serving import make_server

from diversion.models import Court, Organisation, User, WorkingPeriod
from tests.conftest import POSTGRES_URL, _empty_postgres, make_app, two_factor_code
from tests.factories import PASSWORD, Factory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).parent / "artifacts"
# A court Wednesday, just after the morning list: the journey records that day's outcome.
NOW = datetime(2026, 12, 2, 11, 50, tzinfo=UTC)


@dataclass
class Site:
    """The running service and the people and places seeded into it."""

    url: str
    app: Flask
    make: Factory
    project: Organisation
    worker: User
    court: Court
    password: str = PASSWORD

    def at(self, path: str) -> str:
        return self.url + path


@pytest.fixture(autouse=True)
def frozen_time() -> Iterator[None]:
    """Every browser test: the app's clock starts at NOW and ticks on (sessions need it to)."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def site(tmp_path: Path, frozen_time: None) -> Iterator[Site]:
    """The app on a fresh database with CSRF on, served on a free port in a thread."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    make = Factory(app)
    project = make.organisation(name="Riverside Diversion Project")
    worker = make.user(organisation=project, name="Wendy Worker", email="wendy.worker@example.test")
    court = make.court(name="Testbury Magistrates' Court", sitting_weekdays=[2])
    make.venue(organisation=project, name="Riverside office")
    for weekday in range(5):
        make.session.add(
            WorkingPeriod(user_id=worker.id, weekday=weekday, starts=time(9), ends=time(17))
        )
    make.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield Site(
            url=f"http://127.0.0.1:{server.server_port}",
            app=app,
            make=make,
            project=project,
            worker=worker,
            court=court,
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        make.session.close()
        if POSTGRES_URL:
            _empty_postgres(app)
        else:
            app.extensions["diversion.db"][0].dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless. Playwright's own browser download is never used."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make browser` to install Debian's chromium "
            "(never `playwright install`).",
            pytrace=False,
        )
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: no cookies carried over."""
    ctx = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A tab that fails the test if any page logs an error or throws (a refused script, say)."""
    tab = context.new_page()
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error on {tab.url}: {message.text}")

    tab.on("console", console)
    tab.on("pageerror", lambda error: problems.append(f"uncaught error on {tab.url}: {error}"))
    yield tab
    assert not problems, "The browser reported errors:\n" + "\n".join(problems)


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def enter_two_factor_code(page: Page, site: Site, user: User) -> None:
    """The second step of signing in: the code her authenticator app shows now."""
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(two_factor_code(site.app, user))
    page.get_by_role("button", name="Continue").click()
