"""Stored wording and timing for text messages, with the defaults of domain.md behind them.

Administrators may replace the wording of each kind of text (MessageTemplate rows) and the
reminder policy of each requirement type (RequirementType.reminder_policy). Everything that
sends or plans a text asks here, so an edit takes effect for the next message.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from diversion.db import db
from diversion.models import MessageTemplate, RequirementType
from notifications.policy import DEFAULT_POLICY, Policy, policy_from_dict
from notifications.templates import DEFAULT_TEMPLATES

log = logging.getLogger(__name__)


def template_for(kind: str) -> str:
    """The wording for a kind of text: the administrator's if set, else the default."""
    stored = db.session.scalar(select(MessageTemplate.body).where(MessageTemplate.kind == kind))
    if stored:
        return stored
    return DEFAULT_TEMPLATES[kind]


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


def stored_templates() -> dict[str, MessageTemplate]:
    """Every administrator's wording, by kind of text."""
    return {row.kind: row for row in db.session.scalars(select(MessageTemplate))}


def stored_template(kind: str) -> MessageTemplate | None:
    """The administrator's wording for a kind of text, or None when the default is used."""
    return db.session.scalar(select(MessageTemplate).where(MessageTemplate.kind == kind))


def requirement_type(requirement_type_id: int) -> RequirementType | None:
    """A requirement type whose reminder policy an administrator is looking at."""
    return db.session.get(RequirementType, requirement_type_id)
