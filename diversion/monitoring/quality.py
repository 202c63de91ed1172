"""Named reads for the data-quality lists of one organisation: the women the texts cannot
reach as things stand. Names are personal data: these lists are for the organisation's
managers only (never commissioners), and every view of them is audited by the page.

- **No number:** a client with an open case and no mobile number.
- **Last text failed:** a client whose latest text that went to the provider, or was refused
  by it, failed (the number may be wrong or dead).
- **Number held twice:** a number (by its keyed hash: the number itself is never read here)
  held by more than one of the organisation's clients: replies from it cannot be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from diversion.cases.queries import OPEN_STATUSES
from diversion.db import db
from diversion.models import Case, Client, MessageStatus, OutboxMessage

LIMIT = 200
"""The longest each list shows (the page says when there are more)."""


@dataclass(frozen=True)
class Person:
    """A client as a list shows her: her id and her name."""

    client_id: int
    name: str


@dataclass(frozen=True)
class Failure:
    """Her latest text failed: when, and why (the provider's words, never the text)."""

    person: Person
    at: datetime
    reason: str


def _person(client: Client) -> Person:
    return Person(client.id, client.full_name)


def _current(organisation_id: int) -> list[ColumnElement[bool]]:
    return [Client.organisation_id == organisation_id, Client.anonymised_at.is_(None)]


def clients_without_number(organisation_id: int) -> list[Person]:
    """Her organisation's clients with an open case and no mobile number, by name."""
    open_case = (
        select(Case.id).where(Case.client_id == Client.id, Case.status.in_(OPEN_STATUSES)).exists()
    )
    query = (
        select(Client)
        .where(*_current(organisation_id), Client.mobile_hash.is_(None), open_case)
        .order_by(Client.last_name, Client.first_name, Client.id)
        .limit(LIMIT + 1)
    )
    return [_person(client) for client in db.session.scalars(query)]


def last_text_failed(organisation_id: int) -> list[Failure]:
    """Her organisation's clients with a number whose latest text that reached the
    provider (sent, delivered or failed) failed, the latest failure first."""
    tried = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED)
    latest = (
        select(func.max(OutboxMessage.id).label("id"))
        .where(OutboxMessage.status.in_(tried))
        .group_by(OutboxMessage.client_id)
        .subquery()
    )
    query = (
        select(Client, OutboxMessage.updated_at, OutboxMessage.reason)
        .join(OutboxMessage, OutboxMessage.client_id == Client.id)
        .join(latest, latest.c.id == OutboxMessage.id)
        .where(
            *_current(organisation_id),
            Client.mobile_hash.is_not(None),
            OutboxMessage.status == MessageStatus.FAILED,
        )
        .order_by(OutboxMessage.updated_at.desc(), Client.id)
        .limit(LIMIT + 1)
    )
    return [
        Failure(_person(client), at, reason or "failed")
        for client, at, reason in db.session.execute(query)
    ]


def shared_numbers(organisation_id: int) -> list[list[Person]]:
    """Groups of her organisation's clients who hold the same number, each by name."""
    shared = (
        select(Client.mobile_hash)
        .where(*_current(organisation_id), Client.mobile_hash.is_not(None))
        .group_by(Client.mobile_hash)
        .having(func.count() > 1)
        .limit(LIMIT + 1)
    )
    query = (
        select(Client)
        .where(*_current(organisation_id), Client.mobile_hash.in_(shared))
        .order_by(Client.mobile_hash, Client.last_name, Client.first_name, Client.id)
    )
    groups: dict[str, list[Person]] = {}
    for client in db.session.scalars(query):
        groups.setdefault(client.mobile_hash or "", []).append(_person(client))
    return sorted(groups.values(), key=lambda people: people[0].name)
