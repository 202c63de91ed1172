"""Calendar files and the subscription feed, parsed back with icalendar.

The feed's address holds its secret: only the secret's hash is stored, the address is shown
once (on PUBLIC_BASE_URL), and a new password, a set-up link used, a disabled account or a
two-factor reset turns the feed off."""

from __future__ import annotations

import hashlib
import html
import logging
import re
from datetime import UTC, datetime, time
from urllib.parse import urlsplit

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select, text

from diversion.db import db
from diversion.formatting import LONDON
from diversion.models import AuditEvent, User
from tests.conftest import World, set_up_link, sign_in
from tests.factories import PASSWORD, Factory

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
    public_host = urlsplit(web.application.config["PUBLIC_BASE_URL"]).hostname
    assert event["uid"] == f"appointment-{appointment.id}@{public_host}"
    # The request came to "localhost": the UID names the public host, whatever the address.
    assert public_host != "localhost"
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


# The subscription feed -------------------------------------------------------------------------

PUBLIC = "https://diversion.example.org"
NEW_PASSWORD = "lanterns over the quiet harbour"


def make_feed(web: FlaskClient) -> str:
    """Turn her feed on (or make a new address): the address, read off the page that answers."""
    response = web.post("/calendar-feed", data={"action": "issue"})
    assert response.status_code == 200, response.status_code
    found = re.search(r'<code id="feed-url"[^>]*>([^<]+)</code>', response.get_data(as_text=True))
    assert found, "the new address is on the page that answers the request"
    return html.unescape(found.group(1))


def path_of(address: str) -> str:
    return urlsplit(address).path


def token_of(address: str) -> str:
    return path_of(address).rsplit("/", 1)[1].removesuffix(".ics")


def feed_status(app: Flask, address: str) -> int:
    return app.test_client().get(path_of(address)).status_code


def raw_user_row(app: Flask, user_id: int) -> str:
    """Every column of her user_account row as the database holds it, as one string."""
    with app.app_context():
        row = db.session.execute(
            text("SELECT * FROM user_account WHERE id = :id"), {"id": user_id}
        ).one()
        db.session.rollback()
    return " ".join(str(value) for value in row)


@time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=UTC), tick=False)
def test_the_feed_needs_its_secret_token_which_can_be_renewed_and_revoked(app, web, world, booked):
    sign_in(web, world.worker)
    address = make_feed(web)
    anonymous = app.test_client()
    feed = anonymous.get(path_of(address))
    assert feed.status_code == 200
    assert len(parse(feed.data)) == 1
    assert b"Zelda" not in feed.data
    assert anonymous.get("/calendar/" + "x" * 43 + ".ics").status_code == 404
    wrong = token_of(address)[:-1] + ("A" if token_of(address)[-1] != "A" else "B")
    assert anonymous.get(f"/calendar/{wrong}.ics").status_code == 404

    renewed = make_feed(web)  # "Make a new address": the old one stops at once
    assert renewed != address
    assert feed_status(app, address) == 404
    assert feed_status(app, renewed) == 200

    web.post("/calendar-feed", data={"action": "revoke"})
    assert feed_status(app, renewed) == 404
    assert "You have no calendar feed" in web.get("/calendar-feed").get_data(as_text=True)


@time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=UTC), tick=False)
def test_the_database_never_holds_the_secret_and_the_address_is_shown_once(
    app, web, world, booked, caplog
):
    caplog.set_level(logging.DEBUG)
    sign_in(web, world.worker)
    address = make_feed(web)
    token = token_of(address)
    assert len(token) >= 43  # 256 random bits

    stored = raw_user_row(app, world.worker.id)
    assert token not in stored
    with app.app_context():
        saved = db.session.get(User, world.worker.id)
        assert saved is not None
        assert saved.calendar_token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert saved.calendar_token_created_at == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
        details = db.session.scalars(select(AuditEvent.detail)).all()
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "calendar_feed_issued" in actions
    assert not any(token in (detail or "") for detail in details)
    assert token not in caplog.text
    assert feed_status(app, address) == 200

    # A reload (or any later visit) says that the feed is on, and when it was made: never the
    # address, which is nowhere to be read again.
    again = web.get("/calendar-feed").get_data(as_text=True)
    assert token not in again
    assert 'id="feed-url"' not in again
    assert "Your calendar feed is on" in again and "1 June 2026" in again
    assert "Make a new address" in again and "Turn off the calendar feed" in again
    assert token not in web.get("/calendar-feed").get_data(as_text=True)
    cookies = " ".join(cookie.value for cookie in web._cookies.values())
    assert token not in cookies
    assert feed_status(app, address) == 200


def test_the_address_is_on_the_public_address_whatever_host_the_request_names(app, web, world):
    app.config["PUBLIC_BASE_URL"] = PUBLIC + "/"
    web.environ_base["HTTP_HOST"] = "attacker.example"  # every request of hers names it
    sign_in(web, world.worker)

    address = make_feed(web)

    assert address.startswith(f"{PUBLIC}/calendar/") and address.endswith(".ics")
    assert "attacker" not in address
    assert feed_status(app, address) == 200


def change_password(web: FlaskClient) -> None:
    response = web.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def disable(app: Flask, world: World, *, active: bool = False) -> None:
    admin = app.test_client()
    sign_in(admin, world.admin)
    worker = world.worker
    data = {
        "name": worker.name,
        "role": worker.role.value,
        "organisation_id": str(worker.organisation_id),
    }
    if active:
        data["active"] = "y"
    response = admin.post(f"/admin/users/{worker.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_changing_her_password_turns_her_feed_off(app, web, world, make):
    sign_in(web, world.worker)
    address = make_feed(web)
    assert feed_status(app, address) == 200

    change_password(web)

    assert feed_status(app, address) == 404
    assert "You have no calendar feed" in web.get("/calendar-feed").get_data(as_text=True)
    with app.app_context():
        revoked = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "calendar_feed_revoked")
        ).one()
        assert (revoked.detail, revoked.object_id) == ("password_changed", world.worker.id)


def test_a_password_chosen_through_a_set_up_link_turns_her_feed_off(app, web, world):
    sign_in(web, world.worker)
    address = make_feed(web)

    chosen = app.test_client().post(set_up_link(app, world.worker), data={"password": NEW_PASSWORD})

    assert chosen.status_code == 302
    assert feed_status(app, address) == 404


def test_disabling_her_account_turns_her_feed_off_for_good(app, web, world):
    sign_in(web, world.worker)
    address = make_feed(web)

    disable(app, world)
    assert feed_status(app, address) == 404
    disable(app, world, active=True)  # enabled again: the old address stays dead

    assert feed_status(app, address) == 404
    assert world.worker.id and token_of(address) not in raw_user_row(app, world.worker.id)
    with app.app_context():
        saved = db.session.get(User, world.worker.id)
        assert saved is not None and saved.active
        assert saved.calendar_token_hash is None and saved.calendar_token_created_at is None


def test_an_administrators_two_factor_reset_turns_her_feed_off(app, web, world):
    sign_in(web, world.worker)
    address = make_feed(web)
    admin = app.test_client()
    sign_in(admin, world.admin)

    response = admin.post(f"/admin/users/{world.worker.id}/two-factor/reset")

    assert response.status_code == 302
    assert feed_status(app, address) == 404


def test_another_organisations_appointment_file_is_not_found(web, world, booked):
    _case, appointment = booked
    sign_in(web, world.other_worker)
    assert web.get(f"/appointments/{appointment.id}.ics").status_code == 404
