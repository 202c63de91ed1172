"""Administration pages: courts, venues, requirement types and user accounts."""

from __future__ import annotations

import html
import re
from datetime import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from diversion.access import declared_roles
from diversion.admin.forms import parse_sessions
from diversion.court_wording import DEFAULT_COURT_WORDINGS
from diversion.models import (
    AuditEvent,
    Court,
    OrganisationKind,
    RequirementType,
    Role,
    User,
    Venue,
    WindowRule,
)
from tests.conftest import World, set_up_through_link, sign_in
from tests.diversion.accounts.test_invitations import link_path, written_mail
from tests.factories import Factory

FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NASTY = [
    "",
    " ",
    "\x00",
    "Ann\x00Smith",
    "\r\n\r\n",
    "\x7f\x85\u2028\u2029",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "١٢:٣٠",
    "²",
    "9" * 400,
    "a@b",
    "x" * 3000,
]
# Text a browser could send: anything but lone surrogates, which cannot be encoded at all.
ANY_TEXT = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60),
    st.sampled_from(NASTY),
)


def page(response: Any) -> str:
    """The response body with HTML entities decoded, as a reader sees the words."""
    return html.unescape(response.get_data(as_text=True))


def title(response: Any) -> str:
    found = re.search(r"<title[^>]*>(.*?)</title>", response.get_data(as_text=True), re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def count(make: Factory, model: type) -> int:
    return make.session.scalar(select(func.count()).select_from(model)) or 0


def fresh(make: Factory, model: type, object_id: int) -> Any:
    """The row as the database holds it now, not as the factory's session remembers it."""
    make.session.expire_all()
    return make.session.get(model, object_id)


def assert_refused(response: Any, message: str) -> None:
    """The form came back with a GOV.UK error summary naming the problem."""
    assert response.status_code == 200
    text = page(response)
    assert "There is a problem" in text
    assert message in text
    assert title(response).startswith("Error: ")


@pytest.fixture
def admin(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.admin)
    return web


# Access ----------------------------------------------------------------------------------------


def admin_paths(world: World, make: Factory) -> list[str]:
    venue = make.venue(organisation=world.project)
    kind = make.requirement_type("CD")
    return [
        "/admin",
        "/admin/courts",
        "/admin/courts/new",
        f"/admin/courts/{world.court.id}/edit",
        "/admin/venues",
        "/admin/venues/new",
        f"/admin/venues/{venue.id}/edit",
        "/admin/requirement-types",
        "/admin/requirement-types/new",
        f"/admin/requirement-types/{kind.id}/edit",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{world.worker.id}/edit",
    ]


@pytest.mark.parametrize("who", ["worker", "manager", "liaison", "cps"])
def test_only_administrators_can_open_or_post_to_any_admin_page(
    app: Flask, world: World, make: Factory, who: str
) -> None:
    web = app.test_client()
    sign_in(web, getattr(world, who))
    for path in admin_paths(world, make):
        assert web.get(path).status_code == 403, path
        assert web.post(path, data={"name": "Changed"}).status_code in (403, 405), path
    assert fresh(make, User, world.worker.id).name == "Wendy Worker"
    refusals = make.session.scalar(
        select(func.count()).where(AuditEvent.action == "access_refused")
    )
    assert refusals and refusals >= len(admin_paths(world, make))


def test_administrator_can_open_every_admin_page(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    for path in admin_paths(world, make):
        response = admin.get(path)
        assert response.status_code == 200, path
        assert "Administration" in page(response)


def test_a_signed_out_visitor_is_sent_to_sign_in(web: FlaskClient, world: World) -> None:
    response = web.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_every_admin_route_is_declared_for_administrators_only(app: Flask) -> None:
    endpoints = [rule.endpoint for rule in app.url_map.iter_rules()]
    admin_endpoints = [e for e in endpoints if e.startswith("admin.")]
    # With the two-factor reset, the set-up link, and the three receiving-number pages.
    assert len(admin_endpoints) == 18
    for endpoint in admin_endpoints:
        assert declared_roles(app, endpoint) == frozenset({Role.ADMIN}), endpoint


def test_the_admin_index_links_to_each_section(admin: FlaskClient) -> None:
    text = page(admin.get("/admin"))
    for href in (
        "/admin/courts",
        "/admin/venues",
        "/admin/requirement-types",
        "/admin/users",
        "/admin/receiving-numbers",
    ):
        assert f'href="{href}"' in text


# Courts ----------------------------------------------------------------------------------------


def court_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Southbank Magistrates' Court",
        "sitting_weekdays": ["1", "3"],
        "report_lead_working_days": "3",
        "report_due_time": "11:30",
        "list_time": "10:30",
        "court_email": "listing@southbank.example",
        "cps_email": "cps@southbank.example",
        "liaison_email": "liaison@southbank.example",
        "organisation_id": "",
        "cps_organisation_id": "",
        "active": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_adds_a_court_and_sees_it_listed(admin: FlaskClient, make: Factory) -> None:
    response = admin.post("/admin/courts/new", data=court_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/courts"
    court = make.session.scalar(select(Court).where(Court.name == "Southbank Magistrates' Court"))
    assert court is not None
    assert court.sitting_weekdays == [1, 3]
    assert court.report_lead_working_days == 3
    assert court.report_due_time == time(11, 30)
    assert court.list_time == time(10, 30)
    assert court.court_email == "listing@southbank.example"
    assert court.liaison_email == "liaison@southbank.example"
    assert court.organisation_id is None
    assert court.active is True
    listing = page(admin.get("/admin/courts"))
    assert "Court added." in listing
    assert "Southbank Magistrates' Court" in listing
    assert "Tuesday, Thursday" in listing
    assert re.search(r"<th[^>]*>List starts</th>", listing)
    assert re.search(r'<td [^>]*class="govuk-table__cell">10:30</td>', listing)
    audit = make.session.scalar(select(AuditEvent).where(AuditEvent.action == "court_created"))
    assert audit is not None and audit.object_id == court.id


def test_admin_edits_a_court_and_links_its_organisations(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    court = world.court
    form = admin.get(f"/admin/courts/{court.id}/edit")
    assert 'value="12:00"' in form.get_data(as_text=True)
    assert re.search(r'name="list_time"[^>]*value="10:00"', form.get_data(as_text=True))
    response = admin.post(
        f"/admin/courts/{court.id}/edit",
        data=court_form(
            name="Testbury Magistrates' Court (renamed)",
            sitting_weekdays=["0", "2"],
            report_due_time="9.45",
            list_time="14:00",
            police_email="diversion@police.example",
            organisation_id=str(court.organisation_id),
            cps_organisation_id=str(court.cps_organisation_id),
            active=None,
        ),
    )
    assert response.status_code == 302
    saved = fresh(make, Court, court.id)
    assert saved.police_email == "diversion@police.example"
    assert saved.name == "Testbury Magistrates' Court (renamed)"
    assert saved.sitting_weekdays == [0, 2]
    assert saved.report_due_time == time(9, 45)
    assert saved.list_time == time(14, 0)
    assert saved.organisation_id == court.organisation_id
    assert saved.active is False
    listing = page(admin.get("/admin/courts"))
    assert "Testbury Magistrates' Court (renamed)" in listing
    assert "Not in use" in listing


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "   "}, "Enter the name of the court"),
        ({"name": "x" * 201}, "Name must be 200 characters or fewer"),
        ({"name": "Bad\x00name"}, "Name must not contain special characters"),
        ({"sitting_weekdays": None}, "Select at least one day the court hears these cases"),
        ({"sitting_weekdays": ["5"]}, "Select sitting days from the list"),
        ({"report_lead_working_days": ""}, "Enter the report lead time"),
        ({"report_lead_working_days": "11"}, "Report lead time must be between 2 and 10"),
        # The report is due the working day before the return date: a lead of 1 would let
        # the last appointment fall after it.
        ({"report_lead_working_days": "1"}, "Report lead time must be between 2 and 10"),
        ({"report_lead_working_days": "0"}, "Report lead time must be between 2 and 10"),
        ({"report_lead_working_days": "two"}, "Report lead time must be a whole number"),
        ({"report_lead_working_days": "²"}, "Report lead time must be a whole number"),
        ({"report_due_time": ""}, "Enter the report due time"),
        ({"report_due_time": "25:00"}, "Report due time must be a real time"),
        ({"report_due_time": "noon"}, "Report due time must be a real time"),
        ({"report_due_time": "12:60"}, "Report due time must be a real time"),
        ({"list_time": ""}, "Enter the time the list starts"),
        ({"list_time": "half ten"}, "Time the list starts must be a real time"),
        ({"list_time": "2:00"}, "Time the list starts must be between 08:00 and 18:00"),
        ({"court_email": "listing-at-court"}, "Enter an email address in the correct format"),
        ({"cps_email": "cps@"}, "Enter an email address in the correct format"),
        ({"police_email": "police.example"}, "Enter an email address in the correct format"),
        ({"organisation_id": "999"}, "Select the court organisation from the list"),
        ({"cps_organisation_id": "abc"}, "Select the CPS organisation from the list"),
    ],
)
def test_a_court_with_a_mistake_is_refused_with_a_message_and_nothing_is_saved(
    admin: FlaskClient, make: Factory, overrides: dict[str, Any], message: str
) -> None:
    before = count(make, Court)
    response = admin.post("/admin/courts/new", data=court_form(**overrides))
    assert_refused(response, message)
    assert count(make, Court) == before


def test_a_refused_court_form_keeps_what_was_typed(admin: FlaskClient) -> None:
    response = admin.post(
        "/admin/courts/new",
        data=court_form(report_due_time="25:99", sitting_weekdays=["4"], name="Kept Court"),
    )
    text = response.get_data(as_text=True)
    assert 'value="25:99"' in text
    assert 'value="Kept Court"' in text
    assert re.search(r'value="4"\s+checked', text)


def test_a_court_organisation_of_the_wrong_kind_cannot_be_chosen(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    before = count(make, Court)
    response = admin.post(
        "/admin/courts/new", data=court_form(organisation_id=str(world.project.id))
    )
    assert_refused(response, "Select the court organisation from the list")
    assert count(make, Court) == before


def test_a_second_court_with_the_same_name_is_refused(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    before = count(make, Court)
    response = admin.post("/admin/courts/new", data=court_form(name=world.court.name.upper()))
    assert_refused(response, "There is already a court with this name")
    assert count(make, Court) == before


# Venues ----------------------------------------------------------------------------------------


def venue_form(organisation_id: int, /, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organisation_id": str(organisation_id),
        "name": "Riverside Women's Centre",
        "neutral_name": "Station Road office",
        "address": "1 Station Road\nLondon\nSE99 9ZZ",
        "opens_0": "09:30",
        "closes_0": "17:00",
        "opens_2": "10:00",
        "closes_2": "16:00",
        "active": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_adds_a_venue_with_weekly_opening_hours_and_sees_it_listed(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    response = admin.post("/admin/venues/new", data=venue_form(world.project.id))
    assert response.status_code == 302
    venue = make.session.scalar(select(Venue).where(Venue.name == "Riverside Women's Centre"))
    assert venue is not None
    assert venue.organisation_id == world.project.id
    assert venue.neutral_name == "Station Road office"
    assert venue.address == "1 Station Road\nLondon\nSE99 9ZZ"
    assert venue.opening_hours == {"0": [["09:30", "17:00"]], "2": [["10:00", "16:00"]]}
    listing = page(admin.get("/admin/venues"))
    assert "Riverside Women's Centre" in listing
    assert "Station Road office" in listing
    assert "Mon, Wed" in listing


def test_admin_edits_a_venue_and_closes_it_on_a_day(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    venue = make.venue(organisation=world.project)
    form = admin.get(f"/admin/venues/{venue.id}/edit").get_data(as_text=True)
    assert 'id="opens_4" name="opens_4" type="text" value="09:00"' in form
    data = venue_form(world.project.id, name="Renamed venue", active=None)
    response = admin.post(f"/admin/venues/{venue.id}/edit", data=data)
    assert response.status_code == 302
    saved = fresh(make, Venue, venue.id)
    assert saved.name == "Renamed venue"
    assert saved.active is False
    assert saved.opening_hours == {"0": [["09:30", "17:00"]], "2": [["10:00", "16:00"]]}


def test_a_day_with_a_break_keeps_it_when_its_times_are_saved_unchanged(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    split = [["09:00", "12:30"], ["13:30", "17:00"]]
    venue = make.venue(organisation=world.project, opening_hours={"1": split})
    data = venue_form(world.project.id, opens_1="09:00", closes_1="17:00")
    assert admin.post(f"/admin/venues/{venue.id}/edit", data=data).status_code == 302
    assert fresh(make, Venue, venue.id).opening_hours["1"] == split


@pytest.mark.parametrize(
    "neutral_name",
    [
        "Court annexe",
        "Old Police Station",
        "Drugs service",
        "Probation office",
        "Bail hostel",
        "CPS building",
        "Prostitution project",
        "Sex workers' drop-in",
        "Diversion hub",
        # Disguised (issue 12): read as a phone shows it.
        "C0urt annexe",
        "C\u043eurt annexe",
        "Co\u200burt annexe",
        "P o l i c e Station",
        "H3ROIN service",
    ],
)
def test_a_venue_name_for_texts_that_gives_away_its_purpose_is_refused(
    admin: FlaskClient, world: World, make: Factory, neutral_name: str
) -> None:
    before = count(make, Venue)
    response = admin.post(
        "/admin/venues/new", data=venue_form(world.project.id, neutral_name=neutral_name)
    )
    assert_refused(response, "Name for text messages must not say")
    assert "texts never mention the court, police, drugs, probation, bail" in page(response)
    assert count(make, Venue) == before


def test_a_neutral_name_that_merely_contains_a_forbidden_word_is_accepted(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    data = venue_form(world.project.id, neutral_name="Essex Courtyard Studio")
    assert admin.post("/admin/venues/new", data=data).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"closes_0": "09:00"}, "Monday closing time must be after the opening time"),
        ({"closes_2": None}, "Enter the Wednesday closing time, or clear the opening time"),
        ({"opens_6": "", "closes_6": "12:00"}, "Enter the Sunday opening time"),
        ({"opens_3": "9am", "closes_3": "5pm"}, "Thursday opening time must be a real time"),
        ({"address": ""}, "Enter the address of the venue"),
        ({"name": ""}, "Enter the name of the venue"),
        ({"neutral_name": ""}, "Enter the name to use in text messages"),
        ({"organisation_id": "0"}, "Select the organisation that runs this venue"),
    ],
)
def test_a_venue_with_a_mistake_is_refused_with_a_message_and_nothing_is_saved(
    admin: FlaskClient, world: World, make: Factory, overrides: dict[str, Any], message: str
) -> None:
    before = count(make, Venue)
    response = admin.post("/admin/venues/new", data=venue_form(world.project.id, **overrides))
    assert_refused(response, message)
    assert count(make, Venue) == before


def test_a_venue_cannot_belong_to_a_court(admin: FlaskClient, world: World, make: Factory) -> None:
    before = count(make, Venue)
    response = admin.post("/admin/venues/new", data=venue_form(world.court.organisation_id or 0))
    assert_refused(response, "Select the organisation that runs this venue")
    assert count(make, Venue) == before


# Requirement types -----------------------------------------------------------------------------


def requirement_type_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "PSR",
        "name": "Pre-sentence support",
        "description": "Two sessions before sentence.",
        "window_rule": WindowRule.CASE_DEADLINE.value,
        "window_days": "",
        "max_window_days": "42",
        "min_gap_days": "3",
        "sessions_text": "assessment | First assessment | 90\nsupport | Support session | 60",
        "court_wordings_text": "No reason given\nRearranged at her request",
        "active": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_adds_a_requirement_type_and_sees_it_listed(
    admin: FlaskClient, make: Factory
) -> None:
    response = admin.post(
        "/admin/requirement-types/new",
        data=requirement_type_form(sessions_chosen_per_case="y"),
    )
    assert response.status_code == 302
    kind = make.session.scalar(select(RequirementType).where(RequirementType.code == "PSR"))
    assert kind is not None
    assert kind.sessions == [
        {"kind": "assessment", "name": "First assessment", "duration_minutes": 90},
        {"kind": "support", "name": "Support session", "duration_minutes": 60},
    ]
    assert kind.window_rule is WindowRule.CASE_DEADLINE
    assert kind.window_days is None
    assert kind.max_window_days == 42
    assert kind.min_gap_days == 3
    assert kind.sessions_chosen_per_case is True
    assert kind.court_wordings == ["No reason given", "Rearranged at her request"]
    listing = page(admin.get("/admin/requirement-types"))
    assert "Pre-sentence support" in listing
    assert "2, chosen per case" in listing


def test_editing_a_seeded_type_shows_its_sessions_and_keeps_a_session_that_may_lapse(
    admin: FlaskClient, make: Factory
) -> None:
    kind = make.requirement_type("RA")
    form = page(admin.get(f"/admin/requirement-types/{kind.id}/edit"))
    assert "follow_up | Follow-up assessment | 60 | may lapse" in form
    sessions = (
        "initial_assessment | Initial assessment | 90\n"
        "follow_up | Follow-up assessment | 45 | may lapse"
    )
    response = admin.post(
        f"/admin/requirement-types/{kind.id}/edit",
        data=requirement_type_form(
            code="RA",
            name=kind.name,
            window_rule=WindowRule.FROM_POSITIVE_TEST.value,
            window_days="21",
            max_window_days="",
            sessions_text=sessions,
        ),
    )
    assert response.status_code == 302
    saved = fresh(make, RequirementType, kind.id)
    assert saved.window_days == 21
    assert saved.sessions[1] == {
        "kind": "follow_up",
        "name": "Follow-up assessment",
        "duration_minutes": 45,
        "may_lapse": True,
    }


def test_a_new_type_offers_the_default_court_wordings_and_an_edit_changes_them(
    admin: FlaskClient, make: Factory
) -> None:
    new = page(admin.get("/admin/requirement-types/new"))
    assert "Acceptable absence: explained to the project\nNo reason given" in new
    kind = make.requirement_type("CD")
    assert list(kind.court_wordings) == list(DEFAULT_COURT_WORDINGS)
    form = page(admin.get(f"/admin/requirement-types/{kind.id}/edit"))
    assert "Reason recorded by the project" in form

    response = admin.post(
        f"/admin/requirement-types/{kind.id}/edit",
        data=requirement_type_form(
            code="CD",
            name=kind.name,
            window_rule=WindowRule.COURT_TO_RETURN.value,
            window_days="28",
            max_window_days="28",
            min_gap_days="2",
            court_wordings_text="  No reason given  \n\nAbsence explained to the project\n",
        ),
    )

    assert response.status_code == 302
    saved = fresh(make, RequirementType, kind.id)
    assert saved.court_wordings == ["No reason given", "Absence explained to the project"]


@pytest.mark.parametrize(
    ("wordings", "message"),
    [
        ("", "Enter the wordings the court can be told, one a line"),
        ("No reason given", "Enter at least 2 wordings"),
        ("No reason given\nno reason given", "Line 2: no reason given is already in the list"),
        ("No reason given\n" + "x" * 121, "Line 2: a wording must be 120 characters or fewer"),
        ("No reason given\nShe was in hospital", "Line 2: the court reads this"),
        ("No reason given\nShe relapsed", "Line 2: the court reads this"),
        ("No reason given\nUsing dr\u0443gs again", "Line 2: the court reads this"),
    ],
)
def test_court_wordings_that_are_wrong_or_name_her_health_are_refused(
    admin: FlaskClient, make: Factory, wordings: str, message: str
) -> None:
    kind = make.requirement_type("CD")
    response = admin.post(
        f"/admin/requirement-types/{kind.id}/edit",
        data=requirement_type_form(
            code="CD",
            name=kind.name,
            window_rule=WindowRule.COURT_TO_RETURN.value,
            window_days="28",
            court_wordings_text=wordings,
        ),
    )

    assert response.status_code == 200
    assert html.escape(message, quote=False) in page(response)
    assert fresh(make, RequirementType, kind.id).court_wordings == list(DEFAULT_COURT_WORDINGS)


@pytest.mark.parametrize(
    ("sessions_text", "message"),
    [
        ("", "Enter at least one session"),
        ("assessment | Assessment", "Line 1 must be kind | name | duration in minutes"),
        ("a | b | 60 | c | d", "Line 1 must be kind | name | duration in minutes"),
        ("Assessment | Assessment | 90", "Line 1: the kind must start with a lower-case letter"),
        ("ok | Fine | 60\n\nbad kind | X | 60", "Line 3: the kind must start"),
        ("assessment |  | 90", "Line 1: enter the name of the session"),
        ("assessment | " + "x" * 101 + " | 90", "Line 1: the session name must be 100"),
        ("assessment | Assessment | ninety", "Line 1: the duration must be a whole number"),
        ("assessment | Assessment | 14", "Line 1: the duration must be between 15 and 480"),
        ("a | A | 60\nb | B | 481", "Line 2: the duration must be between 15 and 480 minutes"),
        ("a | A | 60 | maybe", "Line 1: after the duration you can only write may lapse"),
        ("\n".join(f"s{n} | Session {n} | 60" for n in range(7)), "no more than 6 sessions"),
    ],
)
def test_sessions_typed_wrongly_are_refused_with_the_line_number_and_nothing_is_saved(
    admin: FlaskClient, make: Factory, sessions_text: str, message: str
) -> None:
    before = count(make, RequirementType)
    response = admin.post(
        "/admin/requirement-types/new",
        data=requirement_type_form(sessions_text=sessions_text),
    )
    assert_refused(response, message)
    assert count(make, RequirementType) == before
    assert html.escape(sessions_text, quote=False) in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": ""}, "Enter a code for the requirement type"),
        ({"code": "C D"}, "Code must use only letters, numbers, hyphens and underscores"),
        ({"code": "cd"}, "There is already a requirement type with this code"),
        ({"name": ""}, "Enter the name of the requirement type"),
        ({"window_rule": None}, "Select how the window is set"),
        ({"window_rule": "whenever"}, "Select how the window is set"),
        ({"min_gap_days": "61"}, "Minimum days between sessions must be between 0 and 60"),
        ({"min_gap_days": "-1"}, "Minimum days between sessions must be a whole number"),
        ({"window_days": "0"}, "Window must be between 1 and 366"),
        (
            {"window_rule": WindowRule.FROM_POSITIVE_TEST.value, "window_days": ""},
            "Enter the window in days",
        ),
        ({"window_days": "30", "max_window_days": "20"}, "Longest window must be at least"),
        ({"window_days": "4", "min_gap_days": "5"}, "cannot fit in a 4-day window"),
    ],
)
def test_a_requirement_type_with_a_mistake_is_refused_and_nothing_is_saved(
    admin: FlaskClient, make: Factory, overrides: dict[str, Any], message: str
) -> None:
    before = count(make, RequirementType)
    response = admin.post("/admin/requirement-types/new", data=requirement_type_form(**overrides))
    assert_refused(response, message)
    assert count(make, RequirementType) == before


def test_changing_a_code_to_one_already_used_is_refused_and_the_type_is_unchanged(
    admin: FlaskClient, make: Factory
) -> None:
    kind = make.requirement_type("ESO")
    response = admin.post(
        f"/admin/requirement-types/{kind.id}/edit",
        data=requirement_type_form(code="CC", name="Changed name"),
    )
    assert_refused(response, "There is already a requirement type with this code")
    saved = fresh(make, RequirementType, kind.id)
    assert (saved.code, saved.name) == ("ESO", "Engagement and support order")


def test_the_code_of_a_type_that_cases_use_cannot_change(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    kind = make.requirement_type("CD")
    make.case(client=make.client(organisation=world.project), court=world.court)
    response = admin.post(
        f"/admin/requirement-types/{kind.id}/edit",
        data=requirement_type_form(
            code="CDX", window_rule=WindowRule.COURT_TO_RETURN.value, window_days="28"
        ),
    )
    assert_refused(response, "The code cannot change once cases use this requirement type")
    assert fresh(make, RequirementType, kind.id).code == "CD"


SESSION_LINE = st.one_of(
    st.builds(
        "{} | {} | {}".format,
        st.sampled_from(["assessment", "care_plan", "Bad", "a b", ""]),
        st.sampled_from(["Assessment", "", "x" * 101]),
        st.one_of(st.integers(-10, 600).map(str), ANY_TEXT),
    ),
    ANY_TEXT,
)


@FUZZ
@given(lines=st.lists(SESSION_LINE, max_size=9))
def test_typed_sessions_are_either_all_valid_or_refused_with_a_clear_message(
    lines: list[str],
) -> None:
    try:
        sessions = parse_sessions("\n".join(lines))
    except ValueError as error:
        assert re.match(r"(Line \d+|Enter )", str(error)), str(error)
    else:
        assert 1 <= len(sessions) <= 6
        for session in sessions:
            assert 15 <= session.duration_minutes <= 480
            assert re.fullmatch(r"[a-z][a-z0-9_]*", session.kind)
            assert 0 < len(session.name) <= 100


# Users -----------------------------------------------------------------------------------------


def user_form(organisation_id: int, /, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Nadia New",
        "email": "Nadia.New@Example.org",
        "role": Role.WORKER.value,
        "organisation_id": str(organisation_id),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_form(user: User, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": user.name,
        "role": user.role.value,
        "organisation_id": str(user.organisation_id),
        "active": "y" if user.active else None,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_adds_a_user_without_typing_a_password_and_she_is_emailed_a_set_up_link(
    app: Flask, admin: FlaskClient, world: World, make: Factory
) -> None:
    form = page(admin.get("/admin/users/new"))
    assert 'type="password"' not in form and 'name="password"' not in form
    assert "email a link" in form

    response = admin.post("/admin/users/new", data=user_form(world.project.id))

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    user = make.session.scalar(select(User).where(User.email == "nadia.new@example.org"))
    assert user is not None
    assert user.role is Role.WORKER
    assert user.organisation_id == world.project.id
    assert user.password_changed_at is None and user.totp_secret is None
    assert "We have emailed them a set-up link" in page(admin.get("/admin/users"))
    listing = page(admin.get("/admin/users"))
    for shown in ("Nadia New", "nadia.new@example.org", "Diversion worker", world.project.name):
        assert shown in listing
    assert "$argon2" not in listing
    edit_page = page(admin.get(f"/admin/users/{user.id}/edit"))
    assert "$argon2" not in edit_page
    assert "A set-up link was made" in edit_page
    assert 'name="password"' not in edit_page
    (mail,) = written_mail(app)
    assert mail["To"] == "nadia.new@example.org"
    newcomer = app.test_client()
    set_up_through_link(newcomer, link_path(mail), user)
    assert newcomer.get("/home").status_code == 200


def test_an_email_address_already_used_is_refused_whatever_its_case(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    make.user(organisation=world.project, email="taken.person@example.org")
    before = count(make, User)
    response = admin.post(
        "/admin/users/new", data=user_form(world.project.id, email="Taken.Person@EXAMPLE.org")
    )
    assert_refused(response, "There is already an account with this email address")
    assert count(make, User) == before
    assert 'value="taken.person@example.org"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter their full name"),
        ({"email": ""}, "Enter an email address"),
        ({"email": "nadia at example"}, "Enter an email address in the correct format"),
        ({"role": None}, "Select the role"),
        ({"role": "superuser"}, "Select the role"),
        ({"organisation_id": "12345"}, "Select the organisation"),
        (
            {"role": Role.COURT_LIAISON.value},
            "A court liaison officer must belong to a magistrates' court",
        ),
    ],
)
def test_a_user_with_a_mistake_is_refused_with_a_message_and_nothing_is_saved(
    admin: FlaskClient, world: World, make: Factory, overrides: dict[str, Any], message: str
) -> None:
    before = count(make, User)
    response = admin.post("/admin/users/new", data=user_form(world.project.id, **overrides))
    assert_refused(response, message)
    assert count(make, User) == before
    assert written_mail(admin.application) == []


def test_admin_edits_a_users_name_role_and_organisation(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    user = make.user(organisation=world.project, role=Role.WORKER, name="Moving Person")
    version = user.session_version
    response = admin.post(
        f"/admin/users/{user.id}/edit",
        data=edit_form(
            user,
            name="Moved Person",
            role=Role.MANAGER.value,
            organisation_id=str(world.other_project.id),
        ),
    )
    assert response.status_code == 302
    saved = fresh(make, User, user.id)
    assert (saved.name, saved.role, saved.organisation_id) == (
        "Moved Person",
        Role.MANAGER,
        world.other_project.id,
    )
    assert saved.session_version == version
    listing = page(admin.get("/admin/users"))
    assert "Moved Person" in listing and "Team manager" in listing


def test_disabling_a_user_ends_her_session_at_once(
    app: Flask, admin: FlaskClient, world: World, make: Factory
) -> None:
    version = world.worker.session_version
    her = app.test_client()
    sign_in(her, world.worker)
    assert her.get("/home").status_code == 200
    response = admin.post(
        f"/admin/users/{world.worker.id}/edit", data=edit_form(world.worker, active=None)
    )
    assert response.status_code == 302
    saved = fresh(make, User, world.worker.id)
    assert saved.active is False
    assert saved.session_version == version + 1
    next_request = her.get("/home")
    assert next_request.status_code == 302
    assert next_request.headers["Location"].startswith("/sign-in")
    assert "Disabled" in page(admin.get("/admin/users"))
    audit = make.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user_updated", AuditEvent.object_id == world.worker.id
        )
    )
    assert audit is not None and audit.detail == "disabled"
    assert audit.user_id == world.admin.id


def test_a_password_posted_to_the_edit_form_is_ignored(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    before = fresh(make, User, world.worker.id).password_hash
    response = admin.post(
        f"/admin/users/{world.worker.id}/edit",
        data={**edit_form(world.worker), "password": "a long and new passphrase"},
    )
    assert response.status_code == 302
    assert fresh(make, User, world.worker.id).password_hash == before


def test_an_administrator_cannot_disable_her_own_account_or_change_her_own_role(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    path = f"/admin/users/{world.admin.id}/edit"
    assert_refused(
        admin.post(path, data=edit_form(world.admin, active=None)),
        "You cannot disable your own account",
    )
    assert_refused(
        admin.post(path, data=edit_form(world.admin, role=Role.WORKER.value)),
        "You cannot change your own role",
    )
    saved = fresh(make, User, world.admin.id)
    assert saved.active is True and saved.role is Role.ADMIN


def test_a_worker_with_open_cases_cannot_move_to_another_organisation(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    client = make.client(organisation=world.project)
    make.case(client=client, court=world.court, worker=world.worker)
    response = admin.post(
        f"/admin/users/{world.worker.id}/edit",
        data=edit_form(world.worker, organisation_id=str(world.other_project.id)),
    )
    assert_refused(response, "Give their 1 open case to another worker first")
    assert fresh(make, User, world.worker.id).organisation_id == world.project.id


def test_a_cps_user_must_belong_to_a_cps_organisation(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    cps_org = fresh(make, User, world.cps.id).organisation
    assert cps_org.kind is OrganisationKind.CPS
    response = admin.post(
        "/admin/users/new",
        data=user_form(world.project.id, role=Role.CPS.value, email="cps.person@example.org"),
    )
    assert_refused(response, "A CPS user must belong to a Crown Prosecution Service organisation")
    ok = admin.post(
        "/admin/users/new",
        data=user_form(cps_org.id, role=Role.CPS.value, email="cps.person@example.org"),
    )
    assert ok.status_code == 302


def test_an_unknown_object_answers_not_found(admin: FlaskClient) -> None:
    for path in (
        "/admin/courts/9999/edit",
        "/admin/venues/9999/edit",
        "/admin/requirement-types/9999/edit",
        "/admin/users/9999/edit",
    ):
        assert admin.get(path).status_code == 404, path


def test_a_json_body_is_refused_before_any_form_reads_it(admin: FlaskClient, make: Factory) -> None:
    before = count(make, Court)
    response = admin.post("/admin/courts/new", json={"name": 5, "sitting_weekdays": [[1]]})
    assert response.status_code == 415
    assert "Send the form from the page" in page(response)
    assert count(make, Court) == before
    # The same holds for every page, for example adding a client.
    assert admin.post("/clients/new", json={"first_name": ["x"]}).status_code in (403, 415)


# Fuzzing: no input gives a 500 ----------------------------------------------------------------


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A valid value, random text, or nothing at all."""
    return st.one_of(valid, ANY_TEXT, st.none())


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {
            "name": maybe(st.sampled_from(["Fuzz Court", "Fuzz Court 2"])),
            "sitting_weekdays": st.one_of(
                st.lists(st.sampled_from(["0", "1", "2", "3", "4"]), max_size=5),
                st.lists(ANY_TEXT, max_size=3),
            ),
            "report_lead_working_days": maybe(st.integers(-5, 20).map(str)),
            "report_due_time": maybe(st.sampled_from(["12:00", "9:30", "23:59", "24:00"])),
            "list_time": maybe(st.sampled_from(["10:00", "9:30", "02:00", "24:00", ""])),
            "court_email": maybe(st.emails().map(str)),
            "cps_email": maybe(st.just("cps@example.test")),
            "organisation_id": maybe(st.integers(-1, 10).map(str)),
            "cps_organisation_id": maybe(st.integers(-1, 10).map(str)),
            "active": maybe(st.just("y")),
        }
    )
)
def test_no_input_to_the_court_form_gives_a_server_error(
    admin: FlaskClient, data: dict[str, Any]
) -> None:
    posted = {key: value for key, value in data.items() if value is not None}
    response = admin.post("/admin/courts/new", data=posted)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert "There is a problem" in page(response)


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {
            "name": maybe(st.just("Fuzz Person")),
            "email": maybe(st.emails().map(str)),
            "role": maybe(st.sampled_from([role.value for role in Role])),
            "organisation_id": maybe(st.integers(-1, 10).map(str)),
            "active": maybe(st.just("y")),
        }
    ),
    edit=st.booleans(),
)
def test_no_input_to_the_user_forms_gives_a_server_error(
    admin: FlaskClient, world: World, data: dict[str, Any], edit: bool
) -> None:
    posted = {key: value for key, value in data.items() if value is not None}
    path = f"/admin/users/{world.colleague.id}/edit" if edit else "/admin/users/new"
    response = admin.post(path, data=posted)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert "There is a problem" in page(response)
