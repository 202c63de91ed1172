"""The administrators' text-message wording editor (design/domain.md, "Text messages").

Real app and database, an administrator signed in through the sign-in form. The rules
themselves (encoding, segments, forbidden words, placeholders) are tested in
test_templates.py; here: that the editor shows and enforces them.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from diversion.models import AuditEvent, MessageTemplate
from notifications.store import template_for, wording_for
from notifications.templates import (
    GSM_BASIC,
    GSM_EXTENSION,
    LONG_SAMPLE_VALUES,
    measure,
)
from notifications.views.admin import describe_measure
from notifications.wording import DEFAULT_TEMPLATES, VARIANTS
from tests.conftest import World, sign_in
from tests.factories import Factory

KINDS = list(DEFAULT_TEMPLATES)
# The English discreet default of each kind: what /admin/messages/<kind>/edit edits.
ENGLISH = {kind: wordings["en", False] for kind, wordings in DEFAULT_TEMPLATES.items()}
EDIT = "/admin/messages/{}/edit"
RESTORE = "/admin/messages/{}/restore"
EDIT_VARIANT = "/admin/messages/{}/{}/edit"
RESTORE_VARIANT = "/admin/messages/{}/{}/restore"
UNKNOWN = (
    "Remove {}: messages can only use {{name}}, {{time}}, {{day}}, {{venue}}, {{phone}} "
    "and {{times}}"
)
COUNTER = Path(__file__).parents[2] / "diversion" / "static" / "sms-counter.mjs"


def page(response: Any) -> str:
    """The response body with HTML entities decoded, as a reader sees the words."""
    return html.unescape(response.get_data(as_text=True))


def title(response: Any) -> str:
    found = re.search(r"<title[^>]*>(.*?)</title>", response.get_data(as_text=True), re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def textarea(response: Any) -> str:
    found = re.search(r"<textarea[^>]*>(.*?)</textarea>", response.get_data(as_text=True), re.S)
    assert found is not None
    return html.unescape(found.group(1))


def live_region(response: Any) -> str:
    found = re.search(r'<p[^>]*aria-live="polite"[^>]*>(.*?)</p>', page(response), re.S)
    assert found is not None
    return found.group(1).strip()


def stored_rows(make: Factory) -> int:
    make.session.expire_all()
    return make.session.scalar(select(func.count()).select_from(MessageTemplate)) or 0


def wording(app: Flask, kind: str) -> str:
    with app.app_context():
        return template_for(kind)


@pytest.fixture
def admin(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.admin)
    return web


# Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["worker", "manager", "liaison", "cps"])
def test_only_administrators_may_see_or_change_wording(
    app: Flask, world: World, make: Factory, who: str
) -> None:
    web = app.test_client()
    sign_in(web, getattr(world, who))
    assert web.get("/admin/messages").status_code == 403
    assert web.get(EDIT.format("court_day_before")).status_code == 403
    saved = web.post(EDIT.format("court_day_before"), data={"body": "Hi {name}", "save": "y"})
    assert saved.status_code == 403
    assert web.post(RESTORE.format("court_day_before")).status_code == 403
    assert stored_rows(make) == 0


def test_a_signed_out_visitor_is_sent_to_sign_in(web: FlaskClient) -> None:
    response = web.get("/admin/messages")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_an_unknown_kind_is_not_found(admin: FlaskClient) -> None:
    assert admin.get(EDIT.format("court_week_before")).status_code == 404
    assert admin.post(RESTORE.format("court_week_before")).status_code == 404


def test_the_admin_index_links_to_wording_and_policies(admin: FlaskClient) -> None:
    text = page(admin.get("/admin"))
    assert 'href="/admin/messages"' in text
    assert 'href="/admin/messages/policies"' in text


# The list -----------------------------------------------------------------------------------


def test_the_list_shows_every_kind_by_name_with_its_wording_and_size(admin: FlaskClient) -> None:
    response = admin.get("/admin/messages")
    assert response.status_code == 200
    text = page(response)
    for name in (
        "Court date: 2 days before",
        "Court date: the day before",
        "Booking confirmation",
        "Appointment: the day before",
        "Appointment: 2 hours before",
        "Reply to Y",
    ):
        assert name in text
    for kind, wordings in DEFAULT_TEMPLATES.items():
        # English discreet at the address it always had; the others by language and register.
        assert f'href="{EDIT.format(kind)}"' in text
        for variant in ("en-plain", "cy", "cy-plain"):
            assert f'href="{EDIT_VARIANT.format(kind, variant)}"' in text
        for template in wordings.values():
            assert template in text
    for name in ("English", "English, plainer wording", "Welsh", "Welsh, plainer wording"):
        assert text.count(f"{name}<span") == len(KINDS)
    assert text.count("Default wording</strong>") == 4 * len(KINDS)
    assert text.count("Translation to be reviewed") == 2 * len(KINDS)
    assert "Edited" not in text
    # Each English default is one GSM-7 text even with a long name and venue.
    assert text.count("GSM-7, 1 text message (the most is 1)") >= 2 * len(KINDS)
    assert "(the most is 2)" in text and "(the most is 3)" in text


def test_the_list_shows_which_wording_was_edited(admin: FlaskClient) -> None:
    admin.post(EDIT.format("reply_confirmed"), data={"body": "Thanks {name}, see you", "save": "y"})
    text = page(admin.get("/admin/messages"))
    assert "Thanks {name}, see you" in text
    assert text.count("Edited") == 1
    assert text.count("Default wording</strong>") == 4 * len(KINDS) - 1
    assert "With a long name and venue: 28 characters, GSM-7, 1 text message (the most is 1)" in (
        text
    )


# The edit page and preview ------------------------------------------------------------------


def test_the_edit_page_shows_the_wording_the_placeholders_and_its_size(admin: FlaskClient) -> None:
    response = admin.get(EDIT.format("booking_confirmation"))
    assert response.status_code == 200
    assert textarea(response) == ENGLISH["booking_confirmation"]
    text = page(response)
    for placeholder in ("{name}", "{time}", "{day}", "{venue}", "{phone}", "{times}"):
        assert f"<code>{placeholder}</code>" in text
    assert 'name="preview"' in text and 'name="save"' in text
    assert "In English the most is 1 text (160 characters)" in text
    size = measure(ENGLISH["booking_confirmation"].format(**LONG_SAMPLE_VALUES))
    assert live_region(response) == f"With a long name and venue: {describe_measure(size)}"
    assert "/static/sms-counter.mjs" in text
    assert "Restore the default wording" not in text  # nothing to restore yet


def test_court_reminders_do_not_offer_the_venue_nor_the_sessions(admin: FlaskClient) -> None:
    text = page(admin.get(EDIT.format("court_two_days_before")))
    assert "<code>{name}</code>" in text
    assert "<code>{venue}</code>" not in text
    assert "<code>{times}</code>" not in text


def test_preview_fills_in_sample_values_and_counts_gsm7(admin: FlaskClient, make: Factory) -> None:
    body = "Hi {name}, see you at {venue} at {time}."
    response = admin.post(EDIT.format("booking_confirmation"), data={"body": body, "preview": "y"})
    assert response.status_code == 200
    assert not title(response).startswith("Error")
    text = page(response)
    assert "There is a problem" not in text
    assert textarea(response) == body
    assert "Hi Sam, see you at High Street office at 10:30." in text
    long_text = "Hi Christabelle, see you at The Riverside Community Centre at 10:30."
    assert long_text in text
    assert len(long_text) == 68
    assert live_region(response) == (
        "With a long name and venue: 68 characters, GSM-7, 1 text message"
    )
    assert "GSM-7" in text and "UCS-2" not in text
    assert stored_rows(make) == 0  # a preview stores nothing


def test_preview_counts_a_curly_apostrophe_as_ucs2(admin: FlaskClient) -> None:
    body = "Hi {name}, you\u2019re booked at {time}"
    response = admin.post(EDIT.format("booking_confirmation"), data={"body": body, "preview": "y"})
    text = page(response)
    # "Hi Christabelle, you\u2019re booked at 10:30": 39 UTF-16 units, one text in English.
    assert live_region(response) == (
        "With a long name and venue: 39 characters, UCS-2, 1 text message"
    )
    assert "Each text holds 70 characters instead of 160, because of: \u2019 (right single " in text
    # But it turns the text in both languages UCS-2 too: the editor says so, and why.
    assert (
        "Shorten the message: sent with the Welsh wording to a woman who reads both languages, "
        "with a long name and venue it would take 4 texts, and the most for Welsh and English "
        "together is 3. Each text holds 70 characters instead of 160 because of \u2019 (right "
        "single quotation mark)"
    ) in text


def test_preview_of_a_long_welsh_text_shows_two_text_messages(admin: FlaskClient) -> None:
    body = "Helo {name}. " + "a" * 150  # 169 characters with the long name
    response = admin.post(
        EDIT_VARIANT.format("booking_confirmation", "cy"), data={"body": body, "preview": "y"}
    )
    assert "There is a problem" not in page(response)
    assert live_region(response) == (
        "With a long name and venue: 169 characters, GSM-7, 2 text messages"
    )
    assert re.search(r"Text messages</dt>\s*<dd[^>]*>2 \(the most is 2\)</dd>", page(response))
    # With the English default, in both languages: three texts, the most.
    assert re.search(r"Text messages</dt>\s*<dd[^>]*>3 \(the most is 3\)</dd>", page(response))


def test_an_english_text_of_two_parts_is_refused(admin: FlaskClient) -> None:
    body = "Hi {name}. " + "a" * 150  # 167 characters with the long name
    response = admin.post(EDIT.format("booking_confirmation"), data={"body": body, "preview": "y"})
    assert live_region(response) == (
        "With a long name and venue: 167 characters, GSM-7, 2 text messages"
    )
    assert (
        "Shorten the message: with a long name and venue it would take 2 texts, and the most "
        "in English is 1"
    ) in page(response)


def test_preview_shows_problems_as_an_error_summary(admin: FlaskClient, make: Factory) -> None:
    body = "Hi {name}, see you at court {foo}"
    response = admin.post(
        EDIT.format("appointment_day_before"), data={"body": body, "preview": "y"}
    )
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    text = page(response)
    assert "There is a problem" in text
    assert UNKNOWN.format("{foo}") in text
    assert "Remove the word 'court': texts must not say what the appointment is about" in text
    assert textarea(response) == body
    assert stored_rows(make) == 0


# Saving -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Hi {name}, see you at court at {time}", "Remove the word 'court'"),
        # Disguised spellings and the wider list (issue 12).
        ("Hi {name}, see you at co\u200burt at {time}", "Remove the word 'court'"),
        ("Hi {name}, see you at c\u043eurt at {time}", "Remove the word 'court'"),
        ("Hi {name}, see you at C0urt at {time}", "Remove the word 'court'"),
        ("Hi {name}, see you at c o u r t at {time}", "Remove the word 'court'"),
        ("Hi {name}, before the hearing at {time}", "Remove the word 'hearing'"),
        ("Hi {name}, sexwork support at {time}", "Remove the word 'sexwork'"),
        (
            "Hi {name} \N{SMILING FACE WITH SMILING EYES}",
            "Character 11, \N{SMILING FACE WITH SMILING EYES} (smiling face with smiling "
            "eyes), cannot be shown in a text message: remove it",
        ),
        (
            "Hi\u00ad {name}",
            "Character 3 is an invisible character (soft hyphen) that texts cannot show",
        ),
        ("Hi {foo}, see you at {time}", UNKNOWN.format("{foo}")),
        ("Hi {name.__class__}", UNKNOWN.format("{name.__class__}")),
        ("Hi {name!r}", UNKNOWN.format("{name!r}")),
        (
            "Hi {name}. " + "a" * 150,
            "Shorten the message: with a long name and venue it would take 2 texts, "
            "and the most in English is 1",
        ),
        (
            "Hi {name}, see you at {times}",
            "Remove {times}: only the booking confirmation names every session",
        ),
        ("", "Enter the text of the message"),
        ("   ", "Enter the text of the message"),
        ("Hi {name", "Check the curly brackets"),
        ("Hi {name}\x00", "Wording must not contain special characters"),
        ("a" * 1001, "Wording must be 1000 characters or fewer"),
    ],
)
def test_save_refuses_what_lint_refuses_and_keeps_what_was_typed(
    app: Flask, admin: FlaskClient, make: Factory, body: str, message: str
) -> None:
    response = admin.post(EDIT.format("appointment_day_before"), data={"body": body, "save": "y"})
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    text = page(response)
    assert "There is a problem" in text
    assert message in text
    assert textarea(response) == body.strip()
    assert stored_rows(make) == 0
    assert wording(app, "appointment_day_before") == ENGLISH["appointment_day_before"]


def test_a_court_reminder_may_not_name_the_venue(admin: FlaskClient, make: Factory) -> None:
    body = "Hi {name}, see you at {venue} on {day}"
    refused = admin.post(EDIT.format("court_day_before"), data={"body": body, "save": "y"})
    assert "Remove {venue}: court date reminders never name a place" in page(refused)
    assert stored_rows(make) == 0
    allowed = admin.post(EDIT.format("appointment_day_before"), data={"body": body, "save": "y"})
    assert allowed.status_code == 302


def test_save_stores_the_wording_for_the_next_text(
    app: Flask, admin: FlaskClient, make: Factory, world: World
) -> None:
    body = "Hi {name}, see you at {venue}\r\non {day} at {time}. Call {phone}"
    response = admin.post(EDIT.format("appointment_day_before"), data={"body": body, "save": "y"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/messages"
    expected = "Hi {name}, see you at {venue}\non {day} at {time}. Call {phone}"
    assert wording(app, "appointment_day_before") == expected
    row = make.session.scalar(select(MessageTemplate))
    assert row is not None
    assert (row.kind, row.body, row.updated_by_id) == (
        "appointment_day_before",
        expected,
        world.admin.id,
    )
    # Other kinds keep their defaults.
    assert wording(app, "booking_confirmation") == ENGLISH["booking_confirmation"]
    audit = make.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "message_template_saved")
    )
    assert audit is not None
    assert (audit.user_id, audit.object_id, audit.detail) == (
        world.admin.id,
        row.id,
        "appointment_day_before, en, discreet",
    )
    assert (row.language, row.plain) == ("en", False)
    assert "Wording saved: Appointment: the day before: English." in page(
        admin.get("/admin/messages")
    )
    assert textarea(admin.get(EDIT.format("appointment_day_before"))) == expected


def test_saving_again_updates_the_one_stored_row(
    app: Flask, admin: FlaskClient, make: Factory
) -> None:
    for body in ("Hi {name}, first", "Hi {name}, second"):
        response = admin.post(EDIT.format("reply_confirmed"), data={"body": body, "save": "y"})
        assert response.status_code == 302
    assert stored_rows(make) == 1
    assert wording(app, "reply_confirmed") == "Hi {name}, second"


def test_restore_brings_back_the_default_wording(
    app: Flask, admin: FlaskClient, make: Factory, world: World
) -> None:
    admin.post(EDIT.format("court_day_before"), data={"body": "Hi {name}, {day}", "save": "y"})
    assert "Restore the default wording" in page(admin.get(EDIT.format("court_day_before")))
    response = admin.post(RESTORE.format("court_day_before"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/messages"
    assert stored_rows(make) == 0
    assert wording(app, "court_day_before") == ENGLISH["court_day_before"]
    audit = make.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "message_template_restored")
    )
    assert audit is not None and audit.detail == "court_day_before, en, discreet"
    text = page(admin.get("/admin/messages"))
    assert "Default wording restored: Court date: the day before: English." in text
    assert "Edited" not in text


def test_restoring_a_default_that_was_never_changed_does_nothing(
    admin: FlaskClient, make: Factory
) -> None:
    assert admin.post(RESTORE.format("reply_confirmed")).status_code == 302
    make.session.expire_all()
    assert not make.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "message_template_restored")
    )


def test_every_default_is_saved_unchanged(app: Flask, admin: FlaskClient) -> None:
    """The defaults pass the editor's own checks, so saving one as it stands works."""
    for kind, wordings in DEFAULT_TEMPLATES.items():
        for variant, (language, plain) in VARIANTS.items():
            template = wordings[language, plain]
            address = EDIT.format(kind) if variant == "en" else EDIT_VARIANT.format(kind, variant)
            response = admin.post(address, data={"body": template, "save": "y"})
            assert response.status_code == 302, (kind, variant)
            with app.app_context():
                assert wording_for(kind, language=language, plain=plain) == template


# The as-you-type counter (diversion/static/sms-counter.mjs) ---------------------------------

COUNTER_SAMPLES = [
    "",
    "a",
    "a" * 160,
    "a" * 161,
    "a" * 306,
    "a" * 307,
    "€" * 80,
    "a" + "€" * 80,
    "a" * 152 + "€" + "a" * 10,
    "Hi Sam, you\u2019re booked",
    "x" * 70,
    "x\u2019" * 35 + "y",
    "\N{SMILING FACE WITH SMILING EYES}" * 35,
    "a" * 66 + "\N{SMILING FACE WITH SMILING EYES}" + "a" * 10,
    "Line one\nLine two\r\n{[~]}|^\\\f",
    ENGLISH["booking_confirmation"],
    DEFAULT_TEMPLATES["booking_confirmation"]["cy", True],
]


def _run_counter(payload: dict[str, Any]) -> Any:
    script = (
        f"import * as counter from {json.dumps(COUNTER.as_uri())};\n"
        "let data = '';\n"
        "process.stdin.on('data', (chunk) => (data += chunk));\n"
        "process.stdin.on('end', () => {\n"
        "  const input = JSON.parse(data);\n"
        "  console.log(JSON.stringify({\n"
        "    basic: [...counter.GSM_BASIC].sort(),\n"
        "    extension: [...counter.GSM_EXTENSION].sort(),\n"
        "    measures: input.texts.map((t) => counter.measure(t)),\n"
        "    described: input.texts.map((t) => counter.describe(counter.measure(t))),\n"
        "    filled: input.templates.map((t) => counter.fill(t, input.values)),\n"
        "  }));\n"
        "});\n"
    )
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, "--input-type=module", "-e", script],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_javascript_counter_follows_the_same_rules() -> None:
    defaults = [body for wordings in DEFAULT_TEMPLATES.values() for body in wordings.values()]
    templates = [*defaults, "{{name}} {name} {foo} {{ }}"]
    out = _run_counter(
        {"texts": COUNTER_SAMPLES, "templates": templates, "values": dict(LONG_SAMPLE_VALUES)}
    )
    assert out["basic"] == sorted(GSM_BASIC)
    assert out["extension"] == sorted(GSM_EXTENSION)
    for text, got, said in zip(COUNTER_SAMPLES, out["measures"], out["described"], strict=True):
        expected = measure(text)
        assert (got["characters"], got["encoding"], got["segments"]) == (
            expected.characters,
            expected.encoding,
            expected.segments,
        ), text
        assert said == describe_measure(expected)
    for template, filled in zip(defaults, out["filled"], strict=False):
        assert filled == template.format(**LONG_SAMPLE_VALUES)
    assert out["filled"][-1] == "{name} Christabelle {foo} { }"
