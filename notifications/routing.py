"""Whose inbox an incoming text lands in (notifications.replies stores and acts on it).

A text belongs to the organisation that holds the number it was sent to, and only that
organisation's clients are matched (see notifications.replies for the whole rule).
"""

from __future__ import annotations

from sqlalchemy import select

from diversion.db import db
from diversion.models import (
    Appointment,
    Case,
    CaseStatus,
    Client,
    InboundMessage,
    InboundMessageWorker,
    ReceivingNumber,
)


def open_case(client: Client) -> Case | None:
    """Her most recent open case."""
    return db.session.scalar(
        select(Case)
        .where(Case.client_id == client.id)
        .where(Case.status.in_((CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME)))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(1)
    )


def receiving_organisation(to_number: str, service_sid: str | None) -> int | None:
    """The organisation that holds the number a text was sent to (or its messaging service);
    None when none does, or when the number and the service belong to two different ones."""
    values = [value for value in (service_sid, to_number) if value]
    if not values:
        return None
    owners = set(
        db.session.scalars(
            select(ReceivingNumber.organisation_id).where(ReceivingNumber.value.in_(values))
        )
    )
    return owners.pop() if len(owners) == 1 else None


def allocated_worker(case: Case | None, organisation_id: int) -> int | None:
    worker = case.worker if case is not None else None
    if worker is None or not worker.active or worker.organisation_id != organisation_id:
        return None
    return worker.id


def route(
    row: InboundMessage,
    organisation_id: int | None,
    clients: list[Client],
    appointment: Appointment | None,
) -> None:
    """Whose inbox the text lands in (see notifications.replies). `clients` are the
    organisation's own clients with the sender's number, and no one else's."""
    row.organisation_id = organisation_id
    if organisation_id is None or not clients:
        return  # a number nobody holds (administrators), or a stranger (its managers)
    if len(clients) != 1:
        # One number on two records: each of their workers sees it, and her managers.
        row.shared_number = True
        workers = {allocated_worker(open_case(client), organisation_id) for client in clients}
        row.recipients = [
            InboundMessageWorker(worker_id=worker_id)
            for worker_id in sorted(w for w in workers if w is not None)
        ]
        return
    client = clients[0]
    row.client_id = client.id
    case = appointment.case if appointment is not None else open_case(client)
    if case is None:
        return
    row.case_id = case.id
    row.worker_id = allocated_worker(case, organisation_id)
