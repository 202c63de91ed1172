"""What one dispatcher pass loads for its claimed texts, and what each text says.

The claimed messages are loaded with their clients, appointments, cases and the sessions
each case has booked (a booking confirmation names them all), a few queries for the whole
pass, and kept in memory so that each object is read once. The placeholders' values are
filled here: a court reminder names no place (domain.md: discreet).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from diversion.db import db
from diversion.formatting import format_date, format_time
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    Client,
    MessageStatus,
    OutboxMessage,
)
from notifications import spacing
from notifications.forbidden import refused_words
from notifications.policy import Policy, ReminderKind
from notifications.safe_times import SafeTimes
from notifications.store import language_for, policy_for, wording_for

CONFIRMATION = ReminderKind.BOOKING_CONFIRMATION.value


def safe_times_of(client: Client) -> SafeTimes:
    """Her safe times for texts, as the rules read them."""
    days = frozenset(client.safe_days) if client.safe_days else None
    return SafeTimes(days=days, start=client.safe_from, end=client.safe_until)


def _wording(kind: str, language: str, plain: bool) -> tuple[str | None, str | None]:
    """The approved wording of a kind of text in her language and register, or why there is
    none to send. Plainer wording may name the appointment, never an offence."""
    try:
        template = wording_for(kind, language=language, plain=plain)
    except KeyError:
        return None, "no wording for this kind of text"
    if refused_words(template, plain_wording=plain):
        return None, "the wording of this kind of text names a word texts must not use"
    return template, None


def session_times(sessions: Iterable[Appointment]) -> str:
    """'Tue 8 Dec 10:00 and Tue 15 Dec 10:30': the sessions a confirmation names."""
    times = [f"{format_date(a.starts_at, 'day')} {format_time(a.starts_at)}" for a in sessions]
    if len(times) <= 1:
        return "".join(times)
    return f"{', '.join(times[:-1])} and {times[-1]}"


@dataclass
class Batch:
    """The claimed messages of one pass and everything they need."""

    messages: list[OutboxMessage]
    clients: dict[int, Client]
    appointments: dict[int, Appointment]
    cases: dict[int, Case]
    # Each case's booked sessions still to come, soonest first.
    sessions: dict[int, list[Appointment]]
    policies: dict[int | None, Policy] = field(default_factory=dict)
    wordings: dict[tuple[str, str, bool], tuple[str | None, str | None]] = field(
        default_factory=dict
    )

    def policy(self, case: Case | None) -> Policy:
        key = case.requirement_type_id if case is not None else None
        if key not in self.policies:
            self.policies[key] = policy_for(case.requirement_type if case is not None else None)
        return self.policies[key]

    def wording(self, kind: str, client: Client, case: Case) -> tuple[str | None, str | None, str]:
        """Her wording of a kind of text: her language (notifications.store.language_for:
        Welsh and English at a court in Wales while hers is unknown) and her register; with
        why there is none, and the label the outbox row keeps ("cy:plain:1a2b3c4d")."""
        key = (kind, language_for(client, case.court), client.plain_wording)
        if key not in self.wordings:
            self.wordings[key] = _wording(*key)
        template, refusal = self.wordings[key]
        digest = hashlib.sha256((template or "").encode("utf-8")).hexdigest()[:8]
        return template, refusal, f"{key[1]}:{'plain' if key[2] else 'discreet'}:{digest}"

    def names(self, message: OutboxMessage, case: Case) -> frozenset[int]:
        """The appointments a text names: a confirmation every booked session of its case."""
        if message.kind == CONFIRMATION:
            return frozenset(a.id for a in self.sessions.get(case.id, []))
        return frozenset({message.appointment_id} if message.appointment_id else ())

    def values(
        self,
        message: OutboxMessage,
        client: Client,
        case: Case,
        appointment: Appointment | None,
        event_at: datetime,
    ) -> dict[str, str]:
        """The placeholders' values; a court reminder names no place."""
        name = client.text_name or client.first_name[:1].upper()
        if message.kind == CONFIRMATION and self.sessions.get(case.id):
            times = session_times(self.sessions[case.id])
        else:
            times = f"{format_date(event_at, 'day')} {format_time(event_at)}"
        return {
            "name": name,
            "time": format_time(event_at),
            "day": format_date(event_at, "day"),
            "times": times,
            "venue": appointment.venue.neutral_name if appointment is not None else "",
            "phone": case.organisation.phone or "",
        }


def load(ids: list[int], *, now: datetime) -> Batch:
    """The claimed messages with their clients, appointments, cases and booked sessions."""
    session = db.session
    messages = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == MessageStatus.SENDING)
            .order_by(OutboxMessage.send_at, OutboxMessage.id)
        )
    )
    client_ids = {m.client_id for m in messages}
    appointment_ids = {m.appointment_id for m in messages if m.appointment_id is not None}
    case_ids = {m.case_id for m in messages if m.case_id is not None}
    clients = {c.id: c for c in session.scalars(select(Client).where(Client.id.in_(client_ids)))}
    appointments = {
        a.id: a
        for a in session.scalars(
            select(Appointment)
            .where(Appointment.id.in_(appointment_ids))
            .options(joinedload(Appointment.venue))
        )
    }
    case_ids |= {a.case_id for a in appointments.values()}
    cases = {
        c.id: c
        for c in session.scalars(
            select(Case)
            .where(Case.id.in_(case_ids))
            .options(
                joinedload(Case.organisation),
                joinedload(Case.requirement_type),
                joinedload(Case.court),
            )
        )
    }
    confirming = {m.case_id for m in messages if m.kind == CONFIRMATION}
    return Batch(
        messages=messages,
        clients=clients,
        appointments=appointments,
        cases=cases,
        sessions=booked_sessions(confirming, now=now),
    )


def booked_sessions(case_ids: set[int | None], *, now: datetime) -> dict[int, list[Appointment]]:
    """Each case's booked sessions still to come, soonest first."""
    sessions: dict[int, list[Appointment]] = {}
    if not case_ids:
        return sessions
    for appointment in db.session.scalars(
        select(Appointment)
        .where(Appointment.case_id.in_(case_ids))
        .where(Appointment.status == AppointmentStatus.BOOKED, Appointment.starts_at > now)
        .order_by(Appointment.starts_at, Appointment.id)
    ):
        sessions.setdefault(appointment.case_id, []).append(appointment)
    return sessions


def recent_texts(client_ids: set[int], *, since: datetime, now: datetime) -> list[spacing.Recent]:
    """The texts that went to these women since `since`, with what each named."""
    if not client_ids:
        return []
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.client_id.in_(client_ids))
        .where(OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at > since)
        .where(OutboxMessage.status.in_((MessageStatus.SENT, MessageStatus.DELIVERED)))
    ).all()
    confirmed_cases = {r.case_id for r in rows if r.kind == CONFIRMATION}
    sessions = booked_sessions(confirmed_cases, now=now)
    recent = []
    for row in rows:
        assert row.sent_at is not None
        if row.kind == CONFIRMATION and row.case_id is not None:
            names = frozenset(a.id for a in sessions.get(row.case_id, []))
        else:
            names = frozenset({row.appointment_id} if row.appointment_id else ())
        recent.append(spacing.Recent(client_id=row.client_id, sent_at=row.sent_at, names=names))
    return recent
