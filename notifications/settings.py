"""Administrators' changes to text messages: the wording of each kind (in each language and
register), and each requirement type's reminder policy. One transaction each, audited; the
next text uses them."""

from __future__ import annotations

from diversion import audit
from diversion.db import db, transactional
from diversion.models import MessageTemplate, RequirementType
from notifications.policy import Policy, policy_to_dict
from notifications.store import stored_template


def _variant(kind: str, language: str, plain: bool) -> str:
    """How the audit names one wording: "booking_confirmation, cy, plain"."""
    return f"{kind}, {language}, {'plain' if plain else 'discreet'}"


@transactional
def save_template(
    *, kind: str, body: str, user_id: int, language: str = "en", plain: bool = False
) -> MessageTemplate:
    """Store an administrator's wording (already checked) for a kind of text in one language
    ("en" or "cy") and register."""
    row = stored_template(kind, language=language, plain=plain)
    if row is None:
        row = MessageTemplate(kind=kind, language=language, plain=plain, body=body)
        db.session.add(row)
    row.body = body
    row.updated_by_id = user_id
    db.session.flush()
    audit.add(
        "message_template_saved",
        object_type="message_template",
        object_id=row.id,
        detail=_variant(kind, language, plain),
    )
    return row


@transactional
def restore_template_default(kind: str, *, language: str = "en", plain: bool = False) -> bool:
    """Delete the stored wording so that the default is used; False if there was none."""
    row = stored_template(kind, language=language, plain=plain)
    if row is None:
        return False
    audit.add(
        "message_template_restored",
        object_type="message_template",
        object_id=row.id,
        detail=_variant(kind, language, plain),
    )
    db.session.delete(row)
    return True


@transactional
def save_policy(requirement_type: RequirementType, policy: Policy) -> None:
    """Store a requirement type's reminder policy (already checked by the form and the rules)."""
    requirement_type.reminder_policy = policy_to_dict(policy)
    audit.add(
        "reminder_policy_saved", object_type="requirement_type", object_id=requirement_type.id
    )


@transactional
def restore_policy_default(requirement_type: RequirementType) -> bool:
    """Clear a requirement type's own policy so the defaults apply; False if it had none."""
    if requirement_type.reminder_policy is None:
        return False
    requirement_type.reminder_policy = None
    audit.add(
        "reminder_policy_restored", object_type="requirement_type", object_id=requirement_type.id
    )
    return True
