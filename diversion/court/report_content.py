"""What the court and the CPS read in a compliance report: its form, its facts, its HTML and PDF."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app

from diversion.cases.compliance import Compliance
from diversion.cases.facts import compliance_of
from diversion.court_wording import NOT_RECORDED
from diversion.models import (
    AppointmentStatus,
    Case,
    Court,
    CourtOutcome,
    ReportVariant,
    RequirementType,
)

log = logging.getLogger(__name__)


STATEMENT_MAX_LENGTH = 2000


ADDRESSES_PLACE = "Administration > Courts"

# Rule: one form of report per kind of order; an order without one of its own (a conditional
# caution, or a type an administrator adds) gets the court diversion form with its wording
# generalised to name the order ("Compliance report: <requirement type>").
VARIANT_BY_CODE = {
    "CD": ReportVariant.COURT_DIVERSION,
    "ESO": ReportVariant.SUPERVISOR_NOTICE,
    "RA": ReportVariant.ATTENDANCE_RECORD,
}
COURT_DIVERSION_CODE = "CD"
GENERALISED_TITLE = "Compliance report: {requirement}"

MISSED_WORDS = {
    AppointmentStatus.DID_NOT_ATTEND.value: "Did not attend",
    AppointmentStatus.CANCELLED_BY_CLIENT.value: "Cancelled by her",
    AppointmentStatus.CANCELLED_BY_SERVICE.value: "Cancelled by the project",
}


def variant_for(requirement_type: RequirementType) -> ReportVariant:
    """The form of report an order takes (court diversion for any order without its own)."""
    return VARIANT_BY_CODE.get(requirement_type.code, ReportVariant.COURT_DIVERSION)


def report_title(requirement_type: RequirementType) -> str:
    """The report's heading: the variant's name, or the generalised one naming the order."""
    variant = variant_for(requirement_type)
    if variant is ReportVariant.COURT_DIVERSION and requirement_type.code != COURT_DIVERSION_CODE:
        return GENERALISED_TITLE.format(requirement=requirement_type.name)
    return variant.label


def why_no_report(case: Case) -> str | None:
    """Why a case cannot have a report signed off yet, or None when it can.

    Rule: a report is for a case the court put on the scheme, once it has set a return date.
    """
    if case.court_outcome is not CourtOutcome.ACCEPTED or case.outcome_hearing_date is None:
        return "A report can be signed off once the court has put her on the scheme."
    if case.return_date is None:
        return "A report can be signed off once the court has set a return date."
    return None


def missing_addresses(court: Court) -> list[str]:
    """The court's email addresses a send needs but that nobody has set up."""
    missing = []
    if not court.court_email:
        missing.append("court email address")
    if not court.cps_email:
        missing.append("CPS email address")
    return missing


# --- what the court and the CPS read ------------------------------------------------------


@dataclass(frozen=True)
class SessionLine:
    number: int
    name: str
    attended_on: date | None


@dataclass(frozen=True)
class MissedLine:
    day: date
    session: str
    what: str
    # One of the requirement type's court wordings: never the worker's own reason.
    wording: str


@dataclass(frozen=True)
class SignOff:
    statement: str
    name: str
    organisation: str
    signed_at: datetime


@dataclass(frozen=True)
class ReportFacts:
    """Everything a report shows, and nothing else: the field-level rule (security.md 4)."""

    title: str
    variant: ReportVariant
    requirement_code: str
    requirement_name: str
    name: str
    date_of_birth: date
    court_reference: str | None
    court_name: str
    court_date: date | None
    return_date: date | None
    organisation_name: str
    status: str
    status_label: str
    required: int
    attended: int
    sessions: tuple[SessionLine, ...]
    missed: tuple[MissedLine, ...]
    sign_off: SignOff | None = None
    draft: bool = field(default=False)


def _session_names(requirement_type: RequirementType) -> dict[int, str]:
    return {
        number: str(session.get("name") or f"Session {number}")
        for number, session in enumerate(requirement_type.sessions, 1)
    }


def report_facts(
    case: Case, *, result: Compliance, sign_off: SignOff | None, draft: bool = False
) -> ReportFacts:
    """Pick out of a case what its report may show."""
    names = _session_names(case.requirement_type)
    return ReportFacts(
        title=report_title(case.requirement_type),
        variant=variant_for(case.requirement_type),
        requirement_code=case.requirement_type.code,
        requirement_name=case.requirement_type.name,
        name=case.client.full_name,
        date_of_birth=case.client.date_of_birth,
        court_reference=case.court_reference,
        court_name=case.court.name,
        court_date=case.outcome_hearing_date,
        return_date=case.return_date,
        organisation_name=case.organisation.name,
        status=result.status.value,
        status_label=result.status.label,
        required=result.required,
        attended=result.attended,
        sessions=tuple(
            SessionLine(
                number=s.number,
                name=names.get(s.number, f"Session {s.number}"),
                attended_on=s.attended_on,
            )
            for s in result.sessions
        ),
        missed=tuple(
            MissedLine(
                day=m.day,
                session=names.get(m.session_number, f"Session {m.session_number}"),
                what=MISSED_WORDS.get(m.status, m.status),
                wording=m.court_wording or NOT_RECORDED,
            )
            for m in result.missed
        ),
        sign_off=sign_off,
        draft=draft,
    )


def render_report_html(facts: ReportFacts) -> str:
    """The report as a standalone HTML document (print CSS for A4, no external assets)."""
    template = current_app.jinja_env.get_template(f"court/reports/{facts.variant.value}.html")
    return template.render(r=facts, title=facts.title)


def draft_html(case: Case, *, today: date) -> str:
    """The report as it would read if signed off today: for the worker to check first."""
    result = compliance_of(case, today=today)
    return render_report_html(report_facts(case, result=result, sign_off=None, draft=True))


_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def style_hashes(html: str) -> list[str]:
    """CSP source expressions ('sha256-...') for the document's own style elements."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in _STYLE.findall(html)
    ]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pdf_filename(case: Case) -> str:
    """The attachment's name: the court reference (or case reference), never her name."""
    reference = case.court_reference or case.reference or f"case-{case.id}"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in reference)[:60]
    return f"compliance-report-{safe}.pdf"
