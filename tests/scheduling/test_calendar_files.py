"""Calendar files and the subscription feed, parsed back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import time_machine
from icalendar import Calendar

from diversion.db import db
from diversion.formatting import LONDON
from diversion.models import User
from tests.conftest import World, sign_in
from tests.factories import Factory

SUMMER = datetime(2026, 6, 10, 9, 30, tzinfo=UTC)  # 10:30 in London (BST)


@pytest.fixture
def booked(make: Factory, world: World):
    venue = make.venue(organisation=world.project, name="Riverside office")
    client = make.client(organisation=world.project, first_name="Zelda", last_name="Quarry")
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    appointment = make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=SUMMER,
        ends_at=SUMMER.replace(hour=11),
    )
    return case, appointment


def parse(body: bytes) -> list:
    calendar = Calendar.from_ical(body)
    return [c for c in calendar.walk("VEVENT")]


def test_an_appointment_file_has_a_stable_uid_london_times_and_no_client_name(web, world, booked):
    case, appointment = booked
    sign_in(web, world.worker)
    response = web.get(f"/appointments/{appointment.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.data
    assert b"Zelda" not in body and b"Quarry" not in body
    (event,) = parse(body)
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "Europe/London"
    assert start.astimezone(LONDON).time() == time(10, 30)
    assert event["uid"] == f"appointment-{appointment.id}@localhost"
    assert case.reference in str(event["summary"]) and "Z.Q." in str(event["summary"])
    assert b"BEGIN:VTIMEZONE" in body
    again = parse(web.get(f"/appointments/{appointment.id}.ics").data)[0]
    assert again["uid"] == event["uid"]


@time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=UTC), tick=False)
def test_the_sequence_rises_and_a_cancellation_says_cancelled(web, world, booked):
    _case, appointment = booked
    sign_in(web, world.worker)
    before = parse(web.get(f"/appointments/{appointment.id}.ics").data)[0]
    cancelled = web.post(
        f"/appointments/{appointment.id}/cancel",
        data={
            "by": "service",
            "court_wording": "Cancelled by the project",
            "reason": "Staff ill",
        },
    )
    assert cancelled.status_code == 302
    after = parse(web.get(f"/appointments/{appointment.id}.ics").data)[0]
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert str(after["status"]) == "CANCELLED"
    assert str(before["status"]) == "CONFIRMED"
    assert after["uid"] == before["uid"]


@time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=UTC), tick=False)
def test_the_feed_needs_its_secret_token_which_can_be_revoked(app, web, world, booked):
    sign_in(web, world.worker)
    assert web.post("/calendar-feed", data={"action": "issue"}).status_code == 302
    with app.app_context():
        token = db.session.get(User, world.worker.id).calendar_token
    assert token
    anonymous = app.test_client()
    feed = anonymous.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200
    assert len(parse(feed.data)) == 1
    assert b"Zelda" not in feed.data
    assert anonymous.get("/calendar/" + "x" * 43 + ".ics").status_code == 404
    web.post("/calendar-feed", data={"action": "revoke"})
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 404


def test_another_organisations_appointment_file_is_not_found(web, world, booked):
    _case, appointment = booked
    sign_in(web, world.other_worker)
    assert web.get(f"/appointments/{appointment.id}.ics").status_code == 404
