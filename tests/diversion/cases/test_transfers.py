"""Working as one partnership: flags shown on a match with the holder told, one file per
woman, and transfers between organisations (issue 15)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.cases import flags, partnership, services
from diversion.db import db, transaction
from diversion.errors import RuleBroken
from diversion.models import (
    AppointmentStatus,
    AuditEvent,
    Case,
    CaseEvent,
    Client,
    ClientFlag,
    ClientTransfer,
    MatchNotice,
    TransferStatus,
    User,
)
from diversion.privacy.erasure import anonymise_client
from diversion.privacy.retention import ERASED
from tests.conftest import World, signed_in_client
from tests.factories import Factory

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
BORN = date(1991, 4, 17)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def held(make: Factory, world: World) -> Client:
    """Anna Marney, held by the project with a running case allocated to Wendy Worker."""
    client = make.client(
        organisation=world.project, first_name="Anna", last_name="Marney", date_of_birth=BORN
    )
    make.accepted_case(client=client, court=world.court, worker=world.worker)
    return client


def user(make: Factory, row: User) -> User:
    return make.session.get(User, row.id)


def audit_actions(make: Factory, client_id: int) -> list[tuple[str, int | None]]:
    make.session.expire_all()
    rows = make.session.scalars(
        select(AuditEvent).where(AuditEvent.client_id == client_id).order_by(AuditEvent.id)
    )
    return [(row.action, row.user_id) for row in rows]


def text_of(response) -> str:
    """The page's main content as a person reads it."""
    html = response.get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main.group(0)))).strip()


def add_form(first: str, last: str, born: date) -> dict[str, object]:
    """Add a client, past the caseload check's question (she is known elsewhere): the worker
    says she is a different person, and the one-file rule still holds."""
    return {
        "first_name": first,
        "last_name": last,
        "date_of_birth": [born.day, born.month, born.year],
        "not_the_same_person": "y",
    }


# --- flags ------------------------------------------------------------------------------------


def test_a_worker_flags_her_record_and_sees_the_flag_on_her_page(
    app: Flask, make: Factory, world: World, held: Client
):
    web = signed_in_client(app, world.worker)

    response = web.post(
        f"/clients/{held.id}/flag",
        data={"text": "Contact the project if she reappears", "contact": "Wendy, 020 7946 0001"},
    )

    assert response.status_code == 302
    page = text_of(web.get(f"/clients/{held.id}"))
    assert "Contact the project if she reappears" in page
    assert "Contact: Wendy, 020 7946 0001" in page
    assert ("client_flag_set", world.worker.id) in audit_actions(make, held.id)


def test_another_organisation_cannot_flag_or_clear_her(app: Flask, world: World, held: Client):
    web = signed_in_client(app, world.other_worker)

    assert web.get(f"/clients/{held.id}/flag").status_code == 404
    assert web.post(f"/clients/{held.id}/flag/clear").status_code == 404


def test_clearing_the_flag_keeps_the_row_and_shows_no_flag(
    app: Flask, make: Factory, world: World, held: Client
):
    with app.app_context():
        flags.set_flag(
            actor=user(make, world.worker),
            client=db.session.get(Client, held.id),
            text="Call us",
            contact="Wendy",
            now=NOW,
        )
    web = signed_in_client(app, world.worker)

    web.post(f"/clients/{held.id}/flag/clear")

    make.session.expire_all()
    row = make.session.scalar(select(ClientFlag).where(ClientFlag.client_id == held.id))
    assert row.cleared_at == NOW and row.cleared_by_id == world.worker.id
    assert "No flag." in text_of(web.get(f"/clients/{held.id}"))
    assert ("client_flag_cleared", world.worker.id) in audit_actions(make, held.id)


def test_a_match_by_another_organisation_shows_the_flag_and_tells_the_holder_who_and_when(
    app: Flask, make: Factory, world: World, held: Client
):
    with app.app_context():
        flags.set_flag(
            actor=user(make, world.worker),
            client=db.session.get(Client, held.id),
            text="Contact the project if she reappears",
            contact="Wendy, 020 7946 0001",
            now=NOW - timedelta(days=3),
        )
        shown = flags.flags_for_match([held.id], seen_by=user(make, world.other_worker), now=NOW)

    assert [(f.client_id, f.text, f.contact) for f in shown] == [
        (held.id, "Contact the project if she reappears", "Wendy, 020 7946 0001")
    ]
    notice = make.session.scalar(select(MatchNotice))
    assert (notice.organisation_id, notice.worker_id) == (world.project.id, world.worker.id)
    assert (notice.matched_by_id, notice.matched_by_organisation_id) == (
        world.other_worker.id,
        world.other_project.id,
    )
    assert notice.matched_at == NOW
    inbox = signed_in_client(app, world.worker).get("/inbox")
    words = text_of(inbox)
    assert (
        f"Your client Anna Marney was matched by {world.other_project.name}, "
        f"{world.other_worker.name}, Tue 1 Dec 2026, 10:00" in words
    )
    assert "Inbox (1 unread)" in inbox.get_data(as_text=True)
    # Never why, never what was searched: the notice has no text to carry either.
    assert {c.name for c in MatchNotice.__table__.columns}.isdisjoint(
        {"reason", "text", "query", "detail", "search"}
    )
    assert ("client_flag_shown", world.other_worker.id) in audit_actions(make, held.id)
    # The other organisation's worker sees none of it in her inbox.
    assert "Anna Marney" not in text_of(signed_in_client(app, world.other_worker).get("/inbox"))


def test_a_match_inside_the_holding_organisation_shows_the_flag_without_a_notice(
    app: Flask, make: Factory, world: World, held: Client
):
    with app.app_context():
        flags.set_flag(
            actor=user(make, world.worker),
            client=db.session.get(Client, held.id),
            text="Call us",
            contact="Wendy",
            now=NOW,
        )
        shown = flags.flags_for_match([held.id], seen_by=user(make, world.colleague), now=NOW)

    assert len(shown) == 1
    assert make.session.scalar(select(MatchNotice)) is None


def test_a_notice_is_marked_read_in_the_inbox(
    app: Flask, make: Factory, world: World, held: Client
):
    with app.app_context():
        flags.set_flag(
            actor=user(make, world.worker),
            client=db.session.get(Client, held.id),
            text="Call us",
            contact="Wendy",
            now=NOW,
        )
        flags.flags_for_match([held.id], seen_by=user(make, world.other_worker), now=NOW)
    notice = make.session.scalar(select(MatchNotice))
    web = signed_in_client(app, world.worker)

    assert (
        signed_in_client(app, world.other_worker)
        .post(f"/inbox/notices/{notice.id}/read")
        .status_code
        == 404
    )
    assert web.post(f"/inbox/notices/{notice.id}/read").status_code == 302

    make.session.expire_all()
    assert make.session.get(MatchNotice, notice.id).read_by_id == world.worker.id


# --- one file per woman -------------------------------------------------------------------------


def test_another_organisation_cannot_add_her_while_her_file_is_open_and_is_given_the_contact(
    app: Flask, make: Factory, world: World, held: Client
):
    web = signed_in_client(app, world.other_worker)

    response = web.post("/clients/new", data=add_form("anna", "MARNEY", BORN))

    assert response.status_code == 200
    words = text_of(response)
    assert (
        f"She has an open case with {world.project.name} (phone {world.project.phone}). "
        "Ask them to transfer her." in words
    )
    assert f"Ask {world.project.name} to transfer her" in words
    assert (
        make.session.scalar(select(Client).where(Client.organisation_id == world.other_project.id))
        is None
    )
    assert ("second_file_refused", world.other_worker.id) in audit_actions(make, held.id)


def test_a_woman_of_the_same_name_with_no_open_case_elsewhere_can_be_added(
    app: Flask, make: Factory, world: World
):
    make.client(
        organisation=world.project, first_name="Anna", last_name="Marney", date_of_birth=BORN
    )
    web = signed_in_client(app, world.other_worker)

    response = web.post("/clients/new", data=add_form("Anna", "Marney", BORN))

    assert response.status_code == 302


def test_a_case_cannot_be_opened_on_a_record_another_organisation_holds(
    app: Flask, make: Factory, world: World, held: Client
):
    with app.app_context():
        actor = user(make, world.other_worker)
        client = db.session.get(Client, held.id)
        details = services.CaseDetails(
            requirement_type=make.requirement_type("CD"),
            court=world.court,
            first_court_date=date(2026, 12, 9),
            court_reference=None,
            arrest_date=None,
            charge="x",
            custody_drug_test=make.session.get(Case, held.cases[0].id).custody_drug_test,
            worker=None,
        )
        with pytest.raises(partnership.HeldElsewhere, match="Ask them to transfer her"):
            services.open_case(actor=actor, client=client, details=details, now=NOW)


# --- transfers ------------------------------------------------------------------------------------


def ask_for_her(app: Flask, world: World) -> FlaskClient:
    """The other project is refused, then asks for the transfer from the refusal."""
    web = signed_in_client(app, world.other_worker)
    web.post("/clients/new", data=add_form("Anna", "Marney", BORN))
    assert web.get("/transfers/request").status_code == 200
    response = web.post("/transfers/request", data={"reason": "She lives in our area now"})
    assert response.status_code == 302
    return web


def test_a_transfer_is_asked_for_from_the_refusal_and_waits_in_the_holders_menu(
    app: Flask, make: Factory, world: World, held: Client
):
    ask_for_her(app, world)

    transfer = make.session.scalar(select(ClientTransfer))
    assert (transfer.client_id, transfer.from_organisation_id, transfer.to_organisation_id) == (
        held.id,
        world.project.id,
        world.other_project.id,
    )
    assert transfer.status is TransferStatus.PENDING
    holder = signed_in_client(app, world.manager)
    assert "Transfers (1 waiting)" in holder.get("/home", follow_redirects=True).get_data(
        as_text=True
    )
    page = text_of(holder.get("/transfers"))
    assert "Anna Marney" in page and "She lives in our area now" in page
    assert ("transfer_requested", world.other_worker.id) in audit_actions(make, held.id)


def test_without_a_refusal_there_is_nothing_to_ask_for(app: Flask, world: World):
    web = signed_in_client(app, world.other_worker)

    response = web.post("/transfers/request", data={"reason": "Any"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/clients"


def test_an_accepted_transfer_moves_her_record_and_cases_with_their_history(
    app: Flask, make: Factory, world: World, held: Client
):
    case = (
        held.cases[0]
        if held.cases
        else make.session.scalar(select(Case).where(Case.client_id == held.id))
    )
    venue = make.venue(organisation=world.project)
    soon = make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=NOW + timedelta(days=2),
        ends_at=NOW + timedelta(days=2, hours=1),
    )
    with app.app_context():
        flags.set_flag(
            actor=user(make, world.worker),
            client=db.session.get(Client, held.id),
            text="Call us",
            contact="Wendy",
            now=NOW,
        )
    ask_for_her(app, world)
    transfer = make.session.scalar(select(ClientTransfer))
    old = signed_in_client(app, world.manager)

    assert old.post(f"/transfers/{transfer.id}/accept").status_code == 302

    make.session.expire_all()
    client = make.session.get(Client, held.id)
    moved = make.session.get(Case, case.id)
    assert client.organisation_id == world.other_project.id
    assert (moved.organisation_id, moved.worker_id) == (world.other_project.id, None)
    assert make.session.get(type(soon), soon.id).status is AppointmentStatus.CANCELLED_BY_SERVICE
    events = make.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert any("transferred" in e.summary.lower() for e in events)
    transfer = make.session.get(ClientTransfer, transfer.id)
    assert (transfer.status, transfer.decided_by_id, transfer.decided_at) == (
        TransferStatus.ACCEPTED,
        world.manager.id,
        NOW,
    )
    # The old holder no longer sees her; the new one does, with her case and its history.
    assert old.get(f"/clients/{held.id}").status_code == 404
    assert old.get(f"/cases/{case.id}").status_code == 404
    new = signed_in_client(app, world.other_worker)
    assert new.get(f"/clients/{held.id}").status_code == 200
    assert "Session" in text_of(new.get(f"/cases/{case.id}"))
    # The old holder's flag no longer stands; the menu no longer lists transfers.
    assert make.session.scalar(select(ClientFlag).where(ClientFlag.cleared_at.is_(None))) is None
    assert "Transfers (" not in old.get("/transfers").get_data(as_text=True)
    actions = audit_actions(make, held.id)
    assert ("transfer_requested", world.other_worker.id) in actions
    assert ("transfer_accepted", world.manager.id) in actions
    # Now hers to open cases on: the other project can add a case; the old one cannot.
    assert new.get(f"/clients/{held.id}/cases/new").status_code == 200


def test_a_declined_transfer_changes_nothing(app: Flask, make: Factory, world: World, held: Client):
    ask_for_her(app, world)
    transfer = make.session.scalar(select(ClientTransfer))
    holder = signed_in_client(app, world.worker)

    assert (
        signed_in_client(app, world.other_worker)
        .post(f"/transfers/{transfer.id}/accept")
        .status_code
        == 404
    )
    assert holder.post(f"/transfers/{transfer.id}/decline").status_code == 302

    make.session.expire_all()
    assert make.session.get(Client, held.id).organisation_id == world.project.id
    assert make.session.scalar(select(Case.organisation_id).where(Case.client_id == held.id)) == (
        world.project.id
    )
    transfer = make.session.get(ClientTransfer, transfer.id)
    assert (transfer.status, transfer.decided_by_id) == (TransferStatus.DECLINED, world.worker.id)
    assert holder.get(f"/clients/{held.id}").status_code == 200
    assert signed_in_client(app, world.other_worker).get(f"/clients/{held.id}").status_code == 404
    assert ("transfer_declined", world.worker.id) in audit_actions(make, held.id)
    assert holder.post(f"/transfers/{transfer.id}/accept").status_code == 404


def test_a_second_request_while_one_waits_is_refused(
    app: Flask, make: Factory, world: World, held: Client
):
    ask_for_her(app, world)
    with app.app_context(), pytest.raises(RuleBroken, match="already asked"):
        partnership.request_transfer(
            actor=user(make, world.other_worker),
            client=db.session.get(Client, held.id),
            reason="Again",
            now=NOW,
        )


def test_her_subject_access_export_shows_her_transfers(
    app: Flask, make: Factory, world: World, held: Client
):
    ask_for_her(app, world)
    transfer = make.session.scalar(select(ClientTransfer))
    signed_in_client(app, world.worker).post(f"/transfers/{transfer.id}/accept")

    export = json.loads(
        signed_in_client(app, world.other_worker)
        .get(f"/clients/{held.id}/export.json")
        .get_data(as_text=True)
    )

    rows = export["tables"]["client_transfer"]
    assert [(r["from_organisation_id"], r["to_organisation_id"], r["status"]) for r in rows] == [
        (world.project.id, world.other_project.id, "accepted")
    ]
    assert rows[0]["reason"] == "She lives in our area now"


def test_anonymising_her_erases_her_flags_words_and_her_transfers_reason(
    app: Flask, make: Factory, world: World, held: Client
):
    with app.app_context():
        flags.set_flag(
            actor=user(make, world.worker),
            client=db.session.get(Client, held.id),
            text="Contact us if she reappears",
            contact="Wendy",
            now=NOW,
        )
    ask_for_her(app, world)
    with app.app_context(), transaction():
        anonymise_client(db.session.get(Client, held.id), now=NOW)

    make.session.expire_all()
    flag = make.session.scalar(select(ClientFlag))
    assert (flag.text, flag.contact, flag.cleared_at) == (ERASED, ERASED, NOW)
    assert make.session.scalar(select(ClientTransfer)).reason == ERASED
