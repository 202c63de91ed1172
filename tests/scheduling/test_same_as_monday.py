"""Monday to Friday, 9 to 5, is one entry, not ten (issue 13): "same as Monday" on a
worker's pattern and on a venue's opening hours."""

from __future__ import annotations

from datetime import time

from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.models import Venue, WorkingPeriod
from tests.conftest import World, sign_in
from tests.factories import Factory

PARTS = ("start", "end", "break_start", "break_end")


def blank_pattern() -> dict[str, str]:
    return {f"d{day}_{part}": "" for day in range(7) for part in PARTS}


def test_a_pattern_with_same_as_monday_saves_mondays_hours_and_break_for_each_weekday(
    web: FlaskClient, world: World, make: Factory
) -> None:
    sign_in(web, world.manager)
    data = blank_pattern() | {
        "d0_start": "09:00",
        "d0_end": "17:00",
        "d0_break_start": "13:00",
        "d0_break_end": "13:30",
        "d2_start": "07:00",  # overwritten: she said Tuesday to Friday are Monday's
        "d2_end": "08:00",
        "d5_start": "10:00",  # Saturday keeps its own hours
        "d5_end": "12:00",
        "same_weekdays": "y",
    }
    page = web.get(f"/availability/workers/{world.worker.id}").get_data(as_text=True)
    assert 'name="same_weekdays"' in page

    response = web.post(f"/availability/workers/{world.worker.id}", data=data)
    assert response.status_code == 302
    make.session.expire_all()
    periods = make.session.scalars(
        select(WorkingPeriod).where(WorkingPeriod.user_id == world.worker.id)
    ).all()
    got = sorted((p.weekday, p.starts, p.ends, p.is_break) for p in periods)
    weekdays = [
        row
        for day in range(5)
        for row in ((day, time(9), time(17), False), (day, time(13), time(13, 30), True))
    ]
    assert got == sorted([*weekdays, (5, time(10), time(12), False)])


def test_a_venue_with_same_as_monday_is_open_monday_to_friday(
    web: FlaskClient, world: World, make: Factory
) -> None:
    sign_in(web, world.admin)
    data = {
        "organisation_id": str(world.project.id),
        "name": "Riverside Women's Centre",
        "neutral_name": "Station Road office",
        "address": "1 Station Road\nLondon\nSE99 9ZZ",
        "opens_0": "09:00",
        "closes_0": "17:00",
        "same_weekdays": "y",
        "active": "y",
    }
    assert 'name="same_weekdays"' in web.get("/admin/venues/new").get_data(as_text=True)

    response = web.post("/admin/venues/new", data=data)
    assert response.status_code == 302
    make.session.expire_all()
    venue = make.session.scalar(select(Venue).where(Venue.name == "Riverside Women's Centre"))
    assert venue is not None
    assert venue.opening_hours == {str(day): [["09:00", "17:00"]] for day in range(5)}

    # Monday's mistake is reported once, on Monday, not five times.
    wrong = web.post("/admin/venues/new", data=data | {"opens_0": "9am", "name": "Second"})
    assert wrong.status_code == 200
    assert wrong.get_data(as_text=True).count("must be a real time") == 2  # summary and field
