"""Opening cases and recording what the court decided: sitting days, return dates, windows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from html import unescape

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select

from diversion.models import (
    AuditEvent,
    Case,
    CaseEvent,
    CaseStatus,
    Client,
    Court,
    CourtOutcome,
    DrugTestResult,
)
from tests.conftest import World, sign_in
from tests.factories import Factory

# The evening of the first court day used below: outcomes are recorded after the hearing.
COURT_EVENING = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
COURT_DAY = date(2026, 12, 2)  # a Wednesday
RETURN_DAY = date(2026, 12, 30)  # four weeks later, a Wednesday


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(COURT_EVENING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def worker_web(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.worker)
    return web


@pytest.fixture
def sign_in_on(clock: time_machine.Coordinates, web: FlaskClient, world: World):
    """Move the clock to a moment and sign the worker in then (sessions end when idle)."""

    def go(moment: datetime) -> FlaskClient:
        clock.move_to(moment)
        sign_in(web, world.worker)
        return web

    return go


@pytest.fixture
def client(make: Factory, world: World) -> Client:
    return make.client(organisation=world.project, first_name="Marnie", last_name="Testwood")


@pytest.fixture
def case(make: Factory, world: World, client: Client) -> Case:
    return make.case(client=client, court=world.court, worker=world.worker)


def error_summary(response) -> list[str]:
    html = response.get_data(as_text=True)
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if block is None:
        return []
    return [unescape(m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", block.group(1), re.S)]


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S)
    words = re.sub(r"<[^>]+>", " ", main.group(0) if main else html)
    return re.sub(r"\s+", " ", unescape(words)).strip()


def by_id(response, element_id: str) -> str:
    html = response.get_data(as_text=True)
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert found is not None, f"nothing with id {element_id}"
    return unescape(found.group(1)).strip()


def input_value(response, element_id: str) -> str | None:
    html = response.get_data(as_text=True)
    tag = re.search(rf'<input [^>]*id="{re.escape(element_id)}"[^>]*>', html)
    assert tag is not None, f"no input with id {element_id}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else None


def date_parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def reload(make: Factory, case: Case) -> Case:
    make.session.expire_all()
    return make.session.get(Case, case.id)


def count(make: Factory, model: type) -> int:
    make.session.expire_all()
    return make.session.scalar(select(func.count()).select_from(model))


def timeline(response) -> str:
    """The case timeline as a person reads it."""
    html = response.get_data(as_text=True)
    found = re.search(r'<div class="moj-timeline">(.*?)</main>', html, re.S)
    assert found is not None, "no timeline on the page"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", found.group(1)))).strip()


def case_form(make: Factory, world: World, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "requirement_type_id": str(make.requirement_type("CD").id),
        "court_id": str(world.court.id),
        "first_court_date": date_parts(COURT_DAY),
        "court_reference": "TB-2026-0042",
        "arrest_date": ["24", "11", "2026"],
        "charge": "Loitering or soliciting for prostitution",
        "custody_drug_test": DrugTestResult.POSITIVE_COCAINE.value,
        "worker_id": str(world.worker.id),
    }
    data.update(overrides)
    return data


def outcome_form(outcome: CourtOutcome, **dates: date | None) -> dict[str, object]:
    data: dict[str, object] = {"outcome": outcome.value}
    for name, value in dates.items():
        data[name] = date_parts(value) if value else ["", "", ""]
    return data


# ---------------------------------------------------------------------------------------
# Opening a case
# ---------------------------------------------------------------------------------------


def test_the_open_case_page_starts_with_sensible_choices(
    worker_web: FlaskClient, client: Client, world: World
) -> None:
    response = worker_web.get(f"/clients/{client.id}/cases/new")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(rf'<option value="{world.worker.id}" selected>Wendy Worker</option>', html)
    assert re.search(r'<option value="\d+" selected>Court diversion \(extended bail\)', html)
    assert "Loitering or soliciting for prostitution (Street Offences Act 1959, s.1)" in html


def test_opening_a_case_on_a_sitting_day_saves_it_and_shows_the_case(
    worker_web: FlaskClient, client: Client, world: World, make: Factory
) -> None:
    response = worker_web.post(f"/clients/{client.id}/cases/new", data=case_form(make, world))

    assert response.status_code == 302
    [case] = make.session.scalars(select(Case)).all()
    assert response.headers["Location"] == f"/cases/{case.id}"
    assert case.client_id == client.id
    assert case.organisation_id == world.project.id
    assert case.worker_id == world.worker.id
    assert case.first_court_date == COURT_DAY
    assert case.arrest_date == date(2026, 11, 24)
    assert case.court_reference == "TB-2026-0042"
    assert case.custody_drug_test is DrugTestResult.POSITIVE_COCAINE
    assert case.status is CaseStatus.AWAITING_COURT
    assert case.reference == f"CD-{case.id:06d}"

    page = worker_web.get(response.headers["Location"])
    text = text_of(page)
    assert f"Case {case.reference} opened." in text
    assert "Awaiting court" in text
    assert "First court date Wednesday 2 December 2026" in text
    assert "Record the court outcome" in text
    assert "Case opened. First court date Wed 2 Dec 2026 at 10:00." in timeline(page)


def test_a_first_court_date_in_the_past_is_questioned_and_opens_once_confirmed(
    worker_web: FlaskClient, client: Client, world: World, make: Factory
) -> None:
    last_week = ["25", "11", "2026"]  # a Wednesday, before today (2 December)
    page = worker_web.get(f"/clients/{client.id}/cases/new").get_data(as_text=True)
    assert "past_date_confirmed" not in page

    asked = worker_web.post(
        f"/clients/{client.id}/cases/new",
        data=case_form(make, world, first_court_date=last_week),
    )
    assert asked.status_code == 200
    assert error_summary(asked) == [
        "Court date Wednesday 25 November 2026 has passed. Check the date, "
        "or tick the box below to open the case anyway"
    ]
    assert 'name="past_date_confirmed"' in asked.get_data(as_text=True)
    assert "<title>Error:" in asked.get_data(as_text=True)
    assert count(make, Case) == 0

    confirmed = worker_web.post(
        f"/clients/{client.id}/cases/new",
        data=case_form(make, world, first_court_date=last_week, past_date_confirmed="y"),
    )
    assert confirmed.status_code == 302
    [case] = make.session.scalars(select(Case)).all()
    assert case.first_court_date == date(2026, 11, 25)


def test_a_second_open_case_of_the_same_order_is_refused_and_another_order_warned(
    worker_web: FlaskClient, client: Client, world: World, make: Factory
) -> None:
    first = worker_web.post(f"/clients/{client.id}/cases/new", data=case_form(make, world))
    assert first.status_code == 302
    [case] = make.session.scalars(select(Case)).all()

    page = worker_web.get(f"/clients/{client.id}/cases/new")
    assert f'href="/cases/{case.id}"' in page.get_data(as_text=True)
    assert f"She already has an open case: {case.reference}" in text_of(page)

    again = worker_web.post(f"/clients/{client.id}/cases/new", data=case_form(make, world))
    assert again.status_code == 200
    assert error_summary(again) == [
        f"She already has an open Court diversion (extended bail) case ({case.reference}): "
        "close it before opening another"
    ]
    assert count(make, Case) == 1

    other_order = worker_web.post(
        f"/clients/{client.id}/cases/new",
        data=case_form(make, world, requirement_type_id=str(make.requirement_type("ESO").id)),
    )
    assert other_order.status_code in (200, 302)
    if other_order.status_code == 200:  # refused for a reason of its own, not this one
        assert "already has an open" not in " ".join(error_summary(other_order))


def test_a_court_date_on_a_day_the_court_does_not_sit_is_refused_naming_its_day(
    worker_web: FlaskClient, client: Client, world: World, make: Factory
) -> None:
    response = worker_web.post(
        f"/clients/{client.id}/cases/new",
        data=case_form(make, world, first_court_date=["3", "12", "2026"]),
    )

    assert response.status_code == 200
    [message] = error_summary(response)
    assert message.startswith("Court date must be a Wednesday")
    assert world.court.name in message
    assert count(make, Case) == 0
    assert count(make, CaseEvent) == 0


def test_a_bank_holiday_wednesday_is_refused_as_a_bank_holiday(
    sign_in_on, client: Client, world: World, make: Factory
) -> None:
    web = sign_in_on(datetime(2030, 11, 20, 10, 0, tzinfo=UTC))
    response = web.post(
        f"/clients/{client.id}/cases/new",
        data=case_form(make, world, first_court_date=["25", "12", "2030"], arrest_date=None),
    )

    assert response.status_code == 200
    assert error_summary(response) == [
        "Court date cannot be Wednesday 25 December 2030: it is a bank holiday"
    ]
    assert count(make, Case) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_court_date": ["", "", ""]}, "Enter the court date"),
        ({"first_court_date": ["2", "", "2026"]}, "Court date must include a month"),
        ({"first_court_date": ["1", "12", "2029"]}, "Court date must be within the next two years"),
        ({"arrest_date": ["3", "12", "2026"]}, "Date of arrest must be today or in the past"),
        ({"charge": "  "}, "Enter the charge"),
        ({"court_id": "999999"}, "Select the court"),
        ({"requirement_type_id": "nonsense"}, "Select the type of case"),
        ({"custody_drug_test": "maybe"}, "Select the result of the drug test in custody"),
        ({"court_reference": "R" * 51}, "Court reference must be 50 characters or fewer"),
    ],
)
def test_a_case_form_with_a_mistake_explains_it_and_saves_nothing(
    worker_web: FlaskClient,
    client: Client,
    world: World,
    make: Factory,
    overrides: dict[str, object],
    message: str,
) -> None:
    response = worker_web.post(
        f"/clients/{client.id}/cases/new", data=case_form(make, world, **overrides)
    )

    assert response.status_code == 200
    assert message in error_summary(response)
    assert count(make, Case) == 0


def test_a_case_cannot_be_given_to_a_worker_from_another_organisation(
    worker_web: FlaskClient, client: Client, world: World, make: Factory
) -> None:
    response = worker_web.post(
        f"/clients/{client.id}/cases/new",
        data=case_form(make, world, worker_id=str(world.other_worker.id)),
    )

    assert response.status_code == 200
    assert error_summary(response) == ["Select the allocated worker"]
    assert count(make, Case) == 0


def test_an_arrest_after_the_court_date_is_refused(
    sign_in_on, client: Client, world: World, make: Factory
) -> None:
    web = sign_in_on(datetime(2026, 12, 20, 10, 0, tzinfo=UTC))
    response = web.post(
        f"/clients/{client.id}/cases/new",
        data=case_form(make, world, arrest_date=["10", "12", "2026"], past_date_confirmed="y"),
    )

    assert error_summary(response) == ["Arrest date must be on or before the court date"]
    assert count(make, Case) == 0


# ---------------------------------------------------------------------------------------
# Recording the court outcome
# ---------------------------------------------------------------------------------------


def return_date_typed(response) -> list[str | None]:
    return [input_value(response, f"return_date-{part}") for part in ("day", "month", "year")]


def test_the_outcome_page_offers_the_latest_sitting_within_28_days_but_leaves_the_date_empty(
    sign_in_on, client: Client, world: World, make: Factory
) -> None:
    case = make.case(client=client, court=world.court, first_court_date=date(2030, 11, 27))

    web = sign_in_on(datetime(2030, 11, 27, 15, 0, tzinfo=UTC))
    response = web.get(f"/cases/{case.id}/outcome")

    assert response.status_code == 200
    # The return date is the court's to set: a click-through must not record the suggestion.
    assert return_date_typed(response) == [None, None, None]
    assert [input_value(response, f"hearing_date-{part}") for part in ("day", "month", "year")] == [
        "27",
        "11",
        "2030",
    ]
    assert "is Wednesday 18 December 2030" in text_of(response)
    assert "Use Wed 18 Dec 2030 as the return date" in text_of(response)
    assert f'href="/cases/{case.id}/outcome?use_suggested=1#return_date-day"' in (
        response.get_data(as_text=True)
    )


def test_using_the_suggested_return_date_fills_the_field_and_records_nothing(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    response = worker_web.get(f"/cases/{case.id}/outcome?use_suggested=1")

    assert response.status_code == 200
    assert return_date_typed(response) == ["30", "12", "2026"]
    assert 'value="accepted" checked' in response.get_data(as_text=True)
    saved = reload(make, case)
    assert saved.status is CaseStatus.AWAITING_COURT
    assert saved.return_date is None
    assert saved.court_outcome is None
    assert count(make, CaseEvent) == 0


def test_the_date_the_court_set_is_recorded_rather_than_the_suggestion(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    set_by_court = date(2026, 12, 23)  # the suggestion is 30 December

    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(CourtOutcome.ACCEPTED, hearing_date=COURT_DAY, return_date=set_by_court),
    )

    assert response.status_code == 302
    saved = reload(make, case)
    assert saved.return_date == set_by_court
    assert saved.status is CaseStatus.ON_SCHEME


def test_an_order_that_does_not_start_at_court_has_no_outcome_form(
    worker_web: FlaskClient, client: Client, world: World, make: Factory
) -> None:
    case = make.case(
        client=client,
        court=world.court,
        requirement_type_id=make.requirement_type("RA").id,
        first_court_date=None,
        start_date=date(2026, 12, 1),
        status=CaseStatus.ON_SCHEME,
    )

    for response in (
        worker_web.get(f"/cases/{case.id}/outcome", follow_redirects=True),
        worker_web.get(f"/cases/{case.id}/outcome?use_suggested=1", follow_redirects=True),
        worker_web.post(
            f"/cases/{case.id}/outcome",
            data=outcome_form(
                CourtOutcome.ACCEPTED, hearing_date=COURT_DAY, return_date=RETURN_DAY
            ),
            follow_redirects=True,
        ),
    ):
        assert response.status_code == 200
        assert response.request.path == f"/cases/{case.id}"
        assert "it has no court outcome to record" in text_of(response)
        assert "Return date set by the court" not in text_of(response)
    saved = reload(make, case)
    assert saved.court_outcome is None
    assert saved.return_date is None


def test_accepting_the_scheme_shows_the_window_on_the_case_page(
    sign_in_on, case: Case, make: Factory
) -> None:
    web = sign_in_on(datetime(2026, 12, 2, 16, 0, tzinfo=UTC))
    response = web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(CourtOutcome.ACCEPTED, hearing_date=COURT_DAY, return_date=RETURN_DAY),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{case.id}"
    page = web.get(f"/cases/{case.id}")

    saved = reload(make, case)
    assert saved.status is CaseStatus.ON_SCHEME
    assert saved.court_outcome is CourtOutcome.ACCEPTED
    assert saved.outcome_hearing_date == COURT_DAY
    assert saved.return_date == RETURN_DAY
    assert "Court outcome saved." in text_of(page)
    assert "On scheme" in text_of(page)
    assert by_id(page, "return-date") == "Wednesday 30 December 2026 at 10:00"
    # 25 and 28 December 2026 are bank holidays: two working days back is Thursday 24th.
    assert by_id(page, "last-appointment-date") == "Thursday 24 December 2026"
    assert by_id(page, "report-due") == "Tuesday 29 December 2026, 12:00"
    assert by_id(page, "days-left") == "23"
    assert "Change the return date" in text_of(page)


def test_days_left_count_down_to_the_last_appointment_date(
    sign_in_on, client: Client, world: World, make: Factory
) -> None:
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)

    day_before = sign_in_on(datetime(2026, 12, 23, 9, 0, tzinfo=UTC)).get(f"/cases/{case.id}")
    last_day = sign_in_on(datetime(2026, 12, 24, 23, 30, tzinfo=UTC)).get(f"/cases/{case.id}")
    too_late = sign_in_on(datetime(2026, 12, 25, 0, 30, tzinfo=UTC)).get(f"/cases/{case.id}")

    assert by_id(day_before, "days-left") == "2"

    assert by_id(last_day, "days-left") == "1"
    assert "The last appointment date has passed." not in text_of(last_day)
    assert by_id(too_late, "days-left") == "0"
    assert "The last appointment date has passed." in text_of(too_late)


def test_a_return_date_that_is_not_a_sitting_day_is_refused_and_nothing_changes(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(
            CourtOutcome.ACCEPTED, hearing_date=COURT_DAY, return_date=date(2026, 12, 31)
        ),
    )

    assert response.status_code == 200
    assert error_summary(response) == ["Return date must be a day the court sits: Wednesday"]
    saved = reload(make, case)
    assert saved.status is CaseStatus.AWAITING_COURT
    assert saved.return_date is None
    assert saved.court_outcome is None
    assert count(make, CaseEvent) == 0


def test_a_bank_holiday_return_date_is_refused(
    sign_in_on, client: Client, world: World, make: Factory
) -> None:
    case = make.case(client=client, court=world.court, first_court_date=date(2030, 11, 27))

    web = sign_in_on(datetime(2030, 11, 27, 15, 0, tzinfo=UTC))
    response = web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(
            CourtOutcome.ACCEPTED, hearing_date=date(2030, 11, 27), return_date=date(2030, 12, 25)
        ),
    )

    assert error_summary(response) == ["25 December 2030 is a bank holiday; the court does not sit"]
    assert reload(make, case).return_date is None


def test_accepting_without_a_return_date_asks_for_it(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(CourtOutcome.ACCEPTED, hearing_date=COURT_DAY, return_date=None),
    )

    assert response.status_code == 200
    assert error_summary(response) == ["Enter the return date the court set"]
    assert return_date_typed(response) == ["", "", ""]
    assert reload(make, case).status is CaseStatus.AWAITING_COURT


def test_a_return_date_more_than_28_days_away_is_saved_with_a_warning(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    set_by_court = date(2027, 1, 6)  # 35 days after the hearing

    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(CourtOutcome.ACCEPTED, hearing_date=COURT_DAY, return_date=set_by_court),
        follow_redirects=True,
    )

    warning = "Return date is more than 28 days after the court date. Check the date the court set."
    assert response.request.path == f"/cases/{case.id}"
    assert warning in text_of(response)
    assert by_id(response, "return-date") == "Wednesday 6 January 2027 at 10:00"
    assert f"Warning: {warning}" in timeline(response)
    saved = reload(make, case)
    assert saved.return_date == set_by_court
    assert saved.status is CaseStatus.ON_SCHEME


def test_the_return_date_of_a_case_on_the_scheme_can_be_corrected(
    worker_web: FlaskClient, client: Client, world: World, make: Factory
) -> None:
    case = make.accepted_case(client=client, court=world.court, return_date=date(2026, 12, 23))

    page = worker_web.get(f"/cases/{case.id}/outcome")
    assert [input_value(page, f"return_date-{p}") for p in ("day", "month", "year")] == [
        "23",
        "12",
        "2026",
    ]

    worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(CourtOutcome.ACCEPTED, hearing_date=COURT_DAY, return_date=RETURN_DAY),
    )
    assert reload(make, case).return_date == RETURN_DAY


@pytest.mark.parametrize(
    ("outcome", "status", "tag"),
    [
        (CourtOutcome.DECLINED, CaseStatus.DECLINED, "Declined"),
        (CourtOutcome.NOT_ELIGIBLE, CaseStatus.NOT_ELIGIBLE, "Not eligible"),
    ],
)
def test_declined_or_not_eligible_closes_the_outcome_with_that_status(
    worker_web: FlaskClient,
    case: Case,
    make: Factory,
    outcome: CourtOutcome,
    status: CaseStatus,
    tag: str,
) -> None:
    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(outcome, hearing_date=COURT_DAY, return_date=RETURN_DAY),
        follow_redirects=True,
    )

    saved = reload(make, case)
    assert saved.status is status
    assert saved.court_outcome is outcome
    assert saved.return_date is None
    text = text_of(response)
    assert tag in text
    assert "Extended bail window" not in text
    assert "Record the court outcome" not in text
    assert f"{outcome.label} at court on Wed 2 Dec 2026." in timeline(response)

    again = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(CourtOutcome.ACCEPTED, hearing_date=COURT_DAY, return_date=RETURN_DAY),
        follow_redirects=True,
    )
    assert "its court outcome cannot change" in text_of(again)
    assert reload(make, case).status is status


def test_adjourned_needs_the_date_it_was_adjourned_to(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(CourtOutcome.ADJOURNED, hearing_date=COURT_DAY, adjourned_to=None),
    )

    assert response.status_code == 200
    assert error_summary(response) == ["Enter the date the case was adjourned to"]
    assert reload(make, case).court_outcome is None


def test_an_adjourned_date_must_be_a_sitting_day(
    worker_web: FlaskClient, case: Case, make: Factory, world: World
) -> None:
    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(
            CourtOutcome.ADJOURNED, hearing_date=COURT_DAY, adjourned_to=date(2026, 12, 17)
        ),
    )

    assert response.status_code == 200
    [message] = error_summary(response)
    assert message == f"Adjourned date must be a Wednesday ({world.court.name} sits then)"
    assert reload(make, case).adjourned_to is None


def test_adjourning_keeps_the_case_awaiting_court_at_the_new_hearing(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    adjourned_to = date(2026, 12, 16)

    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(
            CourtOutcome.ADJOURNED, hearing_date=COURT_DAY, adjourned_to=adjourned_to
        ),
        follow_redirects=True,
    )

    saved = reload(make, case)
    assert saved.status is CaseStatus.AWAITING_COURT
    assert saved.court_outcome is CourtOutcome.ADJOURNED
    assert saved.adjourned_to == adjourned_to
    assert saved.return_date is None
    text = text_of(response)
    assert "Adjourned to Wednesday 16 December 2026" in text
    assert "Awaiting court" in text
    assert "Adjourned on Wed 2 Dec 2026 to Wed 16 Dec 2026 at 10:00." in timeline(response)

    next_time = worker_web.get(f"/cases/{case.id}/outcome")
    assert [input_value(next_time, f"hearing_date-{p}") for p in ("day", "month", "year")] == [
        "16",
        "12",
        "2026",
    ]
    assert "is Wednesday 13 January 2027" in text_of(next_time)


def test_an_adjourned_date_cannot_be_before_the_hearing(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(CourtOutcome.ADJOURNED, hearing_date=COURT_DAY, adjourned_to=COURT_DAY),
    )

    assert error_summary(response) == ["Adjourned date must be after the hearing date"]
    assert reload(make, case).adjourned_to is None


def test_a_hearing_before_the_first_court_date_is_refused(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(CourtOutcome.DECLINED, hearing_date=date(2026, 11, 25), return_date=None),
    )

    assert error_summary(response) == ["Hearing date must be on or after the first court date"]
    assert reload(make, case).status is CaseStatus.AWAITING_COURT


def test_a_wildly_distant_adjourned_date_is_refused_and_the_outcome_page_still_opens(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(
            CourtOutcome.ADJOURNED, hearing_date=COURT_DAY, adjourned_to=date(9999, 12, 29)
        ),
    )

    assert response.status_code == 200
    assert error_summary(response) == ["Adjourned date must be within the next two years"]
    assert reload(make, case).adjourned_to is None
    assert worker_web.get(f"/cases/{case.id}/outcome").status_code == 200


def test_the_timeline_lists_what_happened_newest_first_and_who_did_it(
    worker_web: FlaskClient, client: Client, world: World, make: Factory, sign_in_on
) -> None:
    worker_web.post(f"/clients/{client.id}/cases/new", data=case_form(make, world))
    [case] = make.session.scalars(select(Case)).all()
    worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(
            CourtOutcome.ADJOURNED, hearing_date=COURT_DAY, adjourned_to=date(2026, 12, 9)
        ),
    )
    # A week later, after the adjourned hearing.
    worker_web = sign_in_on(datetime(2026, 12, 9, 18, 0, tzinfo=UTC))
    worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(
            CourtOutcome.ACCEPTED, hearing_date=date(2026, 12, 9), return_date=date(2027, 1, 6)
        ),
    )

    events = timeline(worker_web.get(f"/cases/{case.id}"))

    accepted = events.index("Offered and accepted at court on Wed 9 Dec 2026.")
    adjourned = events.index("Adjourned on Wed 2 Dec 2026 to Wed 9 Dec 2026 at 10:00.")
    opened = events.index("Case opened.")
    assert accepted < adjourned < opened
    assert events.count("by Wendy Worker") == 3
    assert events.count("Court outcome") == 2


def test_viewing_and_changing_a_case_is_audited(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    worker_web.get(f"/cases/{case.id}")
    worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(CourtOutcome.DECLINED, hearing_date=COURT_DAY),
    )

    make.session.expire_all()
    rows = make.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "case")).all()
    assert [(row.action, row.object_id, row.client_id) for row in rows] == [
        ("case_viewed", case.id, case.client_id),
        ("court_outcome_recorded", case.id, case.client_id),
    ]


# ---------------------------------------------------------------------------------------
# Another organisation's case
# ---------------------------------------------------------------------------------------


def test_another_organisations_case_is_not_found_on_get_or_post(
    worker_web: FlaskClient, world: World, make: Factory
) -> None:
    theirs_client = make.client(organisation=world.other_project, first_name="Hidden")
    theirs = make.case(client=theirs_client, court=world.court, worker=world.other_worker)

    assert worker_web.get(f"/cases/{theirs.id}").status_code == 404
    assert worker_web.get(f"/cases/{theirs.id}/outcome").status_code == 404
    response = worker_web.post(
        f"/cases/{theirs.id}/outcome",
        data=outcome_form(CourtOutcome.DECLINED, hearing_date=COURT_DAY),
    )
    assert response.status_code == 404
    assert "Hidden" not in response.get_data(as_text=True)
    assert worker_web.get(f"/clients/{theirs_client.id}/cases/new").status_code == 404
    opened = worker_web.post(f"/clients/{theirs_client.id}/cases/new", data=case_form(make, world))
    assert opened.status_code == 404

    saved = reload(make, theirs)
    assert saved.status is CaseStatus.AWAITING_COURT
    assert saved.court_outcome is None
    assert count(make, Case) == 1
    assert count(make, CaseEvent) == 0


def test_an_outcome_cannot_be_recorded_for_a_hearing_that_has_not_happened(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=outcome_form(
            CourtOutcome.ACCEPTED, hearing_date=date(2026, 12, 9), return_date=date(2027, 1, 6)
        ),
    )
    assert error_summary(response) == ["Hearing date must be today or in the past"]
    make.session.expire_all()
    assert make.session.get(Case, case.id).status is CaseStatus.AWAITING_COURT


# ---------------------------------------------------------------------------------------
# The time of each court date (issue 13: the time was a constant 10:00 nobody recorded)
# ---------------------------------------------------------------------------------------


def list_starts_at(make: Factory, world: World, at: time) -> None:
    court = make.session.get(Court, world.court.id)
    court.list_time = at
    make.session.commit()


def test_a_court_date_left_without_a_time_is_recorded_at_the_courts_list_time_and_shown(
    worker_web: FlaskClient, make: Factory, world: World, client: Client
) -> None:
    list_starts_at(make, world, time(10, 30))
    form = worker_web.get(f"/clients/{client.id}/cases/new").get_data(as_text=True)
    assert "Leave empty to use the court&#39;s list time" in form

    response = worker_web.post(f"/clients/{client.id}/cases/new", data=case_form(make, world))

    assert response.status_code == 302
    [case] = make.session.scalars(select(Case)).all()
    assert case.first_court_time == time(10, 30)
    page = worker_web.get(f"/cases/{case.id}")
    assert by_id(page, "first-court-date") == "Wednesday 2 December 2026 at 10:30"
    assert "Case opened. First court date Wed 2 Dec 2026 at 10:30." in timeline(page)
    # The court's list moving later does not move a hearing already recorded.
    list_starts_at(make, world, time(9, 45))
    page = worker_web.get(f"/cases/{case.id}")
    assert by_id(page, "first-court-date") == "Wednesday 2 December 2026 at 10:30"


def test_a_time_typed_with_each_court_date_is_recorded_and_shown(
    worker_web: FlaskClient, make: Factory, world: World, client: Client
) -> None:
    list_starts_at(make, world, time(10, 30))
    opened = worker_web.post(
        f"/clients/{client.id}/cases/new",
        data=case_form(make, world, first_court_time="14:00"),
    )
    assert opened.status_code == 302
    [case] = make.session.scalars(select(Case)).all()
    assert case.first_court_time == time(14, 0)

    adjourned = outcome_form(
        CourtOutcome.ADJOURNED, hearing_date=COURT_DAY, adjourned_to=date(2026, 12, 16)
    )
    adjourned["adjourned_to_time"] = "11.15"
    page = worker_web.post(f"/cases/{case.id}/outcome", data=adjourned, follow_redirects=True)
    assert by_id(page, "first-court-date") == "Wednesday 2 December 2026 at 14:00"
    assert by_id(page, "adjourned-to") == "Wednesday 16 December 2026 at 11:15"
    assert "to Wed 16 Dec 2026 at 11:15." in timeline(page)

    accepted = outcome_form(CourtOutcome.ACCEPTED, hearing_date=COURT_DAY, return_date=RETURN_DAY)
    accepted["return_time"] = "14:00"
    page = worker_web.post(f"/cases/{case.id}/outcome", data=accepted, follow_redirects=True)
    assert by_id(page, "return-date") == "Wednesday 30 December 2026 at 14:00"
    saved = reload(make, case)
    assert (saved.return_time, saved.adjourned_to, saved.adjourned_to_time) == (
        time(14, 0),
        None,
        None,
    )
    # Changing the return date again shows the time recorded, and names the list time.
    form = worker_web.get(f"/cases/{case.id}/outcome")
    assert input_value(form, "return_time") == "14:00"
    assert "Leave empty to use the court&#39;s list time, 10:30." in form.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        (
            "first_court_time",
            "2pm",
            "Court time must be a real time on the 24-hour clock, like 09:30 or 17:00",
        ),
        ("first_court_time", "2:00", "Court time must be between 08:00 and 18:00"),
    ],
)
def test_a_court_time_that_cannot_be_right_is_refused_with_a_message(
    worker_web: FlaskClient, make: Factory, world: World, client: Client, field, typed, message
) -> None:
    response = worker_web.post(
        f"/clients/{client.id}/cases/new", data=case_form(make, world, **{field: typed})
    )

    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert input_value(response, field) == typed
    assert count(make, Case) == 0


def test_a_return_time_outside_the_court_day_is_refused(
    worker_web: FlaskClient, case: Case, make: Factory
) -> None:
    accepted = outcome_form(CourtOutcome.ACCEPTED, hearing_date=COURT_DAY, return_date=RETURN_DAY)
    accepted["return_time"] = "19:30"

    response = worker_web.post(f"/cases/{case.id}/outcome", data=accepted)

    assert error_summary(response) == ["Return time must be between 08:00 and 18:00"]
    assert reload(make, case).status is CaseStatus.AWAITING_COURT
