"""The caseload overview's "Show" filter: what each choice keeps, and the counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from diversion.cases.queries import Progress
from diversion.court.schedule import ReportLine, ReportState
from diversion.models import CaseStatus

# The caseload overview's "Show" filter: what each choice keeps.
SHOW_CHOICES: Final = {
    "all": "All open cases",
    "awaiting_court": "Awaiting court",
    "on_scheme": "On scheme",
    "at_risk": "At risk",
    "missed": "Missed an appointment",
    "report_due": "Report due or overdue",
    "report_sent": "Report sent",
}


def shown(line: Progress, report: ReportLine | None, choice: str) -> bool:
    """Whether a case belongs under one of the overview's "Show" choices."""
    state = report.state if report else None
    return {
        "all": True,
        "awaiting_court": line.case.status is CaseStatus.AWAITING_COURT,
        "on_scheme": line.case.status is CaseStatus.ON_SCHEME,
        "at_risk": line.at_risk is not None,
        "missed": line.missed > 0,
        "report_due": state in (ReportState.DUE, ReportState.OVERDUE),
        "report_sent": state in (ReportState.SENT, ReportState.SENDING),
    }[choice]


def counts(lines: list[Progress], reports: Mapping[int, ReportLine]) -> dict[str, int]:
    """How many cases each "Show" choice keeps: the overview's figures."""
    return {
        choice: sum(1 for line in lines if shown(line, reports.get(line.case.id), choice))
        for choice in SHOW_CHOICES
    }
