"""A case's compliance: derived from its appointments and dates, never stored by hand.

Pure rules (architecture rule 1): plain values in, plain values out, no clock, no database.
The rules come from design/domain.md, "Attendance and compliance":

- **complied**: every required session attended inside the window (from the hearing that
  gave extended bail to the last appointment date);
- **not complied**: the last appointment date has passed without that;
- **in progress**: still inside the window, or not yet before the court;
- **withdrawn or declined**: she declined the scheme or left it;
- **closed**: the case ended without a scheme result (not eligible, or closed before court
  set a return date).

Acceptable absence is for the court to judge: a missed or cancelled appointment carries the
court wording the worker chose from the requirement type's list (diversion.court_wording),
which the report shows and which never changes the status. The worker's own free-text reason
is not a fact of this rule: it never reaches the court.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

__all__ = [
    "AppointmentFact",
    "CaseFacts",
    "Compliance",
    "ComplianceStatus",
    "SessionRecord",
    "compliance",
]


class ComplianceStatus(enum.Enum):
    """The five statuses of domain.md, with the words the court and the CPS read."""

    COMPLIED = "complied"
    NOT_COMPLIED = "not_complied"
    IN_PROGRESS = "in_progress"
    WITHDRAWN_OR_DECLINED = "withdrawn_or_declined"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "complied": "Complied",
            "not_complied": "Not complied",
            "in_progress": "In progress",
            "withdrawn_or_declined": "Withdrawn or declined",
            "closed": "Closed",
        }[self.value]


@dataclass(frozen=True)
class AppointmentFact:
    """What the rule needs of one appointment: its session, local date, status and the
    court wording chosen for it (never the worker's own reason).

    `status` is the appointment status value ("booked", "attended", "did_not_attend",
    "cancelled_by_client", "cancelled_by_service", "rescheduled").
    """

    session_number: int
    day: date
    status: str
    court_wording: str | None = None


@dataclass(frozen=True)
class CaseFacts:
    """What the rule needs of a case.

    `case_status` is the case status value ("awaiting_court", "on_scheme", "declined",
    "not_eligible", "withdrawn", "closed"). `window_start` is the hearing that gave extended
    bail and `last_day` the last appointment date; both are None until the court sets a
    return date.
    """

    case_status: str
    required_sessions: int
    window_start: date | None
    last_day: date | None
    appointments: Sequence[AppointmentFact]
    # Which sessions are required, when not simply 1 to required_sessions (a lapsed
    # follow-up is left out); and the sessions recorded as not needed.
    required_numbers: tuple[int, ...] | None = None
    lapsed: frozenset[int] = frozenset()

    @property
    def numbers(self) -> tuple[int, ...]:
        if self.required_numbers is not None:
            return self.required_numbers
        return tuple(range(1, self.required_sessions + 1))


@dataclass(frozen=True)
class SessionRecord:
    """One required session as the court reads it: attended on a date, or not yet, and any
    missed or cancelled appointments for it with the court wordings chosen for them."""

    number: int
    attended_on: date | None
    missed: tuple[AppointmentFact, ...]


@dataclass(frozen=True)
class Compliance:
    status: ComplianceStatus
    required: int
    attended: int
    sessions: tuple[SessionRecord, ...]
    # Sessions recorded as not needed: not counted, and shown as such.
    lapsed: tuple[int, ...] = ()

    @property
    def missed(self) -> tuple[AppointmentFact, ...]:
        """Every missed or cancelled appointment, in date order, with its court wording."""
        found = [miss for session in self.sessions for miss in session.missed]
        return tuple(sorted(found, key=lambda miss: (miss.day, miss.session_number)))


MISSED_STATUSES = frozenset({"did_not_attend", "cancelled_by_client", "cancelled_by_service"})
_LEFT_THE_SCHEME = frozenset({"declined", "withdrawn"})
_NO_SCHEME = frozenset({"not_eligible"})


def _inside(day: date, start: date | None, last: date | None) -> bool:
    if start is None or last is None:
        return False
    return start <= day <= last


def _sessions(facts: CaseFacts) -> tuple[SessionRecord, ...]:
    records = []
    for number in facts.numbers:
        mine = sorted(
            (a for a in facts.appointments if a.session_number == number), key=lambda a: a.day
        )
        # Rule: a session counts only when attended inside the window; the first such
        # attendance is the one the court is told about.
        attended = [
            a.day
            for a in mine
            if a.status == "attended" and _inside(a.day, facts.window_start, facts.last_day)
        ]
        missed = tuple(a for a in mine if a.status in MISSED_STATUSES)
        records.append(
            SessionRecord(
                number=number, attended_on=attended[0] if attended else None, missed=missed
            )
        )
    return tuple(records)


def compliance(facts: CaseFacts, *, today: date) -> Compliance:
    """Derive a case's compliance status on `today` (Europe/London) from its facts."""
    if facts.required_sessions < 0:
        raise ValueError("required_sessions must not be negative")
    sessions = _sessions(facts)
    attended = sum(1 for s in sessions if s.attended_on is not None)
    required = len(facts.numbers)
    all_done = attended == required

    def result(status: ComplianceStatus) -> Compliance:
        return Compliance(
            status=status,
            required=required,
            attended=attended,
            sessions=sessions,
            lapsed=tuple(sorted(facts.lapsed)),
        )

    # Rule: a woman who declined the scheme or left it is "withdrawn or declined", whatever
    # she attended before she left.
    if facts.case_status in _LEFT_THE_SCHEME:
        return result(ComplianceStatus.WITHDRAWN_OR_DECLINED)
    if facts.case_status in _NO_SCHEME:
        return result(ComplianceStatus.CLOSED)
    if facts.window_start is None or facts.last_day is None:
        # No return date yet: before court, or closed before the scheme began.
        if facts.case_status == "closed":
            return result(ComplianceStatus.CLOSED)
        return result(ComplianceStatus.IN_PROGRESS)
    # On the scheme (or closed after it): attendance decides.
    if all_done:
        return result(ComplianceStatus.COMPLIED)
    if today > facts.last_day or facts.case_status == "closed":
        return result(ComplianceStatus.NOT_COMPLIED)
    return result(ComplianceStatus.IN_PROGRESS)
