"""Issue 12: a reply reaches only the organisation that holds the number it was sent to.

Three organisations, each with its own receiving number (the third a messaging service).
Texts come in through the real webhook, signed as Twilio signs them, from: a mobile that is
a client in two organisations; a mobile two clients of one organisation hold; a client of
one organisation texting another's number; numbers nobody knows; and a number no
organisation holds. Then every worker's, manager's and administrator's page is read: who
sees which reply, and that a reply not matched to one client never shows the full number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.models import (
    AuditEvent,
    Organisation,
    ReceivingNumber,
    ReceivingNumberKind,
    Role,
    User,
)
from tests.conftest import World, signed_in_client
from tests.factories import Factory
from tests.notifications.test_inbox import main_text, shown
from tests.notifications.test_webhooks import PUBLIC, TOKEN, inbound_params, post

NUMBER_A = "+447700900001"
NUMBER_B = "+447700900002"
SERVICE_C = "MG" + "c0ffee00" * 4
POOL_NUMBER_C = "+447700900030"  # one of the service's numbers; not itself listed
NOBODYS_NUMBER = "+447700900099"

IN_TWO_ORGANISATIONS = "+447700900101"  # Ann (A) and Bea (B)
SISTERS = "+447700900102"  # Cat and Dee, both of A, different workers
EVE = "+447700900103"  # Eve, a client of C only
STRANGER = "+447700900199"  # nobody's


@dataclass
class Cast:
    third: Organisation
    third_worker: User
    third_manager: User


@pytest.fixture
def cast(app: Flask, make: Factory, world: World) -> Cast:
    app.config.update(PUBLIC_BASE_URL=PUBLIC, TWILIO_AUTH_TOKEN=TOKEN)
    third = make.organisation(name="Third Test Project")
    cast = Cast(
        third=third,
        third_worker=make.user(organisation=third, role=Role.WORKER, name="Tess Third"),
        third_manager=make.user(organisation=third, role=Role.MANAGER),
    )
    for organisation, value, kind in (
        (world.project, NUMBER_A, ReceivingNumberKind.PHONE),
        (world.other_project, NUMBER_B, ReceivingNumberKind.PHONE),
        (third, SERVICE_C, ReceivingNumberKind.MESSAGING_SERVICE),
    ):
        make._save(ReceivingNumber(organisation_id=organisation.id, kind=kind, value=value))

    def client(first: str, org: Organisation, mobile: str, worker: User) -> None:
        her = make.client(
            organisation=org,
            first_name=first,
            last_name="Texter",
            mobile=mobile,
            consent_to_texts=True,
            safe_to_text_confirmed_on=date(2026, 11, 20),
        )
        make.accepted_case(client=her, court=world.court, worker=worker)

    client("Ann", world.project, IN_TWO_ORGANISATIONS, world.worker)
    client("Bea", world.other_project, IN_TWO_ORGANISATIONS, world.other_worker)
    client("Cat", world.project, SISTERS, world.worker)
    client("Dee", world.project, SISTERS, world.colleague)
    client("Eve", third, EVE, cast.third_worker)
    return cast


def text(web: FlaskClient, n: int, body: str, *, sender: str, to: str, service: str = "") -> None:
    params = inbound_params(body, sid=f"SM{n:032d}", number=sender)
    params["To"] = to
    if service:
        params["MessagingServiceSid"] = service
    assert post(web, "/sms/inbound", params).status_code == 200


@pytest.fixture
def texted(web: FlaskClient, cast: Cast) -> None:
    text(web, 1, "Ann to A", sender=IN_TWO_ORGANISATIONS, to=NUMBER_A)
    text(web, 2, "Bea to B", sender=IN_TWO_ORGANISATIONS, to=NUMBER_B)
    text(web, 3, "Sisters to A", sender=SISTERS, to=NUMBER_A)
    text(web, 4, "Eve to A by mistake", sender=EVE, to=NUMBER_A)
    text(web, 5, "Eve to C", sender=EVE, to=POOL_NUMBER_C, service=SERVICE_C)
    text(web, 6, "Stranger to C", sender=STRANGER, to=POOL_NUMBER_C, service=SERVICE_C)
    text(web, 7, "I relapsed and I'm in hospital", sender=STRANGER, to=NOBODYS_NUMBER)


def inbox(app: Flask, user: User) -> str:
    response = signed_in_client(app, user).get("/inbox")
    assert response.status_code == 200
    return response.get_data(as_text=True)


FULL_NUMBERS = ("7700900101", "7700900102", "7700900103", "7700900199")


def test_every_inbox_holds_only_its_own_organisations_replies(
    app: Flask, world: World, cast: Cast, texted: None
) -> None:
    expected = {
        # A's workers: her own client's reply, and the number her client shares with a
        # colleague's; never Bea's reply from the same mobile to B.
        world.worker: ["Ann to A", "Sisters to A"],
        world.colleague: ["Sisters to A"],
        world.manager: ["Ann to A", "Sisters to A", "Eve to A by mistake"],
        world.other_worker: ["Bea to B"],
        world.other_org_worker: ["Bea to B"],  # B's manager
        cast.third_worker: ["Eve to C"],
        cast.third_manager: ["Eve to C", "Stranger to C"],
    }
    for user, replies in expected.items():
        assert sorted(shown(inbox(app, user))) == sorted(replies), user.name

    # Nobody's inbox holds the text to a number no organisation holds.
    for user in expected:
        assert "hospital" not in inbox(app, user)


def test_a_reply_not_matched_to_one_client_shows_only_the_last_four_digits(
    app: Flask, world: World, cast: Cast, texted: None
) -> None:
    a_manager = main_text(inbox(app, world.manager))
    assert "Number ending 0102, held for more than one client" in a_manager
    assert "For Wendy Worker and Colin Colleague" in a_manager
    assert "Unknown number ending 0103, not on any of your clients' records" in a_manager
    assert "Ann Texter" in a_manager and "Eve Texter" not in a_manager
    c_manager = main_text(inbox(app, cast.third_manager))
    assert "Unknown number ending 0199, not on any of your clients' records" in c_manager
    assert "Number ending 0102, held for more than one client" in main_text(
        inbox(app, world.colleague)
    )
    for user in (world.manager, world.worker, world.colleague, cast.third_manager):
        html = inbox(app, user)
        assert not any(number in html for number in FULL_NUMBERS), user.name


def test_a_text_to_a_number_no_organisation_holds_is_shown_to_administrators_only(
    app: Flask, world: World, make: Factory, cast: Cast, texted: None
) -> None:
    admin = signed_in_client(app, world.admin)

    page = admin.get("/admin/receiving-numbers")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    found = re.search(r'<ul class="govuk-list" id="unplaced-replies">.*?</ul>', html, re.S)
    assert found is not None
    unplaced = main_text(found.group(0))
    assert "I relapsed and I'm in hospital" in unplaced
    assert "Unknown number ending 0199" in unplaced
    assert f"Sent to {NOBODYS_NUMBER}" in unplaced
    assert "Ann to A" not in html and "Stranger to C" not in html
    assert not any(number in html for number in FULL_NUMBERS)
    assert f"/admin/receiving-numbers/new?value=%2B{NOBODYS_NUMBER[1:]}" in html
    # The look is audited by ids, as the inbox's is.
    make.session.expire_all()
    viewed = make.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == "replies_viewed", AuditEvent.user_id == world.admin.id
        )
    ).all()
    assert len(viewed) == 1 and viewed[0].startswith("replies to numbers no organisation holds:")
    assert "0199" not in viewed[0] and "hospital" not in viewed[0]
    # No caseworker may open the administrators' page.
    for user in (world.manager, world.worker, cast.third_manager):
        assert signed_in_client(app, user).get("/admin/receiving-numbers").status_code == 403
