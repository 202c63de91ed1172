"""Adding and editing clients."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from diversion import audit
from diversion.db import db, transactional
from diversion.models import Client, ClientAlias, User


class Unchanged(enum.Enum):
    """A detail the caller does not edit: what is held stays as it is."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


@dataclass(frozen=True, kw_only=True)
class ClientDetails:
    """What a worker types about a client; already validated by the form.

    Housing and health notes are for the project only (never the court or the CPS); a caller
    that does not show them leaves them UNCHANGED rather than erasing them.
    """

    first_name: str
    last_name: str
    aliases: tuple[str, ...]
    date_of_birth: date
    text_name: str | None
    mobile: str | None
    consent_to_texts: bool
    safe_to_text: bool
    housing: str | Unchanged | None = UNCHANGED
    health_notes: str | Unchanged | None = UNCHANGED


def _apply(client: Client, details: ClientDetails, *, today: date) -> None:
    number_changed = client.mobile != details.mobile
    client.first_name = details.first_name
    client.last_name = details.last_name
    client.date_of_birth = details.date_of_birth
    client.text_name = details.text_name or None
    client.mobile = details.mobile
    client.consent_to_texts = details.consent_to_texts and details.mobile is not None
    # A new number has not been checked: the worker must confirm it is safe again.
    if details.mobile is None:
        client.safe_to_text_confirmed_on = None
    elif details.safe_to_text:
        if number_changed or client.safe_to_text_confirmed_on is None:
            client.safe_to_text_confirmed_on = today
    else:
        client.safe_to_text_confirmed_on = None
    if details.housing is not UNCHANGED:
        client.housing = details.housing or None
    if details.health_notes is not UNCHANGED:
        client.health_notes = details.health_notes or None
    wanted = list(dict.fromkeys(a for a in details.aliases if a))
    existing = {alias.name: alias for alias in client.aliases}
    client.aliases = [existing.get(name) or ClientAlias(name=name) for name in wanted]


@transactional
def add_client(*, actor: User, details: ClientDetails, today: date) -> Client:
    """Add a client to the actor's organisation's caseload."""
    client = Client(organisation_id=actor.organisation_id)
    _apply(client, details, today=today)
    db.session.add(client)
    db.session.flush()
    audit.add("client_created", object_type="client", object_id=client.id, client_id=client.id)
    return client


@transactional
def update_client(*, client: Client, details: ClientDetails, today: date) -> Client:
    """Change a client's details."""
    _apply(client, details, today=today)
    audit.add("client_updated", object_type="client", object_id=client.id, client_id=client.id)
    return client
