"""Who may call what: every route declares its roles, and one policy table says what each gets.

The table below is the role matrix of design/domain.md written as data. Every route in
`app.url_map` must appear in it (the administration pages, which are still being written,
are matched by their blueprint), and every route is called by every role with GET and POST.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from diversion.access import PUBLIC, declared_roles
from diversion.models import AuditEvent, Role, User
from tests.conftest import World, make_app, signed_in_client
from tests.factories import Factory

SIGNED_IN = frozenset(Role)
CASEWORK = frozenset({Role.WORKER, Role.MANAGER})
OVERSIGHT = frozenset({Role.MANAGER, Role.ADMIN})
ADMIN_ONLY = frozenset({Role.ADMIN})
ANONYMOUS = "anonymous"
SIGNED_WEBHOOK = "signed webhook"
LIST_READERS = frozenset({Role.WORKER, Role.MANAGER, Role.COURT_LIAISON, Role.CPS})

# THE policy table: endpoint -> who may call it. "blueprint.*" covers a whole blueprint.
POLICY: dict[str, str | frozenset[Role]] = {
    "static": PUBLIC,
    "auth.sign_in": PUBLIC,
    # Public so that a session still waiting for its code can sign out too; each page sends
    # a visitor without such a session to sign in.
    "auth.sign_out": PUBLIC,
    "auth.two_factor": PUBLIC,
    "auth.enrol": PUBLIC,
    # A set-up link: the secret in the address is the credential (an unknown one answers 404).
    "auth.accept_invitation": PUBLIC,
    "auth.account": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.recovery_codes": SIGNED_IN,
    # Where every role lands after signing in: caseworkers and administrators are sent on,
    # court and CPS users see only their own name and organisation.
    "home.index": SIGNED_IN,
    "home.health": PUBLIC,
    "home.caseload": CASEWORK,
    "home.call_done": CASEWORK,
    "home.overview": CASEWORK,
    "clients.search": CASEWORK,
    "clients.add": CASEWORK,
    "clients.show": CASEWORK,
    "clients.edit": CASEWORK,
    # Her monitoring answers (special category data): her caseworkers only; never the court,
    # the CPS, administrators or commissioners (who see suppressed counts, not people).
    "monitoring_records.record": CASEWORK,
    # Subject access: everything held about her, downloaded (and audited) by her caseworkers.
    "clients.export_json": CASEWORK,
    "clients.export_pdf": CASEWORK,
    "cases.open_case": CASEWORK,
    "cases.show": CASEWORK,
    "cases.record_outcome": CASEWORK,
    "cases.close": CASEWORK,
    "orders.*": CASEWORK,
    "cases.add_note": CASEWORK,
    "scheduling.book": CASEWORK,
    "scheduling.appointment": CASEWORK,
    "scheduling.cancel": CASEWORK,
    "scheduling.attendance": CASEWORK,
    "scheduling.diary": CASEWORK,
    "notifications.sent": CASEWORK,
    "scheduling.appointment_ics": CASEWORK,
    # The secret in the address is the credential (an unknown token answers 404).
    "scheduling.feed": PUBLIC,
    "scheduling.calendar_feed": CASEWORK,
    "scheduling.availability": OVERSIGHT,
    "scheduling.worker_pattern": OVERSIGHT,
    "scheduling.add_absence": OVERSIGHT,
    "scheduling.venue_closures": OVERSIGHT,
    # The audit trail: managers (their organisation) and administrators (everything).
    "audit.index": OVERSIGHT,
    # What the retention job will erase for the organisation: its managers; the processing
    # register (no personal data) for managers and administrators.
    "retention.index": frozenset({Role.MANAGER}),
    "retention.processing_register": OVERSIGHT,
    "admin.*": ADMIN_ONLY,
    "message_admin.*": ADMIN_ONLY,
    "reports.show": CASEWORK,
    "reports.preview": CASEWORK,
    "reports.send": CASEWORK,
    "reports.retry": CASEWORK,
    "reports.mail": CASEWORK,
    "reports.eml": CASEWORK,
    # A signed-off report is attendance only: the court and the CPS of the case's court may
    # download it (others answer 404).
    "reports.pdf": frozenset({Role.WORKER, Role.MANAGER, Role.COURT_LIAISON, Role.CPS}),
    # Sitting-day lists: caseworkers (their own cases), court liaison and the CPS.
    "court.index": LIST_READERS,
    "court.sitting_list": LIST_READERS,
    "court.sitting_list_csv": LIST_READERS,
    "inbox.index": CASEWORK,
    "inbox.read": CASEWORK,
    # A notice that another organisation matched her flagged client (who, when; not why).
    "inbox.read_notice": CASEWORK,
    # Working as one partnership: flags on her record, transfers between organisations.
    "partnership.flag": CASEWORK,
    "partnership.clear_flag": CASEWORK,
    "partnership.transfers": CASEWORK,
    "partnership.request_transfer": CASEWORK,
    "partnership.accept": CASEWORK,
    "partnership.decline": CASEWORK,
    # Monitoring (aggregates, suppressed): a manager's organisation; the partnership for
    # managers and commissioners; each table as CSV. The data-quality lists name women:
    # managers of her organisation only.
    "monitoring.organisation": frozenset({Role.MANAGER}),
    "monitoring.organisation_csv": frozenset({Role.MANAGER}),
    "monitoring.partnership": frozenset({Role.MANAGER, Role.COMMISSIONER}),
    "monitoring.partnership_csv": frozenset({Role.MANAGER, Role.COMMISSIONER}),
    "monitoring.data_quality": frozenset({Role.MANAGER}),
    # Twilio's callbacks: no session, but the X-Twilio-Signature is the credential.
    "webhooks.sms_status": SIGNED_WEBHOOK,
    "webhooks.sms_inbound": SIGNED_WEBHOOK,
}

# Endpoints this suite owns: they must exist, so that the table cannot silently go stale.
MUST_EXIST = {
    name for name in POLICY if name.split(".")[0] in {"static", "auth", "home", "clients", "cases"}
}

# URL parameters that name something an organisation holds: another's answers 404.
ORGANISATION_SCOPED = ("client_id", "case_id", "appointment_id")

# Pages that show case or configuration content: never for court liaison or CPS.
CONTENT_BLUEPRINTS = {
    "clients",
    "cases",
    "admin",
    "scheduling",
    "partnership",
    "monitoring_records",
}


def policy_for(endpoint: str) -> str | frozenset[Role] | None:
    if endpoint in POLICY:
        return POLICY[endpoint]
    return POLICY.get(endpoint.split(".")[0] + ".*")


def routes(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def fill(rule: Rule, values: dict[str, object]) -> str:
    """The rule's path with real ids in place of its parameters."""

    def value(match: re.Match[str]) -> str:
        name = match.group(2)
        if name in values:
            return str(values[name])
        return "1" if match.group(1) in ("int", "float") else "unknown"

    return re.sub(r"<(?:([^:<>()]+)(?:\([^)]*\))?:)?([^<>]+)>", value, rule.rule)


def as_user(app: Flask, user: User | None) -> FlaskClient:
    """A test client with a live session for the user (or none), without the slow sign-in."""
    if user is None:
        return app.test_client()
    return signed_in_client(app, user)


@dataclass
class Objects:
    own: dict[str, object]
    others: dict[str, object]
    users: dict[str, User | None]


@pytest.fixture
def objects(world: World, make: Factory) -> Objects:
    venue = make.venue(organisation=world.project)
    other_venue = make.venue(organisation=world.other_project)
    client = make.client(organisation=world.project)
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    other_client = make.client(organisation=world.other_project)
    other_case = make.accepted_case(
        client=other_client, court=world.court, worker=world.other_worker
    )
    starts = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    appointment = make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
    )
    other_appointment = make.appointment(
        case=other_case,
        venue=other_venue,
        worker=world.other_worker,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
    )
    spare = make.user(organisation=world.project, role=Role.WORKER, name="Spare Worker")
    own = {
        "client_id": client.id,
        "case_id": case.id,
        "appointment_id": appointment.id,
        "user_id": spare.id,
        "venue_id": venue.id,
        "court_id": world.court.id,
        "requirement_type_id": make.requirement_type("CD").id,
        "organisation_id": world.project.id,
        "filename": "favicon.svg",
        "token": "not-a-real-calendar-token-0000",
    }
    others = {
        **own,
        "client_id": other_client.id,
        "case_id": other_case.id,
        "appointment_id": other_appointment.id,
    }
    users: dict[str, User | None] = {
        ANONYMOUS: None,
        Role.WORKER.value: world.worker,
        Role.MANAGER.value: world.manager,
        Role.COURT_LIAISON.value: world.liaison,
        Role.CPS.value: world.cps,
        Role.ADMIN.value: world.admin,
        Role.COMMISSIONER.value: make.user(
            organisation=world.project, role=Role.COMMISSIONER, name="Cora Commissioner"
        ),
    }
    return Objects(own=own, others=others, users=users)


def call(web: FlaskClient, method: str, url: str) -> tuple[int, str]:
    """Status and Location of one request; an exception counts as a 500."""
    try:
        response = web.open(url, method=method, data={} if method == "POST" else None)
    except Exception as error:  # TESTING propagates exceptions: report them as the 500 they are
        return 500, f"{type(error).__name__}: {error}"
    return response.status_code, response.headers.get("Location", "")


def expectation(
    rule: Rule, method: str, who: str, *, other_organisation: bool
) -> tuple[str, int | None]:
    """What the policy table says this caller should get: ("is"|"not", status)."""
    if method not in (rule.methods or set()):
        return "is", 405
    allowed = policy_for(rule.endpoint)
    if allowed == PUBLIC:
        return "public", None
    if allowed == SIGNED_WEBHOOK:
        return "is", 403  # an unsigned request, whoever sends it
    if who == ANONYMOUS:
        return "is", 302
    assert isinstance(allowed, frozenset)
    if Role(who) not in allowed:
        return "is", 403
    if other_organisation and Role(who) in CASEWORK:
        return "is", 404
    return "allowed", None


# ---------------------------------------------------------------------------------------
# Every route declares who may call it
# ---------------------------------------------------------------------------------------


def test_every_route_declares_who_may_call_it(app: Flask) -> None:
    undeclared = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in routes(app)
        if declared_roles(app, rule.endpoint) is None
    ]

    assert undeclared == []


def test_every_route_is_in_the_policy_table_and_declares_what_it_says(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in routes(app)}
    missing = sorted(e for e in endpoints if policy_for(e) is None)
    assert missing == [], "add these endpoints to POLICY in tests/diversion/test_access.py"
    assert sorted(MUST_EXIST - endpoints) == []

    def declared_as(endpoint: str) -> str | frozenset[Role] | None:
        # A signed webhook is public to the access layer; its view checks the signature.
        policy = policy_for(endpoint)
        return PUBLIC if policy == SIGNED_WEBHOOK else policy

    mismatched = {
        endpoint: (declared_roles(app, endpoint), declared_as(endpoint))
        for endpoint in sorted(endpoints)
        if declared_roles(app, endpoint) != declared_as(endpoint)
    }
    assert mismatched == {}


def test_a_view_registered_without_a_declaration_is_refused_to_everyone(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    extra = Blueprint("undeclared", __name__)

    @extra.route("/undeclared", methods=["GET", "POST"])
    def secret() -> str:
        return "secret content"

    app.register_blueprint(extra)
    make = Factory(app)
    admin = make.user(role=Role.ADMIN)
    worker = make.user(role=Role.WORKER)
    try:
        assert declared_roles(app, "undeclared.secret") is None
        for user in (None, admin, worker):
            for method in ("GET", "POST"):
                response = as_user(app, user).open("/undeclared", method=method)
                assert response.status_code == 403, (user, method)
                assert "secret content" not in response.get_data(as_text=True)
    finally:
        make.session.close()
        app.extensions["diversion.db"][0].dispose()


# ---------------------------------------------------------------------------------------
# Every route x every role x GET and POST
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [ANONYMOUS, *(role.value for role in Role)],
)
def test_every_route_answers_each_role_as_the_policy_table_says(
    app: Flask, objects: Objects, who: str
) -> None:
    user = objects.users[who]
    wrong: list[str] = []
    checked = 0
    for rule in routes(app):
        if policy_for(rule.endpoint) is None:
            continue  # reported by the table test above
        scoped = any(name in rule.arguments for name in ORGANISATION_SCOPED)
        variants = [(False, objects.own)] + ([(True, objects.others)] if scoped else [])
        for other_organisation, values in variants:
            url = fill(rule, values)
            for method in ("GET", "POST"):
                kind, status = expectation(rule, method, who, other_organisation=other_organisation)
                got, location = call(as_user(app, user), method, url)
                checked += 1
                problem = None
                if kind == "is" and got != status:
                    problem = f"expected {status}"
                elif kind == "is" and status == 302 and not location.startswith("/sign-in"):
                    problem = "expected a redirect to /sign-in"
                elif kind in ("allowed", "public") and got in (403, 500):
                    problem = "expected access"
                elif (
                    kind == "allowed"
                    and got == 302
                    and location.startswith("/sign-in")
                    and rule.endpoint != "auth.sign_out"  # signing out ends at sign-in
                ):
                    problem = "expected access, was sent to sign in"
                if problem:
                    wrong.append(
                        f"{method} {url} [{rule.endpoint}]: {problem}, got {got} {location}"
                    )

    assert checked > 40
    assert wrong == []


@pytest.mark.parametrize("who", [Role.COURT_LIAISON, Role.CPS])
def test_court_and_cps_users_are_refused_every_client_case_home_and_admin_page(
    app: Flask, objects: Objects, who: Role
) -> None:
    user = objects.users[who.value]
    pages = [
        rule
        for rule in routes(app)
        if (
            rule.endpoint.split(".")[0] in CONTENT_BLUEPRINTS
            and declared_roles(app, rule.endpoint) != PUBLIC
        )
        or rule.endpoint == "home.caseload"
    ]
    assert {"clients.search", "cases.show", "home.caseload", "admin.index"} <= {
        rule.endpoint for rule in pages
    }

    answers = {}
    for rule in pages:
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            url = fill(rule, objects.own)
            answers[f"{method} {url}"] = call(as_user(app, user), method, url)[0]

    assert {request: status for request, status in answers.items() if status != 403} == {}


def test_a_refusal_is_audited(app: Flask, objects: Objects, world: World, make: Factory) -> None:
    response = as_user(app, world.liaison).get(f"/cases/{objects.own['case_id']}")

    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)
    make.session.expire_all()
    row = make.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (row.action, row.user_id, row.detail) == (
        "access_refused",
        world.liaison.id,
        "cases.show",
    )


def test_an_anonymous_visitor_is_sent_to_sign_in_and_back(app: Flask, objects: Objects) -> None:
    case_id = objects.own["case_id"]

    response = as_user(app, None).get(f"/cases/{case_id}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?next=/cases/{case_id}"


def test_a_caseworker_sees_her_own_organisations_pages(app: Flask, objects: Objects) -> None:
    web = as_user(app, objects.users[Role.MANAGER.value])

    assert web.get(f"/clients/{objects.own['client_id']}").status_code == 200
    assert web.get(f"/cases/{objects.own['case_id']}").status_code == 200
    assert web.get(f"/clients/{objects.others['client_id']}").status_code == 404
    assert web.get(f"/cases/{objects.others['case_id']}").status_code == 404
