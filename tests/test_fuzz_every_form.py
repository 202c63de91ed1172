"""Every form and every address in the service, fuzzed: bad input never gives a 500
(security.md 25).

The route map is walked: for every route that takes a POST (the Twilio webhooks have their
own fuzzing in tests/notifications/test_webhooks.py, sign-in in test_fuzz_forms.py), the
form's own field names are read from its page, and Hypothesis fills them with hostile text:
control characters, markup, template syntax, SQL, very long strings, odd dates and numbers.
The app runs with TESTING=True, so an exception in a view is raised here and fails the test;
any answer below 500 (the form's errors, a redirect, a refusal) is a pass.

The same walk fills every `<int:...>` in an address with numbers no row can have (beyond
PostgreSQL's BIGINT, which SQLite cannot even bind, and -1), as every role that may open the
route, and every page's query-string parameters with huge ids, the calendar's first and last
days and garbage (issue 12).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from diversion.access import PUBLIC, declared_roles
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
    for endpoint in (
        "clients.add",
        "cases.add_note",
        "message_admin.edit_template",
        "monitoring_records.record",
    ):
        assert endpoint in fuzzed


def test_the_monitoring_form_answers_hostile_input_without_a_server_error(
    app: Flask, world: World, ids: dict[str, int]
) -> None:
    """The walk above, for the monitoring form alone (`-k monitoring`)."""
    url = f"/clients/{ids['client_id']}/monitoring"
    page = signed_in_client(app, world.worker).get(url)
    assert page.status_code == 200
    fields = sorted(set(FIELD.findall(page.get_data(as_text=True))) - {"csrf_token"})
    assert {"recorded_on", "case_id", "work_pattern", "ethnicity", "drug_use"} <= set(fields)

    fuzz_form(app, url, world.worker, fields)


# --- addresses and query strings ---------------------------------------------------------------

# Numbers no row's id can be: past BIGINT (and what SQLite binds), far past it, and negative.
IMPOSSIBLE_IDS = (2**31, 2**63, 2**64, 10**30, -1)
ALL_ROLES = (Role.MANAGER, Role.WORKER, Role.ADMIN, Role.COURT_LIAISON, Role.CPS)
# What each page reads from its query string (directly, or through a form given request.args).
QUERY_PARAMETERS = {
    "cases.open_case": ("requirement_type",),
    "scheduling.diary": ("week", "worker"),
    "scheduling.book": ("venue", "session-1", "session-1-day", "session-2-day"),
    "court.sitting_list": ("date", "status", "show"),
    "court.sitting_list_csv": ("date", "status", "show"),
    "audit.index": ("user", "client", "date_from", "date_to", "page"),
    "auth.sign_in": ("next",),
    "auth.accept_invitation": ("token",),
    "admin.add_receiving_number": ("value",),
    "clients.add": ("from",),
    "home.overview": ("worker", "show"),
    "cases.record_outcome": ("use_suggested",),
    "monitoring.organisation": ("from", "to", "reminder"),
    "monitoring.partnership": ("from", "to", "reminder"),
    "monitoring.organisation_csv": ("table", "from", "to", "reminder"),
    "monitoring.partnership_csv": ("table", "from", "to", "reminder"),
}
HOSTILE_QUERY = [
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    str(10**30),
    "9" * 5000,
    "-1",
    "0",
    "1_000",
    "1e309",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "99999-01-01",
    "garbage",
    "\x00",
    "",
]
INT_PARAMETER = re.compile(r"<int(?:\([^)]*\))?:([^<>]+)>")
ROOT = Path(__file__).resolve().parents[1]
READS = re.compile(r"(?:request\.(?:args|values)\.get|query_id|query_date)\(\s*[\"']([^\"']+)[\"']")


def _users(world: World) -> dict[Role, User]:
    return {
        Role.MANAGER: world.manager,
        Role.WORKER: world.worker,
        Role.ADMIN: world.admin,
        Role.COURT_LIAISON: world.liaison,
        Role.CPS: world.cps,
    }


def reachers(app: Flask, endpoint: str, clients: dict[Role, FlaskClient]) -> list[FlaskClient]:
    """A signed-in client for every role that may open the route (and no one, if public)."""
    allowed = declared_roles(app, endpoint)
    if allowed == PUBLIC:
        return [app.test_client(), *clients.values()]
    if not isinstance(allowed, frozenset):
        return [clients[Role.MANAGER]]
    return [clients[role] for role in ALL_ROLES if role in allowed]


def test_every_address_with_an_id_no_row_can_have_answers_404(
    app: Flask, world: World, ids: dict[str, int]
) -> None:
    clients = {role: signed_in_client(app, user) for role, user in _users(world).items()}
    tried = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        numbers = INT_PARAMETER.findall(rule.rule)
        if rule.endpoint in ELSEWHERE or not numbers:
            continue
        methods = sorted({"GET", "POST"} & (rule.methods or set()))
        for name in numbers:
            for number in IMPOSSIBLE_IDS:
                url = fill(rule, {**ids, name: number})
                for web in reachers(app, rule.endpoint, clients):
                    for method in methods:
                        response = web.open(url, method=method)
                        assert response.status_code == 404, (
                            f"{method} {url}: {response.status_code}"
                        )
        tried.add(rule.endpoint)
    # Every page that names a row by number was reached (a route map change must not empty it).
    assert len(tried) > 30, tried
    for endpoint in ("clients.show", "cases.show", "scheduling.appointment", "reports.pdf"):
        assert endpoint in tried
    assert {"court.sitting_list", "scheduling.worker_pattern", "inbox.read"} <= tried


def test_every_page_answers_hostile_query_strings_without_a_server_error(
    app: Flask, world: World, ids: dict[str, int]
) -> None:
    clients = {role: signed_in_client(app, user) for role, user in _users(world).items()}
    every_name = sorted({name for names in QUERY_PARAMETERS.values() for name in names})
    pages = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or set()) or rule.endpoint in ELSEWHERE:
            continue
        url = fill(rule, ids)
        everyone = reachers(app, rule.endpoint, clients)
        # Every parameter any page reads at once, as one role that may open the page...
        for value in HOSTILE_QUERY:
            response = everyone[0].get(url, query_string=dict.fromkeys(every_name, value))
            assert response.status_code < 500, f"GET {url}?…={value!r}: {response.status_code}"
        # ...then each of the page's own parameters alone, as every role that may.
        for name in QUERY_PARAMETERS.get(rule.endpoint, ()):
            for web in everyone:
                for value in HOSTILE_QUERY:
                    response = web.get(url, query_string={name: value})
                    assert response.status_code < 500, f"GET {url}?{name}={value!r}"
        pages += 1
    assert pages > 40


def test_the_query_parameter_list_names_every_parameter_a_view_reads() -> None:
    """A page that starts reading a new query-string parameter joins QUERY_PARAMETERS."""
    known = {name for names in QUERY_PARAMETERS.values() for name in names}
    read: dict[str, str] = {}
    for package in ("diversion", "scheduling", "notifications"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for name in READS.findall(path.read_text(encoding="utf-8")):
                read[name] = str(path.relative_to(ROOT))
    assert read, "the scan found no query-string reads at all"
    missing = {name: where for name, where in read.items() if name not in known}
    assert not missing, missing
