"""Every form in the service, fuzzed: bad input never gives a 500 (security.md 25).

The route map is walked: for every route that takes a POST (the Twilio webhooks have their
own fuzzing in tests/notifications/test_webhooks.py, sign-in in test_fuzz_forms.py), the
form's own field names are read from its page, and Hypothesis fills them with hostile text:
control characters, markup, template syntax, SQL, very long strings, odd dates and numbers.
The app runs with TESTING=True, so an exception in a view is raised here and fails the test;
any answer below 500 (the form's errors, a redirect, a refusal) is a pass.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from diversion.access import declared_roles
from diversion.models import Role, User
from tests.conftest import World, signed_in_client
from tests.factories import Factory

# Routes fuzzed elsewhere, or whose whole job is to end the session the fuzzing runs in.
ELSEWHERE = {
    "auth.sign_in",
    "auth.sign_out",
    "webhooks.sms_status",
    "webhooks.sms_inbound",
    "static",
}
# Who fills each form: the first role in this order that may.
ROLE_ORDER = (Role.MANAGER, Role.WORKER, Role.ADMIN, Role.COURT_LIAISON, Role.CPS)

HOSTILE = [
    "",
    " ",
    "\x00",
    "\r\n\r\n",
    "\t\x0b\x0c\x1b[31m",
    "\x7f\x85\u2028\u2029",
    "'; DROP TABLE client; --",
    '"><script>alert(1)</script>',
    "{{ 7*7 }}{% raw %}{name.__class__}",
    "\u202eevil\u202c",
    "Zoë O'Brien-Nguyễn 李 👩🏽‍⚕️",
    "x" * 5000,
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "2026-02-30",
    "31",
    "13",
    "on",
    "y",
]
values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60))

FIELD = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"', re.I)


def fill(rule: Rule, ids: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        return str(ids.get(match.group(2), 1))

    return re.sub(r"<(?:([^:<>()]+)(?:\([^)]*\))?:)?([^<>]+)>", value, rule.rule)


def caller(app: Flask, endpoint: str, users: dict[Role, User]) -> User | None:
    allowed = declared_roles(app, endpoint)
    if not isinstance(allowed, frozenset):
        return users[Role.MANAGER]
    return next((users[role] for role in ROLE_ORDER if role in allowed), None)


@pytest.fixture
def ids(make: Factory, world: World) -> dict[str, int]:
    """One of everything a form's address can name, in the manager's organisation."""
    venue = make.venue(organisation=world.project)
    client = make.client(organisation=world.project, mobile="+447700900555")
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    starts = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    appointment = make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
    )
    return {
        "client_id": client.id,
        "case_id": case.id,
        "appointment_id": appointment.id,
        "user_id": world.colleague.id,
        "venue_id": venue.id,
        "court_id": world.court.id,
        "requirement_type_id": make.requirement_type("CD").id,
        "organisation_id": world.project.id,
    }


def fuzz_form(app: Flask, url: str, user: User, fields: list[str]) -> None:
    """Post hostile values in every field of one form; any answer below 500 passes."""

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(st.fixed_dictionaries({name: values for name in fields}))
    def post(data: dict[str, str]) -> None:
        response = signed_in_client(app, user).post(url, data=data)
        assert response.status_code < 500, f"POST {url}: {response.status_code}"

    post()


def test_every_form_answers_hostile_input_without_a_server_error(
    app: Flask, world: World, ids: dict[str, int]
) -> None:
    users = {
        Role.MANAGER: world.manager,
        Role.WORKER: world.worker,
        Role.ADMIN: world.admin,
        Role.COURT_LIAISON: world.liaison,
        Role.CPS: world.cps,
    }
    fuzzed = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in (rule.methods or set()) or rule.endpoint in ELSEWHERE:
            continue
        user = caller(app, rule.endpoint, users)
        if user is None:
            continue
        url = fill(rule, ids)
        fields: list[str] = []
        if "GET" in (rule.methods or set()):
            page = signed_in_client(app, user).get(url)
            if page.status_code == 200:
                fields = sorted(set(FIELD.findall(page.get_data(as_text=True))) - {"csrf_token"})
        fields = fields or ["value", "id", "reason"]

        fuzz_form(app, url, user, fields)
        fuzzed.append(rule.endpoint)
    # The walk really reached the service's forms (a route map change must not empty it).
    assert len(fuzzed) > 30, fuzzed
    for endpoint in ("clients.add", "cases.add_note", "message_admin.edit_template"):
        assert endpoint in fuzzed
