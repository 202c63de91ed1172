"""The replies inbox: design/domain.md "Text messages" and "Who uses it"; security.md 3, 9, 12.

A reply goes to the allocated worker's inbox, or to the managers' inbox when the woman has no
worker or the number is unknown to the organisation it was sent to. A worker sees her own
inbox; a manager her organisation's whole inbox; nobody another organisation's, nor a text
sent to a number no organisation holds; court, CPS and administrators none.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.models import (
    AuditEvent,
    Case,
    Client,
    InboundMessage,
    Organisation,
    ReplyAction,
    Role,
    User,
)
from tests.conftest import World, make_app, sign_in, two_factor_code
from tests.factories import PASSWORD, Factory

# Wednesday 1 July 2026, 12:00 in London (British Summer Time).
NOW = datetime(2026, 7, 1, 11, 0, tzinfo=UTC)
_provider_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def reply(
    make: Factory,
    *,
    body: str,
    client: Client | None = None,
    case: Case | None = None,
    organisation: Organisation | None = None,
    worker: User | None = None,
    from_number: str = "+447700900001",
    action: ReplyAction = ReplyAction.INBOX,
    received_at: datetime = NOW - timedelta(hours=1),
    shared_number: bool = False,
) -> InboundMessage:
    """A received text, as the webhook stores it."""
    message = InboundMessage(
        provider_id=f"SMtest{next(_provider_ids):08d}",
        received_at=received_at,
        from_number=from_number,
        body=body,
        client_id=client.id if client else None,
        case_id=case.id if case else None,
        organisation_id=organisation.id if organisation else None,
        worker_id=worker.id if worker else None,
        action=action,
        shared_number=shared_number,
    )
    make.session.add(message)
    make.session.commit()
    return message


@dataclass
class Inboxes:
    mine: InboundMessage
    colleagues: InboundMessage
    managers: InboundMessage
    unknown: InboundMessage
    elsewhere: InboundMessage
    unplaced: InboundMessage


@pytest.fixture
def inboxes(make: Factory, world: World) -> Inboxes:
    """One reply in each inbox: the worker's, her colleague's, the managers', an unknown
    number's (to the managers), another organisation's, and one sent to a number no
    organisation holds (administrators only, elsewhere)."""

    def case_of(first: str, org: Organisation, worker: User | None) -> tuple[Client, Case]:
        client = make.client(organisation=org, first_name=first, last_name="Replier")
        return client, make.accepted_case(client=client, court=world.court, worker=worker)

    ann, ann_case = case_of("Ann", world.project, world.worker)
    bea, bea_case = case_of("Bea", world.project, world.colleague)
    cat, cat_case = case_of("Cat", world.project, None)
    dot, dot_case = case_of("Dot", world.other_project, world.other_worker)
    return Inboxes(
        mine=reply(
            make,
            body="Can you ring me after 3",
            client=ann,
            case=ann_case,
            organisation=world.project,
            worker=world.worker,
        ),
        colleagues=reply(
            make,
            body="Running late sorry",
            client=bea,
            case=bea_case,
            organisation=world.project,
            worker=world.colleague,
            received_at=NOW - timedelta(hours=2),
        ),
        managers=reply(
            make,
            body="Who is my worker now",
            client=cat,
            case=cat_case,
            organisation=world.project,
            received_at=NOW - timedelta(hours=3),
        ),
        unknown=reply(
            make,
            body="Who is this",
            from_number="+447700900123",
            organisation=world.project,
            received_at=NOW - timedelta(hours=4),
        ),
        elsewhere=reply(
            make,
            body="See you Tuesday",
            client=dot,
            case=dot_case,
            organisation=world.other_project,
            worker=world.other_worker,
            received_at=NOW - timedelta(hours=5),
        ),
        unplaced=reply(
            make,
            body="Nobody holds this number",
            from_number="+447700900777",
            received_at=NOW - timedelta(hours=6),
        ),
    )


def main_text(html: str) -> str:
    found = re.search(r"<main.*?</main>", html, re.S)
    words = re.sub(r"<[^>]+>", " ", found.group(0) if found else html)
    return re.sub(r"\s+", " ", unescape(words)).strip()


def menu(html: str) -> list[str]:
    """The service navigation's item texts."""
    nav = re.search(r'<nav aria-label="Menu".*?</nav>', html, re.S)
    assert nav is not None
    items = re.findall(r"<li[^>]*>(.*?)</li>", nav.group(0), re.S)
    return [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", i))).strip() for i in items]


def check_conventions(html: str, *, csrf: bool = False) -> None:
    """What every page here holds to: one h1, unique ids, no inline script without the CSP
    nonce, tables captioned, and (when the app checks CSRF) a token in every POST form."""
    assert len(re.findall(r"<h1[ >]", html)) == 1
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert not re.search(r"<script(?![^>]*\b(?:src|nonce)=)[^>]*>", html)
    assert html.count("<table") == html.count("<caption")
    assert "&lt;span" not in html  # markup passed as text would show its tags
    for form in re.findall(r'<form method="post".*?</form>', html, re.S) if csrf else []:
        assert 'name="csrf_token"' in form


def shown(html: str) -> list[str]:
    """The reply texts on the inbox page, top to bottom."""
    return [
        unescape(t).strip()
        for t in re.findall(
            r'<p class="govuk-body">([^<]*)</p>\s*(?:<form|<p class="govuk-body-s">Read)', html
        )
    ]


def test_a_worker_sees_only_her_own_inbox(web: FlaskClient, world: World, inboxes: Inboxes) -> None:
    sign_in(web, world.worker)

    response = web.get("/inbox")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    check_conventions(html)
    assert shown(html) == ["Can you ring me after 3"]
    text = main_text(html)
    assert "Ann Replier" in text
    for other in ("Bea Replier", "Cat Replier", "Dot Replier", "Who is this", "ending 0123"):
        assert other not in text


def test_a_manager_sees_her_organisations_whole_inbox_and_nothing_else(
    web: FlaskClient, world: World, inboxes: Inboxes
) -> None:
    sign_in(web, world.manager)

    html = web.get("/inbox").get_data(as_text=True)

    check_conventions(html)
    assert shown(html) == [
        "Can you ring me after 3",
        "Running late sorry",
        "Who is my worker now",
        "Who is this",
    ]
    text = main_text(html)
    assert "For Wendy Worker" in text and "For Colin Colleague" in text
    assert text.count("Managers' inbox") == 2
    assert "Dot Replier" not in text and "See you Tuesday" not in text
    assert "Nobody holds this number" not in text and "0777" not in text


def test_another_organisations_manager_sees_only_hers(
    web: FlaskClient, world: World, inboxes: Inboxes
) -> None:
    sign_in(web, world.other_org_worker)

    html = web.get("/inbox").get_data(as_text=True)

    assert shown(html) == ["See you Tuesday"]


def test_each_reply_shows_when_who_what_it_did_and_whether_it_was_read(
    web: FlaskClient, world: World, make: Factory, inboxes: Inboxes
) -> None:
    sign_in(web, world.manager)
    ann = make.session.get(Client, inboxes.mine.client_id)
    reply(
        make,
        body="STOP",
        client=ann,
        organisation=world.project,
        worker=world.worker,
        action=ReplyAction.OPTED_OUT,
        received_at=datetime(2026, 7, 1, 8, 30, tzinfo=UTC),
    )
    reply(
        make,
        body="Yes",
        client=ann,
        organisation=world.project,
        worker=world.worker,
        action=ReplyAction.CONFIRMED,
        received_at=datetime(2026, 7, 1, 8, 20, tzinfo=UTC),
    )
    reply(
        make,
        body="START",
        client=ann,
        organisation=world.project,
        worker=world.worker,
        action=ReplyAction.OPTED_IN,
        received_at=datetime(2026, 7, 1, 8, 10, tzinfo=UTC),
    )

    html = web.get("/inbox").get_data(as_text=True)

    check_conventions(html)
    text = main_text(html)
    # Received times are in Europe/London (summer time: UTC + 1).
    assert "Received Wed 1 Jul 2026, 09:30" in text
    assert "Received Wed 1 Jul 2026, 11:00" in text  # the first fixture reply, 10:00 UTC
    for label in ("Stopped texts", "Confirmed appointment", "Restarted texts", "Reply"):
        assert f">{label}</strong>" in html
    # The sender links to her case, except a reply with no case, which links to her.
    assert f'href="/cases/{inboxes.mine.case_id}">Ann Replier</a>' in html
    assert f'href="/clients/{ann.id}">Ann Replier</a>' in html
    assert text.count("Unread") == 7
    assert (
        'Mark as read<span class="govuk-visually-hidden"> (reply received Wed 1 Jul 2026, 09:30)'
        in html
    )
    assert "4 unread" not in text and "7 unread." in text


def test_a_reply_is_shown_as_text_never_as_markup(
    web: FlaskClient, world: World, make: Factory
) -> None:
    reply(make, body='<script>alert("x")</script>', organisation=world.project, worker=world.worker)
    sign_in(web, world.worker)

    html = web.get("/inbox").get_data(as_text=True)

    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;alert(" in html


def test_an_unknown_number_shows_only_its_last_four_digits(
    web: FlaskClient, world: World, inboxes: Inboxes
) -> None:
    sign_in(web, world.manager)

    html = web.get("/inbox").get_data(as_text=True)

    assert "Unknown number ending 0123, not on any of your clients' records" in main_text(html)
    assert "7700900123" not in html and "900123" not in html


def test_a_number_two_of_her_organisations_clients_share_shows_only_its_ending(
    web: FlaskClient, world: World, make: Factory
) -> None:
    # The webhook cannot tell which of two clients it is: her organisation's managers can.
    reply(
        make,
        body="Hi",
        organisation=world.project,
        from_number="+447700900456",
        shared_number=True,
    )
    sign_in(web, world.manager)

    html = web.get("/inbox").get_data(as_text=True)

    assert "Number ending 0456, held for more than one client" in main_text(html)
    assert "7700900456" not in html


def test_marking_a_reply_as_read_records_who_and_when_and_is_audited(
    web: FlaskClient, world: World, make: Factory, inboxes: Inboxes
) -> None:
    sign_in(web, world.worker)

    response = web.post(f"/inbox/{inboxes.mine.id}/read")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/inbox#reply-{inboxes.mine.id}"
    make.session.expire_all()
    message = make.session.get(InboundMessage, inboxes.mine.id)
    assert message is not None
    assert message.read_at == NOW and message.read_by_id == world.worker.id
    audit = make.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "reply_marked_read")
    ).all()
    assert [(a.user_id, a.object_type, a.object_id, a.client_id) for a in audit] == [
        (world.worker.id, "inbound_message", message.id, message.client_id)
    ]
    page = web.get("/inbox").get_data(as_text=True)
    assert "Marked as read." in page
    assert "Read Wed 1 Jul 2026, 12:00" in main_text(page)
    assert "Mark as read" not in page

    # Reading it again keeps the first reading and adds nothing to the audit.
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        assert web.post(f"/inbox/{inboxes.mine.id}/read").status_code == 302
    make.session.expire_all()
    again = make.session.get(InboundMessage, inboxes.mine.id)
    assert again is not None and again.read_at == NOW
    assert (
        len(
            make.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "reply_marked_read")
            ).all()
        )
        == 1
    )


def test_a_manager_may_mark_any_reply_of_her_organisation_and_no_other(
    web: FlaskClient, world: World, make: Factory, inboxes: Inboxes
) -> None:
    sign_in(web, world.manager)

    for message in (inboxes.mine, inboxes.managers, inboxes.unknown):
        assert web.post(f"/inbox/{message.id}/read").status_code == 302

    make.session.expire_all()
    for message in (inboxes.mine, inboxes.managers, inboxes.unknown):
        stored = make.session.get(InboundMessage, message.id)
        assert stored is not None and stored.read_by_id == world.manager.id
    assert web.post(f"/inbox/{inboxes.unplaced.id}/read").status_code == 404


def test_another_organisations_reply_is_not_found_and_stays_unread(
    web: FlaskClient, world: World, make: Factory, inboxes: Inboxes
) -> None:
    sign_in(web, world.manager)
    assert web.post(f"/inbox/{inboxes.elsewhere.id}/read").status_code == 404
    sign_in(web, world.worker)
    # A worker's inbox is her own: a colleague's reply and the managers' are not hers to mark.
    for message in (inboxes.colleagues, inboxes.managers, inboxes.unknown, inboxes.elsewhere):
        assert web.post(f"/inbox/{message.id}/read").status_code == 404
    assert web.post("/inbox/999999/read").status_code == 404

    make.session.expire_all()
    for message in (inboxes.colleagues, inboxes.managers, inboxes.unknown, inboxes.elsewhere):
        stored = make.session.get(InboundMessage, message.id)
        assert stored is not None and stored.read_at is None


@pytest.mark.parametrize("role", ["liaison", "cps", "admin"])
def test_court_cps_and_administrators_never_see_replies(
    web: FlaskClient, world: World, make: Factory, inboxes: Inboxes, role: str
) -> None:
    user = getattr(world, role)
    sign_in(web, user)

    page = web.get("/inbox")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "Can you ring me" not in html
    assert not any(item.startswith("Inbox") for item in menu(html))
    assert web.post(f"/inbox/{inboxes.mine.id}/read").status_code == 403
    assert make.session.get(InboundMessage, inboxes.mine.id).read_at is None  # type: ignore[union-attr]


def test_mark_as_read_only_via_post(web: FlaskClient, world: World, inboxes: Inboxes) -> None:
    sign_in(web, world.worker)

    assert web.get(f"/inbox/{inboxes.mine.id}/read").status_code == 405


def test_the_menu_shows_the_unread_count_and_drops_it_once_read(
    web: FlaskClient, world: World, inboxes: Inboxes
) -> None:
    sign_in(web, world.manager)
    assert "Inbox (4 unread)" in menu(web.get("/home").get_data(as_text=True))

    sign_in(web, world.worker)
    assert "Inbox (1 unread)" in menu(web.get("/home").get_data(as_text=True))
    web.post(f"/inbox/{inboxes.mine.id}/read")
    items = menu(web.get("/home").get_data(as_text=True))
    assert "Inbox" in items
    assert not any("unread" in item for item in items)


def test_an_empty_inbox_says_so(web: FlaskClient, world: World) -> None:
    sign_in(web, world.worker)

    html = web.get("/inbox").get_data(as_text=True)

    check_conventions(html)
    assert "No replies." in main_text(html)
    assert "Inbox" in menu(html)


def test_viewing_the_inbox_is_audited_without_content(
    web: FlaskClient, world: World, make: Factory, inboxes: Inboxes
) -> None:
    sign_in(web, world.worker)

    web.get("/inbox")

    events = make.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "inbox_viewed")
    ).all()
    assert [e.user_id for e in events] == [world.worker.id]
    assert "ring" not in (events[0].detail or "")


def test_mark_as_read_needs_the_csrf_token(tmp_path: Path) -> None:
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    make = Factory(app)
    try:
        org = make.organisation()
        worker = make.user(organisation=org, role=Role.WORKER)
        message = reply(make, body="Hello", organisation=org, worker=worker)
        web = app.test_client()
        with time_machine.travel(NOW, tick=False):
            page = web.get("/sign-in").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            assert token is not None
            signed = web.post(
                "/sign-in",
                data={"email": worker.email, "password": PASSWORD, "csrf_token": token.group(1)},
            )
            assert signed.status_code == 302
            code_page = web.get(signed.headers["Location"]).get_data(as_text=True)
            code_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', code_page)
            assert code_token is not None
            coded = web.post(
                signed.headers["Location"],
                data={"code": two_factor_code(app, worker), "csrf_token": code_token.group(1)},
            )
            assert coded.status_code == 302

            assert web.post(f"/inbox/{message.id}/read").status_code == 400
            inbox = web.get("/inbox").get_data(as_text=True)
            check_conventions(inbox, csrf=True)
            form_token = re.search(
                r'action="/inbox/\d+/read".*?name="csrf_token" value="([^"]+)"', inbox, re.S
            )
            assert form_token is not None
            done = web.post(f"/inbox/{message.id}/read", data={"csrf_token": form_token.group(1)})
            assert done.status_code == 302
        make.session.expire_all()
        stored = make.session.get(InboundMessage, message.id)
        assert stored is not None and stored.read_by_id == worker.id
    finally:
        make.session.close()
        app.extensions["diversion.db"][0].dispose()
