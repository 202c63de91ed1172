"""Views of her record are audited (issue 12): the client edit page, the replies the inbox
showed, and another organisation's records asked for by id (refused, still 404)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from diversion import audit
from diversion.models import AuditEvent, InboundMessage, ReplyAction
from tests.conftest import World, signed_in_client
from tests.factories import Factory

_provider_ids = itertools.count(1)


def rows(make: Factory, action: str) -> list[AuditEvent]:
    make.session.expire_all()
    return list(
        make.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_the_client_edit_page_audits_a_view_of_her_record(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(organisation=world.project, health_notes="ZZhealthplanted")

    page = signed_in_client(app, world.worker).get(f"/clients/{client.id}/edit")

    assert page.status_code == 200
    assert "ZZhealthplanted" in page.get_data(as_text=True)
    [row] = rows(make, "client_viewed")
    assert (row.user_id, row.object_type, row.object_id, row.client_id, row.detail) == (
        world.worker.id,
        "client",
        client.id,
        client.id,
        "edit page",
    )


def _reply(make: Factory, world: World, **kw: object) -> InboundMessage:
    kw.setdefault("organisation_id", world.project.id)
    message = InboundMessage(
        provider_id=f"SMaudit{next(_provider_ids):08d}",
        received_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        from_number="+447700900123",
        body="ZZreplyplanted",
        action=ReplyAction.INBOX,
        **kw,
    )
    make.session.add(message)
    make.session.commit()
    return message


def test_the_inbox_audits_the_ids_of_the_replies_it_showed_per_woman(
    app: Flask, make: Factory, world: World
) -> None:
    first = make.client(organisation=world.project)
    second = make.client(organisation=world.project)
    a1 = _reply(make, world, client_id=first.id)
    a2 = _reply(make, world, client_id=first.id)
    b1 = _reply(make, world, client_id=second.id)
    unknown = _reply(make, world)
    other = make.client(organisation=world.other_project)
    _reply(make, world, client_id=other.id, organisation_id=world.other_project.id)

    assert signed_in_client(app, world.manager).get("/inbox").status_code == 200

    [summary] = rows(make, "inbox_viewed")
    assert summary.detail == "4 replies"
    shown = {
        (r.object_type, r.object_id, r.client_id, r.detail, r.user_id)
        for r in rows(make, "replies_viewed")
    }
    ids_first = sorted([a1.id, a2.id], reverse=True)  # newest first, as the inbox shows them
    assert shown == {
        (
            "client",
            first.id,
            first.id,
            f"replies: {ids_first[0]}, {ids_first[1]}",
            world.manager.id,
        ),
        ("client", second.id, second.id, f"replies: {b1.id}", world.manager.id),
        (
            "inbound_message",
            None,
            None,
            f"replies from unknown numbers: {unknown.id}",
            world.manager.id,
        ),
    }
    for row in rows(make, "replies_viewed"):
        assert "ZZreplyplanted" not in (row.detail or "")
        assert "7700900123" not in (row.detail or "")


def test_long_id_lists_are_split_to_fit_the_detail_column() -> None:
    details = audit.id_details("replies:", range(100_000, 100_200))

    assert len(details) > 1
    assert all(len(d) <= audit.DETAIL_LENGTH for d in details)
    assert all(d.startswith("replies: ") for d in details)
    found = [int(i) for d in details for i in d.removeprefix("replies: ").split(", ")]
    assert found == list(range(100_000, 100_200))


@pytest.mark.parametrize("kind", ["client", "client_edit", "case", "appointment", "report"])
def test_another_organisations_record_answers_404_and_is_audited_as_refused(
    app: Flask, make: Factory, world: World, kind: str
) -> None:
    client = make.client(organisation=world.project)
    case = make.case(client=client, court=world.court, worker=world.worker)
    venue = make.venue(organisation=world.project)
    starts = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
    appointment = make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    path, object_type, object_id = {
        "client": (f"/clients/{client.id}", "client", client.id),
        "client_edit": (f"/clients/{client.id}/edit", "client", client.id),
        "case": (f"/cases/{case.id}", "case", case.id),
        "appointment": (f"/appointments/{appointment.id}", "appointment", appointment.id),
        "report": (f"/cases/{case.id}/report", "case", case.id),
    }[kind]

    page = signed_in_client(app, world.other_org_worker).get(path)

    assert page.status_code == 404
    [row] = rows(make, "record_refused")
    assert (row.user_id, row.object_type, row.object_id, row.client_id) == (
        world.other_org_worker.id,
        object_type,
        object_id,
        None,
    )
    assert row.detail and "." in row.detail  # the endpoint asked for, nothing more
    assert not rows(make, "client_viewed") and not rows(make, "case_viewed")


def test_an_id_that_does_not_exist_is_404_and_recorded_alike(
    app: Flask, make: Factory, world: World
) -> None:
    page = signed_in_client(app, world.worker).get("/clients/999999")

    assert page.status_code == 404
    [row] = rows(make, "record_refused")
    assert (row.object_type, row.object_id, row.detail) == ("client", 999999, "clients.show")


def test_her_own_organisations_record_is_not_refused(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(organisation=world.project)

    assert signed_in_client(app, world.worker).get(f"/clients/{client.id}").status_code == 200
    assert not rows(make, "record_refused")


def test_an_id_no_table_could_hold_is_recorded_without_it(app: Flask, make: Factory) -> None:
    with app.test_request_context("/clients/1"):
        audit.record_not_held(object_type="client", object_id=2**40, endpoint="clients.show")

    [row] = rows(make, "record_refused")
    assert (row.object_type, row.object_id, row.detail) == (
        "client",
        None,
        "clients.show (id out of range)",
    )
