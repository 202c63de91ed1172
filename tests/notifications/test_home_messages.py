"""Texts on the caseworker's pages: design/domain.md "Text messages".

"Delivery receipts update each message; a failed message shows on the worker's dashboard."
The home page lists failed and held texts and unread replies; the case page shows each
text's delivery state and the replies; a confirmed appointment says so on the case page,
the appointment page and the diary.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from flask.testing import FlaskClient

from diversion.models import (
    Appointment,
    Case,
    Client,
    InboundMessage,
    MessageStatus,
    OutboxMessage,
    ReplyAction,
    Venue,
)
from tests.conftest import World, sign_in
from tests.factories import Factory
from tests.notifications.test_inbox import check_conventions, main_text

# Tuesday 15 December 2026, 11:00 in London (GMT).
NOW = datetime(2026, 12, 15, 11, 0, tzinfo=UTC)
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class Setup:
    venue: Venue
    ann: Client
    ann_case: Case
    ann_appointment: Appointment
    bea: Client
    bea_case: Case
    dot: Client
    dot_case: Case


@pytest.fixture
def setup(make: Factory, world: World) -> Setup:
    """Ann is the worker's, Bea her colleague's, Dot another organisation's."""
    venue = make.venue(organisation=world.project)
    ann = make.client(organisation=world.project, first_name="Ann", last_name="Texter")
    ann_case = make.accepted_case(client=ann, court=world.court, worker=world.worker)
    starts = datetime(2026, 12, 17, 10, 0, tzinfo=UTC)
    ann_appointment = make.appointment(
        case=ann_case,
        venue=venue,
        worker=world.worker,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
    )
    bea = make.client(organisation=world.project, first_name="Bea", last_name="Texter")
    bea_case = make.accepted_case(client=bea, court=world.court, worker=world.colleague)
    dot = make.client(organisation=world.other_project, first_name="Dot", last_name="Texter")
    dot_case = make.accepted_case(client=dot, court=world.court, worker=world.other_worker)
    return Setup(venue, ann, ann_case, ann_appointment, bea, bea_case, dot, dot_case)


def text(
    make: Factory,
    case: Case,
    *,
    status: MessageStatus,
    kind: str = "appointment_day_before",
    reason: str | None = None,
    error_code: int | None = None,
    changed: datetime = NOW - timedelta(hours=2),
    appointment: Appointment | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        client_id=case.client_id,
        case_id=case.id,
        appointment_id=appointment.id if appointment else None,
        kind=kind,
        send_at=changed,
        status=status,
        reason=reason,
        error_code=error_code,
        provider_status="undelivered" if error_code else None,
        status_updated_at=changed,
        updated_at=changed,
    )
    make.session.add(message)
    make.session.commit()
    return message


def reply(make: Factory, case: Case, *, worker_id: int | None, **kw: object) -> InboundMessage:
    kw.setdefault("received_at", NOW - timedelta(hours=1))
    kw.setdefault("action", ReplyAction.INBOX)
    kw.setdefault("body", "Can you call me")
    message = InboundMessage(
        provider_id=f"SMhome{next(_ids):08d}",
        from_number="+447700900555",
        client_id=case.client_id,
        case_id=case.id,
        organisation_id=case.organisation_id,
        worker_id=worker_id,
        **kw,
    )
    make.session.add(message)
    make.session.commit()
    return message


def problem_rows(html: str) -> list[list[str]]:
    """The rows of the failed-or-held table on the home page, as cell texts."""
    table = re.search(r'<table class="govuk-table[^"]*" id="text-problems">.*?</table>', html, re.S)
    if table is None:
        return []
    return [
        [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", c))).strip() for c in cells]
        for cells in (
            re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)
        )
        if cells
    ]


def test_the_home_page_lists_failed_and_held_texts_with_why_and_what_to_do(
    web: FlaskClient, world: World, make: Factory, setup: Setup
) -> None:
    text(
        make,
        setup.ann_case,
        status=MessageStatus.FAILED,
        error_code=30003,
        changed=NOW - timedelta(hours=1),
    )
    text(
        make,
        setup.ann_case,
        status=MessageStatus.FAILED,
        kind="booking_confirmation",
        reason="provider refused (code 21211)",
        changed=NOW - timedelta(hours=2),
    )
    text(
        make,
        setup.ann_case,
        status=MessageStatus.HELD,
        kind="appointment_two_hours",
        reason="number not confirmed safe to text in the last 90 days",
        changed=NOW - timedelta(hours=3),
    )
    sign_in(web, world.worker)

    html = web.get("/home").get_data(as_text=True)

    check_conventions(html)
    assert "Texts that need you" in html
    rows = problem_rows(html)
    assert [row[0] for row in rows] == ["Ann Texter"] * 3
    assert [row[2] for row in rows] == [
        "Failed not delivered (code 30003)",
        "Failed provider refused (code 21211)",
        "Held number not confirmed safe to text in the last 90 days",
    ]
    assert [row[3] for row in rows] == [
        "Check her number (Ann Texter)",
        "Check her number (Ann Texter)",
        "Check her number is safe to text (Ann Texter)",
    ]
    assert rows[0][1] == "Appointment: the day before, Tue 15 Dec 2026, 10:00"
    assert f'href="/clients/{setup.ann.id}">Check her number is safe to text' in html
    assert f'href="/cases/{setup.ann_case.id}">Ann Texter</a>' in html
    assert "Texts that failed or are held (3)" in html


def test_held_texts_for_one_woman_show_once(
    web: FlaskClient, world: World, make: Factory, setup: Setup
) -> None:
    for kind in ("appointment_day_before", "appointment_two_hours", "booking_confirmation"):
        text(make, setup.ann_case, status=MessageStatus.HELD, kind=kind)
    sign_in(web, world.worker)

    rows = problem_rows(web.get("/home").get_data(as_text=True))

    assert len(rows) == 1
    assert rows[0][2] == "Held number not confirmed safe to text in the last 90 days"


def test_unread_replies_show_on_home_with_a_link_to_the_inbox(
    web: FlaskClient, world: World, make: Factory, setup: Setup
) -> None:
    reply(make, setup.ann_case, worker_id=world.worker.id)
    reply(make, setup.ann_case, worker_id=world.worker.id)
    reply(make, setup.ann_case, worker_id=world.worker.id, read_at=NOW)
    reply(make, setup.bea_case, worker_id=world.colleague.id)
    sign_in(web, world.worker)

    html = web.get("/home").get_data(as_text=True)

    check_conventions(html)
    assert '<a class="govuk-link" id="unread-replies" href="/inbox">Unread replies (2)</a>' in html
    assert problem_rows(html) == []


def test_nothing_shows_when_no_text_needs_the_worker(
    web: FlaskClient, world: World, make: Factory, setup: Setup
) -> None:
    text(make, setup.ann_case, status=MessageStatus.DELIVERED)
    text(make, setup.ann_case, status=MessageStatus.SKIPPED, reason="too late")
    text(make, setup.ann_case, status=MessageStatus.PENDING)
    # A failure more than 30 days old no longer asks anything of her.
    text(make, setup.ann_case, status=MessageStatus.FAILED, changed=NOW - timedelta(days=31))
    reply(make, setup.ann_case, worker_id=world.worker.id, read_at=NOW)
    sign_in(web, world.worker)

    html = web.get("/home").get_data(as_text=True)

    check_conventions(html)
    assert "Texts that need you" not in html
    assert "Unread replies" not in html
    assert 'id="text-problems"' not in html


def test_a_worker_sees_her_own_cases_texts_and_a_manager_her_organisations(
    web: FlaskClient, world: World, make: Factory, setup: Setup
) -> None:
    text(make, setup.ann_case, status=MessageStatus.FAILED, error_code=30005)
    text(make, setup.bea_case, status=MessageStatus.FAILED, error_code=30006)
    text(make, setup.dot_case, status=MessageStatus.FAILED, error_code=30007)

    sign_in(web, world.worker)
    assert [r[0] for r in problem_rows(web.get("/home").get_data(as_text=True))] == ["Ann Texter"]

    sign_in(web, world.manager)
    manager_home = web.get("/home").get_data(as_text=True)
    assert sorted(r[0] for r in problem_rows(manager_home)) == ["Ann Texter", "Bea Texter"]
    assert "Dot Texter" not in manager_home

    sign_in(web, world.other_org_worker)
    assert [r[0] for r in problem_rows(web.get("/home").get_data(as_text=True))] == ["Dot Texter"]


def test_the_case_page_shows_each_texts_delivery_state_and_the_replies(
    web: FlaskClient, world: World, make: Factory, setup: Setup
) -> None:
    text(
        make,
        setup.ann_case,
        status=MessageStatus.DELIVERED,
        kind="booking_confirmation",
        changed=NOW - timedelta(days=2),
    )
    text(
        make,
        setup.ann_case,
        status=MessageStatus.FAILED,
        error_code=30003,
        changed=NOW - timedelta(days=1),
    )
    text(make, setup.ann_case, status=MessageStatus.HELD, kind="appointment_two_hours")
    reply(
        make,
        setup.ann_case,
        worker_id=world.worker.id,
        body="YES",
        action=ReplyAction.CONFIRMED,
        received_at=NOW - timedelta(minutes=30),
        read_at=NOW,
    )
    reply(make, setup.ann_case, worker_id=world.worker.id, body="Can I bring my sister")
    reply(make, setup.bea_case, worker_id=world.colleague.id, body="Not about Ann")
    sign_in(web, world.worker)

    html = web.get(f"/cases/{setup.ann_case.id}").get_data(as_text=True)

    check_conventions(html)
    messages = re.search(r'<table class="govuk-table[^"]*" id="messages">.*?</table>', html, re.S)
    assert messages is not None
    states = main_text(messages.group(0))
    assert "Delivered" in states
    assert "Failed not delivered (code 30003)" in states
    assert "Held number not confirmed safe to text in the last 90 days" in states
    replies = re.search(r'<table class="govuk-table[^"]*" id="replies">.*?</table>', html, re.S)
    assert replies is not None
    shown = main_text(replies.group(0))
    assert "Tue 15 Dec 2026, 10:30 YES Confirmed appointment" in shown
    assert "Tue 15 Dec 2026, 10:00 Can I bring my sister Reply Unread" in shown
    assert "Not about Ann" not in html


def test_a_confirmed_appointment_says_so_on_the_case_appointment_and_diary_pages(
    web: FlaskClient, world: World, make: Factory, setup: Setup
) -> None:
    starts = datetime(2026, 12, 18, 14, 0, tzinfo=UTC)
    unconfirmed = make.appointment(
        case=setup.ann_case,
        venue=setup.venue,
        worker=world.worker,
        session_number=2,
        kind="care_plan",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    setup.ann_appointment.confirmed_at = datetime(2026, 12, 15, 9, 5, tzinfo=UTC)
    make.session.add(setup.ann_appointment)
    make.session.commit()
    sign_in(web, world.worker)

    case_page = web.get(f"/cases/{setup.ann_case.id}").get_data(as_text=True)
    check_conventions(case_page)
    appointments = re.search(
        r'<table class="govuk-table[^"]*" id="appointments">.*?</table>', case_page, re.S
    )
    assert appointments is not None
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", appointments.group(0), re.S)[1:]
    assert "Confirmed by text Tue 15 Dec 2026, 09:05" in main_text(rows[0])
    assert "Confirmed" not in main_text(rows[1])
    assert '<strong class="govuk-tag govuk-tag--green">Confirmed by text' in rows[0]

    page = web.get(f"/appointments/{setup.ann_appointment.id}").get_data(as_text=True)
    check_conventions(page)
    assert "Confirmed by text Tue 15 Dec 2026, 09:05" in main_text(page)
    other = web.get(f"/appointments/{unconfirmed.id}").get_data(as_text=True)
    assert "Confirmed by text" not in other

    diary = web.get("/diary?week=2026-12-14").get_data(as_text=True)
    check_conventions(diary)
    items = re.findall(r"<li><a class=\"govuk-link\" href=\"/appointments/.*?</li>", diary, re.S)
    assert len(items) == 2
    assert '<strong class="govuk-tag govuk-tag--green">Confirmed</strong>' in items[0]
    assert "Confirmed" not in items[1]
