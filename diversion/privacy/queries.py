"""Named reads of the audit trail: what a reader may see, whom she may filter by, one page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, or_, select

from diversion.db import db
from diversion.formatting import LONDON
from diversion.models import AuditEvent, Case, Client, Organisation, Role, User

PAGE_SIZE = 50


def visible_to(reader: User) -> ColumnElement[bool] | None:
    """What a reader may see: everything (administrators), or what touches her organisation."""
    if reader.role is Role.ADMIN:
        return None
    organisation = reader.organisation_id
    return or_(
        AuditEvent.user_id.in_(select(User.id).where(User.organisation_id == organisation)),
        AuditEvent.client_id.in_(select(Client.id).where(Client.organisation_id == organisation)),
    )


def people(reader: User) -> list[tuple[int, str]]:
    """Whom the reader may filter by: her organisation's people, or everyone for an admin."""
    query = select(User, Organisation.name).join(
        Organisation, User.organisation_id == Organisation.id
    )
    if reader.role is not Role.ADMIN:
        query = query.where(User.organisation_id == reader.organisation_id)
    rows = db.session.execute(query.order_by(User.name, User.id)).all()
    if reader.role is Role.ADMIN:
        return [(user.id, f"{user.name} ({organisation})") for user, organisation in rows]
    return [(user.id, user.name) for user, _organisation in rows]


def client_id(reader: User, value: str) -> tuple[int | None, str | None]:
    """The client a client number or case reference names, or why none is found.

    A number is taken as it is (the client may since have been erased: her events stay);
    a case reference must be a case the reader's organisation holds (any, for an admin).
    """
    if not value:
        return None, None
    if value.isdecimal():
        return int(value), None
    query = select(Case.client_id).where(func.upper(Case.reference) == value.upper())
    if reader.role is not Role.ADMIN:
        query = query.where(Case.organisation_id == reader.organisation_id)
    found = db.session.scalar(query)
    if found is None:
        where = "" if reader.role is Role.ADMIN else " in your organisation"
        return None, f"There is no case with the reference {value.upper()}{where}"
    return found, None


def london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LONDON)


def events(
    reader: User,
    *,
    user_id: int | None,
    client_id: int | None,
    first: date | None,
    last: date | None,
    page: int,
) -> list[tuple[AuditEvent, User | None]]:
    """One page of the events the reader may see, newest first, and one more if there is one."""
    query = select(AuditEvent, User).outerjoin(User, AuditEvent.user_id == User.id)
    scope = visible_to(reader)
    if scope is not None:
        query = query.where(scope)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if client_id is not None:
        query = query.where(AuditEvent.client_id == client_id)
    if first is not None:
        query = query.where(AuditEvent.occurred_at >= london_midnight(first))
    if last is not None:
        query = query.where(AuditEvent.occurred_at < london_midnight(last + timedelta(days=1)))
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    rows = db.session.execute(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    return [(event, user) for event, user in rows]


def clients_held_by(organisation_id: int, client_ids: Iterable[int]) -> set[int]:
    """Which of these clients the organisation holds (a manager may follow those links)."""
    return set(
        db.session.scalars(
            select(Client.id).where(
                Client.id.in_(list(client_ids)), Client.organisation_id == organisation_id
            )
        )
    )
