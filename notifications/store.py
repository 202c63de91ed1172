"""Stored wording and timing for text messages, with the defaults of domain.md behind them.

Administrators may replace the wording of each kind of text in each language and register
(MessageTemplate rows, one per kind, language "en" or "cy", and plain or not) and the
reminder policy of each requirement type (RequirementType.reminder_policy). Everything that
sends or plans a text asks here, so an edit takes effect for the next message.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from diversion.db import db
from diversion.models import Client, Court, MessageTemplate, RequirementType
from notifications.policy import DEFAULT_POLICY, Policy, policy_from_dict
from notifications.templates import Language, combine_languages, text_language
from notifications.wording import DEFAULT_TEMPLATES

log = logging.getLogger(__name__)


def _stored_bodies(kind: str, *, plain: bool) -> dict[str, str]:
    rows = db.session.execute(
        select(MessageTemplate.language, MessageTemplate.body).where(
            MessageTemplate.kind == kind, MessageTemplate.plain == plain
        )
    )
    return {language: body for language, body in rows if body}


def wording_for(kind: str, *, language: str, plain: bool) -> str:
    """The template to render for a kind of text in "en", "cy" or "both" (the Welsh
    wording, a blank line, then the English: one text), discreet or plainer: for each
    language the administrator's stored wording if any, else the default.

    KeyError for a kind of text there is no wording for; ValueError for another language."""
    defaults = DEFAULT_TEMPLATES[kind]
    if language not in ("en", "cy", "both"):
        raise ValueError(f"no wording in language {language!r}")
    stored = _stored_bodies(kind, plain=plain)

    def one(lang: str) -> str:
        return stored.get(lang) or defaults[lang, plain]

    if language == "both":
        return combine_languages(one("cy"), one("en"))
    return one(language)


def all_wordings() -> dict[tuple[str, str, bool], str]:
    """Every template that may be sent, by (kind, language, plain), for "en", "cy" and
    "both": what wording_for gives, read in one query."""
    stored = {
        (row.kind, row.language, row.plain): row.body
        for row in db.session.scalars(select(MessageTemplate))
        if row.body
    }
    found: dict[tuple[str, str, bool], str] = {}
    for kind, defaults in DEFAULT_TEMPLATES.items():
        for plain in (False, True):
            for language in ("en", "cy"):
                found[kind, language, plain] = (
                    stored.get((kind, language, plain)) or defaults[language, plain]
                )
            found[kind, "both", plain] = combine_languages(
                found[kind, "cy", plain], found[kind, "en", plain]
            )
    return found


def language_for(client: Client, court: Court | None) -> str:
    """The language of her texts: her own choice when known; while it is not, "both"
    (Welsh first) when the court of her case is in Wales, else "en"."""
    language: Language = text_language(
        client.text_language, court_in_wales=court is not None and court.in_wales
    )
    return language


def template_for(kind: str) -> str:
    """The English discreet wording for a kind of text: the administrator's if set, else
    the default."""
    return wording_for(kind, language="en", plain=False)


def policy_for(requirement_type: RequirementType | None) -> Policy:
    """The reminder policy of a requirement type: its stored one if valid, else the default."""
    data = requirement_type.reminder_policy if requirement_type is not None else None
    if not data:
        return DEFAULT_POLICY
    try:
        return policy_from_dict(data)
    except ValueError:
        # Stored policies are checked when saved; a bad one must never stop reminders.
        log.warning("requirement type %s has an unreadable reminder policy", requirement_type.id)
        return DEFAULT_POLICY


def stored_templates() -> dict[tuple[str, str, bool], MessageTemplate]:
    """Every administrator's wording, by (kind, language, plain)."""
    return {
        (row.kind, row.language, row.plain): row
        for row in db.session.scalars(select(MessageTemplate))
    }


def stored_template(
    kind: str, *, language: str = "en", plain: bool = False
) -> MessageTemplate | None:
    """The administrator's wording for a kind of text in one language and register, or
    None when the default is used."""
    return db.session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.kind == kind,
            MessageTemplate.language == language,
            MessageTemplate.plain == plain,
        )
    )


def text_names() -> list[str]:
    """The name texts use for every client still on record (her text name, else her first
    initial), each once: for the editor to measure the worst case, never to show."""
    named = db.session.scalars(
        select(Client.text_name)
        .where(Client.anonymised_at.is_(None), Client.text_name.is_not(None))
        .distinct()
    )
    initials = db.session.scalars(
        select(func.substr(Client.first_name, 1, 1))
        .where(Client.anonymised_at.is_(None), Client.text_name.is_(None))
        .distinct()
    )
    names = [name for name in named if name]
    names += [initial.upper() for initial in initials if initial]
    return list(dict.fromkeys(names))


def requirement_type(requirement_type_id: int) -> RequirementType | None:
    """A requirement type whose reminder policy an administrator is looking at."""
    return db.session.get(RequirementType, requirement_type_id)
