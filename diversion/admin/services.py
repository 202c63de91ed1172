"""Administration: courts, venues and requirement types, one transaction each (user accounts
are in diversion.admin.users).

Each change is checked here (duplicates, organisation kinds, an administrator locking herself
out) and refused with a RuleBroken naming the form field, so that the page can show it; the
database's own unique constraints are the last line, turned into the same kind of refusal.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from diversion import audit
from diversion.court_wording import parse_court_wordings
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.models import (
    DEFAULT_LIST_TIME,
    EARLIEST_HEARING,
    LATEST_HEARING,
    AgreedWhen,
    Case,
    Court,
    InboundMessage,
    Organisation,
    OrganisationKind,
    ReceivingNumber,
    ReceivingNumberKind,
    ReportVariant,
    RequirementType,
    Venue,
    WindowRule,
)
from diversion.phones import is_service_sid
from scheduling.calendar import MIN_REPORT_LEAD_WORKING_DAYS

VENUE_ORGANISATION_KINDS = frozenset({OrganisationKind.PROJECT, OrganisationKind.CJIT})


# Reads for the administration pages --------------------------------------------------------


def organisations(kinds: Collection[OrganisationKind] | None = None) -> list[Organisation]:
    """Organisations, of some kinds or all, by name: for pick lists."""
    query = select(Organisation).order_by(Organisation.name)
    if kinds is not None:
        query = query.where(Organisation.kind.in_(list(kinds)))
    return list(db.session.scalars(query))


def all_courts() -> list[Court]:
    """Every court, in use or not, by name."""
    return list(db.session.scalars(select(Court).order_by(Court.name)))


def all_venues() -> list[Venue]:
    """Every venue with its organisation, by organisation and name."""
    return list(
        db.session.scalars(
            select(Venue)
            .join(Venue.organisation)
            .options(joinedload(Venue.organisation))
            .order_by(Organisation.name, Venue.name)
        )
    )


def all_requirement_types() -> list[RequirementType]:
    """Every requirement type, in use or not, in the order they were added."""
    return list(db.session.scalars(select(RequirementType).order_by(RequirementType.id)))


def cases_of_type(requirement_type_id: int) -> int:
    """How many cases use a requirement type, so that an edit can say who it affects."""
    return (
        db.session.scalar(
            select(func.count(Case.id)).where(Case.requirement_type_id == requirement_type_id)
        )
        or 0
    )


def flush_unique(*, field: str, message: str) -> None:
    """Write now, so that a unique constraint lost to a concurrent change is a clear refusal."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise RuleBroken(message, field=field) from error


def _organisation(
    organisation_id: int | None, *, kinds: Collection[OrganisationKind], field: str, message: str
) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.kind not in kinds:
        raise RuleBroken(message, field=field)
    return organisation


# Courts -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CourtDetails:
    """A court as the administrator typed it; already validated by the form."""

    name: str
    sitting_weekdays: tuple[int, ...]
    report_lead_working_days: int
    report_due_time: time
    list_time: time = DEFAULT_LIST_TIME
    court_email: str | None
    cps_email: str | None
    police_email: str | None = None
    liaison_email: str | None = None
    organisation_id: int | None
    cps_organisation_id: int | None
    active: bool
    # Texts to a woman whose language is unknown go in Welsh and English (notifications.store).
    in_wales: bool = False


COURT_NAME_TAKEN = "There is already a court with this name"


def _apply_court(court: Court, details: CourtDetails) -> None:
    taken = select(Court.id).where(func.lower(Court.name) == details.name.lower())
    if court.id is not None:
        taken = taken.where(Court.id != court.id)
    if db.session.scalar(taken) is not None:
        raise RuleBroken(COURT_NAME_TAKEN, field="name")
    if not details.sitting_weekdays or not set(details.sitting_weekdays) <= set(range(5)):
        raise RuleBroken("Select at least one day from Monday to Friday", field="sitting_weekdays")
    if details.report_lead_working_days < MIN_REPORT_LEAD_WORKING_DAYS:
        raise RuleBroken(
            f"Report lead time must be at least {MIN_REPORT_LEAD_WORKING_DAYS} working days: "
            "the report is due on the working day before the return date, so appointments "
            "must end before it",
            field="report_lead_working_days",
        )
    if not EARLIEST_HEARING <= details.list_time <= LATEST_HEARING:
        raise RuleBroken(
            f"Time the list starts must be between {EARLIEST_HEARING:%H:%M} and "
            f"{LATEST_HEARING:%H:%M}",
            field="list_time",
        )
    _organisation(
        details.organisation_id,
        kinds={OrganisationKind.COURT},
        field="organisation_id",
        message="Select a magistrates' court organisation",
    )
    _organisation(
        details.cps_organisation_id,
        kinds={OrganisationKind.CPS},
        field="cps_organisation_id",
        message="Select a Crown Prosecution Service organisation",
    )
    court.name = details.name
    court.sitting_weekdays = sorted(set(details.sitting_weekdays))
    court.report_lead_working_days = details.report_lead_working_days
    court.report_due_time = details.report_due_time
    court.list_time = details.list_time
    court.court_email = details.court_email or None
    court.cps_email = details.cps_email or None
    court.police_email = details.police_email or None
    court.liaison_email = details.liaison_email or None
    court.organisation_id = details.organisation_id
    court.cps_organisation_id = details.cps_organisation_id
    court.active = details.active
    court.in_wales = details.in_wales


@transactional
def add_court(*, details: CourtDetails) -> Court:
    """Add a court whose sittings cases can be listed at."""
    court = Court()
    _apply_court(court, details)
    db.session.add(court)
    flush_unique(field="name", message=COURT_NAME_TAKEN)
    audit.add("court_created", object_type="court", object_id=court.id)
    return court


@transactional
def update_court(*, court: Court, details: CourtDetails) -> Court:
    """Change a court's sitting days, report deadline, addresses, status or whether it is in
    Wales."""
    _apply_court(court, details)
    flush_unique(field="name", message=COURT_NAME_TAKEN)
    audit.add("court_updated", object_type="court", object_id=court.id)
    return court


# Venues -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class VenueDetails:
    """A venue as the administrator typed it; already validated by the form."""

    organisation_id: int
    name: str
    neutral_name: str
    address: str
    opening_hours: dict[str, list[list[str]]]
    active: bool


def _apply_venue(venue: Venue, details: VenueDetails) -> None:
    _organisation(
        details.organisation_id,
        kinds=VENUE_ORGANISATION_KINDS,
        field="organisation_id",
        message="Select a project or a CJIT",
    )
    taken = select(Venue.id).where(
        Venue.organisation_id == details.organisation_id,
        func.lower(Venue.name) == details.name.lower(),
    )
    if venue.id is not None:
        taken = taken.where(Venue.id != venue.id)
    if db.session.scalar(taken) is not None:
        raise RuleBroken("This organisation already has a venue with this name", field="name")
    venue.organisation_id = details.organisation_id
    venue.name = details.name
    venue.neutral_name = details.neutral_name
    venue.address = details.address
    venue.opening_hours = details.opening_hours
    venue.active = details.active


@transactional
def add_venue(*, details: VenueDetails) -> Venue:
    """Add a place where appointments can be held."""
    venue = Venue()
    _apply_venue(venue, details)
    db.session.add(venue)
    db.session.flush()
    audit.add("venue_created", object_type="venue", object_id=venue.id)
    return venue


@transactional
def update_venue(*, venue: Venue, details: VenueDetails) -> Venue:
    """Change a venue's names, address, opening hours or status."""
    _apply_venue(venue, details)
    db.session.flush()
    audit.add("venue_updated", object_type="venue", object_id=venue.id)
    return venue


# Requirement types --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RequirementTypeDetails:
    """A requirement type as the administrator typed it; already validated by the form."""

    code: str
    name: str
    description: str
    window_rule: WindowRule
    window_days: int | None
    max_window_days: int | None
    min_gap_days: int
    slot_minutes: int
    sessions: tuple[dict[str, Any], ...]
    sessions_chosen_per_case: bool
    active: bool
    # What the court can be told about a missed, cancelled or moved appointment.
    court_wordings: tuple[str, ...]
    # What case logic reads besides the window and sessions (docs/orders.md).
    end_on_sitting_day: bool = False
    max_window_months: int | None = None
    min_sessions: int | None = None
    agreed_when: AgreedWhen = AgreedWhen.COURT_ACCEPTS
    needs_partner: bool = False
    report_to: tuple[str, ...] = ("court", "cps")
    report_variant: ReportVariant = ReportVariant.COURT_DIVERSION


CODE_TAKEN = "There is already a requirement type with this code"


def _apply_requirement_type(kind: RequirementType, details: RequirementTypeDetails) -> None:
    taken = select(RequirementType.id).where(
        func.upper(RequirementType.code) == details.code.upper()
    )
    if kind.id is not None:
        taken = taken.where(RequirementType.id != kind.id)
    if db.session.scalar(taken) is not None:
        raise RuleBroken(CODE_TAKEN, field="code")
    # Case references are made from the code ("CD-000123") and the seed data finds the
    # standard types by it, so it stays fixed once a case uses the type.
    if kind.id is not None and details.code != kind.code and cases_of_type(kind.id):
        raise RuleBroken(
            "The code cannot change once cases use this requirement type", field="code"
        )
    if not details.sessions:
        raise RuleBroken("Enter at least one session", field="sessions_text")
    try:
        wordings = parse_court_wordings("\n".join(details.court_wordings))
    except ValueError as error:
        raise RuleBroken(str(error), field="court_wordings_text") from None
    kind.code = details.code
    kind.name = details.name
    kind.description = details.description
    kind.window_rule = details.window_rule
    kind.window_days = details.window_days
    kind.max_window_days = details.max_window_days
    kind.min_gap_days = details.min_gap_days
    kind.slot_minutes = details.slot_minutes
    kind.sessions = [dict(session) for session in details.sessions]
    kind.sessions_chosen_per_case = details.sessions_chosen_per_case
    kind.active = details.active
    kind.court_wordings = wordings
    kind.end_on_sitting_day = details.end_on_sitting_day
    kind.max_window_months = details.max_window_months
    kind.min_sessions = details.min_sessions if details.sessions_chosen_per_case else None
    kind.agreed_when = details.agreed_when
    kind.needs_partner = details.needs_partner
    kind.report_to = list(details.report_to)
    kind.report_variant = details.report_variant


@transactional
def add_requirement_type(*, details: RequirementTypeDetails) -> RequirementType:
    """Add a kind of order: N sessions inside a window."""
    kind = RequirementType()
    _apply_requirement_type(kind, details)
    db.session.add(kind)
    flush_unique(field="code", message=CODE_TAKEN)
    audit.add("requirement_type_created", object_type="requirement_type", object_id=kind.id)
    return kind


@transactional
def update_requirement_type(
    *, requirement_type: RequirementType, details: RequirementTypeDetails
) -> RequirementType:
    """Change a requirement type's sessions, window or status."""
    _apply_requirement_type(requirement_type, details)
    flush_unique(field="code", message=CODE_TAKEN)
    audit.add(
        "requirement_type_updated",
        object_type="requirement_type",
        object_id=requirement_type.id,
    )
    return requirement_type


# Receiving numbers --------------------------------------------------------------------------

RECEIVING_ORGANISATION_KINDS = frozenset({OrganisationKind.PROJECT, OrganisationKind.CJIT})


def _taken(value: str, holder: Organisation | None) -> str:
    what = "That messaging service" if is_service_sid(value) else "That number"
    where = holder.name if holder is not None else "another organisation"
    return f"{what} already belongs to {where}. A number can belong to one organisation only"


@transactional
def add_receiving_number(*, organisation_id: int, value: str, actor_id: int) -> ReceivingNumber:
    """Give an organisation a number (E.164) or messaging service SID, already normalised
    (diversion.phones.normalise_receiving_number): texts sent to it are its own from now."""
    organisation = _organisation(
        organisation_id,
        kinds=RECEIVING_ORGANISATION_KINDS,
        field="organisation_id",
        message="Select a project or CJIT from the list",
    )
    assert organisation is not None
    held = db.session.scalar(select(ReceivingNumber).where(ReceivingNumber.value == value))
    if held is not None:
        raise RuleBroken(_taken(value, held.organisation), field="value")
    kind = (
        ReceivingNumberKind.MESSAGING_SERVICE
        if is_service_sid(value)
        else ReceivingNumberKind.PHONE
    )
    row = ReceivingNumber(
        organisation_id=organisation.id, kind=kind, value=value, created_by_id=actor_id
    )
    db.session.add(row)
    flush_unique(field="value", message=_taken(value, None))
    audit.add(
        "receiving_number_added",
        object_type="receiving_number",
        object_id=row.id,
        detail=f"organisation {organisation.id}",
    )
    return row


@transactional
def remove_receiving_number(row: ReceivingNumber) -> None:
    """Take a number from its organisation: texts sent to it from now go to administrators."""
    audit.add(
        "receiving_number_removed",
        object_type="receiving_number",
        object_id=row.id,
        detail=f"organisation {row.organisation_id}",
    )
    db.session.delete(row)


def unplaced_view_entries(replies: list[InboundMessage]) -> list[audit.Entry]:
    """The audit rows of one look at the texts no organisation holds: how many, then their
    ids (never words or numbers), as the inbox records its replies."""
    entries = [audit.Entry("unplaced_replies_viewed", detail=f"{len(replies)} replies")]
    ids = [reply.id for reply in replies]
    entries += [
        audit.Entry("replies_viewed", object_type="inbound_message", detail=detail)
        for detail in audit.id_details("replies to numbers no organisation holds:", ids)
    ]
    return entries
