"""The wording editor in English and Welsh, discreet and plainer (issue 16): each wording
edited, checked against its language's limit and with the other language, restored; the
preview with the worst of the real clients' names, never showing one. Real app and
database, an administrator signed in."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.models import AuditEvent, MessageTemplate
from notifications.store import wording_for
from notifications.wording import DEFAULT_TEMPLATES
from tests.conftest import World, sign_in
from tests.factories import Factory

EDIT = "/admin/messages/{}/{}/edit"
RESTORE = "/admin/messages/{}/{}/restore"
KIND = "appointment_day_before"


def page(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def textarea(response: Any) -> str:
    found = re.search(r"<textarea[^>]*>(.*?)</textarea>", response.get_data(as_text=True), re.S)
    assert found is not None
    return html.unescape(found.group(1))


def stored(make: Factory) -> list[tuple[str, str, bool, str]]:
    make.session.expire_all()
    rows = make.session.scalars(select(MessageTemplate).order_by(MessageTemplate.id))
    return [(row.kind, row.language, row.plain, row.body) for row in rows]


def wording(app: Flask, *, language: str, plain: bool, kind: str = KIND) -> str:
    with app.app_context():
        return wording_for(kind, language=language, plain=plain)


@pytest.fixture
def admin(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.admin)
    return web


def test_each_wording_has_its_own_edit_page(admin: FlaskClient) -> None:
    for variant, language, plain, heading in (
        ("en-plain", "en", True, "Appointment: the day before: English, plainer wording"),
        ("cy", "cy", False, "Appointment: the day before: Welsh"),
        ("cy-plain", "cy", True, "Appointment: the day before: Welsh, plainer wording"),
    ):
        response = admin.get(EDIT.format(KIND, variant))
        assert response.status_code == 200
        assert heading in page(response)
        assert textarea(response) == DEFAULT_TEMPLATES[KIND][language, plain]
    assert admin.get(EDIT.format(KIND, "fr")).status_code == 404
    assert admin.post(RESTORE.format(KIND, "fr")).status_code == 404


def test_the_welsh_page_says_the_translation_awaits_review_and_its_limit(
    admin: FlaskClient,
) -> None:
    text = page(admin.get(EDIT.format(KIND, "cy")))
    assert "Translation to be reviewed" in text
    assert "has not yet been reviewed by a Welsh speaker" in text
    assert "In Welsh the most is 2 texts" in text
    assert 'lang="cy"' in text
    assert "Translation to be reviewed" not in page(admin.get(EDIT.format(KIND, "en-plain")))


def test_the_plainer_page_says_what_plainer_wording_may_say(admin: FlaskClient) -> None:
    text = page(admin.get(EDIT.format(KIND, "en-plain")))
    assert "It may name the appointment" in text and "never an offence" in text


def test_saving_welsh_wording_stores_it_for_welsh_texts_only(
    app: Flask, admin: FlaskClient, make: Factory, world: World
) -> None:
    body = "Helo {name}, welwn ni chi ar {day} am {time}. Ffoniwch {phone}"
    response = admin.post(EDIT.format(KIND, "cy"), data={"body": body, "save": "y"})
    assert response.status_code == 302
    assert stored(make) == [(KIND, "cy", False, body)]
    assert wording(app, language="cy", plain=False) == body
    assert wording(app, language="en", plain=False) == DEFAULT_TEMPLATES[KIND]["en", False]
    assert wording(app, language="both", plain=False) == (
        body + "\n\n" + DEFAULT_TEMPLATES[KIND]["en", False]
    )
    audit = make.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "message_template_saved")
    )
    assert audit is not None and audit.detail == f"{KIND}, cy, discreet"
    listing = page(admin.get("/admin/messages"))
    assert "Wording saved: Appointment: the day before: Welsh." in listing
    # An administrator's Welsh is no longer the service's draft awaiting review.
    assert listing.count("Translation to be reviewed") == 2 * len(DEFAULT_TEMPLATES) - 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Helo {name}, welwn ni chi yn y llys", "Remove the word 'llys'"),
        ("Helo {name}, am eich mechnïaeth", "Remove the word 'mechniaeth'"),
        ("Helo {name}, fy nghyffuriau", "Remove the word 'nghyffuriau'"),
        (
            "Helo {name}. " + "a" * 300,
            "Shorten the message: with a long name and venue it would take 3 texts, and the "
            "most in Welsh is 2",
        ),
        (
            # "d\u0175r": one character makes the Welsh UCS-2, so three parts of 67.
            "Helo {name}, mae'r d\u0175r yn oer. " + "a" * 120,
            "because of \u0175 (latin small letter w with circumflex)",
        ),
    ],
)
def test_welsh_wording_is_refused_for_forbidden_words_and_its_limits(
    app: Flask, admin: FlaskClient, make: Factory, body: str, message: str
) -> None:
    response = admin.post(EDIT.format(KIND, "cy"), data={"body": body, "save": "y"})
    assert response.status_code == 200
    text = page(response)
    assert "There is a problem" in text
    assert message in text
    assert stored(make) == []
    assert wording(app, language="cy", plain=False) == DEFAULT_TEMPLATES[KIND]["cy", False]


def test_welsh_that_would_push_both_languages_over_three_texts_is_refused(
    admin: FlaskClient, make: Factory
) -> None:
    # 302 septets: two Welsh texts; with a blank line and the English plainer default (158),
    # 462, one more than three parts hold.
    welsh = "Helo {name}. " + "a" * 283
    response = admin.post(
        EDIT.format("booking_confirmation", "cy-plain"), data={"body": welsh, "save": "y"}
    )
    assert (
        "Shorten the message: sent with the English wording to a woman who reads both "
        "languages, with a long name and venue it would take 4 texts, and the most for "
        "Welsh and English together is 3"
    ) in page(response)
    assert stored(make) == []


def test_english_that_would_push_both_languages_over_three_texts_is_refused(
    admin: FlaskClient, make: Factory
) -> None:
    # Welsh first: two full Welsh texts (306 septets) leave 151 for the English after it.
    welsh = "Helo {name}. " + "a" * 287
    assert admin.post(EDIT.format(KIND, "cy"), data={"body": welsh, "save": "y"}).status_code == 302
    english = "Hi {name}. " + "a" * 143  # 160: one English text
    response = admin.post(f"/admin/messages/{KIND}/edit", data={"body": english, "save": "y"})
    assert "sent with the Welsh wording to a woman who reads both languages" in page(response)
    assert len(stored(make)) == 1


def test_plainer_wording_may_name_the_appointment_never_an_offence(
    app: Flask, admin: FlaskClient, make: Factory
) -> None:
    named = "Hi {name}, your court date is {day} at {time}"
    response = admin.post(EDIT.format(KIND, "en-plain"), data={"body": named, "save": "y"})
    assert response.status_code == 302
    assert wording(app, language="en", plain=True) == named
    offence = "Helo {name}, am y cyhuddiad ar {day}"
    refused = admin.post(EDIT.format(KIND, "cy-plain"), data={"body": offence, "save": "y"})
    assert "Remove the word 'cyhuddiad'" in page(refused)
    # The same court wording is refused in the discreet register.
    discreet = admin.post(f"/admin/messages/{KIND}/edit", data={"body": named, "save": "y"})
    assert "Remove the word 'court'" in page(discreet)
    assert len(stored(make)) == 1


def test_restoring_one_wording_leaves_the_others(
    app: Flask, admin: FlaskClient, make: Factory
) -> None:
    for variant, body in (("cy", "Helo {name}, {day}"), ("cy-plain", "Helo {name}, {time}")):
        admin.post(EDIT.format(KIND, variant), data={"body": body, "save": "y"})
    assert "Restore the default wording" in page(admin.get(EDIT.format(KIND, "cy")))
    response = admin.post(RESTORE.format(KIND, "cy"))
    assert response.status_code == 302
    assert stored(make) == [(KIND, "cy", True, "Helo {name}, {time}")]
    assert wording(app, language="cy", plain=False) == DEFAULT_TEMPLATES[KIND]["cy", False]
    audit = make.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "message_template_restored")
    )
    assert audit is not None and audit.detail == f"{KIND}, cy, discreet"
    assert "Default wording restored: Appointment: the day before: Welsh." in page(
        admin.get("/admin/messages")
    )


def test_the_booking_confirmation_offers_every_session(admin: FlaskClient) -> None:
    text = page(admin.get(EDIT.format("booking_confirmation", "cy")))
    assert "<code>{times}</code>" in text
    assert "Tue 8 Dec 10:00 and Tue 15 Dec 10:30" in text


# The worst of the real clients' names -------------------------------------------------------


def test_the_preview_measures_the_worst_real_name_without_showing_it(
    admin: FlaskClient, make: Factory, world: World
) -> None:
    make.client(organisation=world.project, first_name="Zoë", last_name="Quennell", text_name="Zoë")
    make.client(organisation=world.other_project, first_name="Bethany", text_name="Beth")
    make.client(organisation=world.project, first_name="Ottoline", text_name=None)
    response = admin.get(f"/admin/messages/{KIND}/edit")
    text = page(response)
    assert (
        "With the longest or least plain name among your clients' (3 characters, includes ë) "
        "this text takes 2 parts, over the limit of 1."
    ) in text
    assert (
        "(3 characters, includes ë) this text in Welsh and English together takes 4 parts, "
        "over the limit of 3."
    ) in text
    for name in ("Zoë", "Zoe", "Quennell", "Beth", "Bethany", "Ottoline"):
        assert name not in text
    assert "Zoë" not in response.get_data(as_text=True)


def test_the_preview_with_plain_names_is_within_the_limit(
    admin: FlaskClient, make: Factory, world: World
) -> None:
    make.client(organisation=world.project, first_name="Ann", text_name="Ann")
    text = page(admin.get(f"/admin/messages/{KIND}/edit"))
    assert (
        "With the longest or least plain name among your clients' (3 characters) this text "
        "takes 1 part, within the limit of 1."
    ) in text
    assert "Ann" not in text


def test_without_clients_there_is_no_worst_name(admin: FlaskClient) -> None:
    assert "among your clients" not in page(admin.get(f"/admin/messages/{KIND}/edit"))
