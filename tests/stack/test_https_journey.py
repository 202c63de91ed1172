"""A worker's morning over HTTPS through nginx, on gunicorn, PostgreSQL and Redis.

This is the journey that would have caught the production bug of issue 11: with
`Referrer-Policy: no-referrer`, Flask-WTF's strict HTTPS check refused every form post,
sign-in included, and every other browser journey runs over plain HTTP. The clock is the real
one here (the app runs in other processes), so the court sits every day and the dates come from
today. axe checks every page on the way.
"""

from __future__ import annotations

import re
import ssl
import subprocess
import urllib.error
import urllib.request
from datetime import time
from time import sleep

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from diversion.models import Role, WorkingPeriod
from tests.browser.axe import check_accessibility
from tests.conftest import two_factor_code
from tests.factories import PASSWORD
from tests.stack.conftest import Stack
from tests.stack.steps import open_case_record_outcome_and_book

pytestmark = pytest.mark.browser

ALL_WEEK = list(range(7))


def redis_keys(stack: Stack) -> list[str]:
    listed = subprocess.run(
        ["redis-cli", "-p", str(stack.ports["redis"]), "--scan"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    )
    return listed.stdout.split()


def test_health_answers_over_https_with_a_verified_certificate(stack: Stack) -> None:
    context = ssl.create_default_context(cafile=str(stack.ca))
    with urllib.request.urlopen(stack.at("/healthz"), context=context, timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
        # The proxy names no version of itself.
        assert "/" not in (answer.headers.get("Server") or "")


def test_a_calendar_feed_address_never_reaches_the_access_logs(stack: Stack) -> None:
    """The feed's address is its secret (a calendar app polls it unattended): nginx and
    gunicorn log the route with the secret masked."""
    context = ssl.create_default_context(cafile=str(stack.ca))
    secret = "FeedSecretThatMustNotBeLogged0123456789abcd"
    try:
        urllib.request.urlopen(stack.at(f"/calendar/{secret}.ics"), context=context, timeout=10)
    except urllib.error.HTTPError as refused:
        assert refused.code == 404
    for name in ("nginx-access.log", "gunicorn-access.log"):
        for _ in range(20):  # both write their line as the request ends
            text = stack.log(name)
            if "/calendar/[secret].ics" in text:
                break
            sleep(0.25)
        assert "/calendar/[secret].ics" in text, name
        assert secret not in text, name


def test_a_worker_signs_in_opens_a_case_records_the_outcome_books_and_signs_out_over_https(
    stack: Stack, page: Page, context: BrowserContext
) -> None:
    make = stack.make
    project = make.organisation(name="Harbour Diversion Project")
    worker = make.user(organisation=project, name="Hana Worker", email="hana.worker@example.test")
    court = make.court(name="Eastbury Magistrates' Court", sitting_weekdays=ALL_WEEK)
    make.venue(
        organisation=project,
        name="Harbour office",
        opening_hours={str(d): [["07:00", "21:00"]] for d in ALL_WEEK},
    )
    for weekday in ALL_WEEK:
        make.session.add(
            WorkingPeriod(user_id=worker.id, weekday=weekday, starts=time(7), ends=time(21))
        )
    make.session.commit()
    client = make.client(organisation=project, first_name="Rhea", last_name="Stanton")

    page.goto(stack.at("/"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.url.startswith(stack.url)
    check_accessibility(page)
    # A mistyped password first: the failure is counted in the stack's Redis, which both
    # gunicorn workers share.
    page.get_by_label("Email address").fill(worker.email)
    page.get_by_label("Password", exact=True).fill("not her password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Enter a correct email address and password").first).to_be_visible()
    check_accessibility(page)
    assert redis_keys(stack), "the sign-in failure was not counted in Redis"
    page.get_by_label("Email address").fill(worker.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Code", exact=True).fill(two_factor_code(stack.app, worker))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your cases")).to_be_visible()
    check_accessibility(page)

    cookies = {cookie["name"]: cookie for cookie in context.cookies(stack.url)}
    assert cookies, "signing in over HTTPS set no cookie"
    assert all(cookie["secure"] and cookie["httpOnly"] for cookie in cookies.values())

    page.goto(stack.at(f"/clients/{client.id}"))
    expect(page.get_by_role("heading", name="Rhea Stanton")).to_be_visible()
    check_accessibility(page)
    open_case_record_outcome_and_book(page, court=court.name)

    # Her language and name for texts, over HTTPS: the live name check (a script nginx
    # serves, asking gunicorn) warns of "ë" and offers the plain spelling, which is saved.
    page.goto(stack.at(f"/clients/{client.id}"))
    page.get_by_role("link", name=re.compile("^Change her details")).click()
    page.get_by_role("group", name="Her language for texts").get_by_label(
        "Welsh", exact=True
    ).check()
    page.get_by_label("Name to use in text messages (optional)").fill("Zoë")
    expect(page.locator("#text-name-warning")).to_contain_text("because of ë")
    check_accessibility(page)
    page.get_by_role("button", name="Use Zoe in texts").click()
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_role("heading", name="Rhea Stanton")).to_be_visible()
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Zoe")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Welsh")

    page.goto(stack.at("/sign-out"))
    expect(page.get_by_role("heading", name="Sign out")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_accessibility(page)
    page.goto(stack.at("/"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # Every request went through nginx to gunicorn: the proxy's log has the form posts, and
    # gunicorn saw them from the proxy with the client's address passed on.
    assert re.search(r'"POST /sign-in HTTP/2.0"', stack.log("nginx-access.log"))
    assert "POST /sign-in" in stack.log("gunicorn-access.log")

    # Nothing personal in any log of the stack: not her name, not the worker's address.
    for log in sorted((stack.folder / "logs").glob("*.log")):
        text = log.read_text(errors="replace")
        for planted in ("Rhea", "Stanton", worker.email):
            assert planted not in text, f"{planted!r} is in {log.name}"


def test_a_commissioner_reads_the_partnerships_figures_counted_by_the_schedulers(
    stack: Stack, page: Page
) -> None:
    """The monitoring report over HTTPS, read from the summary one of the stack's schedulers
    counted when it started (the monitoring-summary job)."""
    make = stack.make
    project = make.organisation(name="Quayside Diversion Project")
    commissioner = make.user(
        organisation=project,
        role=Role.COMMISSIONER,
        name="Cass Commissioner",
        email="cass.commissioner@example.test",
    )
    for _ in range(120):  # the schedulers count it as they start
        make.session.rollback()  # a fresh snapshot each look
        if make.session.scalar(text("SELECT count(*) FROM monitoring_summary_run")):
            break
        sleep(0.5)
    else:
        pytest.fail("no scheduler counted the monitoring summary")

    page.goto(stack.at("/"))
    page.get_by_label("Email address").fill(commissioner.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code", exact=True).fill(two_factor_code(stack.app, commissioner))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Monitoring: the partnership")).to_be_visible()
    expect(page.locator("#counted-at")).to_contain_text("were counted at")
    check_accessibility(page)
    expect(page.locator("#table-referrals-by-order")).to_be_visible()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'changed'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "DROP TRIGGER audit_event_append_only ON audit_event",
    ],
)
def test_the_stacks_own_database_connection_cannot_change_the_audit_log(
    stack: Stack, statement: str
) -> None:
    """The web app and the scheduler connect as the app role, which owns nothing."""
    url = stack.env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    try:
        with (
            engine.connect() as connection,
            pytest.raises(DBAPIError, match="InsufficientPrivilege"),
        ):
            connection.execute(text(statement))
    finally:
        engine.dispose()
