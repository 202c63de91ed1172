"""Booking pages, the appointment page, attendance and the diary, through HTTP."""
# ruff: noqa: RUF001  (the diary writes time ranges with an en dash, as GOV.UK style does)

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time

import pytest
import time_machine

from diversion.models import Appointment, AppointmentStatus, Case, WorkingPeriod
from tests.conftest import World, sign_in
from tests.factories import Factory

COURT_DAY_NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def setup(make: Factory, world: World):
    for worker in (world.worker, world.colleague):
        for day in range(5):
            make.session.add(
                WorkingPeriod(user_id=worker.id, weekday=day, starts=time(9), ends=time(17))
            )
    make.session.commit()
    venue = make.venue(organisation=world.project)
    client = make.client(organisation=world.project, first_name="Nell", last_name="Tester")
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    return case, venue


@contextmanager
def signed_in_at(web, user, when: datetime) -> Iterator[None]:
    """Freeze the clock and sign in then (sessions end after 30 idle minutes)."""
    with time_machine.travel(when, tick=False):
        sign_in(web, user)
        yield


def appointments(make: Factory, case: Case) -> list[Appointment]:
    make.session.expire_all()
    return list(
        make.session.query(Appointment)
        .filter_by(case_id=case.id)
        .order_by(Appointment.session_number, Appointment.id)
    )


def test_the_booking_page_shows_the_plan_with_its_slack_and_books_both_sessions(
    web, world, setup, make
):
    case, _venue = setup
    with signed_in_at(web, world.worker, COURT_DAY_NOON):
        page = web.get(f"/cases/{case.id}/book")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Comprehensive assessment" in text and "Care-plan session" in text
        assert "Wednesday 2 December 2026, 14:00" in text
        assert "Latest possible start" in text
        chosen = dict(re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"[^>]*checked', text))
        assert set(chosen) == {"session-1", "session-2"}
        done = web.post(f"/cases/{case.id}/book", data={**chosen, "venue_id": _venue.id})
        assert done.status_code == 302
    rows = appointments(make, case)
    assert [(a.session_number, a.status) for a in rows] == [
        (1, AppointmentStatus.BOOKED),
        (2, AppointmentStatus.BOOKED),
    ]


def test_a_time_taken_meanwhile_shows_a_clear_message_and_fresh_proposals(
    web, app, world, setup, make
):
    case, venue = setup
    other_case = make.accepted_case(
        client=make.client(organisation=world.project), court=world.court, worker=world.worker
    )
    with signed_in_at(web, world.worker, COURT_DAY_NOON):
        text = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        chosen = dict(re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"[^>]*checked', text))
        # A colleague books the same times for another woman first.
        assert (
            web.post(
                f"/cases/{other_case.id}/book", data={**chosen, "venue_id": venue.id}
            ).status_code
            == 302
        )
        again = web.post(f"/cases/{case.id}/book", data={**chosen, "venue_id": venue.id})
        assert again.status_code == 200
        body = again.get_data(as_text=True)
        assert "is no longer free" in body
        assert "There is a problem" in body
        # Nothing she did not choose is checked for her; the taken times are not offered again
        # and the fresh earliest times come first.
        assert not re.search(r'name="session-\d"[^>]*checked', body)
        offered = re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"', body)
        assert not set(chosen.items()) & set(offered)
        assert {name for name, _value in offered} == {"session-1", "session-2"}
    assert appointments(make, case) == []


def test_marking_a_missed_appointment_keeps_its_row_and_offers_a_rebooking(web, world, setup, make):
    case, venue = setup
    with signed_in_at(web, world.worker, COURT_DAY_NOON):
        text = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        chosen = dict(re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"[^>]*checked', text))
        web.post(f"/cases/{case.id}/book", data={**chosen, "venue_id": venue.id})
    first = appointments(make, case)[0]
    with signed_in_at(web, world.worker, datetime(2026, 12, 2, 16, 0, tzinfo=UTC)):
        page = web.get(f"/appointments/{first.id}")
        assert "Did she attend?" in page.get_data(as_text=True)
        unchosen = web.post(
            f"/appointments/{first.id}/attendance", data={"attended": "no", "reason": "Unwell"}
        )
        assert unchosen.status_code == 200
        assert "Select what the court is told about the missed appointment" in unchosen.get_data(
            as_text=True
        )
        response = web.post(
            f"/appointments/{first.id}/attendance",
            data={"attended": "no", "court_wording": "No reason given", "reason": "Unwell"},
        )
        assert response.status_code == 302
        rebook = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        assert "Comprehensive assessment" in rebook
        case_page = web.get(f"/cases/{case.id}").get_data(as_text=True)
        assert "Earliest rebooking that still fits the window" in case_page
        # Two hours' notice from 16:00 leaves nothing today: Thursday first thing.
        assert "Comprehensive assessment: Thursday 3 December 2026, 09:00" in case_page
    rows = appointments(make, case)
    assert rows[0].status is AppointmentStatus.DID_NOT_ATTEND
    assert rows[0].reason == "Unwell"
    assert rows[0].court_wording == "No reason given"


def test_cancelling_needs_who_and_why_and_keeps_the_row(web, world, setup, make):
    case, venue = setup
    with signed_in_at(web, world.worker, COURT_DAY_NOON):
        text = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        chosen = dict(re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"[^>]*checked', text))
        web.post(f"/cases/{case.id}/book", data={**chosen, "venue_id": venue.id})
        second = appointments(make, case)[1]
        empty = web.post(f"/appointments/{second.id}/cancel", data={})
        assert empty.status_code == 200
        assert "Select who cancelled" in empty.get_data(as_text=True)
        assert "Select what the court is told" in empty.get_data(as_text=True)
        # Only the requirement type's wordings: anything typed in their place is refused.
        typed = web.post(
            f"/appointments/{second.id}/cancel",
            data={"by": "client", "court_wording": "She was in hospital"},
        )
        assert typed.status_code == 200
        assert "Select what the court is told" in typed.get_data(as_text=True)
        done = web.post(
            f"/appointments/{second.id}/cancel",
            data={
                "by": "client",
                "court_wording": "Rearranged at her request",
                "reason": "Childcare",
            },
        )
        assert done.status_code == 302
    row = appointments(make, case)[1]
    assert row.status is AppointmentStatus.CANCELLED_BY_CLIENT and row.reason == "Childcare"
    assert row.court_wording == "Rearranged at her request"


def test_the_diary_shows_bookings_and_free_time_for_the_week(web, world, setup):
    case, venue = setup
    with signed_in_at(web, world.worker, COURT_DAY_NOON):
        text = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        chosen = dict(re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"[^>]*checked', text))
        web.post(f"/cases/{case.id}/book", data={**chosen, "venue_id": venue.id})
        diary = web.get("/diary?week=2026-11-30").get_data(as_text=True)
    assert "14:00–15:30" in diary
    assert "Free: 09:00–14:00, 15:30–17:00" not in diary  # before now + notice is not free
    assert "Free: 15:30–17:00" in diary
    # Who and what, to her own organisation: her name, the session and the venue.
    entry = re.search(r"<li><a [^>]*>14:00–15:30 (.*?)</li>", diary, re.S)
    assert entry is not None
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", entry.group(1)))
    assert f"Nell Tester : Comprehensive assessment at {venue.name} ({case.reference})" in words


def test_a_manager_edits_a_workers_pattern_and_absence(web, world, make):
    sign_in(web, world.manager)
    data = {f"d{d}_{p}": "" for d in range(7) for p in ("start", "end", "break_start", "break_end")}
    data.update(
        {"d0_start": "09:30", "d0_end": "17:00", "d0_break_start": "13:00", "d0_break_end": "14:00"}
    )
    assert web.post(f"/availability/workers/{world.worker.id}", data=data).status_code == 302
    bad = dict(data, d1_start="18:00", d1_end="09:00")
    page = web.post(f"/availability/workers/{world.worker.id}", data=bad)
    assert page.status_code == 200
    assert "Tuesday: finishing time must be after starting time" in page.get_data(as_text=True)
    make.session.expire_all()
    periods = make.session.query(WorkingPeriod).filter_by(user_id=world.worker.id).all()
    assert sorted((p.weekday, p.starts, p.is_break) for p in periods) == [
        (0, time(9, 30), False),
        (0, time(13), True),
    ]
    assert web.get(f"/availability/workers/{world.other_worker.id}").status_code == 404


def test_home_lists_appointments_waiting_for_attendance_and_managers_see_cases_at_risk(
    web, world, setup, make
):
    case, venue = setup
    with signed_in_at(web, world.worker, COURT_DAY_NOON):
        text = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        chosen = dict(re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"[^>]*checked', text))
        web.post(f"/cases/{case.id}/book", data={**chosen, "venue_id": venue.id})
    late = datetime(2026, 12, 24, 16, 0, tzinfo=UTC)
    with signed_in_at(web, world.worker, late):
        home = web.get("/home").get_data(as_text=True)
        assert "Appointments waiting for attendance (2)" in home
        first, second = appointments(make, case)
        web.post(f"/appointments/{first.id}/attendance", data={"attended": "yes"})
        web.post(
            f"/appointments/{second.id}/attendance",
            data={"attended": "no", "court_wording": "No reason given"},
        )
        page = web.get(f"/cases/{case.id}").get_data(as_text=True)
        assert "At risk. Cannot complete before the return date" in page
    manager = web.application.test_client()
    with signed_in_at(manager, world.manager, late):
        home = manager.get("/home").get_data(as_text=True)
    assert "At risk: cannot complete before the return date" in home
    assert "Nell Tester" in home


def test_a_venue_closure_moves_the_proposal_past_the_closed_days(web, world, setup):
    case, venue = setup
    with signed_in_at(web, world.manager, COURT_DAY_NOON):
        response = web.post(
            f"/availability/venues/{venue.id}",
            data={
                "first_day": ["2", "12", "2026"],
                "last_day": ["4", "12", "2026"],
                "reason": "Boiler repair",
            },
        )
        assert response.status_code == 302
    with signed_in_at(web, world.worker, COURT_DAY_NOON):
        text = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
    assert "Monday 7 December 2026, 09:00" in text  # first day after the closure
    assert "Wednesday 2 December 2026, 14:00" not in text


def test_moving_booked_appointments_asks_who_and_why_and_keeps_the_old_rows(
    web, world, setup, make
):
    case, venue = setup
    with signed_in_at(web, world.worker, COURT_DAY_NOON):
        text = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        chosen = dict(re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"[^>]*checked', text))
        web.post(f"/cases/{case.id}/book", data={**chosen, "venue_id": venue.id})
        page = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        assert "Moving booked appointments" in page
        picks = dict(re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"[^>]*checked', page))
        refused = web.post(f"/cases/{case.id}/book", data={**picks, "venue_id": venue.id})
        assert refused.status_code == 200
        body = refused.get_data(as_text=True)
        assert "Select who asked to move the appointments" in body
        assert "Select what the court is told about the move" in body
        assert "Enter why the appointments are moving" in body
        # Who asked is kept after the error, with the chosen times.
        half = web.post(
            f"/cases/{case.id}/book", data={**picks, "venue_id": venue.id, "moved_by": "client"}
        ).get_data(as_text=True)
        assert re.search(r'value="client"\s+checked', half)
        assert checked(half) == picks
        assert "Select who asked" not in half and "Enter why the appointments" in half
        moved = web.post(
            f"/cases/{case.id}/book",
            data={
                **picks,
                "venue_id": venue.id,
                "moved_by": "client",
                "move_wording": "Rearranged at her request",
                "move_reason": "Starts a new job",
            },
        )
        assert moved.status_code == 302
    rows = appointments(make, case)
    old = [a for a in rows if a.status is AppointmentStatus.RESCHEDULED]
    assert len(old) == 2
    assert all(a.successor_id and a.reason == "She asked: Starts a new job" for a in old)
    assert all(a.court_wording == "Rearranged at her request" for a in old)
    assert len([a for a in rows if a.status is AppointmentStatus.BOOKED]) == 2


# --- choosing any free time (issue 13) ------------------------------------------------------

RADIO = re.compile(r'<input[^>]*name="(session-\d)"[^>]*value="([^"]+)"([^>]*)>')


def offered(body: str, name: str) -> list[str]:
    """The values of a session's radios, in page order."""
    return [value for field, value, _rest in RADIO.findall(body) if field == name]


def checked(body: str) -> dict[str, str]:
    return {field: value for field, value, rest in RADIO.findall(body) if "checked" in rest}


def starts(values: list[str]) -> list[datetime]:
    return [datetime.fromisoformat(v.split("|")[1]).replace(tzinfo=UTC) for v in values]


def test_after_an_error_the_page_keeps_her_choices_and_links_the_summary_to_the_time(
    web, world, setup, make
):
    case, _venue = setup
    later = make.venue(organisation=world.project, name="Zinnia Centre")
    with signed_in_at(web, world.worker, COURT_DAY_NOON):
        page = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        # Rules first, in plain words: the order, the gap and the last date.
        rules = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split('id="plan"')[0]))
        assert "Book these sessions, in this order: Comprehensive assessment" in rules
        assert "at least 2 days after the one before it" in rules
        assert "on or before Thursday 24 December 2026" in rules
        thursday = offered(page, "session-1")[1]  # not the proposal
        assert thursday.endswith("2026-12-03T09:00")
        friday = checked(page)["session-2"]  # only one day after Thursday
        response = web.post(
            f"/cases/{case.id}/book",
            data={"session-1": thursday, "session-2": friday, "venue_id": later.id},
        )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert re.search(r"<title>\s*Error: Book appointments", body)
    assert (
        "Care-plan session must be at least 2 days after the comprehensive assessment: "
        "choose a time on or after Saturday 5 December 2026"
    ) in body
    assert 'href="#session-2"' in body and 'id="session-2"' in body
    # Her choices stay: the Thursday assessment and the venue; the refused time is not
    # re-checked (nor replaced by one she never chose).
    assert checked(body) == {"session-1": thursday}
    assert re.search(rf'<option value="{later.id}"\s+selected', body)
    assert all(s >= datetime(2026, 12, 5, tzinfo=UTC) for s in starts(offered(body, "session-2")))
    assert appointments(make, case) == []


def test_a_time_on_a_day_of_her_own_books_exactly_that_time(web, world, setup, make):
    case, venue = setup
    with signed_in_at(web, world.worker, COURT_DAY_NOON):
        first = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        assert '<option value="2026-12-10">Thursday 10 December 2026</option>' in first
        page = web.get(f"/cases/{case.id}/book?session-1-day=2026-12-10").get_data(as_text=True)
        times = offered(page, "session-1")
        assert times[0] == checked(page)["session-1"]  # the proposal, still first and chosen
        own = f"{world.worker.id}|2026-12-10T11:15"
        assert own in times and own not in offered(first, "session-1")
        # Choosing it and updating the later times: the care-plan session follows it.
        update = web.post(
            f"/cases/{case.id}/book",
            data={"session-1": own, "session-1-day": "2026-12-10", "action": "refresh"},
        ).get_data(as_text=True)
        assert checked(update)["session-1"] == own
        assert 'value="2026-12-10" selected' in update
        follows = checked(update)["session-2"]
        assert follows.endswith("2026-12-14T09:00")  # two days later is a Saturday
        done = web.post(
            f"/cases/{case.id}/book",
            data={"session-1": own, "session-2": follows, "venue_id": venue.id},
        )
        assert done.status_code == 302
    rows = appointments(make, case)
    assert [a.starts_at.replace(tzinfo=UTC) for a in rows] == [
        datetime(2026, 12, 10, 11, 15, tzinfo=UTC),
        datetime(2026, 12, 14, 9, 0, tzinfo=UTC),
    ]


def test_the_later_sessions_times_all_keep_the_gap_after_the_chosen_earlier_one(
    web, world, setup, make
):
    case, _venue = setup
    with signed_in_at(web, world.worker, COURT_DAY_NOON):
        page = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        monday = offered(page, "session-1")[-1]
        assert monday.endswith("2026-12-07T09:00")
        data = {"session-1": monday, "session-2-day": "2026-12-16", "action": "refresh"}
        body = web.post(f"/cases/{case.id}/book", data=data).get_data(as_text=True)
    assert checked(body)["session-1"] == monday
    later = starts(offered(body, "session-2"))
    assert len(later) > 10  # the 16th's free times are listed too
    assert min(later) == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    days = re.findall(r'<option value="(\d{4}-\d\d-\d\d)"', body.split('id="session-2-day"')[1])
    assert days and min(days) == "2026-12-09"
    assert appointments(make, case) == []


def test_the_venue_is_where_she_was_last_seen_else_her_workers_usual(web, world, setup, make):
    case, first = setup  # "Test venue"
    usual = make.venue(organisation=world.project, name="Willow House")
    seen = make.venue(organisation=world.project, name="Vale Centre")
    # Her worker sees most women at Willow House.
    for n in range(2):
        other = make.accepted_case(
            client=make.client(organisation=world.project), court=world.court, worker=world.worker
        )
        at = datetime(2026, 11, 2 + n, 10, tzinfo=UTC)
        make.appointment(
            case=other,
            venue=usual,
            worker=world.worker,
            starts_at=at,
            ends_at=at.replace(hour=11),
            status=AppointmentStatus.ATTENDED,
        )

    def selected() -> str:
        with signed_in_at(web, world.worker, COURT_DAY_NOON):
            body = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        found = re.search(r'<option value="(\d+)"\s+selected', body)
        assert found is not None
        return found.group(1)

    assert selected() == str(usual.id)
    # She was seen at Vale Centre on an earlier case of hers: that comes first.
    earlier = make.case(client=case.client, court=world.court, worker=world.colleague)
    at = datetime(2025, 6, 2, 10, tzinfo=UTC)
    make.appointment(
        case=earlier,
        venue=seen,
        worker=world.colleague,
        starts_at=at,
        ends_at=at.replace(hour=11),
        status=AppointmentStatus.ATTENDED,
    )
    assert selected() == str(seen.id)
    assert first.name < seen.name < usual.name  # neither is the first alphabetically
