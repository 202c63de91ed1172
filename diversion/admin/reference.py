"""Reference data every installation starts with: the four orders of domain.md."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from diversion.court_wording import DEFAULT_COURT_WORDINGS
from diversion.db import db, transactional
from diversion.models import AgreedWhen, ReportVariant, RequirementType, WindowRule

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
        "end_on_sitting_day": True,
        "agreed_when": AgreedWhen.COURT_ACCEPTS,
        "report_to": ["court", "cps"],
        "report_variant": ReportVariant.COURT_DIVERSION,
    },
    {
        "code": "RA",
        "name": "Required Assessment (DIP)",
        "description": "An initial assessment after a positive drug test in custody, then a "
        "follow-up unless the assessor records that it is not needed.",
        "sessions": [
            # The initial assessment is the partner's (the CJIT's); the worker who held it
            # may record that the follow-up is not needed.
            {
                "kind": "initial_assessment",
                "name": "Initial assessment",
                "duration_minutes": ASSESSMENT_MINUTES,
                "with_partner": True,
            },
            {
                "kind": "follow_up",
                "name": "Follow-up assessment",
                "duration_minutes": SESSION_MINUTES,
                "may_lapse": True,
                "lapsed_by": "assessor",
            },
        ],
        "window_rule": WindowRule.FROM_POSITIVE_TEST,
        "window_days": 28,
        "max_window_days": None,
        "min_gap_days": 2,
        "agreed_when": AgreedWhen.AT_ONCE,
        "needs_partner": True,
        "report_to": ["police"],
        "report_variant": ReportVariant.ATTENDANCE_RECORD,
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
        "min_sessions": 1,
        "agreed_when": AgreedWhen.BOTH_AGENCIES,
        "needs_partner": True,
        "report_to": ["police", "cps"],
        "report_variant": ReportVariant.COURT_DIVERSION,
    },
    {
        "code": "ESO",
        "name": "Engagement and support order",
        "description": "Three meetings with a supervisor by a date set by the order "
        "(Street Offences Act 1959 s.1(2A)), at most six months away.",
        "sessions": [
            # Every meeting is with the supervisor the order names: nobody stands in.
            {
                "kind": "supervision",
                "name": name,
                "duration_minutes": SESSION_MINUTES,
                "with_named_worker": True,
            }
            for name in ("First meeting", "Second meeting", "Third meeting")
        ],
        "window_rule": WindowRule.ORDER_END_DATE,
        "window_days": None,
        "max_window_days": None,
        "max_window_months": 6,
        "min_gap_days": 7,
        "agreed_when": AgreedWhen.ORDER_MADE,
        "report_to": ["court"],
        "report_variant": ReportVariant.SUPERVISOR_NOTICE,
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
