"""Opening each order from the event that starts it, agreement by both agencies, a lapsed
follow-up, and what booking, compliance and the case page then say (through the web)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.cases.facts import compliance_of
from diversion.models import (
    AppointmentStatus,
    AuditEvent,
    Case,
    CaseStatus,
    OrganisationKind,
    RequirementType,
    WorkingPeriod,
)
from scheduling import booking
from tests.conftest import World, sign_in
from tests.factories import Factory

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # a Wednesday
ROOT = Path(__file__).resolve().parents[3]


def _migration() -> Any:
    path = next((ROOT / "migrations" / "versions").glob("*_14a0c0de0001_*.py"))
    spec = importlib.util.spec_from_file_location("orders_migration", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def standard(make: Factory) -> dict[str, RequirementType]:
    """The four seeded orders (diversion.admin.reference), with domain.md's settings."""
    kinds = make.session.scalars(select(RequirementType)).all()
    return {kind.code: kind for kind in kinds}


def test_a_fresh_install_seeds_the_settings_the_orders_revision_gives_an_upgraded_one(
    standard: dict[str, RequirementType],
) -> None:
    migration = _migration()
    for code, settings in migration.STANDARD.items():
        kind = standard[code]
        for name, value in settings.items():
            got = getattr(kind, name)
            assert (got.value if hasattr(got, "value") else got) == value, (code, name)
        assert kind.sessions == migration._sessions_of(code, kind.sessions), code


@pytest.fixture
def cjit(make: Factory, world: World) -> Any:
    org = make.organisation(name="Testbury CJIT", kind=OrganisationKind.CJIT)
    worker = make.user(organisation=org, name="Cato Assessor")
    make.session.add_all(
        WorkingPeriod(user_id=worker.id, weekday=day, starts=time(9), ends=time(17))
        for day in range(5)
    )
    make.session.commit()
    make.venue(organisation=org, name="CJIT office", neutral_name="Station Road office")
    return org, worker


def _open(web: FlaskClient, client_id: int, kind: RequirementType, **fields: Any) -> Any:
    page = web.get(f"/clients/{client_id}/cases/new/{kind.id}")
    assert page.status_code == 200
    data = dict(fields)  # the test app does not check CSRF tokens
    return web.post(f"/clients/{client_id}/cases/new/{kind.id}", data=data)


def _date(name: str, day: date) -> dict[str, list[str]]:
    return {name: [str(day.day), str(day.month), str(day.year)]}


def _case(make: Factory, client_id: int) -> Case:
    make.session.expire_all()
    found = make.session.scalar(select(Case).where(Case.client_id == client_id))
    assert found is not None
    return found


def test_the_choice_page_offers_each_order_from_its_starting_event(
    web: FlaskClient, world: World, make: Factory, standard: dict[str, RequirementType]
) -> None:
    her = make.client(organisation=world.project)
    sign_in(web, world.worker)
    page = unescape(web.get(f"/clients/{her.id}/cases/start").text)
    assert "Opened from the date of the positive test" in page
    assert "Opened from the date of the caution" in page
    assert "Opened from the date of the order" in page
    assert f"/clients/{her.id}/cases/new/{standard['RA'].id}" in page
    assert f"requirement_type={standard['CD'].id}" in page


def test_a_required_assessment_opens_from_the_test_runs_at_once_and_books_with_the_cjit(
    app: Flask,
    web: FlaskClient,
    world: World,
    make: Factory,
    standard: dict[str, RequirementType],
    cjit: Any,
) -> None:
    org, assessor = cjit
    her = make.client(organisation=world.project)
    sign_in(web, world.worker)
    form = unescape(web.get(f"/clients/{her.id}/cases/new/{standard['RA'].id}").text)
    assert "Date of the positive test" in form
    assert "First court date" not in form and "sessions did it set" not in form
    answer = _open(
        web,
        her.id,
        standard["RA"],
        **_date("start_date", date(2026, 12, 1)),
        partner_organisation_id=str(org.id),
        court_id=str(world.court.id),
        custody_drug_test="positive_opiates",
        worker_id=str(world.worker.id),
    )
    assert answer.status_code == 302, unescape(answer.text)
    case = _case(make, her.id)
    assert case.status is CaseStatus.ON_SCHEME and case.first_court_date is None
    assert case.partner_organisation_id == org.id
    page = unescape(web.get(f"/cases/{case.id}").text)
    assert "Date of the positive test" in page and "Tuesday 29 December 2026" in page
    assert "Court outcome" not in page and "Record the court outcome" not in page
    with app.app_context():
        from diversion.db import db

        live = db.session.get(Case, case.id)
        assert live is not None
        plan = booking.propose(live, venue=_venue(org, make), now=NOW)
        assert not isinstance(plan, booking.NoPlan), plan
        # The initial assessment alone, with the CJIT's assessor.
        assert [slot.session.number for slot in plan.slots] == [1]
        assert {slot.worker_id for slot in plan.slots} == {assessor.id}


def _venue(org: Any, make: Factory) -> Any:
    from diversion.models import Venue

    venue = make.session.scalar(select(Venue).where(Venue.organisation_id == org.id))
    assert venue is not None
    return venue


def test_the_initial_assessor_lapses_the_follow_up_and_compliance_no_longer_counts_it(
    app: Flask,
    web: FlaskClient,
    world: World,
    make: Factory,
    standard: dict[str, RequirementType],
    cjit: Any,
) -> None:
    org, assessor = cjit
    her = make.client(organisation=world.project)
    case = make.case(
        client=her,
        court=world.court,
        worker=world.worker,
        requirement_type_id=standard["RA"].id,
        first_court_date=None,
        start_date=date(2026, 11, 25),
        partner_organisation_id=org.id,
        status=CaseStatus.ON_SCHEME,
    )
    venue = _venue(org, make)
    make.appointment(
        case=case,
        venue=venue,
        worker=assessor,
        starts_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 27, 11, 30, tzinfo=UTC),
        status=AppointmentStatus.ATTENDED,
    )
    # Her own worker is not the assessor: she is not offered it, and is refused.
    sign_in(web, world.worker)
    assert "is not needed" not in web.get(f"/cases/{case.id}").text
    assert web.get(f"/cases/{case.id}/sessions/2/not-needed").status_code == 302
    # The CJIT's assessor records it from the cases shared with her agency.
    web = app.test_client()
    sign_in(web, assessor)
    shared = unescape(web.get("/shared").text)
    assert her.first_name in shared and "follow-up assessment is not needed" in shared
    assert web.get(f"/cases/{case.id}/sessions/2/not-needed").status_code == 200
    empty = web.post(f"/cases/{case.id}/sessions/2/not-needed", data={"reason": ""})
    assert "Say why the session is not needed" in unescape(empty.text)
    done = web.post(
        f"/cases/{case.id}/sessions/2/not-needed",
        data={"reason": "Engaged with treatment already"},
    )
    assert done.status_code == 302
    with app.app_context():
        from diversion.db import db

        live = db.session.get(Case, case.id)
        assert live is not None
        result = compliance_of(live, today=date(2026, 12, 30))
        assert (result.status.value, result.attended, result.required) == ("complied", 1, 1)
        assert result.lapsed == (2,)
        assert db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "session_lapsed", AuditEvent.user_id == assessor.id
            )
        )


def test_a_caution_needs_both_agencies_before_anything_is_booked(
    app: Flask,
    web: FlaskClient,
    world: World,
    make: Factory,
    standard: dict[str, RequirementType],
    cjit: Any,
) -> None:
    org, cjit_worker = cjit
    make.venue(organisation=world.project)
    her = make.client(organisation=world.project)
    sign_in(web, world.worker)
    refused = _open(
        web,
        her.id,
        standard["CC"],
        **_date("start_date", date(2026, 11, 30)),
        **_date("end_date", date(2027, 1, 15)),
        partner_organisation_id=str(org.id),
        court_id=str(world.court.id),
        custody_drug_test="not_tested",
        worker_id=str(world.worker.id),
    )
    assert "Select how many sessions were set" in unescape(refused.text)
    answer = _open(
        web,
        her.id,
        standard["CC"],
        **_date("start_date", date(2026, 11, 30)),
        **_date("end_date", date(2027, 1, 15)),
        sessions_required="1",
        partner_organisation_id=str(org.id),
        court_id=str(world.court.id),
        custody_drug_test="not_tested",
        worker_id=str(world.worker.id),
    )
    assert answer.status_code == 302, unescape(answer.text)
    case = _case(make, her.id)
    assert case.status is CaseStatus.AWAITING_COURT and case.sessions_required == 1
    page = unescape(web.get(f"/cases/{case.id}").text)
    assert "Awaiting agreement" in page and "Record our agreement" in page
    assert "Waiting for both agencies to agree (1)" in unescape(web.get("/home").text)
    assert "Book appointments" not in page
    with app.app_context():
        from diversion.db import db

        waiting = db.session.get(Case, case.id)
        assert waiting is not None
        reason = booking.propose(waiting, venue=_venue(world.project, make), now=NOW)
        assert isinstance(reason, booking.NoPlan)
        assert "both the CJIT and the project have agreed" in reason.reason

    def agree(client: FlaskClient, page_path: str) -> None:
        assert "Record our agreement" in client.get(page_path).text
        client.post(f"/cases/{case.id}/agreement", data={"submit": "Record our agreement"})

    agree(web, f"/cases/{case.id}")  # the project
    assert _case(make, her.id).status is CaseStatus.AWAITING_COURT
    # Agreeing twice as the same agency does not count as the other.
    assert "Record our agreement" not in web.get(f"/cases/{case.id}").text
    again = web.post(f"/cases/{case.id}/agreement", data={"submit": "x"}, follow_redirects=True)
    assert "Your organisation cannot record agreement to this case" in unescape(again.text)
    assert len(_case(make, her.id).agreements) == 1
    partner_web = app.test_client()
    sign_in(partner_web, cjit_worker)
    shared = unescape(partner_web.get("/shared").text)
    assert her.first_name in shared and "Record our agreement" in shared
    assert "Notes" not in shared
    # The partner never reaches the case page itself.
    assert partner_web.get(f"/cases/{case.id}").status_code == 404
    agree(partner_web, "/shared")
    case = _case(make, her.id)
    assert case.status is CaseStatus.ON_SCHEME
    assert {a.organisation_id for a in case.agreements} == {world.project.id, org.id}
    with app.app_context():
        from diversion.db import db

        live = db.session.get(Case, case.id)
        assert live is not None
        assert [s.number for s in booking.session_specs(live)] == [1]
        agreed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case_agreed"))
        assert {event.user_id for event in agreed} == {world.worker.id, cjit_worker.id}


def test_an_order_s_end_date_may_be_any_weekday_but_not_beyond_six_months(
    web: FlaskClient, world: World, make: Factory, standard: dict[str, RequirementType]
) -> None:
    her = make.client(organisation=world.project)
    sign_in(web, world.worker)
    fields = {
        **_date("start_date", date(2026, 12, 2)),
        "court_id": str(world.court.id),
        "custody_drug_test": "not_tested",
        "worker_id": str(world.worker.id),
    }
    far = _open(web, her.id, standard["ESO"], **fields, **_date("end_date", date(2027, 12, 3)))
    assert (
        "must be at most 6 months after the date of the order: Wed 2 Jun 2027 or earlier"
        in unescape(far.text)
    )
    friday = _open(web, her.id, standard["ESO"], **fields, **_date("end_date", date(2027, 3, 5)))
    assert friday.status_code == 302, unescape(friday.text)
    case = _case(make, her.id)
    assert case.status is CaseStatus.ON_SCHEME and case.end_date == date(2027, 3, 5)
    page = unescape(web.get(f"/cases/{case.id}").text)
    assert "Date the order sets" in page and "Friday 5 March 2027" in page
    # The report goes to the court, so the meetings end two working days before that date.
    assert "Wednesday 3 March 2027" in page


def test_a_court_diversion_form_offers_only_orders_that_start_in_court(
    web: FlaskClient, world: World, make: Factory, standard: dict[str, RequirementType]
) -> None:
    her = make.client(organisation=world.project)
    sign_in(web, world.worker)
    page = unescape(
        web.get(f"/clients/{her.id}/cases/new?requirement_type={standard['RA'].id}").text
    )
    assert standard["CD"].name in page
    assert standard["RA"].name not in page


def test_an_order_s_meetings_are_booked_only_with_the_supervisor_it_names(
    app: Flask, world: World, make: Factory, standard: dict[str, RequirementType]
) -> None:
    stand_in = make.user(organisation=world.project, name="Stand In")
    # Her supervisor works Fridays only; a colleague works every weekday.
    make.session.add(
        WorkingPeriod(user_id=world.worker.id, weekday=4, starts=time(9), ends=time(17))
    )
    make.session.add_all(
        WorkingPeriod(user_id=stand_in.id, weekday=day, starts=time(9), ends=time(17))
        for day in range(5)
    )
    make.session.commit()
    venue = make.venue(organisation=world.project)
    her = make.client(organisation=world.project)
    case = make.case(
        client=her,
        court=world.court,
        worker=world.worker,
        requirement_type_id=standard["ESO"].id,
        first_court_date=None,
        start_date=date(2026, 12, 2),
        end_date=date(2026, 12, 18),  # meetings by Wed 16 Dec, a week apart
        status=CaseStatus.ON_SCHEME,
    )
    with app.app_context():
        from diversion.db import db

        live = db.session.get(Case, case.id)
        assert live is not None
        # Fridays 4 and 11 Dec leave no third Friday: the colleague does not stand in.
        plan = booking.propose(live, venue=venue, now=NOW)
        assert isinstance(plan, booking.NoPlan), plan
        # With the colleague named as her supervisor, three meetings fit, all with her.
        live.worker_id = stand_in.id
        db.session.flush()
        plan = booking.propose(live, venue=venue, now=NOW)
        assert not isinstance(plan, booking.NoPlan), plan
        assert [slot.session.number for slot in plan.slots] == [1, 2, 3]
        assert {slot.worker_id for slot in plan.slots} == {stand_in.id}
        db.session.rollback()


def test_the_cjit_s_assessor_marks_her_own_session_and_is_sent_back_to_shared_with_us(
    app: Flask,
    web: FlaskClient,
    world: World,
    make: Factory,
    standard: dict[str, RequirementType],
    cjit: Any,
) -> None:
    """The partner's worker never sees the case page: after marking attendance on her own
    appointment she returns to Shared with us, not to a page that answers 404."""
    org, assessor = cjit
    her = make.client(organisation=world.project)
    case = make.case(
        client=her,
        court=world.court,
        worker=world.worker,
        requirement_type_id=standard["RA"].id,
        first_court_date=None,
        start_date=date(2026, 11, 25),
        partner_organisation_id=org.id,
        status=CaseStatus.ON_SCHEME,
    )
    item = make.appointment(
        case=case,
        venue=_venue(org, make),
        worker=assessor,
        starts_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, 11, 30, tzinfo=UTC),
    )
    sign_in(web, assessor)
    page = web.get(f"/appointments/{item.id}").text
    assert 'href="/shared"' in page and f'href="/cases/{case.id}"' not in page
    marked = web.post(f"/appointments/{item.id}/attendance", data={"attended": "yes"})
    assert marked.status_code == 302 and marked.headers["Location"].endswith("/shared")
    assert web.get(marked.headers["Location"]).status_code == 200
    make.session.expire_all()
    assert make.session.get(type(item), item.id).status is AppointmentStatus.ATTENDED
    # Her own worker still goes back to the case page.
    project_web = app.test_client()
    sign_in(project_web, world.worker)
    assert f'href="/cases/{case.id}"' in project_web.get(f"/appointments/{item.id}").text


def test_the_menu_offers_shared_cases_only_to_an_agency_that_has_some(
    web: FlaskClient, world: World, make: Factory, cjit: Any
) -> None:
    def menu_has_shared(user: Any) -> bool:
        sign_in(web, user)
        found = 'href="/shared"' in web.get("/home").get_data(as_text=True)
        web.post("/sign-out")
        return found

    org, assessor = cjit
    assert not menu_has_shared(assessor)
    her = make.client(organisation=world.project)
    make.order_case("RA", client=her, court=world.court, worker=world.worker, partner=org)

    assert menu_has_shared(assessor)
    assert not menu_has_shared(world.worker)  # the holder works the case from its own page
