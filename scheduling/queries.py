"""Named reads for the diary, the calendar feed and the availability pages."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from diversion.db import db
from diversion.models import (
    Absence,
    Appointment,
    AppointmentStatus,
    Case,
    CaseStatus,
    Role,
    User,
    Venue,
)


def colleague(user: User, worker_id: int) -> User | None:
    """A caseworker of the user's own organisation, or None (another's is never found)."""
    worker = db.session.get(User, worker_id)
    if worker is None or worker.organisation_id != user.organisation_id:
        return None
    return worker


def caseworker_names(organisation_id: int) -> dict[int, str]:
    """The names of an organisation's active workers and managers (who can hold cases), by
    id: plain rows, for a page that names hundreds of colleagues' times."""
    rows = db.session.execute(
        select(User.id, User.name)
        .where(User.organisation_id == organisation_id, User.active.is_(True))
        .where(User.role.in_([Role.WORKER, Role.MANAGER]))
    )
    return {worker_id: name for worker_id, name in rows}


def manageable_worker(user: User, worker_id: int) -> User | None:
    """A worker whose availability this manager (her organisation) or administrator may set."""
    worker = db.session.get(User, worker_id)
    if worker is None or worker.role not in (Role.WORKER, Role.MANAGER):
        return None
    if user.role is Role.MANAGER and worker.organisation_id != user.organisation_id:
        return None
    return worker


def manageable_venue(user: User, venue_id: int) -> Venue | None:
    """A venue whose closures this manager (her organisation) or administrator may set."""
    venue = db.session.get(Venue, venue_id)
    if venue is None or (
        user.role is Role.MANAGER and venue.organisation_id != user.organisation_id
    ):
        return None
    return venue


def diary_appointments(worker: User, *, start: datetime, end: datetime) -> list[Appointment]:
    """A worker's appointments between two instants, with their case, its type, client and
    venue."""
    return list(
        db.session.scalars(
            select(Appointment)
            .where(Appointment.worker_id == worker.id)
            .where(Appointment.starts_at >= start, Appointment.starts_at < end)
            .options(
                joinedload(Appointment.case).joinedload(Case.client),
                joinedload(Appointment.case).joinedload(Case.requirement_type),
                joinedload(Appointment.venue),
            )
            .order_by(Appointment.starts_at)
        )
    )


def feed_token_hash(token: str) -> str:
    """What is stored for a calendar feed's secret: its SHA-256, in hex.

    Unkeyed, like a session token's: the secret is 256 random bits, so its hash cannot be
    guessed back, and needs no key that a key rotation could lose (every feed would stop).
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_owner(token: str) -> User | None:
    """The active user whose calendar feed has this secret address, or None."""
    worker = db.session.scalar(
        select(User).where(User.calendar_token_hash == feed_token_hash(token))
    )
    if worker is None or not worker.active:
        return None
    return worker


def feed_appointments(worker: User, *, since: datetime) -> list[Appointment]:
    """Her appointments from `since` on, in her own organisation's cases, for her feed."""
    return list(
        db.session.scalars(
            select(Appointment)
            .join(Case, Appointment.case_id == Case.id)
            .where(
                Appointment.worker_id == worker.id, Case.organisation_id == worker.organisation_id
            )
            .where(Appointment.starts_at >= since)
            .options(
                joinedload(Appointment.case).joinedload(Case.client),
                joinedload(Appointment.case).joinedload(Case.requirement_type),
                joinedload(Appointment.venue),
            )
            .order_by(Appointment.starts_at)
        )
    )


def availability_lists(user: User) -> tuple[list[User], list[Venue]]:
    """The caseworkers and venues whose availability this manager or administrator manages."""
    query = select(User).where(User.role.in_([Role.WORKER, Role.MANAGER]), User.active.is_(True))
    venue_query = select(Venue).order_by(Venue.name)
    if user.role is Role.MANAGER:
        query = query.where(User.organisation_id == user.organisation_id)
        venue_query = venue_query.where(Venue.organisation_id == user.organisation_id)
    return list(db.session.scalars(query.order_by(User.name))), list(
        db.session.scalars(venue_query)
    )


def recent_absences(worker: User, *, now: datetime) -> list[Absence]:
    """Her absences that ended in the last 30 days or are still to come."""
    return list(
        db.session.scalars(
            select(Absence)
            .where(Absence.user_id == worker.id, Absence.ends_at >= now - timedelta(days=30))
            .order_by(Absence.starts_at)
        )
    )


def appointment_for(user: User, appointment_id: int) -> Appointment | None:
    """An appointment of a case of the user's organisation, with its case, client, venue and
    worker; None for another organisation's (it answers 404)."""
    return db.session.scalar(
        select(Appointment)
        .join(Case, Appointment.case_id == Case.id)
        .where(Appointment.id == appointment_id)
        .where(
            or_(
                Case.organisation_id == user.organisation_id,
                # A session the user's agency holds for a partner's case (the CJIT's initial
                # assessment of a Required Assessment): its own worker's appointment only.
                and_(
                    Case.partner_organisation_id == user.organisation_id,
                    Appointment.worker_id.in_(
                        select(User.id).where(User.organisation_id == user.organisation_id)
                    ),
                ),
            )
        )
        .options(
            joinedload(Appointment.case).joinedload(Case.client),
            joinedload(Appointment.venue),
            joinedload(Appointment.worker),
        )
    )


def last_seen_venue_id(client_id: int, organisation_id: int) -> int | None:
    """The venue of her latest attended appointment in any of her cases with this
    organisation, or None when she has attended none."""
    return db.session.scalar(
        select(Appointment.venue_id)
        .join(Case, Appointment.case_id == Case.id)
        .where(Case.client_id == client_id, Case.organisation_id == organisation_id)
        .where(Appointment.status == AppointmentStatus.ATTENDED)
        .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
        .limit(1)
    )


def usual_venue_id(worker_id: int) -> int | None:
    """The venue a worker's appointments (booked, attended or missed) use most, or None;
    a tie goes to the first venue alphabetically."""
    uses = func.count(Appointment.id)
    return db.session.scalar(
        select(Appointment.venue_id)
        .join(Venue, Appointment.venue_id == Venue.id)
        .where(Appointment.worker_id == worker_id, Venue.active.is_(True))
        .where(
            Appointment.status.in_(
                [
                    AppointmentStatus.BOOKED,
                    AppointmentStatus.ATTENDED,
                    AppointmentStatus.DID_NOT_ATTEND,
                ]
            )
        )
        .group_by(Appointment.venue_id, Venue.name)
        .order_by(uses.desc(), Venue.name)
        .limit(1)
    )


def on_scheme_case_ids() -> list[int]:
    """The ids of every case on the scheme (open, its sessions still to happen), oldest first,
    for the morning at-risk recheck (scheduling.at_risk_check)."""
    return list(
        db.session.scalars(
            select(Case.id).where(Case.status == CaseStatus.ON_SCHEME).order_by(Case.id)
        )
    )
