"""Retention: when a text's body, a reply, or a woman's whole record is due to be erased.

Pure rules (architecture rule 1): plain values in, plain values out; no clock, no database.
From security.md 13 and the periods in config (diversion/config.py):

- **Text-message bodies** (`RETENTION_MESSAGE_BODY_DAYS`, default 90): erased that many days
  after the event the text is about: the appointment's start, or the hearing for a
  court-date reminder; a text about neither counts from when it was due to go. A text still
  waiting or in flight keeps its body (the dispatcher needs it to send or reconcile).
- **Replies** (`RETENTION_INBOUND_BODY_DAYS`, default 90): the body and the number it came
  from are erased that many days after it arrived.
- **A woman's record** (`RETENTION_CLOSED_CASE_YEARS`, default 6): anonymised that many years
  after her last case ended, and only once every case of hers has ended. A case ends when it
  is closed or withdrawn (its closing time); a case the court put to her that she declined,
  or for which she was not eligible, ends at the end of that hearing day (London) unless it
  was closed later. A case awaiting court or on the scheme has not ended. A woman with no
  case counts from the last change to her record.
- **Audit rows** hold ids only, never content, and are not erased by this job
  (`RETENTION_AUDIT_YEARS` is shown for the processing register).

Anonymising keeps the rows (for the counts in monitoring reports) but removes whatever
identifies her or holds content: see diversion.services.retention.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from diversion.formatting import LONDON

__all__ = [
    "ERASED",
    "CaseEnd",
    "ClientDue",
    "ClientFacts",
    "Due",
    "DueItem",
    "MessageFacts",
    "Periods",
    "ReplyFacts",
    "add_years",
    "anonymised_date_of_birth",
    "case_ended_at",
    "client_due_at",
    "daily_run_due",
    "last_case_ended_at",
    "message_body_due_at",
    "periods_from",
    "reply_due_at",
    "what_is_due",
]


# What an erased text field holds: a marker a person reads, never the content.
ERASED = "[erased]"

# Message statuses (diversion.models.MessageStatus values) whose body the dispatcher still
# needs: waiting to go, held for quiet hours, or in flight (reconciled against the provider).
OPEN_MESSAGE_STATUSES = frozenset({"pending", "held", "sending"})

# Case statuses (diversion.models.CaseStatus values).
OPEN_CASE_STATUSES = frozenset({"awaiting_court", "on_scheme"})
CLOSED_CASE_STATUSES = frozenset({"closed", "withdrawn"})
REFUSED_CASE_STATUSES = frozenset({"declined", "not_eligible"})


@dataclass(frozen=True)
class Periods:
    """The retention periods, from config."""

    message_body_days: int = 90
    inbound_body_days: int = 90
    closed_case_years: int = 6
    audit_years: int = 6


def periods_from(config: Mapping[str, Any]) -> Periods:
    """The periods an app's config sets; a missing key takes the default of `Periods`."""
    default = Periods()
    return Periods(
        message_body_days=int(config.get("RETENTION_MESSAGE_BODY_DAYS", default.message_body_days)),
        inbound_body_days=int(config.get("RETENTION_INBOUND_BODY_DAYS", default.inbound_body_days)),
        closed_case_years=int(config.get("RETENTION_CLOSED_CASE_YEARS", default.closed_case_years)),
        audit_years=int(config.get("RETENTION_AUDIT_YEARS", default.audit_years)),
    )


def add_years(instant: datetime, years: int) -> datetime:
    """The same wall-clock moment `years` later; 29 February becomes 28 February."""
    try:
        return instant.replace(year=instant.year + years)
    except ValueError:
        return instant.replace(year=instant.year + years, day=28)


def anonymised_date_of_birth(date_of_birth: date) -> date:
    """What an anonymised record keeps of her date of birth: 1 January of the year, so that
    age bands in monitoring still count her and the day no longer identifies her."""
    return date(date_of_birth.year, 1, 1)


# --- text messages ----------------------------------------------------------------------


@dataclass(frozen=True)
class MessageFacts:
    """What the rule needs of one text: its status, when it was due to go, and what about."""

    id: int
    status: str
    send_at: datetime
    appointment_starts_at: datetime | None = None
    hearing_at: datetime | None = None


def message_body_due_at(message: MessageFacts, periods: Periods) -> datetime | None:
    """When a text's body is due to be erased; None while it may still be sent."""
    if message.status in OPEN_MESSAGE_STATUSES:
        return None
    event = message.appointment_starts_at or message.hearing_at or message.send_at
    return event + timedelta(days=periods.message_body_days)


@dataclass(frozen=True)
class ReplyFacts:
    """A reply from a woman (or an unknown number): when it arrived."""

    id: int
    received_at: datetime


def reply_due_at(reply: ReplyFacts, periods: Periods) -> datetime:
    """When a reply's body and number are due to be erased."""
    return reply.received_at + timedelta(days=periods.inbound_body_days)


# --- clients ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseEnd:
    """What the rule needs of one case: how it stands and the dates that say when it ended."""

    id: int
    reference: str | None
    status: str
    closed_at: datetime | None
    outcome_hearing_date: date | None
    first_court_date: date | None
    # The date an order that starts away from court started (a caution, a positive test).
    start_date: date | None = None


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON)


def case_ended_at(case: CaseEnd) -> datetime | None:
    """When a case ended, or None while it is still open (see the module docstring)."""
    if case.status in OPEN_CASE_STATUSES:
        return None
    if case.closed_at is not None:
        return case.closed_at
    # Declined or not eligible at court, or (older data) closed without a closing time:
    # the end of the last hearing day it has.
    last = case.outcome_hearing_date or case.first_court_date or case.start_date
    if last is None:
        raise ValueError(f"case {case.id} ended with no date to count from")
    return _end_of_day(last)


@dataclass(frozen=True)
class ClientFacts:
    """A woman whose record is not yet anonymised: her cases and when her record changed."""

    id: int
    organisation_id: int
    record_changed_at: datetime
    cases: tuple[CaseEnd, ...]


def last_case_ended_at(client: ClientFacts) -> datetime | None:
    """When her last case ended; None while any case is open, or when she has none."""
    ends = [case_ended_at(case) for case in client.cases]
    if not ends or any(end is None for end in ends):
        return None
    return max(end for end in ends if end is not None)


def client_due_at(client: ClientFacts, periods: Periods) -> datetime | None:
    """When her record is due to be anonymised; None while any case of hers is open."""
    if not client.cases:
        return add_years(client.record_changed_at, periods.closed_case_years)
    last = last_case_ended_at(client)
    return None if last is None else add_years(last, periods.closed_case_years)


# --- what is due --------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    """One text or reply and when its content is (or was) due to be erased."""

    id: int
    due_at: datetime


@dataclass(frozen=True)
class ClientDue:
    """One woman whose record is (or will be) due to be anonymised, with her cases."""

    id: int
    organisation_id: int
    due_at: datetime
    cases: tuple[CaseEnd, ...]
    # None when she has no case (the period runs from the last change to her record).
    last_ended_at: datetime | None


@dataclass(frozen=True)
class Due:
    """Everything due by a moment, each list earliest first."""

    message_bodies: tuple[DueItem, ...]
    replies: tuple[DueItem, ...]
    clients: tuple[ClientDue, ...]

    def by(self, moment: datetime) -> Due:
        """Only what is due by an earlier moment."""
        return Due(
            message_bodies=tuple(i for i in self.message_bodies if i.due_at <= moment),
            replies=tuple(i for i in self.replies if i.due_at <= moment),
            clients=tuple(c for c in self.clients if c.due_at <= moment),
        )

    def after(self, moment: datetime) -> Due:
        """Only what falls due after a moment."""
        return Due(
            message_bodies=tuple(i for i in self.message_bodies if i.due_at > moment),
            replies=tuple(i for i in self.replies if i.due_at > moment),
            clients=tuple(c for c in self.clients if c.due_at > moment),
        )


def what_is_due(
    *,
    periods: Periods,
    until: datetime,
    messages: Iterable[MessageFacts],
    replies: Iterable[ReplyFacts],
    clients: Iterable[ClientFacts],
) -> Due:
    """Everything whose retention period ends at or before `until` (pass `now` for what the
    job erases now, a later moment for what is coming)."""
    message_items = []
    for message in messages:
        due_at = message_body_due_at(message, periods)
        if due_at is not None and due_at <= until:
            message_items.append(DueItem(message.id, due_at))
    reply_items = [
        DueItem(reply.id, due_at)
        for reply in replies
        if (due_at := reply_due_at(reply, periods)) <= until
    ]
    client_items = []
    for client in clients:
        client_due = client_due_at(client, periods)
        if client_due is not None and client_due <= until:
            client_items.append(
                ClientDue(
                    id=client.id,
                    organisation_id=client.organisation_id,
                    due_at=client_due,
                    cases=client.cases,
                    last_ended_at=last_case_ended_at(client),
                )
            )

    def order(item: DueItem | ClientDue) -> tuple[datetime, int]:
        return (item.due_at, item.id)

    return Due(
        message_bodies=tuple(sorted(message_items, key=order)),
        replies=tuple(sorted(reply_items, key=order)),
        clients=tuple(sorted(client_items, key=order)),
    )


def daily_run_due(*, now: datetime, last_run: datetime | None, at: time) -> bool:
    """Whether a once-a-day job should run: it has not run since the latest `at` (London wall
    clock) at or before `now`. A run missed while nothing was running happens late, once."""
    local = now.astimezone(LONDON)
    day = local.date() if local.time() >= at else local.date() - timedelta(days=1)
    slot = datetime.combine(day, at, tzinfo=LONDON)
    return last_run is None or last_run < slot
