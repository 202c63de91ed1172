"""The monitoring form never fails and never half-saves, whatever is posted (security.md 25):
hostile dates, cases and answers, several drug-use answers mixed with garbage. A refused form
shows her history again, which is audited as a view (VIEW_ACTIONS in test_fuzz_forms.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st

from diversion.models import CaseStatus
from diversion.monitoring.choices import QUESTION_OF
from tests.conftest import World, sign_in
from tests.diversion.test_fuzz_forms import (
    TODAY,
    any_date,
    check_answer,
    choice,
    form_data,
    fuzz,
    row_counts,
    text,
)
from tests.factories import Factory


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def worker_web(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.worker)
    return web


def answer(field: str) -> st.SearchStrategy[str | None]:
    return choice(*QUESTION_OF[field].codes)


@fuzz
@given(
    recorded_on=any_date,
    case_id=st.one_of(st.none(), st.sampled_from(["", "own", "closed", "other"]), text),
    work_pattern=answer("work_pattern"),
    contacts=answer("contacts"),
    housing_status=answer("housing_status"),
    known_previously=answer("known_previously"),
    age_band=answer("age_band"),
    ethnicity=answer("ethnicity"),
    drug_use=st.one_of(
        st.none(),
        st.lists(st.one_of(st.sampled_from(QUESTION_OF["drug_use"].codes), text), max_size=4),
    ),
)
@example(
    recorded_on=["25", "11", "2026"],
    case_id="own",
    work_pattern="street",
    contacts="none",
    housing_status="settled",
    known_previously="no",
    age_band="25_34",
    ethnicity="white_british",
    drug_use=["crack", "heroin"],
)
def test_the_monitoring_form_never_fails_or_half_saves(
    worker_web: FlaskClient,
    make: Factory,
    world: World,
    recorded_on: list[str] | None,
    case_id: str | None,
    work_pattern: str | None,
    contacts: str | None,
    housing_status: str | None,
    known_previously: str | None,
    age_band: str | None,
    ethnicity: str | None,
    drug_use: list[str] | None,
) -> None:
    client = make.client(organisation=world.project)
    cases = {
        "own": make.accepted_case(client=client, court=world.court),
        "closed": make.case(client=client, court=world.court, status=CaseStatus.CLOSED),
        "other": make.accepted_case(
            client=make.client(organisation=world.other_project), court=world.court
        ),
    }
    if case_id in cases:
        case_id = str(cases[case_id].id)
    before = row_counts(make)

    response = worker_web.post(
        f"/clients/{client.id}/monitoring",
        data=form_data(
            {
                "recorded_on": recorded_on,
                "case_id": case_id,
                "work_pattern": work_pattern,
                "contacts": contacts,
                "housing_status": housing_status,
                "known_previously": known_previously,
                "age_band": age_band,
                "ethnicity": ethnicity,
                "drug_use": drug_use,
            }
        ),
    )

    assert response.status_code in (200, 303), response.status_code
    if response.status_code == 200:
        check_answer(worker_web, make, response, before)
    else:
        after = row_counts(make)
        assert after["monitoring_record"] == before["monitoring_record"] + 1
        assert worker_web.get(response.headers["Location"]).status_code == 200
