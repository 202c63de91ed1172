"""The client form's questions about her texts (issue 16): her language, plainer wording,
her safe times, and the name texts use, which must not turn her texts UCS-2 or past their
limit unless she agrees to the spelling. Real app and database, a worker signed in."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from html import unescape
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.models import AuditEvent, Client
from tests.conftest import World, sign_in
from tests.factories import Factory

TODAY = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
AGREE = "Tick that she agrees to this spelling in texts"


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def worker_web(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.worker)
    return web


@pytest.fixture
def her(make: Factory, world: World) -> Client:
    return make.client(
        organisation=world.project,
        first_name="Marnie",
        last_name="Textwell",
        date_of_birth=date(1991, 4, 12),
        mobile="+447400123456",
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 11, 1),
        text_name="Mo",
    )


def form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Annabel",
        "last_name": "Testington",
        "aliases": "",
        "date_of_birth": ["27", "3", "1990"],
        "text_name": "",
        "mobile": "07400 123456",
        "consent_to_texts": "y",
        "safe_to_text": "y",
        "text_language": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_form(**overrides: object) -> dict[str, object]:
    return form(
        **{
            "first_name": "Marnie",
            "last_name": "Textwell",
            "date_of_birth": ["12", "4", "1991"],
            "text_name": "Mo",
            **overrides,
        }
    )


def html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def text_of(response: Any) -> str:
    """The page as a person reads it: tags removed, spaces collapsed."""
    main = re.search(r"<main.*?</main>", html(response), re.S)
    words = re.sub(r"<[^>]+>", " ", main.group(0) if main else html(response))
    return re.sub(r"\s+", " ", unescape(words)).strip()


def error_summary(response: Any) -> list[str]:
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', html(response), re.S)
    if block is None:
        return []
    return [unescape(m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", block.group(1), re.S)]


def tag(response: Any, element_id: str) -> str:
    found = re.search(rf'<input [^>]*id="{re.escape(element_id)}"[^>]*>', html(response))
    assert found is not None, f"no input with id {element_id}"
    return found.group(0)


def ticked(response: Any, element_id: str) -> bool:
    return re.search(r"\schecked(\s|>|=)", tag(response, element_id)) is not None


def value(response: Any, element_id: str) -> str | None:
    found = re.search(r'value="([^"]*)"', tag(response, element_id))
    return unescape(found.group(1)) if found else None


def warning_region(response: Any) -> str:
    found = re.search(
        r'<div id="text-name-warning" aria-live="polite">(.*?)</div>\s*'
        r'<div id="text-name-agreement',
        html(response),
        re.S,
    )
    assert found is not None
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", found.group(1)))).strip()


def agreement_hidden(response: Any) -> bool:
    found = re.search(r'<div id="text-name-agreement"([^>]*)>', html(response))
    assert found is not None
    return "hidden" in found.group(1)


def clients(make: Factory) -> list[Client]:
    make.session.expire_all()
    return list(make.session.scalars(select(Client).order_by(Client.id)))


def reload(make: Factory, client: Client) -> Client:
    make.session.expire_all()
    found = make.session.get(Client, client.id)
    assert found is not None
    return found


# Her language, plainer wording and safe times ---------------------------------------------


def test_a_new_client_starts_with_her_language_not_known_and_discreet_texts(
    worker_web: FlaskClient,
) -> None:
    response = worker_web.get("/clients/new")
    text = unescape(html(response))
    assert "Her language for texts" in text
    radios = re.findall(r'<input [^>]*name="text_language"[^>]*value="([^"]*)"', html(response))
    assert radios == ["en", "cy", "both", ""]
    for label in ("English", "Welsh", "Both, Welsh first", "Not known yet"):
        assert re.search(rf"<label [^>]*>\s*{label}\s*</label>", text), label
    assert ticked(response, "text_language-4")
    assert not ticked(response, "plain_wording")
    assert "may then name the appointment" in text and "never an offence" in text
    for day in ("Monday", "Sunday"):
        assert day in text
    assert not value(response, "safe_from") and not value(response, "safe_until")


def test_adding_a_client_saves_her_language_plainer_wording_and_safe_times(
    worker_web: FlaskClient, make: Factory
) -> None:
    response = worker_web.post(
        "/clients/new",
        data=form(
            text_language="cy",
            plain_wording="y",
            safe_days=["0", "1", "2", "3", "4"],
            safe_from="9:00",
            safe_until="15:00",
        ),
    )
    assert response.status_code == 302, error_summary(response)
    [client] = clients(make)
    assert client.text_language == "cy"
    assert client.plain_wording is True
    assert client.safe_days == [0, 1, 2, 3, 4]
    assert (client.safe_from, client.safe_until) == (time(9, 0), time(15, 0))
    shown = text_of(worker_web.get(f"/clients/{client.id}"))
    assert "Language for texts Welsh; plainer wording" in shown
    assert "Safe times for texts Monday, Tuesday, Wednesday, Thursday, Friday, 09:00 to 15:00" in (
        shown
    )


def test_her_page_says_when_her_choices_are_not_made(worker_web: FlaskClient, her: Client) -> None:
    shown = text_of(worker_web.get(f"/clients/{her.id}"))
    assert "Language for texts Not known yet" in shown
    assert "Safe times for texts Any day, any time" in shown


def test_the_edit_page_shows_and_saves_her_choices_and_audits_the_change(
    worker_web: FlaskClient, make: Factory, her: Client
) -> None:
    her.text_language = "both"
    her.plain_wording = True
    her.safe_days = [5, 6]
    her.safe_from, her.safe_until = time(10, 0), time(12, 30)
    make.session.commit()
    page = worker_web.get(f"/clients/{her.id}/edit")
    assert ticked(page, "text_language-3")  # Both, Welsh first
    assert ticked(page, "plain_wording")
    assert ticked(page, "safe_days-6") and ticked(page, "safe_days-7")
    assert not ticked(page, "safe_days")
    assert (value(page, "safe_from"), value(page, "safe_until")) == ("10:00", "12:30")

    response = worker_web.post(f"/clients/{her.id}/edit", data=edit_form(text_language="en"))
    assert response.status_code == 302, error_summary(response)
    client = reload(make, her)
    assert client.text_language == "en"
    assert client.plain_wording is False
    assert client.safe_days is None
    assert (client.safe_from, client.safe_until) == (None, None)
    audit = make.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "client_updated").order_by(AuditEvent.id)
    )
    assert audit is not None and audit.client_id == her.id


def test_not_known_yet_is_saved_as_unknown(
    worker_web: FlaskClient, make: Factory, her: Client
) -> None:
    her.text_language = "cy"
    make.session.commit()
    response = worker_web.post(f"/clients/{her.id}/edit", data=edit_form(text_language=""))
    assert response.status_code == 302
    assert reload(make, her).text_language is None


def test_every_day_ticked_is_any_day(worker_web: FlaskClient, make: Factory) -> None:
    response = worker_web.post("/clients/new", data=form(safe_days=[str(day) for day in range(7)]))
    assert response.status_code == 302
    [client] = clients(make)
    assert client.safe_days is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"safe_from": "09:00"},
            "Enter the time texts may reach her until, or remove both times",
        ),
        (
            {"safe_until": "15:00"},
            "Enter the time texts may reach her from, or remove both times",
        ),
        (
            {"safe_from": "15:00", "safe_until": "09:00"},
            "The time texts may reach her until must be later than the time from, like 09:00 "
            "until 15:00",
        ),
        (
            {"safe_from": "09:00", "safe_until": "09:00"},
            "The time texts may reach her until must be later than the time from, like 09:00 "
            "until 15:00",
        ),
        (
            {"safe_from": "25:00", "safe_until": "15:00"},
            "Time texts may reach her from must be a real time on the 24-hour clock, like 09:30 "
            "or 17:00",
        ),
        ({"safe_days": ["0", "9"]}, "Select days from the list"),
        ({"text_language": "fr"}, "Select her language for texts"),
    ],
)
def test_safe_times_and_language_that_cannot_be_used_are_refused(
    worker_web: FlaskClient, make: Factory, changes: dict[str, object], message: str
) -> None:
    response = worker_web.post("/clients/new", data=form(**changes))
    assert response.status_code == 200
    assert message in error_summary(response)
    assert clients(make) == []


# The name texts use -------------------------------------------------------------------------


def test_a_name_that_makes_her_texts_ucs2_needs_her_agreement_or_the_plain_spelling(
    worker_web: FlaskClient, make: Factory
) -> None:
    response = worker_web.post("/clients/new", data=form(text_name="Zoë"))
    assert response.status_code == 200
    assert clients(make) == []
    [problem] = error_summary(response)
    assert problem == (
        "Texts to her will use 3 parts because of ë. Tick that she agrees to this spelling "
        "in texts or use the plain spelling Zoe"
    )
    assert warning_region(response) == (
        "Texts to her will use 3 parts because of ë. For texts only, the plain spelling is "
        "Zoe. Her name on her record stays as it is."
    )
    assert not agreement_hidden(response)
    assert "She agrees to this spelling in texts" in unescape(html(response))
    # text-name.mjs adds the button that puts the spelling in the box.
    assert 'data-plain-spelling="Zoe"' in html(response)


def test_she_may_agree_to_the_spelling(worker_web: FlaskClient, make: Factory) -> None:
    response = worker_web.post("/clients/new", data=form(text_name="Zoë", text_name_agreed="y"))
    assert response.status_code == 302, error_summary(response)
    [client] = clients(make)
    assert client.text_name == "Zoë"


def test_the_plain_spelling_needs_no_agreement(worker_web: FlaskClient, make: Factory) -> None:
    response = worker_web.post("/clients/new", data=form(first_name="Zoë", text_name="Zoe"))
    assert response.status_code == 302, error_summary(response)
    [client] = clients(make)
    assert (client.first_name, client.text_name) == ("Zoë", "Zoe")


def test_without_a_name_for_texts_her_first_initial_is_measured(
    worker_web: FlaskClient, make: Factory
) -> None:
    response = worker_web.post("/clients/new", data=form(first_name="Łucja"))
    assert response.status_code == 200
    assert "because of Ł" in warning_region(response)
    assert "the plain spelling is L." in warning_region(response)
    assert clients(make) == []


def test_a_long_name_is_measured_in_her_language_and_register(
    worker_web: FlaskClient, make: Factory
) -> None:
    # 15 characters fit every discreet English text, but not the plainer one two hours before.
    long = "Christabelle Jo"
    refused = worker_web.post("/clients/new", data=form(text_name=long, plain_wording="y"))
    assert refused.status_code == 200
    assert error_summary(refused) == [
        "Texts to her may use 2 parts because her name is long (15 characters). " + AGREE
    ]
    allowed = worker_web.post("/clients/new", data=form(text_name=long))
    assert allowed.status_code == 302, error_summary(allowed)
    assert [client.text_name for client in clients(make)] == [long]


def test_a_welsh_court_measures_an_unknown_language_as_both(
    worker_web: FlaskClient, make: Factory, world: World, her: Client
) -> None:
    welsh_court = make.court(in_wales=True)
    make.case(client=her, court=welsh_court, worker=world.worker)
    page = worker_web.get(f"/clients/{her.id}/edit")
    data = re.search(
        r'<script type="application/json" id="text-name-data">(.*?)</script>', html(page), re.S
    )
    assert data is not None
    found = json.loads(data.group(1))
    assert found["unknown"] == "both"
    assert found["limits"] == {"en": 1, "cy": 2, "both": 3}
    assert len(found["templates"]["both"]["plain"]) == 6
    assert found["spelling"]["Ł"] == "L"
    assert "/static/text-name.mjs" in html(page)


def test_a_new_client_measures_an_unknown_language_as_english(worker_web: FlaskClient) -> None:
    page = worker_web.get("/clients/new")
    data = re.search(r'id="text-name-data">(.*?)</script>', html(page), re.S)
    assert data is not None
    assert json.loads(data.group(1))["unknown"] == "en"
    assert agreement_hidden(page)
    assert warning_region(page) == ""


def test_the_edit_page_shows_her_agreed_spelling_ticked_for_that_name(
    worker_web: FlaskClient, make: Factory, her: Client
) -> None:
    her.text_name = "Zoë"
    make.session.commit()
    page = worker_web.get(f"/clients/{her.id}/edit")
    assert warning_region(page).startswith("Texts to her will use 3 parts because of ë.")
    assert ticked(page, "text_name_agreed")
    assert value(page, "text_name_agreed_for") == "Zoë"
    # Saving again keeps it.
    kept = worker_web.post(
        f"/clients/{her.id}/edit",
        data=edit_form(text_name="Zoë", text_name_agreed="y", text_name_agreed_for="Zoë"),
    )
    assert kept.status_code == 302, error_summary(kept)


def test_a_box_ticked_for_one_spelling_does_not_agree_to_another(
    worker_web: FlaskClient, make: Factory, her: Client
) -> None:
    her.text_name = "Zoë"
    make.session.commit()
    response = worker_web.post(
        f"/clients/{her.id}/edit",
        data=edit_form(text_name="Chloë", text_name_agreed="y", text_name_agreed_for="Zoë"),
    )
    assert response.status_code == 200
    assert error_summary(response) == [
        "You changed the name texts use. Check she agrees to the new spelling, then tick the "
        "box again"
    ]
    assert not ticked(response, "text_name_agreed")
    assert reload(make, her).text_name == "Zoë"
