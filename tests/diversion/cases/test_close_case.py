"""Closing a case: completed or withdrawn, with a reason; her future appointments and her
reminders are cancelled in the same transaction, and the closing time starts retention."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import time_machine
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from diversion.cases import services as cases
from diversion.db import db
from diversion.errors import RuleBroken
from diversion.models import (
    Appointment,
    AppointmentStatus,
    AuditEvent,
    Case,
    CaseEvent,
    CaseStatus,
    Client,
    MessageStatus,
    OutboxMessage,
    User,
)
from notifications.outbox import sync_court_reminders
from tests.conftest import World, sign_in
from tests.diversion.test_fuzz_forms import check_answer, form_data, row_counts, text
from tests.factories import Factory

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # on the scheme: court 2 Dec, return 30 Dec


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def her(make: Factory, world: World) -> Client:
    return make.client(
        organisation=world.project,
        first_name="Tamsin",
        mobile="+447400123456",
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 12, 1),
    )


@pytest.fixture
def case(app, make: Factory, world: World, her: Client) -> Case:
    """A case on the scheme with one past and one future booking, each with a reminder row,
    and her court-date reminders for the return date."""
    case = make.accepted_case(client=her, court=world.court, worker=world.worker)
    venue = make.venue(organisation=world.project)
    for number, starts in ((1, NOW - timedelta(days=2)), (2, NOW + timedelta(days=4))):
        appointment = make.appointment(
            case=case,
            venue=venue,
            worker=world.worker,
            session_number=number,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )
        make.session.add(
            OutboxMessage(
                client_id=her.id,
                case_id=case.id,
                appointment_id=appointment.id,
                kind="appointment_day_before",
                send_at=starts - timedelta(days=1),
                status=MessageStatus.PENDING,
            )
        )
    make.session.commit()
    with app.app_context():
        sync_court_reminders(db.session.get(Case, case.id), now=NOW)
        db.session.commit()
    return case


@pytest.fixture
def worker_web(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.worker)
    return web


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S)
    words = re.sub(r"<[^>]+>", " ", main.group(0) if main else html)
    return re.sub(r"\s+", " ", unescape(words)).strip()


def fresh(make: Factory, case: Case) -> Case:
    make.session.expire_all()
    found = make.session.get(Case, case.id)
    assert found is not None
    return found


def test_the_case_page_offers_to_close_an_open_case(web: FlaskClient, world: World, case: Case):
    sign_in(web, world.worker)

    page = web.get(f"/cases/{case.id}").get_data(as_text=True)

    assert f'href="/cases/{case.id}/close"' in page


def test_the_close_page_says_what_closing_will_cancel(web: FlaskClient, world: World, case: Case):
    sign_in(web, world.worker)

    page = text_of(web.get(f"/cases/{case.id}/close"))

    assert "cancels her 1 booked appointment still to come" in page
    assert "Monday 14 December 2026" in page
    assert "stops every text reminder" in page
    assert "Completed, or no further action" in page
    assert "She withdrew from the scheme" in page


def test_closing_as_withdrawn_cancels_her_future_bookings_and_reminders(
    web: FlaskClient, make: Factory, world: World, case: Case
):
    sign_in(web, world.worker)

    response = web.post(
        f"/cases/{case.id}/close",
        data={"outcome": "withdrawn", "reason": "She moved out of the area."},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{case.id}"
    closed = fresh(make, case)
    assert closed.status is CaseStatus.WITHDRAWN
    assert closed.closed_at == NOW
    bookings = {a.session_number: a for a in make.session.scalars(select(Appointment))}
    assert bookings[1].status is AppointmentStatus.BOOKED  # past: attendance still to record
    assert bookings[2].status is AppointmentStatus.CANCELLED_BY_SERVICE
    assert bookings[2].reason == "Case closed"
    assert bookings[2].court_wording == "Cancelled by the project: the case closed"
    texts = list(make.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert texts and all(t.status is MessageStatus.CANCELLED for t in texts[1:])
    court_texts = [t for t in texts if t.appointment_id is None]
    assert court_texts and {t.reason for t in court_texts} == {"case closed"}
    events = [e.kind for e in make.session.scalars(select(CaseEvent))]
    assert events.count("closed") == 1 and "cancelled" in events
    actions = [a.action for a in make.session.scalars(select(AuditEvent))]
    assert "case_closed" in actions and "appointment_cancelled" in actions
    page = text_of(web.get(f"/cases/{case.id}"))
    assert "Withdrawn" in page
    assert "Closed on Thursday 10 December 2026" in page
    assert "She moved out of the area." in page  # on the timeline
    assert "Close the case" not in page


def test_closing_as_completed_keeps_the_reason_on_the_timeline(
    web: FlaskClient, make: Factory, world: World, case: Case
):
    sign_in(web, world.manager)

    web.post(f"/cases/{case.id}/close", data={"outcome": "closed", "reason": "Both sessions done."})

    closed = fresh(make, case)
    assert closed.status is CaseStatus.CLOSED
    summary = make.session.scalar(select(CaseEvent.summary).where(CaseEvent.kind == "closed"))
    assert summary == "Case closed: completed or no further action. Reason: Both sessions done."


def test_closing_needs_an_outcome_and_a_reason_and_changes_nothing_without(
    web: FlaskClient, make: Factory, world: World, case: Case
):
    sign_in(web, world.worker)

    response = web.post(f"/cases/{case.id}/close", data={"reason": "   "})

    assert response.status_code == 200
    page = text_of(response)
    assert "Select how the case ended" in page
    assert "Enter why the case is closing" in page
    assert fresh(make, case).status is CaseStatus.ON_SCHEME


def test_a_case_not_yet_on_the_scheme_cannot_be_closed_as_withdrawn(
    web: FlaskClient, make: Factory, world: World, her: Client
):
    waiting = make.case(client=her, court=world.court, worker=world.worker)
    sign_in(web, world.worker)

    page = text_of(web.get(f"/cases/{waiting.id}/close"))
    refused = web.post(
        f"/cases/{waiting.id}/close", data={"outcome": "withdrawn", "reason": "Left."}
    )

    assert "She withdrew from the scheme" not in page
    assert "Select how the case ended" in text_of(refused)
    assert fresh(make, waiting).status is CaseStatus.AWAITING_COURT
    web.post(f"/cases/{waiting.id}/close", data={"outcome": "closed", "reason": "No action."})
    assert fresh(make, waiting).status is CaseStatus.CLOSED


def test_a_closed_case_stays_closed(web: FlaskClient, make: Factory, world: World, her: Client):
    done = make.case(
        client=her, court=world.court, status=CaseStatus.CLOSED, closed_at=NOW - timedelta(days=1)
    )
    sign_in(web, world.worker)

    response = web.post(f"/cases/{done.id}/close", data={"outcome": "closed", "reason": "Again"})

    assert response.status_code == 302
    assert fresh(make, done).closed_at == NOW - timedelta(days=1)
    assert "already closed" in text_of(web.get(f"/cases/{done.id}"))


def test_the_service_refuses_what_the_form_cannot_send(app, world: World, case: Case):
    with app.app_context():
        subject = db.session.get(Case, case.id)
        worker = db.session.get(User, world.worker.id)
        stranger = db.session.get(User, world.other_worker.id)
        with pytest.raises(RuleBroken, match="Select how the case ended"):
            cases.close_case(
                subject, actor=worker, outcome=CaseStatus.DECLINED, reason="x", now=NOW
            )
        with pytest.raises(RuleBroken, match="Enter why"):
            cases.close_case(subject, actor=worker, outcome=CaseStatus.CLOSED, reason=" ", now=NOW)
        with pytest.raises(RuleBroken, match="organisation"):
            cases.close_case(
                subject, actor=stranger, outcome=CaseStatus.CLOSED, reason="x", now=NOW
            )
        assert db.session.get(Case, case.id).status is CaseStatus.ON_SCHEME


def test_another_organisations_case_cannot_be_closed(
    web: FlaskClient, make: Factory, world: World, case: Case
):
    sign_in(web, world.other_worker)

    response = web.post(f"/cases/{case.id}/close", data={"outcome": "closed", "reason": "x"})

    assert response.status_code == 404
    assert fresh(make, case).status is CaseStatus.ON_SCHEME


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    outcome=st.one_of(st.none(), st.sampled_from(["closed", "withdrawn", "declined", ""]), text),
    reason=st.one_of(st.none(), text),
)
def test_the_close_form_never_fails_on_any_input(
    worker_web: FlaskClient, make: Factory, world: World, her: Client, outcome, reason
):
    web = worker_web
    open_case = make.accepted_case(client=her, court=world.court, worker=world.worker)
    before = row_counts(make)

    response = web.post(
        f"/cases/{open_case.id}/close", data=form_data({"outcome": outcome, "reason": reason})
    )

    check_answer(web, make, response, before)
    expected = CaseStatus(outcome) if response.status_code == 302 else CaseStatus.ON_SCHEME
    assert fresh(make, open_case).status is expected
