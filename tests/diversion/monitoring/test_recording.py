"""Recording her monitoring data at assessment (issue 17; domain.md, "Monitoring"): her dated
history newest first in words, a form whose every question starts unanswered and must be
answered ("Not asked" included), drug use with several answers, a history that only grows,
her organisation's caseworkers only, and every view and recording audited with ids only.

Today is Tuesday 8 December 2026.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from diversion.db import db
from diversion.errors import RuleBroken
from diversion.models import AuditEvent, Case, CaseStatus, Client, MonitoringRecord, Role, User
from diversion.monitoring import services
from diversion.monitoring.choices import QUESTIONS
from diversion.monitoring.services import MonitoringAnswers, record_monitoring
from tests.conftest import World, signed_in_client
from tests.diversion.monitoring.answers import WORDS, date_parts, posted
from tests.factories import Factory

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
TODAY = date(2026, 12, 8)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def client(make: Factory, world: World) -> Client:
    return make.client(organisation=world.project, first_name="Delphine", last_name="Quarry")


@pytest.fixture
def case(make: Factory, world: World, client: Client) -> Case:
    return make.accepted_case(client=client, court=world.court, worker=world.worker)


def url(client: Client) -> str:
    return f"/clients/{client.id}/monitoring"


def page(web: FlaskClient, address: str) -> str:
    response = web.get(address)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def records(make: Factory) -> list[MonitoringRecord]:
    make.session.expire_all()
    rows = list(make.session.scalars(select(MonitoringRecord).order_by(MonitoringRecord.id)))
    make.session.rollback()
    return rows


def history_cards(html: str) -> list[str]:
    """The history's cards on the page, in order: each card's HTML."""
    return re.findall(r'<div class="govuk-summary-card" id="recorded-\d+">.*?</dl>', html, re.S)


def test_the_form_starts_with_todays_date_and_nothing_chosen_and_offers_not_asked_everywhere(
    app: Flask, world: World, client: Client, case: Case
) -> None:
    html = page(signed_in_client(app, world.worker), url(client))

    assert "Nothing recorded yet." in html
    assert re.search(r'name="recorded_on"[^>]*value="08"', html)
    assert " checked" not in html  # no question answered for her
    assert html.count('value="not_asked"') == len(QUESTIONS) == 7
    assert html.count('value="prefer_not_to_say"') == 7
    for question in QUESTIONS:
        assert question.label in html
    # Her one open case is chosen for her; she may say none.
    assert re.search(rf'<option value="{case.id}" selected>', html)
    assert "Not for a particular case" in html
    assert 'data-behaviour="exclusive"' in html  # no drug use, prefer not to say, not asked


def test_a_worker_records_her_answers_and_reads_them_back_in_words(
    app: Flask, make: Factory, world: World, client: Client, case: Case
) -> None:
    web = signed_in_client(app, world.worker)

    response = web.post(url(client), data=posted(date(2026, 12, 7), case_id=str(case.id)))

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url(client)}#history")
    [row] = records(make)
    assert (row.client_id, row.organisation_id, row.case_id) == (
        client.id,
        world.project.id,
        case.id,
    )
    assert (row.recorded_on, row.recorded_by_id) == (date(2026, 12, 7), world.worker.id)
    assert row.drug_use == "heroin,crack"  # in the order the answers are listed
    assert row.ethnicity == "white_gypsy_traveller"
    html = page(web, url(client))
    assert "Monitoring data saved." in html
    [card] = history_cards(html)
    assert "Assessment on Mon 7 Dec 2026" in card
    assert "Wendy Worker" in card and case.reference in card
    for field, words in WORDS.items():
        assert f'data-field="{field}">{words}</dd>' in card


def test_each_recording_adds_to_her_history_newest_assessment_first_and_never_edits(
    app: Flask, make: Factory, world: World, client: Client
) -> None:
    web = signed_in_client(app, world.worker)
    web.post(url(client), data=posted(date(2026, 11, 2), housing_status="hostel"))
    [first] = records(make)
    with app.app_context():
        stored_before = db.session.execute(
            text("SELECT * FROM monitoring_record WHERE id = :id"), {"id": first.id}
        ).one()

    # Entered later, about an assessment between the two others.
    signed_in_client(app, world.manager).post(
        url(client), data=posted(date(2026, 12, 1), housing_status="settled")
    )
    web.post(url(client), data=posted(date(2026, 11, 20), housing_status="temporary"))

    rows = records(make)
    assert len(rows) == 3
    assert [row.housing_status for row in rows] == ["hostel", "settled", "temporary"]
    with app.app_context():
        stored_after = db.session.execute(
            text("SELECT * FROM monitoring_record WHERE id = :id"), {"id": first.id}
        ).one()
    assert stored_after == stored_before
    cards = history_cards(page(web, url(client)))
    assert [re.search(r"Assessment on ([^<]+)<", card).group(1) for card in cards] == [
        "Tue 1 Dec 2026",
        "Fri 20 Nov 2026",
        "Mon 2 Nov 2026",
    ]
    assert "Settled (own or rented home)" in cards[0] and "Not for a particular case" in cards[0]
    assert "Hostel or supported housing" in cards[2]


def test_every_question_must_be_answered_and_nothing_is_written_until_it_is(
    app: Flask, make: Factory, world: World, client: Client
) -> None:
    web = signed_in_client(app, world.worker)

    response = web.post(url(client), data={"recorded_on": date_parts(TODAY)})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in html
    for message in services.CHOOSE.values():
        assert html.count(message) == 2  # in the summary and by the question
    assert records(make) == []


def test_not_asked_and_prefer_not_to_say_are_answers(
    app: Flask, make: Factory, world: World, client: Client
) -> None:
    web = signed_in_client(app, world.worker)
    every_answer = {question.field: "not_asked" for question in QUESTIONS}
    every_answer["ethnicity"] = "prefer_not_to_say"

    assert web.post(url(client), data=posted(TODAY, **every_answer)).status_code == 303

    [row] = records(make)
    assert (row.work_pattern, row.drug_use, row.ethnicity) == (
        "not_asked",
        "not_asked",
        "prefer_not_to_say",
    )
    card = history_cards(page(web, url(client)))[0]
    assert card.count(">Not asked</dd>") == 6 and ">Prefer not to say</dd>" in card


@pytest.mark.parametrize(
    "drug_use",
    [["none", "crack"], ["prefer_not_to_say", "heroin"], ["not_asked", "none"]],
)
def test_no_drug_use_prefer_not_to_say_and_not_asked_stand_alone(
    app: Flask, make: Factory, world: World, client: Client, drug_use: list[str]
) -> None:
    web = signed_in_client(app, world.worker)

    response = web.post(url(client), data=posted(TODAY, drug_use=drug_use))

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count(services.ON_ITS_OWN.replace("'", "&#39;")) == 2
    # What she ticked is shown again, ticked.
    for code in drug_use:
        assert re.search(rf'value="{code}" checked', html)
    assert records(make) == []


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2026, 12, 9), "Date of the assessment must be today or in the past"),
        (date(1999, 12, 31), "Date of the assessment must be on or after 1 January 2000"),
    ],
)
def test_the_date_of_the_assessment_is_today_or_earlier(
    app: Flask, make: Factory, world: World, client: Client, day: date, message: str
) -> None:
    response = signed_in_client(app, world.worker).post(url(client), data=posted(day))

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert records(make) == []


def test_an_answer_from_another_question_is_refused(
    app: Flask, make: Factory, world: World, client: Client
) -> None:
    web = signed_in_client(app, world.worker)

    response = web.post(url(client), data=posted(TODAY, age_band="white_british"))

    assert response.status_code == 200
    assert services.CHOOSE["age_band"] in response.get_data(as_text=True)
    assert records(make) == []


def test_only_her_open_cases_are_offered_and_no_other_case_is_taken(
    app: Flask, make: Factory, world: World, client: Client, case: Case
) -> None:
    closed = make.case(client=client, court=world.court, status=CaseStatus.CLOSED)
    someone_else = make.accepted_case(
        client=make.client(organisation=world.project), court=world.court
    )
    web = signed_in_client(app, world.worker)

    html = page(web, url(client))
    assert case.reference in html and closed.reference not in html
    for other in (closed, someone_else):
        response = web.post(url(client), data=posted(TODAY, case_id=str(other.id)))
        assert response.status_code == 200
        assert "Select one of her open cases" in response.get_data(as_text=True)
    assert records(make) == []

    web.post(url(client), data=posted(TODAY, case_id=""))
    assert [row.case_id for row in records(make)] == [None]


def test_another_organisations_client_answers_404_and_nothing_is_recorded(
    app: Flask, make: Factory, world: World, client: Client
) -> None:
    web = signed_in_client(app, world.other_org_worker)

    assert web.get(url(client)).status_code == 404
    assert web.post(url(client), data=posted(TODAY)).status_code == 404
    assert web.get("/clients/999999/monitoring").status_code == 404

    assert records(make) == []
    refused = make.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "record_refused")
    ).all()
    assert [(row.object_type, row.object_id) for row in refused][:2] == [
        ("client", client.id),
        ("client", client.id),
    ]


@pytest.mark.parametrize("role", ["liaison", "cps", "admin", "commissioner"])
def test_court_cps_administrators_and_commissioners_are_refused(
    app: Flask, make: Factory, world: World, client: Client, role: str
) -> None:
    user = (
        make.user(organisation=world.project, role=Role.COMMISSIONER)
        if role == "commissioner"
        else getattr(world, role)
    )
    web = signed_in_client(app, user)

    for response in (web.get(url(client)), web.post(url(client), data=posted(TODAY))):
        assert response.status_code == 403
        assert "Street-based" not in response.get_data(as_text=True)
    assert records(make) == []


def test_every_view_and_every_recording_is_audited_with_ids_only(
    app: Flask, make: Factory, world: World, client: Client
) -> None:
    web = signed_in_client(app, world.worker)
    page(web, url(client))
    web.post(url(client), data=posted(TODAY))
    web.post(url(client), data={"recorded_on": date_parts(TODAY)})  # refused: shows her history

    [row] = records(make)
    events = make.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("monitoring%")).order_by(AuditEvent.id)
    ).all()
    assert [
        (e.action, e.user_id, e.object_type, e.object_id, e.client_id, e.detail) for e in events
    ] == [
        ("monitoring_viewed", world.worker.id, "client", client.id, client.id, None),
        ("monitoring_recorded", world.worker.id, "monitoring_record", row.id, client.id, None),
        ("monitoring_viewed", world.worker.id, "client", client.id, client.id, None),
    ]


def test_her_client_page_links_to_her_monitoring_data(
    app: Flask, world: World, client: Client
) -> None:
    html = page(signed_in_client(app, world.worker), f"/clients/{client.id}")

    assert f'href="{url(client)}"' in html
    assert "never shared with the court or the CPS" in html


# --- the service refuses what the form cannot send -----------------------------------------

ALL_ANSWERS = MonitoringAnswers(
    work_pattern="street",
    contacts="none",
    housing_status="settled",
    known_previously="yes",
    age_band="18_24",
    ethnicity="white_british",
    drug_use=("none",),
)


def _record(app: Flask, actor_id: int, client_id: int, **changes: object) -> None:
    with app.app_context():
        actor = db.session.get(User, actor_id)
        her = db.session.get(Client, client_id)
        assert actor is not None and her is not None
        answers = changes.pop("answers", ALL_ANSWERS)
        case_id = changes.pop("case_id", None)
        record_monitoring(
            actor=actor,
            client=her,
            recorded_on=changes.pop("recorded_on", TODAY),
            answers=answers,  # type: ignore[arg-type]
            case=db.session.get(Case, case_id) if case_id else None,
            today=TODAY,
        )


@pytest.mark.parametrize(
    ("who", "changes", "field"),
    [
        ("other_org_worker", {}, None),
        ("admin", {}, None),
        ("worker", {"recorded_on": date(2026, 12, 9)}, "recorded_on"),
        (
            "worker",
            {"answers": MonitoringAnswers(**{**ALL_ANSWERS.__dict__, "age_band": "x"})},
            "age_band",
        ),
        (
            "worker",
            {"answers": MonitoringAnswers(**{**ALL_ANSWERS.__dict__, "drug_use": ()})},
            "drug_use",
        ),
        (
            "worker",
            {
                "answers": MonitoringAnswers(
                    **{**ALL_ANSWERS.__dict__, "drug_use": ("none", "crack")}
                )
            },
            "drug_use",
        ),
        ("worker", {"case_id": "someone else's"}, "case_id"),
    ],
)
def test_the_service_refuses_what_the_form_cannot_send(
    app: Flask,
    make: Factory,
    world: World,
    client: Client,
    who: str,
    changes: dict[str, object],
    field: str | None,
) -> None:
    if changes.get("case_id") == "someone else's":
        other = make.client(organisation=world.project)
        changes["case_id"] = make.accepted_case(client=other, court=world.court).id

    with pytest.raises(RuleBroken) as refused:
        _record(app, getattr(world, who).id, client.id, **changes)

    assert refused.value.field == field
    assert records(make) == []
    assert (
        make.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "monitoring_recorded")
        )
        == 0
    )
