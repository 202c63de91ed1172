"""Reference data every installation starts with: the four orders of domain.md."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from diversion.court_wording import DEFAULT_COURT_WORDINGS
from diversion.db import db, transactional
from diversion.models import RequirementType, WindowRule

ASSESSMENT_MINUTES = 90
SESSION_MINUTES = 60

REQUIREMENT_TYPES: list[dict[str, Any]] = [
    {
        "code": "CD",
        "name": "Court diversion (extended bail)",
        "description": "Two appointments inside four weeks of extended bail, reported to the "
        "court and the CPS before the return date.",
        "sessions": [
            {
                "kind": "assessment",
                "name": "Comprehensive assessment",
                "duration_minutes": ASSESSMENT_MINUTES,
            },
            {"kind": "care_plan", "name": "Care-plan session", "duration_minutes": SESSION_MINUTES},
        ],
        "window_rule": WindowRule.COURT_TO_RETURN,
        "window_days": 28,
        "max_window_days": 28,
        "min_gap_days": 2,
    },
    {
        "code": "RA",
        "name": "Required Assessment (DIP)",
        "description": "An initial assessment after a positive drug test in custody, then a "
        "follow-up unless the assessor records that it is not needed.",
        "sessions": [
            {
                "kind": "initial_assessment",
                "name": "Initial assessment",
                "duration_minutes": ASSESSMENT_MINUTES,
            },
            {
                "kind": "follow_up",
                "name": "Follow-up assessment",
                "duration_minutes": SESSION_MINUTES,
                "may_lapse": True,
            },
        ],
        "window_rule": WindowRule.FROM_POSITIVE_TEST,
        "window_days": 28,
        "max_window_days": None,
        "min_gap_days": 2,
    },
    {
        "code": "CC",
        "name": "Conditional caution (DIP condition)",
        "description": "One to three sessions, chosen for each case, by a deadline.",
        "sessions": [
            {"kind": "assessment", "name": "Assessment", "duration_minutes": ASSESSMENT_MINUTES},
            {"kind": "session", "name": "Second session", "duration_minutes": SESSION_MINUTES},
            {"kind": "session", "name": "Third session", "duration_minutes": SESSION_MINUTES},
        ],
        "window_rule": WindowRule.CASE_DEADLINE,
        "window_days": None,
        "max_window_days": None,
        "min_gap_days": 2,
        "sessions_chosen_per_case": True,
    },
    {
        "code": "ESO",
        "name": "Engagement and support order",
        "description": "Three meetings with a supervisor by a date set by the order "
        "(Street Offences Act 1959 s.1(2A)), at most six months away.",
        "sessions": [
            {"kind": "supervision", "name": "First meeting", "duration_minutes": SESSION_MINUTES},
            {"kind": "supervision", "name": "Second meeting", "duration_minutes": SESSION_MINUTES},
            {"kind": "supervision", "name": "Third meeting", "duration_minutes": SESSION_MINUTES},
        ],
        "window_rule": WindowRule.ORDER_END_DATE,
        "window_days": None,
        "max_window_days": 183,
        "min_gap_days": 7,
    },
]


@transactional
def seed_requirement_types() -> int:
    """Add any of the four standard requirement types that are missing; return how many."""
    existing = set(db.session.scalars(select(RequirementType.code)))
    added = 0
    for spec in REQUIREMENT_TYPES:
        if spec["code"] in existing:
            continue
        db.session.add(RequirementType(court_wordings=list(DEFAULT_COURT_WORDINGS), **spec))
        added += 1
    return added
