"""What the court and the CPS read in a compliance report: its form, its facts, its HTML and PDF."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app

from diversion.cases import rules
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

# Rule: each requirement type says which form of report its cases take (`report_variant`)
# and who gets it (`report_to`). A court diversion form for an order that does not start in
# court (a conditional caution, or a type an administrator adds) has its wording generalised
# to name the order ("Compliance report: <requirement type>").
GENERALISED_TITLE = "Compliance report: {requirement}"

# Who a report can go to: what the court record calls them, and where their address is kept.
RECIPIENTS = ("court", "cps", "police")
RECIPIENT_NAMES = {"court": "the court", "cps": "the CPS", "police": "the police"}
ADDRESS_NAMES = {
    "court": "court email address",
    "cps": "CPS email address",
    "police": "police email address",
}

MISSED_WORDS = {
    AppointmentStatus.DID_NOT_ATTEND.value: "Did not attend",
    AppointmentStatus.CANCELLED_BY_CLIENT.value: "Cancelled by her",
    AppointmentStatus.CANCELLED_BY_SERVICE.value: "Cancelled by the project",
}


def variant_for(requirement_type: RequirementType) -> ReportVariant:
    """The form of report an order takes: its requirement type's setting."""
    return requirement_type.report_variant or ReportVariant.COURT_DIVERSION


def _generalised(requirement_type: RequirementType) -> bool:
    return (
        variant_for(requirement_type) is ReportVariant.COURT_DIVERSION
        and not rules.rules_of(requirement_type).starts_in_court
    )


def report_title(requirement_type: RequirementType) -> str:
    """The report's heading: the variant's name, or the generalised one naming the order."""
    if _generalised(requirement_type):
        return GENERALISED_TITLE.format(requirement=requirement_type.name)
    return variant_for(requirement_type).label


def recipients_of(requirement_type: RequirementType) -> tuple[str, ...]:
    """Who gets an order's report, in a fixed order (the court, the CPS, the police)."""
    wanted = set(requirement_type.report_to or ()) & set(RECIPIENTS)
    return tuple(role for role in RECIPIENTS if role in wanted) or ("court", "cps")


def joined(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def recipient_words(requirement_type: RequirementType) -> str:
    """Who gets the report, as a sentence says it: 'the police and the CPS'."""
    return joined([RECIPIENT_NAMES[role] for role in recipients_of(requirement_type)])


def address_of(court: Court, role: str) -> str | None:
    return {"court": court.court_email, "cps": court.cps_email, "police": court.police_email}[role]


def addresses(case: Case) -> list[tuple[str, str | None]]:
    """Each recipient of the case's report with the court's address for them (None if unset)."""
    return [(role, address_of(case.court, role)) for role in recipients_of(case.requirement_type)]


def why_no_report(case: Case) -> str | None:
    """Why a case cannot have a report signed off yet, or None when it can.

    Rule: a report is for a case on its order once both ends of its window are known: for
    an order that starts in court, once the court put her on the scheme and set a return
    date; for any other, once it is agreed and its end date is recorded."""
    order = rules.rules_of(case.requirement_type)
    if order.starts_in_court:
        if case.court_outcome is not CourtOutcome.ACCEPTED or case.outcome_hearing_date is None:
            return "A report can be signed off once the court has put her on the scheme."
        if case.return_date is None:
            return "A report can be signed off once the court has set a return date."
        return None
    if not rules.is_agreed(case):
        return "A report can be signed off once the case has been agreed."
    if rules.window(case) is None:
        return f"A report can be signed off once the {order.end_noun} is recorded."
    return None


def missing_addresses(case: Case) -> list[str]:
    """The court's email addresses the case's report needs but that nobody has set up."""
    return [ADDRESS_NAMES[role] for role, address in addresses(case) if not address]


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
    # Who it is addressed to ("Testbury Magistrates' Court and the Crown Prosecution
    # Service") and who may read it ("the court and the CPS").
    addressed_to: str
    readers: str
    # The order's own words for the window's ends ("Court date", "Date of the caution"...).
    start_label: str
    end_label: str
    court_date: date | None
    return_date: date | None
    organisation_name: str
    status: str
    status_label: str
    required: int
    attended: int
    sessions: tuple[SessionLine, ...]
    missed: tuple[MissedLine, ...]
    # Sessions the order let lapse (the assessor recorded they were not needed): their names
    # only, never the reason she gave.
    lapsed: tuple[str, ...] = ()
    generalised: bool = False
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
    order = rules.rules_of(case.requirement_type)
    window = rules.window(case)
    formal = {
        "court": case.court.name,
        "cps": "the Crown Prosecution Service",
        "police": "the police",
    }
    return ReportFacts(
        title=report_title(case.requirement_type),
        variant=variant_for(case.requirement_type),
        requirement_code=case.requirement_type.code,
        requirement_name=case.requirement_type.name,
        name=case.client.full_name,
        date_of_birth=case.client.date_of_birth,
        court_reference=case.court_reference,
        court_name=case.court.name,
        addressed_to=joined([formal[role] for role in recipients_of(case.requirement_type)]),
        readers=recipient_words(case.requirement_type),
        start_label=order.start_noun.capitalize(),
        end_label=order.end_noun.capitalize(),
        court_date=window.court_date if window else case.outcome_hearing_date,
        return_date=window.return_date if window else case.return_date,
        generalised=_generalised(case.requirement_type),
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
        lapsed=tuple(names.get(n, f"Session {n}") for n in result.lapsed),
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
