"""A case that can no longer finish is flagged, with the reason (issue 13): the pure rule,
table-driven, then the home page and the case page of a case with nothing booked and no
room left, which used to read "3 days left" like a case already complied."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import time_machine
from flask.testing import FlaskClient

from diversion.models import AppointmentStatus
from scheduling.at_risk import cannot_finish
from tests.conftest import World, sign_in
from tests.factories import Factory

NAMES = ("Comprehensive assessment", "Care-plan session")
LAST = date(2026, 12, 24)  # Thursday: court Wed 2 Dec, return Wed 30 Dec 2026


@pytest.mark.parametrize(
    ("today", "attended", "booked", "flagged"),
    [
        # Nothing booked, room for both (gap 2): fine.
        (date(2026, 12, 22), set(), {}, None),
        # Nothing booked and one day short: flagged, naming both sessions.
        (date(2026, 12, 23), set(), {}, "earliest finish is Fri 25 Dec 2026"),
        # The last day itself: the second session cannot follow.
        (date(2026, 12, 24), set(), {}, "earliest finish is Sat 26 Dec 2026"),
        # Both booked in time: not this rule's business (they may yet be missed).
        (date(2026, 12, 23), set(), {1: date(2026, 12, 21), 2: date(2026, 12, 23)}, None),
        # First attended; second not booked, one day left: it fits today.
        (date(2026, 12, 24), {1}, {}, None),
        # First booked for the 23rd, second unbooked: earliest the 25th, too late.
        (date(2026, 12, 22), set(), {1: date(2026, 12, 23)}, "the earliest it could be is"),
        # Both attended: complied, never at risk.
        (date(2026, 12, 28), {1, 2}, {}, None),
        # After the last appointment date with a session never booked.
        (date(2026, 12, 28), {1}, {}, "has passed and the care-plan session is not booked"),
    ],
)
def test_cannot_finish(
    today: date, attended: set[int], booked: dict[int, date], flagged: str | None
) -> None:
    reason = cannot_finish(
        today=today,
        last_day=LAST,
        session_names=NAMES,
        attended=attended,
        booked_days=booked,
        min_gap_days=2,
    )
    if flagged is None:
        assert reason is None
    else:
        assert reason is not None and flagged in reason


def test_a_gap_of_zero_lets_both_sessions_happen_on_the_last_day() -> None:
    assert (
        cannot_finish(
            today=LAST,
            last_day=LAST,
            session_names=NAMES,
            attended=set(),
            booked_days={},
            min_gap_days=0,
        )
        is None
    )


@contextmanager
def signed_in_at(web: FlaskClient, user: object, when: datetime) -> Iterator[None]:
    with time_machine.travel(when, tick=False):
        sign_in(web, user)  # type: ignore[arg-type]
        yield


def words(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_a_case_with_nothing_booked_and_no_room_left_is_at_risk_on_home_and_case_pages(
    web: FlaskClient, world: World, make: Factory
) -> None:
    client = make.client(organisation=world.project, first_name="Nell", last_name="Tester")
    stuck = make.accepted_case(client=client, court=world.court, worker=world.worker)
    fine_client = make.client(organisation=world.project, first_name="Ada", last_name="Fine")
    fine = make.accepted_case(client=fine_client, court=world.court, worker=world.worker)
    venue = make.venue(organisation=world.project)
    for number, day in ((1, 21), (2, 23)):
        start = datetime(2026, 12, day, 10, tzinfo=UTC)
        make.appointment(
            case=fine,
            venue=venue,
            worker=world.worker,
            session_number=number,
            kind="assessment" if number == 1 else "care_plan",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            status=AppointmentStatus.BOOKED,
        )

    with signed_in_at(web, world.worker, datetime(2026, 12, 23, 9, 0, tzinfo=UTC)):
        home = words(web.get("/home").get_data(as_text=True))
        page = words(web.get(f"/cases/{stuck.id}").get_data(as_text=True))
        other = words(web.get(f"/cases/{fine.id}").get_data(as_text=True))

    at_risk = home.split("At risk: cannot complete before the return date", 1)
    assert len(at_risk) == 2, "no at-risk list on the home page"
    listed = at_risk[1].split("Appointments waiting", 1)[0].split("Court date coming", 1)[0]
    assert "Nell Tester" in listed and "Ada Fine" not in listed
    assert "earliest finish is Fri 25 Dec 2026" in listed
    assert "At risk. The comprehensive assessment and the care-plan session cannot all fit" in (
        page
    )
    assert "At risk." not in other
