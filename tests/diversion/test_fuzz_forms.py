"""Bad input never gives a 500 (design/security.md 25): random text and dates at every form.

The app runs with TESTING=True, so an exception in a view is raised here and fails the test.
A form either comes back with its errors (200), having written nothing, or is accepted (302)
and the page it leads to opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from diversion.db import Base
from diversion.models import AuditEvent, Client, CourtOutcome, DrugTestResult
from tests.conftest import World, sign_in
from tests.factories import PASSWORD, Factory

fuzz = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

TODAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "Ann\x00Smith",
    "\r\n\r\n",
    "\t\x0b\x0c\x1b[31m",
    "\x7f\x85\u2028\u2029",
    "'; DROP TABLE client; --",
    "' OR '1'='1",
    "%",
    "_%\\",
    "\\' OR 1=1 --",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "{{ 7*7 }}{% raw %}",
    "\u202eevil\u202c",
    "Zoë O'Brien-Nguyễn 李 \U0001d49c\U0001d4c3\U0001d4c3 👩🏽‍⚕️",
    "\ufeff\u200b\u200d",
    "A" * 101,
    "x" * 5000,
    "07700 900 982",
    "+44 7700 900982",
    "020 7946 0000",
    "0" * 40,
]

text = st.one_of(
    st.text(max_size=120),
    st.text(alphabet=st.characters(codec="utf-8", max_codepoint=0x9F), max_size=40),
    st.sampled_from(NASTY_STRINGS),
    st.builds(
        lambda ch, n: ch * n,
        st.characters(codec="utf-8"),
        st.integers(min_value=50, max_value=20_000),
    ),
)

date_part = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=0, max_value=10_000).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "00",
            "31",
            "29",
            "2",
            "13",
            "1990",
            "2026",
            "9999",
            "10000",
            "²",
            "١٢",
            "\uff11\uff12",
            "1e3",
            "0x10",
            "-1",
            "+1",
            " 7 ",
            "1.5",
            "٣",
        ]
    ),
    st.text(max_size=8),
)
malformed_date = st.lists(date_part, min_size=0, max_size=5)


def parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


near_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 12, 31)).map(parts)
wednesdays = st.integers(min_value=0, max_value=80).map(
    lambda weeks: parts(date.fromordinal(date(2026, 11, 25).toordinal() + 7 * weeks))
)
any_date = st.one_of(malformed_date, near_dates, wednesdays, st.none())
tick = st.one_of(st.none(), st.sampled_from(["y", "", "n", "false", "on", "0"]), text)


def choice(*valid: str) -> st.SearchStrategy[str | None]:
    return st.one_of(st.sampled_from(valid), st.none(), text)


def form_data(values: dict[str, object]) -> dict[str, object]:
    """Leave a field out entirely when the strategy drew None."""
    return {name: value for name, value in values.items() if value is not None}


# Showing her record again (a refused edit redisplays the form) is audited as a view: that
# row is expected, and is not a half-saved change.
# Records of what a page showed, not of a change: reading her record, and the caseload
# check a refused form runs again when it is shown (with what it disclosed).
# Her monitoring page shows her history again with a refused form: a view, too.
VIEW_ACTIONS = (
    "client_viewed",
    "caseload_check",
    "caseload_disclosed",
    "client_flag_shown",
    "monitoring_viewed",
)


def row_counts(make: Factory) -> dict[str, int]:
    counts = {
        table.name: make.session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }
    counts["audit_event"] = make.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action.not_in(VIEW_ACTIONS))
    )
    make.session.rollback()
    return counts


def check_answer(web: FlaskClient, make: Factory, response, before: dict[str, int]) -> None:
    """200 with nothing written, or 302 to a page that opens."""
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert row_counts(make) == before
        page = response.get_data(as_text=True)
        assert "There is a problem" in page
        assert "invalid literal" not in page  # a Python message is not a GOV.UK one
    else:
        assert web.get(response.headers["Location"]).status_code == 200


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def worker_web(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.worker)
    return web


@fuzz
@given(
    first_name=text,
    last_name=text,
    aliases=text,
    date_of_birth=st.one_of(malformed_date, st.dates().map(parts), st.none()),
    text_name=text,
    mobile=st.one_of(text, st.sampled_from(["07400 123456", "07700900123", "+447400123456"])),
    consent=tick,
    safe=tick,
)
@example(
    first_name="Ann",
    last_name="Smith",
    aliases="",
    date_of_birth=["²", "3", "1990"],
    text_name="",
    mobile="",
    consent=None,
    safe=None,
)
def test_the_client_form_never_fails_on_any_input(
    worker_web: FlaskClient,
    make: Factory,
    first_name: str,
    last_name: str,
    aliases: str,
    date_of_birth: list[str] | None,
    text_name: str,
    mobile: str,
    consent: str | None,
    safe: str | None,
) -> None:
    before = row_counts(make)

    response = worker_web.post(
        "/clients/new",
        data=form_data(
            {
                "first_name": first_name,
                "last_name": last_name,
                "aliases": aliases,
                "date_of_birth": date_of_birth,
                "text_name": text_name,
                "mobile": mobile,
                "consent_to_texts": consent,
                "safe_to_text": safe,
            }
        ),
    )

    check_answer(worker_web, make, response, before)


@fuzz
@given(
    first_name=text,
    mobile=text,
    date_of_birth=st.one_of(malformed_date, st.none()),
    aliases=text,
    safe=tick,
    safe_number=st.one_of(st.none(), st.just("+447400123456"), text),
)
def test_the_client_edit_form_never_fails_or_half_saves(
    worker_web: FlaskClient,
    make: Factory,
    world: World,
    first_name: str,
    mobile: str,
    date_of_birth: list[str] | None,
    aliases: str,
    safe: str | None,
    safe_number: str | None,
) -> None:
    client = make.client(organisation=world.project, first_name="Fixed", last_name="Point")
    before = row_counts(make)

    response = worker_web.post(
        f"/clients/{client.id}/edit",
        data=form_data(
            {
                "first_name": first_name,
                "last_name": "Point",
                "aliases": aliases,
                "date_of_birth": date_of_birth,
                "mobile": mobile,
                "safe_to_text": safe,
                "safe_number": safe_number,
            }
        ),
    )

    check_answer(worker_web, make, response, before)
    if response.status_code == 200:
        make.session.expire_all()
        unchanged = make.session.get(Client, client.id)
        assert (unchanged.first_name, unchanged.mobile) == ("Fixed", None)
        make.session.rollback()


@fuzz
@given(
    requirement_type=st.booleans(),
    court=st.booleans(),
    worker=st.booleans(),
    noise=text,
    first_court_date=any_date,
    arrest_date=any_date,
    court_reference=text,
    charge=text,
    drug_test=choice(*(result.value for result in DrugTestResult)),
)
def test_the_case_form_never_fails_on_any_input(
    worker_web: FlaskClient,
    make: Factory,
    world: World,
    requirement_type: bool,
    court: bool,
    worker: bool,
    noise: str,
    first_court_date: list[str] | None,
    arrest_date: list[str] | None,
    court_reference: str,
    charge: str,
    drug_test: str | None,
) -> None:
    client = make.client(organisation=world.project)
    before = row_counts(make)

    response = worker_web.post(
        f"/clients/{client.id}/cases/new",
        data=form_data(
            {
                "requirement_type_id": str(make.requirement_type("CD").id)
                if requirement_type
                else noise,
                "court_id": str(world.court.id) if court else noise,
                "worker_id": str(world.worker.id) if worker else noise,
                "first_court_date": first_court_date,
                "arrest_date": arrest_date,
                "court_reference": court_reference,
                "charge": charge,
                "custody_drug_test": drug_test,
            }
        ),
    )

    check_answer(worker_web, make, response, before)


@fuzz
@given(
    outcome=choice(*(o.value for o in CourtOutcome)),
    hearing_date=any_date,
    return_date=any_date,
    adjourned_to=any_date,
    accepted_already=st.booleans(),
)
def test_the_outcome_form_never_fails_on_any_input(
    worker_web: FlaskClient,
    make: Factory,
    world: World,
    outcome: str | None,
    hearing_date: list[str] | None,
    return_date: list[str] | None,
    adjourned_to: list[str] | None,
    accepted_already: bool,
) -> None:
    client = make.client(organisation=world.project)
    if accepted_already:
        case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    else:
        case = make.case(client=client, court=world.court, worker=world.worker)
    before = row_counts(make)

    response = worker_web.post(
        f"/cases/{case.id}/outcome",
        data=form_data(
            {
                "outcome": outcome,
                "hearing_date": hearing_date,
                "return_date": return_date,
                "adjourned_to": adjourned_to,
            }
        ),
    )

    check_answer(worker_web, make, response, before)
    assert worker_web.get(f"/cases/{case.id}/outcome").status_code in (200, 302)
    assert worker_web.get("/home").status_code == 200


@fuzz
@given(q=st.one_of(text, st.none()), dob=st.one_of(malformed_date, near_dates, st.none()))
def test_the_search_form_never_fails_and_only_reads(
    worker_web: FlaskClient,
    make: Factory,
    world: World,
    q: str | None,
    dob: list[str] | None,
) -> None:
    if not row_counts(make)["client"]:
        make.client(
            organisation=world.project,
            first_name="Zoë",
            last_name="O'Brien",
            aliases=("50% Annie_B",),
        )
    before = row_counts(make)

    response = worker_web.post(
        "/clients", data=form_data({"q": q, "dob": dob}), follow_redirects=True
    )

    assert response.status_code == 200
    after = row_counts(make)
    searches = after.pop("audit_event") - before.pop("audit_event")
    assert after == before
    assert searches in (0, 1)
    if searches:
        make.session.expire_all()
        last = make.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last.action == "client_search"
        make.session.rollback()


@fuzz
@given(email=text, password=text, next_page=st.one_of(st.none(), text))
def test_the_sign_in_form_never_fails_and_never_signs_in_a_stranger(
    web: FlaskClient, world: World, email: str, password: str, next_page: str | None
) -> None:
    response = web.post(
        "/sign-in",
        query_string=form_data({"next": next_page}),
        data={"email": email, "password": password},
    )

    assert response.status_code == 200
    with web.session_transaction() as session:
        assert "sid" not in session  # no session token: not even half signed in


@fuzz
@given(next_page=text)
def test_any_next_address_leads_somewhere_on_this_site(
    web: FlaskClient, world: World, next_page: str
) -> None:
    response = web.post(
        "/sign-in",
        query_string={"next": next_page},
        data={"email": world.worker.email, "password": PASSWORD},
    )

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/")
    assert not location.startswith("//")
    assert "\\" not in location
