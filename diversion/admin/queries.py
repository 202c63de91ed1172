"""Named reads of the configuration: courts, requirement types, caseworkers, venues and the
numbers texts are received on (with the replies to numbers no organisation holds)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from diversion.db import db
from diversion.models import (
    Court,
    InboundMessage,
    Organisation,
    ReceivingNumber,
    RequirementType,
    Role,
    User,
    Venue,
)


def courts(*, active_only: bool = True) -> list[Court]:
    """Courts for pick lists and administration."""
    query = select(Court).order_by(Court.name)
    if active_only:
        query = query.where(Court.active.is_(True))
    return list(db.session.scalars(query))


def requirement_types(*, active_only: bool = True) -> list[RequirementType]:
    """Requirement types for pick lists and administration."""
    query = select(RequirementType).order_by(RequirementType.id)
    if active_only:
        query = query.where(RequirementType.active.is_(True))
    return list(db.session.scalars(query))


def caseworkers(organisation_id: int) -> list[User]:
    """Active workers and managers of one organisation, who can hold cases."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id == organisation_id, User.active.is_(True))
            .where(User.role.in_([Role.WORKER, Role.MANAGER]))
            .order_by(User.name)
        )
    )


def venues(organisation_id: int | None = None) -> list[Venue]:
    """Venues, of one organisation or all."""
    query = select(Venue).order_by(Venue.name)
    if organisation_id is not None:
        query = query.where(Venue.organisation_id == organisation_id)
    return list(db.session.scalars(query))


def court_by_id(court_id: int) -> Court | None:
    """One court, active or not."""
    return db.session.get(Court, court_id)


def venue_by_id(venue_id: int) -> Venue | None:
    """One venue, active or not."""
    return db.session.get(Venue, venue_id)


def requirement_type_by_id(requirement_type_id: int) -> RequirementType | None:
    """One requirement type, active or not."""
    return db.session.get(RequirementType, requirement_type_id)


def user_by_id(user_id: int) -> User | None:
    """One user account, of any organisation (administrators manage them all)."""
    return db.session.get(User, user_id)


def receiving_numbers() -> list[ReceivingNumber]:
    """Every receiving number with its organisation, by organisation name then number."""
    return list(
        db.session.scalars(
            select(ReceivingNumber)
            .join(ReceivingNumber.organisation)
            .options(joinedload(ReceivingNumber.organisation))
            .order_by(Organisation.name, ReceivingNumber.value)
        )
    )


def receiving_number(receiving_number_id: int) -> ReceivingNumber | None:
    return db.session.get(ReceivingNumber, receiving_number_id)


def receiving_number_by_value(value: str) -> ReceivingNumber | None:
    """The receiving number stored as `value` (E.164 or a service SID), if any holds it."""
    return db.session.scalar(select(ReceivingNumber).where(ReceivingNumber.value == value))


UNPLACED_LIMIT = 200


def unplaced_replies(*, limit: int = UNPLACED_LIMIT) -> list[InboundMessage]:
    """Texts sent to a number no organisation held when they came (and replies stored before
    receiving numbers were recorded, with no organisation): newest first. Administrators
    only; nobody else sees them."""
    return list(
        db.session.scalars(
            select(InboundMessage)
            .where(InboundMessage.organisation_id.is_(None))
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
            .limit(limit)
        )
    )
