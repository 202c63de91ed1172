"""notifications.store: the wording the dispatcher renders for each language and register,
and the language of her texts (domain.md, "Language"; issue 16). Real database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from diversion.models import MessageTemplate
from notifications.store import all_wordings, language_for, template_for, text_names, wording_for
from notifications.wording import DEFAULT_TEMPLATES
from tests.conftest import World
from tests.factories import Factory

KIND = "appointment_day_before"


def test_wording_for_gives_each_default_by_language_and_register(app: Flask) -> None:
    with app.app_context():
        for kind, wordings in DEFAULT_TEMPLATES.items():
            for (language, plain), body in wordings.items():
                assert wording_for(kind, language=language, plain=plain) == body


def test_both_is_the_welsh_then_a_blank_line_then_the_english(app: Flask) -> None:
    with app.app_context():
        for plain in (False, True):
            welsh = DEFAULT_TEMPLATES[KIND]["cy", plain]
            english = DEFAULT_TEMPLATES[KIND]["en", plain]
            assert wording_for(KIND, language="both", plain=plain) == f"{welsh}\n\n{english}"


def test_a_stored_wording_replaces_only_its_own_language_and_register(
    app: Flask, make: Factory
) -> None:
    make._save(MessageTemplate(kind=KIND, language="cy", plain=True, body="Helo {name}, {day}"))
    with app.app_context():
        assert wording_for(KIND, language="cy", plain=True) == "Helo {name}, {day}"
        assert wording_for(KIND, language="both", plain=True) == (
            "Helo {name}, {day}\n\n" + DEFAULT_TEMPLATES[KIND]["en", True]
        )
        # The others keep their defaults.
        assert wording_for(KIND, language="cy", plain=False) == DEFAULT_TEMPLATES[KIND]["cy", False]
        assert wording_for(KIND, language="en", plain=True) == DEFAULT_TEMPLATES[KIND]["en", True]
        assert template_for(KIND) == DEFAULT_TEMPLATES[KIND]["en", False]
        assert all_wordings()[KIND, "cy", True] == "Helo {name}, {day}"
        assert all_wordings()[KIND, "both", True] == wording_for(KIND, language="both", plain=True)


def test_template_for_is_the_english_discreet_wording(app: Flask, make: Factory) -> None:
    make._save(MessageTemplate(kind=KIND, body="Hi {name}, {day}"))
    with app.app_context():
        assert template_for(KIND) == "Hi {name}, {day}"
        assert wording_for(KIND, language="en", plain=False) == "Hi {name}, {day}"


def test_wording_for_an_unknown_kind_or_language_is_refused(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(KeyError):
            wording_for("court_week_before", language="en", plain=False)
        with pytest.raises(ValueError, match="language"):
            wording_for(KIND, language="fr", plain=False)


@pytest.mark.parametrize(
    ("preference", "in_wales", "expected"),
    [
        (None, False, "en"),  # not known, a court in England: English
        (None, True, "both"),  # not known, a court in Wales: both, Welsh first
        ("en", True, "en"),  # her own choice wins, even at a court in Wales
        ("cy", False, "cy"),
        ("both", False, "both"),
        ("cy", True, "cy"),
    ],
)
def test_language_for_is_her_choice_else_both_at_a_court_in_wales(
    app: Flask, make: Factory, world: World, preference: str | None, in_wales: bool, expected: str
) -> None:
    court = make.court(in_wales=in_wales)
    client = make.client(organisation=world.project, text_language=preference)
    with app.app_context():
        assert language_for(client, court) == expected


def test_language_for_without_a_court_is_her_choice_else_english(
    app: Flask, make: Factory, world: World
) -> None:
    unknown = make.client(organisation=world.project)
    welsh = make.client(organisation=world.project, text_language="cy")
    with app.app_context():
        assert language_for(unknown, None) == "en"
        assert language_for(welsh, None) == "cy"


def test_text_names_are_each_clients_text_name_else_her_initial(
    app: Flask, make: Factory, world: World
) -> None:
    make.client(organisation=world.project, first_name="Zoë", text_name="Zoë")
    make.client(organisation=world.other_project, first_name="Łucja")
    make.client(organisation=world.project, first_name="lena", text_name=None)
    make.client(organisation=world.project, first_name="Again", text_name="Zoë")
    # An anonymised record has no name to measure.
    make.client(
        organisation=world.project,
        first_name="Xena",
        text_name="Xenia",
        anonymised_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with app.app_context():
        assert sorted(text_names()) == sorted(["Zoë", "Ł", "L"])
