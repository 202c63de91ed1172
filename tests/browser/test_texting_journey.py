"""Texts in the browser: booking schedules her reminders, and her signed "Y" confirms.

The worker books both appointments for an accepted case and sees, on the case page, the
one confirmation and the reminders with their times; the confirmation goes (one text,
naming both sessions) and shows under Sent messages. Then Twilio (here: a request signed with
the real `twilio` RequestValidator, posted to the live server) delivers her reply "Y", and
the case page and the diary show the appointment as confirmed. axe checks every page.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from diversion import clock
from diversion.db import db
from diversion.models import Client, ReceivingNumber, ReceivingNumberKind
from notifications.dispatcher import dispatch_once
from notifications.senders import OutboxSender
from tests.browser.axe import check_accessibility
from tests.browser.conftest import Site
from tests.browser.test_worker_journey import fill_date, sign_in, summary_value

pytestmark = pytest.mark.browser

AUTH_TOKEN = "browser-journey-auth-token"
MOBILE = "+447400123456"


def post_signed_reply(site: Site, body: str, sid: str) -> requests.Response:
    """Post an inbound text as Twilio does: form-encoded, signed for the public address."""
    site.app.config["TWILIO_AUTH_TOKEN"] = AUTH_TOKEN
    params = {"MessageSid": sid, "From": MOBILE, "To": "+447700900000", "Body": body}
    public_url = site.app.config["PUBLIC_BASE_URL"].rstrip("/") + "/sms/inbound"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(public_url, params)
    return requests.post(
        site.at("/sms/inbound"),
        data=urlencode(params),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
        timeout=10,
    )


def test_booking_schedules_her_reminders_and_her_signed_y_confirms_the_appointment(
    page: Page, site: Site
) -> None:
    client = site.make.client(
        organisation=site.project,
        first_name="Jade",
        last_name="Marsh",
        text_name="Jade",
        mobile=MOBILE,
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 11, 30),
    )
    case = site.make.accepted_case(client=client, court=site.court, worker=site.worker)
    # Her replies come to the project's own number.
    site.make._save(
        ReceivingNumber(
            organisation_id=site.project.id,
            kind=ReceivingNumberKind.PHONE,
            value="+447700900000",
        )
    )

    sign_in(page, site)
    page.goto(site.at(f"/cases/{case.id}"))
    expect(page.locator("#messages")).to_have_count(0)
    page.get_by_role("link", name="Book appointments").click()
    expect(page.get_by_role("heading", name="Book appointments")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Book appointments").click()

    expect(page.get_by_text("Appointments booked.")).to_be_visible()
    messages = page.locator("#messages")
    # Session 1 today at 14:00: its confirmation now and the 2-hours-before reminder at
    # 12:00 (the day-before one was already past when it was booked).
    expect(messages).to_contain_text("Booking confirmation")
    first_reminder = messages.locator("tr").filter(has_text="Appointment: 2 hours before")
    expect(first_reminder.first).to_contain_text("Wed 2 Dec 2026, 12:00")
    # Session 2 on Friday at 09:00: the day before at 10:00, and 08:00 rather than 07:00
    # because nothing goes in quiet hours.
    expect(messages.locator("tr").filter(has_text="Thu 3 Dec 2026, 10:00")).to_contain_text(
        "Appointment: the day before"
    )
    expect(messages.locator("tr").filter(has_text="Fri 4 Dec 2026, 08:00")).to_contain_text(
        "Appointment: 2 hours before"
    )
    # One confirmation for the booking, naming both sessions (one text at a time).
    expect(messages.locator("tr").filter(has_text="Booking confirmation")).to_have_count(1)
    check_accessibility(page)
    with site.app.app_context():
        report = dispatch_once(sender=OutboxSender(), now=clock.now())
    assert len(report.sent) == 1
    page.goto(site.at("/messages/sent"))
    expect(page.get_by_role("heading", name="Sent messages")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Wed 2 Dec 14:00 and Fri 4 Dec 09:00")
    check_accessibility(page)
    page.goto(site.at(f"/cases/{case.id}"))
    expect(page.locator("#appointments")).not_to_contain_text("Confirmed")

    # An unsigned post changes nothing.
    unsigned = requests.post(
        site.at("/sms/inbound"),
        data={"MessageSid": "SM" + "0" * 32, "From": MOBILE, "Body": "Y"},
        timeout=10,
    )
    assert unsigned.status_code == 403

    answer = post_signed_reply(site, "Y", sid="SM" + "a1" * 16)
    assert answer.status_code == 200
    assert "<Response" in answer.text

    page.reload()
    session_one = page.locator("#appointments tr").filter(has_text="Wed 2 Dec 2026, 14:00")
    expect(session_one).to_contain_text("Confirmed by text")
    replies = page.locator("#replies")
    expect(replies).to_contain_text("Confirmed appointment")
    # Her thank-you text waits in the outbox for the dispatcher.
    expect(page.locator("#messages")).to_contain_text("Reply to Y")
    check_accessibility(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Diary").click()
    expect(page.get_by_role("heading", name="Your diary")).to_be_visible()
    entry = page.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=re.compile("14:00"))
    )
    expect(entry).to_contain_text("Confirmed")
    check_accessibility(page)


def test_a_welsh_client_with_an_accented_name_gets_her_text_in_welsh(
    page: Page, site: Site
) -> None:
    """The worker adds her with Welsh for texts; typing "Zoë" warns that texts would take
    more parts, and the button puts the plain spelling in the box; her booking's one
    confirmation goes in Welsh and shows under Sent messages."""
    sign_in(page, site)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Add a client").click()
    expect(page.get_by_role("heading", name="Add a client")).to_be_visible()
    page.get_by_label("First name").fill("Zoë")
    page.get_by_label("Last name").fill("Pryderi")
    fill_date(page.get_by_role("group", name="Date of birth"), 9, 7, 1994)
    page.get_by_label("Mobile number (optional)").fill("07400 123456")
    page.get_by_label("She agrees to receive text message reminders").check()
    page.get_by_label("I have checked with her that this number is safe to text").check()
    page.get_by_role("group", name="Her language for texts").get_by_label(
        "Welsh", exact=True
    ).check()
    page.get_by_label("Name to use in text messages (optional)").fill("Zoë")
    warning = page.locator("#text-name-warning")
    expect(warning).to_contain_text("because of ë")
    check_accessibility(page)
    page.get_by_role("button", name="Use Zoe in texts").click()
    expect(page.get_by_label("Name to use in text messages (optional)")).to_have_value("Zoe")
    page.get_by_role("button", name="Save client").click()

    expect(page.get_by_role("heading", name="Zoë Pryderi")).to_be_visible()
    expect(summary_value(page, "Name in texts")).to_have_text("Zoe")
    expect(summary_value(page, "Language for texts")).to_have_text("Welsh")
    check_accessibility(page)

    with site.app.app_context():
        client = db.session.scalar(select(Client).where(Client.last_name == "Pryderi"))
        assert client is not None and client.text_language == "cy"
        client_id = client.id
    case = site.make.accepted_case(
        client=site.make.session.get(Client, client_id), court=site.court, worker=site.worker
    )
    page.goto(site.at(f"/cases/{case.id}"))
    page.get_by_role("link", name="Book appointments").click()
    page.get_by_role("button", name="Book appointments").click()
    expect(page.get_by_text("Appointments booked.")).to_be_visible()
    with site.app.app_context():
        report = dispatch_once(sender=OutboxSender(), now=clock.now())
    assert len(report.sent) == 1
    page.goto(site.at("/messages/sent"))
    main = page.get_by_role("main")
    expect(main).to_contain_text("Helo Zoe")
    expect(main).to_contain_text("Wed 2 Dec 14:00 and Fri 4 Dec 09:00")
    check_accessibility(page)
