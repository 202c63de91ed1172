"""Addresses and query strings that name no row or no real day answer 404 or the default page,
never a 500 (issue 12): a database id is at most 2^63 - 1, a date lies within the service's years.

SQLite raises OverflowError binding an integer beyond 64 bits, and `date + timedelta` raises it
past year 9999; both used to escape as 500s.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from diversion.fields import MAX_ID
from tests.conftest import World, signed_in_client

HUGE = (2**31, 2**63, 2**64, 10**30)
WEEK = re.compile(r"Week beginning [^<]+|week=[0-9-]+")


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "9999-12-27", "1999-12-31"])
def test_a_diary_week_outside_the_calendar_shows_this_week(
    app: Flask, world: World, week: str
) -> None:
    web = signed_in_client(app, world.worker)
    this_week = WEEK.findall(web.get("/diary").get_data(as_text=True))
    assert len(this_week) == 3, this_week
    response = web.get(f"/diary?week={week}")
    assert response.status_code == 200
    assert WEEK.findall(response.get_data(as_text=True)) == this_week


@pytest.mark.parametrize("worker", ["99999999999999999999", str(2**63), "-1", "1_0", "x"])
def test_a_diary_worker_that_names_no_row_is_not_a_server_error(
    app: Flask, world: World, worker: str
) -> None:
    response = signed_in_client(app, world.manager).get(f"/diary?worker={worker}")
    assert response.status_code in (200, 404)


def test_the_largest_id_a_row_can_have_is_still_looked_up(app: Flask, world: World) -> None:
    web = signed_in_client(app, world.manager)
    assert web.get(f"/clients/{MAX_ID}").status_code == 404
    assert web.get(f"/diary?worker={MAX_ID}").status_code == 404


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize(
    "path",
    [
        "/clients/{}",
        "/cases/{}",
        "/appointments/{}",
        "/appointments/{}.ics",
        "/reports/{}.pdf",
        "/court/{}/list",
        "/availability/workers/{}",
    ],
)
def test_an_id_beyond_any_row_answers_404(app: Flask, world: World, path: str, number: int) -> None:
    user = world.admin if path.startswith("/availability") else world.manager
    response = signed_in_client(app, user).get(path.format(number))
    assert response.status_code == 404


def test_the_issue_addresses(app: Flask, world: World) -> None:
    web = signed_in_client(app, world.manager)
    assert web.get("/clients/18446744073709551616").status_code == 404
    assert web.get("/diary?week=9999-12-31").status_code == 200
    assert web.get("/diary?week=0001-01-01").status_code == 200
    assert web.get("/diary?worker=99999999999999999999").status_code in (200, 404)
