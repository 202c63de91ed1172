"""One file per woman, and transfers between the organisations of the partnership
(domain.md, "Working across agencies").

Her record (a Client row) is held by one organisation, `client.organisation_id`, and only
that organisation opens cases on it. Another organisation cannot add her again while the
holder has a running case for a woman of the same name and date of birth (exact, case
ignored): it is told whom to ask, and asks for a transfer. When the holder accepts, her
record and every case of hers move to the new holder with their appointments, timelines and
notes (the running cases wait for the new holder to allocate a worker; her booked sessions
still to come, with the old holder's staff and rooms, are cancelled); the old holder keeps
the transfer row and the audit trail, which the law requires, and no longer sees her.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, delete, false, func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.base import ExecutableOption

from diversion import audit
from diversion.cases.flags import plain_text
from diversion.court_wording import NEUTRAL_WORDING
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.formatting import format_date, format_datetime
from diversion.hooks import notify_case_changed
from diversion.models import (
    AppointmentStatus,
    Case,
    CaseEvent,
    CaseStatus,
    Client,
    ClientFlag,
    ClientTransfer,
    MatchNotice,
    Organisation,
    TransferStatus,
    User,
)
from scheduling.hooks import notify_appointment_changed

REASON_MAX_LENGTH = 500
RECENT_TRANSFERS = 50
_RUNNING = (CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME)


def contact_of(organisation: Organisation) -> str:
    """An organisation and how to reach it, as a refusal says it."""
    ways = [
        f"phone {organisation.phone}" if organisation.phone else "",
        f"email {organisation.email}" if organisation.email else "",
    ]
    ways = [way for way in ways if way]
    return f"{organisation.name} ({', '.join(ways)})" if ways else organisation.name


class HeldElsewhere(RuleBroken):
    """She is another organisation's: the refusal names it, and whom to ask for a transfer."""

    def __init__(self, client: Client, *, field: str | None = None) -> None:
        holder = client.organisation
        super().__init__(
            f"She has an open case with {contact_of(holder)}. Ask them to transfer her.",
            field=field,
        )
        self.client_id = client.id
        self.holder = holder


def held_elsewhere(
    *, organisation_id: int, first_name: str, last_name: str, date_of_birth: date | None
) -> Client | None:
    """Another organisation's client with this name and date of birth (exact, case ignored)
    and a running case: the same woman, whose file is there."""
    if date_of_birth is None:
        return None
    running = (
        select(Case.id)
        .where(Case.client_id == Client.id, Case.organisation_id == Client.organisation_id)
        .where(Case.status.in_(_RUNNING))
        .exists()
    )
    return db.session.scalar(
        select(Client)
        .where(Client.organisation_id != organisation_id)
        .where(Client.date_of_birth == date_of_birth)
        .where(func.lower(Client.first_name) == first_name.strip().lower())
        .where(func.lower(Client.last_name) == last_name.strip().lower())
        .where(Client.anonymised_at.is_(None), running)
        .options(joinedload(Client.organisation))
        .order_by(Client.id)
        .limit(1)
    )


def refuse_second_file(
    *, actor: User, first_name: str, last_name: str, date_of_birth: date | None
) -> None:
    """Refuse to add a woman whose file another organisation holds (HeldElsewhere)."""
    found = held_elsewhere(
        organisation_id=actor.organisation_id,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
    )
    if found is not None:
        raise HeldElsewhere(found, field="first_name")


def refuse_case_held_elsewhere(*, actor: User, client: Client) -> None:
    """Only the holder of her record opens a case on it, and not while another organisation
    has a running case for the same woman under another record."""
    if client.organisation_id != actor.organisation_id:
        raise HeldElsewhere(client, field="requirement_type_id")
    found = held_elsewhere(
        organisation_id=actor.organisation_id,
        first_name=client.first_name,
        last_name=client.last_name,
        date_of_birth=client.date_of_birth,
    )
    if found is not None:
        raise HeldElsewhere(found, field="requirement_type_id")


# --- transfers ------------------------------------------------------------------------------


@transactional
def request_transfer(*, actor: User, client: Client, reason: str, now: datetime) -> ClientTransfer:
    """Ask the organisation holding her record to transfer her to the actor's."""
    if not actor.is_caseworker:
        raise RuleBroken("Only a worker or manager can ask for a transfer")
    if client.organisation_id == actor.organisation_id:
        raise RuleBroken("Your organisation already holds her record")
    reason = plain_text(reason, field="reason", noun="why she should move", limit=REASON_MAX_LENGTH)
    waiting = db.session.scalar(
        select(ClientTransfer.id)
        .where(ClientTransfer.client_id == client.id)
        .where(ClientTransfer.to_organisation_id == actor.organisation_id)
        .where(ClientTransfer.status == TransferStatus.PENDING)
    )
    if waiting is not None:
        raise RuleBroken(
            f"Your organisation has already asked {client.organisation.name} to transfer her: "
            "they will accept or decline it",
            field="reason",
        )
    transfer = ClientTransfer(
        client_id=client.id,
        from_organisation_id=client.organisation_id,
        to_organisation_id=actor.organisation_id,
        status=TransferStatus.PENDING,
        reason=reason,
        requested_by_id=actor.id,
        requested_at=now,
    )
    db.session.add(transfer)
    db.session.flush()
    audit.add(
        "transfer_requested",
        object_type="client_transfer",
        object_id=transfer.id,
        client_id=client.id,
        user_id=actor.id,
    )
    return transfer


def _with_people() -> tuple[ExecutableOption, ...]:
    return (
        joinedload(ClientTransfer.client),
        joinedload(ClientTransfer.from_organisation),
        joinedload(ClientTransfer.to_organisation),
        joinedload(ClientTransfer.requested_by),
        joinedload(ClientTransfer.decided_by),
    )


def requests_to_decide(user: User) -> list[ClientTransfer]:
    """Transfers other organisations asked of the user's, waiting for a decision, oldest first."""
    if not user.is_caseworker:
        return []
    return list(
        db.session.scalars(
            select(ClientTransfer)
            .where(ClientTransfer.from_organisation_id == user.organisation_id)
            .where(ClientTransfer.status == TransferStatus.PENDING)
            .options(*_with_people())
            .order_by(ClientTransfer.requested_at, ClientTransfer.id)
        )
    )


def requests_made(user: User, *, limit: int = RECENT_TRANSFERS) -> list[ClientTransfer]:
    """Transfers the user's organisation asked for, and what became of them, newest first."""
    if not user.is_caseworker:
        return []
    return list(
        db.session.scalars(
            select(ClientTransfer)
            .where(ClientTransfer.to_organisation_id == user.organisation_id)
            .options(*_with_people())
            .order_by(ClientTransfer.requested_at.desc(), ClientTransfer.id.desc())
            .limit(limit)
        )
    )


def transfers_waiting(user: User) -> Select[tuple[int]]:
    """How many transfers wait for the user's organisation to decide: the statement, for the
    menu (diversion.cases.menu); none for a non-caseworker."""
    query = (
        select(func.count(ClientTransfer.id))
        .where(ClientTransfer.from_organisation_id == user.organisation_id)
        .where(ClientTransfer.status == TransferStatus.PENDING)
    )
    return query if user.is_caseworker else query.where(false())


def transfer_to_decide(user: User, transfer_id: int) -> ClientTransfer | None:
    """A transfer waiting for the user's organisation's decision; None otherwise."""
    return db.session.scalar(
        select(ClientTransfer)
        .where(ClientTransfer.id == transfer_id)
        .where(ClientTransfer.from_organisation_id == user.organisation_id)
        .where(ClientTransfer.status == TransferStatus.PENDING)
        .options(*_with_people())
    )


def _check_decider(actor: User, transfer: ClientTransfer) -> None:
    if not actor.is_caseworker or actor.organisation_id != transfer.from_organisation_id:
        raise RuleBroken("Only the organisation holding her record can decide")
    if transfer.status is not TransferStatus.PENDING:
        raise RuleBroken(f"This transfer was already {transfer.status.label.lower()}")


def _decided(transfer: ClientTransfer, actor: User, status: TransferStatus, now: datetime) -> None:
    transfer.status, transfer.decided_by_id, transfer.decided_at = status, actor.id, now
    audit.add(
        f"transfer_{status.value}",
        object_type="client_transfer",
        object_id=transfer.id,
        client_id=transfer.client_id,
        user_id=actor.id,
    )


@transactional
def decline_transfer(*, actor: User, transfer: ClientTransfer, now: datetime) -> None:
    """Decline a transfer: nothing moves; the requester sees it was declined."""
    _check_decider(actor, transfer)
    _decided(transfer, actor, TransferStatus.DECLINED, now)


@transactional
def accept_transfer(*, actor: User, transfer: ClientTransfer, now: datetime) -> None:
    """Move her record and every case of hers to the organisation that asked.

    Running cases lose their worker (the new holder allocates one) and any partner that is
    now the holder itself; her booked sessions still to come were with the old holder's
    staff and rooms, so they are cancelled by the service and their reminders with them
    (security.md 20). Each case's timeline says it moved. The old holder's standing flag is
    cleared and its match notices about her deleted: it keeps only the transfer and the
    audit trail. Other organisations' requests for her are declined: she is no longer here.
    """
    _check_decider(actor, transfer)
    client = transfer.client
    if client.organisation_id != transfer.from_organisation_id:
        raise RuleBroken("Her record is no longer held here")
    old, new = transfer.from_organisation, transfer.to_organisation
    client.organisation_id = new.id
    for case in db.session.scalars(select(Case).where(Case.client_id == client.id)):
        case.organisation_id = new.id
        if case.status not in _RUNNING:
            _event(case, actor, f"Record transferred from {old.name} to {new.name}.")
            continue
        case.worker_id = None
        if case.partner_organisation_id == new.id:
            case.partner_organisation_id = None
        cancelled = [
            a
            for a in case.appointments
            if a.status is AppointmentStatus.BOOKED and a.starts_at > now
        ]
        for appointment in cancelled:
            appointment.status = AppointmentStatus.CANCELLED_BY_SERVICE
            appointment.reason = f"Transferred to {new.name}"
            appointment.court_wording = NEUTRAL_WORDING
            appointment.sequence += 1
            notify_appointment_changed(appointment, change="cancelled", now=now)
            _event(
                case,
                actor,
                f"Session {appointment.session_number} on "
                f"{format_datetime(appointment.starts_at)} cancelled by the service: "
                "her record moved.",
            )
        _event(
            case,
            actor,
            f"Record transferred from {old.name} to {new.name} on {format_date(now.date())}: "
            "waiting for a worker to be allocated.",
        )
        notify_case_changed(case, change="transferred", now=now)
    for flag in db.session.scalars(
        select(ClientFlag).where(
            ClientFlag.client_id == client.id,
            ClientFlag.organisation_id == old.id,
            ClientFlag.cleared_at.is_(None),
        )
    ):
        flag.cleared_at, flag.cleared_by_id = now, actor.id
    db.session.execute(
        delete(MatchNotice)
        .where(MatchNotice.client_id == client.id, MatchNotice.organisation_id == old.id)
        .execution_options(synchronize_session=False)
    )
    for other in db.session.scalars(
        select(ClientTransfer).where(
            ClientTransfer.client_id == client.id,
            ClientTransfer.status == TransferStatus.PENDING,
            ClientTransfer.id != transfer.id,
        )
    ):
        _decided(other, actor, TransferStatus.DECLINED, now)
    _decided(transfer, actor, TransferStatus.ACCEPTED, now)


def _event(case: Case, actor: User, summary: str) -> None:
    db.session.add(
        CaseEvent(case_id=case.id, actor_id=actor.id, kind="transferred", summary=summary)
    )


def offer_for(user: User, client_id: int) -> Client | None:
    """The record a refusal offered to ask for, while another organisation still holds it."""
    return db.session.scalar(
        select(Client)
        .where(Client.id == client_id, Client.organisation_id != user.organisation_id)
        .options(joinedload(Client.organisation))
    )
