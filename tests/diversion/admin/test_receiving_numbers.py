"""Administration, "Receiving numbers": each organisation's numbers, added, listed, removed."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from diversion.models import AuditEvent, ReceivingNumber, ReceivingNumberKind
from tests.conftest import World, signed_in_client
from tests.factories import Factory
from tests.notifications.test_inbox import check_conventions, main_text

SERVICE = "MG" + "0123456789abcdef" * 2


def numbers(make: Factory) -> list[tuple[int, str, ReceivingNumberKind]]:
    make.session.expire_all()
    return [
        (n.organisation_id, n.value, n.kind)
        for n in make.session.scalars(select(ReceivingNumber).order_by(ReceivingNumber.id))
    ]


def test_an_administrator_adds_a_number_normalised_and_a_service(
    app: Flask, make: Factory, world: World
) -> None:
    web = signed_in_client(app, world.admin)
    form = web.get("/admin/receiving-numbers/new").get_data(as_text=True)
    check_conventions(form)
    assert "Riverside Test Project" in form and "Testbury Court" not in form

    first = web.post(
        "/admin/receiving-numbers/new",
        data={"organisation_id": world.project.id, "value": "07700 900 001"},
    )
    second = web.post(
        "/admin/receiving-numbers/new",
        data={"organisation_id": world.other_project.id, "value": " " + SERVICE.upper() + " "},
    )

    assert first.status_code == second.status_code == 302
    assert numbers(make) == [
        (world.project.id, "+447700900001", ReceivingNumberKind.PHONE),
        (world.other_project.id, SERVICE, ReceivingNumberKind.MESSAGING_SERVICE),
    ]
    listing = web.get("/admin/receiving-numbers").get_data(as_text=True)
    check_conventions(listing)
    text = main_text(listing)
    assert "+447700900001 Phone number Riverside Test Project" in text
    assert f"{SERVICE} Messaging service Elsewhere Test Project" in text
    added = make.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "receiving_number_added")
    ).all()
    assert [a.user_id for a in added] == [world.admin.id, world.admin.id]


def test_a_number_another_organisation_holds_is_refused_with_a_clear_error(
    app: Flask, make: Factory, world: World
) -> None:
    make._save(
        ReceivingNumber(
            organisation_id=world.project.id,
            kind=ReceivingNumberKind.PHONE,
            value="+447700900001",
        )
    )
    web = signed_in_client(app, world.admin)

    page = web.post(
        "/admin/receiving-numbers/new",
        data={"organisation_id": world.other_project.id, "value": "+44 7700 900001"},
    )

    assert page.status_code == 200
    assert (
        "That number already belongs to Riverside Test Project. A number can belong to one "
        "organisation only"
    ) in main_text(page.get_data(as_text=True))
    assert len(numbers(make)) == 1


def test_what_is_not_a_number_or_a_service_is_refused(
    app: Flask, make: Factory, world: World
) -> None:
    web = signed_in_client(app, world.admin)
    cases = {
        "": "Enter the phone number or the messaging service SID",
        "020 7946 0000": "Enter a UK mobile number texts are sent from",
        "hello": "Enter a UK mobile number texts are sent from",
        "MG123": "A messaging service SID is MG followed by 32",
    }
    for value, error in cases.items():
        page = web.post(
            "/admin/receiving-numbers/new",
            data={"organisation_id": world.project.id, "value": value},
        )
        assert page.status_code == 200
        assert error in main_text(page.get_data(as_text=True)), value
    court = web.post(
        "/admin/receiving-numbers/new",
        data={"organisation_id": world.court.organisation_id, "value": "07700 900 001"},
    )
    assert court.status_code == 200
    assert numbers(make) == []


def test_removing_a_number_sends_its_texts_to_administrators_again(
    app: Flask, make: Factory, world: World
) -> None:
    row = make._save(
        ReceivingNumber(
            organisation_id=world.project.id,
            kind=ReceivingNumberKind.PHONE,
            value="+447700900001",
        )
    )
    row_id = row.id
    web = signed_in_client(app, world.admin)

    assert web.post(f"/admin/receiving-numbers/{row_id}/remove").status_code == 302

    assert numbers(make) == []
    assert web.post(f"/admin/receiving-numbers/{row_id}/remove").status_code == 404
    assert web.get(f"/admin/receiving-numbers/{row_id}/remove").status_code == 405


def test_only_administrators_manage_receiving_numbers(
    app: Flask, make: Factory, world: World
) -> None:
    for user in (world.manager, world.worker, world.liaison):
        web = signed_in_client(app, user)
        assert web.get("/admin/receiving-numbers").status_code == 403
        assert (
            web.post(
                "/admin/receiving-numbers/new",
                data={"organisation_id": world.project.id, "value": "07700 900 001"},
            ).status_code
            == 403
        )
    assert numbers(make) == []
