"""Which sessions a case books next: its order's required sessions, and who holds them.

Reads the order's settings through diversion.cases.rules: the sessions past a chosen count
or recorded as not needed are not booked, and a session the partner agency holds (a
Required Assessment's initial assessment, with the CJIT) is booked with that agency's
workers and venues, apart from the project's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from diversion.cases import rules
from diversion.models import AppointmentStatus, Case
from scheduling.plan import SessionSpec

DONE = (AppointmentStatus.ATTENDED,)


def every_spec(case: Case) -> list[SessionSpec]:
    return [
        SessionSpec(
            number=index,
            kind=str(spec["kind"]),
            name=str(spec["name"]),
            duration=timedelta(minutes=int(spec["duration_minutes"])),
        )
        for index, spec in enumerate(case.requirement_type.sessions, start=1)
    ]


def session_specs(case: Case) -> list[SessionSpec]:
    """The sessions this case must attend, in order: its order's sessions, less those past
    the count chosen on the case and those recorded as not needed (diversion.cases.orders)."""
    required = set(rules.required_numbers(case))
    return [spec for spec in every_spec(case) if spec.number in required]


def held_by_partner(case: Case, number: int) -> bool:
    """Whether the case's partner agency (the CJIT, say) holds this session."""
    return (
        case.partner_organisation_id is not None
        and number in rules.rules_of(case.requirement_type).with_partner
    )


def organisation_for(case: Case, sessions: Sequence[SessionSpec]) -> int:
    """The organisation whose workers and venues hold these sessions."""
    if sessions and held_by_partner(case, sessions[0].number):
        assert case.partner_organisation_id is not None
        return case.partner_organisation_id
    return case.organisation_id


def outstanding_sessions(case: Case) -> list[SessionSpec]:
    """Sessions still to book: from the first one not yet attended, to the last held by the
    same organisation.

    A later session already booked is planned again with them, because it must stay after
    the earlier one (domain.md: sessions in order, at least min_gap_days apart). A plan is
    with one organisation: a session the partner agency holds (a Required Assessment's
    initial assessment, with the CJIT) is booked on its own, then the project's after it.
    """
    attended = {a.session_number for a in case.appointments if a.status in DONE}
    specs = session_specs(case)
    for index, spec in enumerate(specs):
        if spec.number not in attended:
            side = held_by_partner(case, spec.number)
            run = []
            for later in specs[index:]:
                if held_by_partner(case, later.number) != side:
                    break
                run.append(later)
            return run
    return []


def named_worker_for(case: Case, sessions: Sequence[SessionSpec]) -> int | None:
    """The one worker these sessions must be held by (the supervisor an order names), or
    None when any worker of the holding organisation may."""
    named = rules.rules_of(case.requirement_type).with_named_worker
    if case.worker_id is not None and any(s.number in named for s in sessions):
        return case.worker_id
    return None
