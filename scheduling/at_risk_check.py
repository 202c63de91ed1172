"""The morning at-risk recheck: every open case, every day, not only after a miss.

A case is flagged at risk after a miss or a cancellation when no rebooking fits
(scheduling.booking). But a case can also run out of room with nothing missed: the window
draws to its end, her worker goes on leave, a venue closes. So once a day, after 06:00
London, every case on the scheme with required sessions still to book is proposed again
(scheduling.booking.propose) at each active venue of the organisation holding those
sessions. A plan at any of them means she can still finish; none means the case is at risk
(domain.md, "Booking": "when no fit remains, flag the case as at risk and say why").

- A case newly at risk gets its reason and one "at_risk" line on its timeline; a case that
  stays at risk keeps its flag (the reason brought up to date) with no second line.
- A case flagged earlier that a plan now fits is cleared.
- A case whose remaining sessions are all booked is not at risk: each booking keeps its day
  until attendance is recorded (as scheduling.at_risk reads it).
- A case with no window yet, or past its last appointment date (the report is what is left
  to do), or whose organisation has no active venue, is left as it is.

Each case is checked and committed on its own, so one case that fails does not stop the rest;
the log names its id only. Each run is recorded with an audit row (RUN_ACTION), which is
what makes the job run once a day and catch up, once, after a missed morning; with several
schedulers, the run also claims its day in the ledger (scheduling.ledger) before it starts,
so two that poll together, or one catching up, recheck once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select

from diversion import audit, clock
from diversion.admin import queries as admin_queries
from diversion.cases.services import add_case_event
from diversion.db import db
from diversion.models import AuditEvent, Case
from diversion.privacy.retention import daily_run_due
from scheduling import calendar, ledger
from scheduling import queries as scheduling_queries
from scheduling.booking import (
    at_risk_wording,
    booked_for,
    booking_window,
    organisation_for,
    outstanding_sessions,
    propose,
)
from scheduling.plan import NoPlan

log = logging.getLogger(__name__)

RUN_ACTION = "at_risk_check_run"
JOB = "at-risk-recheck"
# The job runs once a day, at the first poll after this time (London): before the working
# day, so the morning's caseload shows what the night changed.
DAILY_AT = time(6, 0)

FLAGGED = "flagged"
CLEARED = "cleared"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class AtRiskRun:
    """What one recheck did, as counts."""

    checked: int
    flagged: int
    cleared: int
    failed: int = 0

    @property
    def summary(self) -> str:
        """The counts in words, for the audit row and the log: no names, no content."""
        return (
            f"{self.checked} open cases checked; {self.flagged} newly at risk; "
            f"{self.cleared} no longer at risk; {self.failed} failed"
        )


def why_at_risk(case: Case, *, now: datetime) -> str | None:
    """Why this case's remaining sessions cannot all be booked in time, None when a plan fits
    at some active venue (or the case is not one to judge now: see the module docstring)."""
    window = booking_window(case, now=now)
    if window is None or now.astimezone(calendar.LONDON).date() > window.last_day:
        return case.at_risk_reason
    sessions = outstanding_sessions(case)
    unbooked = [s for s in sessions if not booked_for(case, {s.number})]
    if not unbooked:
        return None
    holder = organisation_for(case, sessions)
    venues = [v for v in admin_queries.venues(holder) if v.active]
    if not venues:
        return case.at_risk_reason
    first_refusal: NoPlan | None = None
    for venue in venues:
        result = propose(case, venue=venue, now=now)
        if not isinstance(result, NoPlan):
            return None
        first_refusal = first_refusal or result
    assert first_refusal is not None
    return at_risk_wording(case, first_refusal.reason)


def recheck_case(case: Case, *, now: datetime) -> str:
    """Set or clear one case's at-risk flag; say what changed (FLAGGED, CLEARED, UNCHANGED).

    Writes into the current transaction; the caller commits.
    """
    reason = why_at_risk(case, now=now)
    was = case.at_risk_reason
    case.at_risk_reason = reason
    if reason is None:
        return UNCHANGED if was is None else CLEARED
    if was is None:
        add_case_event(case, None, "at_risk", reason)
        return FLAGGED
    return UNCHANGED


def recheck_at_risk(*, now: datetime) -> AtRiskRun:
    """Recheck every case on the scheme, each in its own transaction; return the counts."""
    counts = {FLAGGED: 0, CLEARED: 0, UNCHANGED: 0}
    failed = 0
    session = db.session
    case_ids = scheduling_queries.on_scheme_case_ids()
    session.rollback()  # end the read: each case is its own transaction
    for case_id in case_ids:
        try:
            case = session.get(Case, case_id)
            if case is None:  # closed and erased since the list was read
                continue
            counts[recheck_case(case, now=now)] += 1
            session.commit()
        except Exception as error:
            session.rollback()
            failed += 1
            # The case id and the kind of error only: an error's text can carry her details.
            log.error("at-risk recheck failed for case %s (%s)", case_id, type(error).__name__)
        finally:
            session.expunge_all()  # one case's rows at a time, however many cases are open
    return AtRiskRun(
        checked=sum(counts.values()),
        flagged=counts[FLAGGED],
        cleared=counts[CLEARED],
        failed=failed,
    )


def last_run_at() -> datetime | None:
    """When the at-risk recheck last ran."""
    return db.session.scalar(
        select(AuditEvent.occurred_at)
        .where(AuditEvent.action == RUN_ACTION)
        .order_by(AuditEvent.occurred_at.desc())
        .limit(1)
    )


def at_risk_job() -> None:
    """Scheduler job body (an app context is given): once a day, after 06:00 London, recheck
    every open case. Polled often, so a morning missed while the scheduler was down is run
    at its next poll, once."""
    now = clock.now()
    last = last_run_at()
    db.session.rollback()  # end the read before the run's own transactions
    if not daily_run_due(now=now, last_run=last, at=DAILY_AT):
        return
    claim_id = ledger.claim(job=JOB, period=ledger.daily_period(now, DAILY_AT), now=now)
    if claim_id is None:
        return  # another scheduler has done this morning's recheck, or is doing it
    session = db.session
    try:
        run = recheck_at_risk(now=now)
        audit.add(RUN_ACTION, object_type="at_risk_check", detail=run.summary)
        ledger.finish(claim_id, now=clock.now())
        session.commit()
    except BaseException:
        session.rollback()
        ledger.release(claim_id)
        raise
    log.info("at-risk recheck: %s", run.summary)
