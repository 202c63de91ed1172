"""The settings of an order that case logic reads (docs/orders.md): the requirement type
form's fields for agreement, partner, end date, session count and report, and the session
lines with their per-session settings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from wtforms import BooleanField, SelectMultipleField
from wtforms.fields import SelectChoice
from wtforms.validators import ValidationError

from diversion.fields import AdminForm, GovRadioField, WholeNumberField, _CheckboxesWithLegend
from diversion.models import AgreedWhen, ReportVariant

SESSION_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")
SESSION_KIND_EXAMPLE = "assessment | Comprehensive assessment | 90"
MIN_SESSIONS, MAX_SESSIONS = 1, 6
MIN_DURATION, MAX_DURATION = 15, 480
MAX_WINDOW_MONTHS = 24

# What an administrator may add after a session's duration, and the setting each one sets.
SESSION_FLAGS = {
    "may lapse": "may_lapse",
    "with partner": "with_partner",
    "with named worker": "with_named_worker",
}
RECIPIENT_CHOICES = (
    ("court", "The court"),
    ("cps", "The Crown Prosecution Service"),
    ("police", "The police"),
)


@dataclass(frozen=True)
class SessionLine:
    kind: str
    name: str
    duration_minutes: int
    flags: frozenset[str] = field(default_factory=frozenset)

    @property
    def may_lapse(self) -> bool:
        return "may_lapse" in self.flags

    def as_setting(self) -> dict[str, Any]:
        """The session as the requirement type stores it."""
        spec: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "duration_minutes": self.duration_minutes,
        }
        for flag in sorted(self.flags):
            spec[flag] = True
        return spec


def _flags(parts: list[str], number: int) -> frozenset[str]:
    flags = set()
    for part in parts:
        setting = SESSION_FLAGS.get(" ".join(part.lower().split()))
        if setting is None:
            raise ValueError(
                f"Line {number}: after the duration you can only write " + ", ".join(SESSION_FLAGS)
            )
        flags.add(setting)
    return frozenset(flags)


def parse_sessions(text: str) -> list[SessionLine]:
    """Sessions typed one a line as 'kind | name | duration minutes', then any of
    '| may lapse', '| with partner', '| with named worker'.

    Raises ValueError with a message naming the first line that is wrong.
    """
    sessions: list[SessionLine] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 3 or len(parts) > 3 + len(SESSION_FLAGS):
            raise ValueError(
                f"Line {number} must be kind | name | duration in minutes, "
                f"like {SESSION_KIND_EXAMPLE}"
            )
        kind, name, duration = parts[:3]
        if not SESSION_KIND.fullmatch(kind):
            raise ValueError(
                f"Line {number}: the kind must start with a lower-case letter and use only "
                "lower-case letters, numbers and underscores, like care_plan"
            )
        if not name:
            raise ValueError(f"Line {number}: enter the name of the session")
        if len(name) > 100:
            raise ValueError(f"Line {number}: the session name must be 100 characters or fewer")
        if not (duration.isascii() and duration.isdigit()):
            raise ValueError(
                f"Line {number}: the duration must be a whole number of minutes, like 60"
            )
        minutes = int(duration)
        if not MIN_DURATION <= minutes <= MAX_DURATION:
            raise ValueError(
                f"Line {number}: the duration must be between {MIN_DURATION} and "
                f"{MAX_DURATION} minutes"
            )
        sessions.append(SessionLine(kind, name, minutes, _flags(parts[3:], number)))
    if len(sessions) < MIN_SESSIONS:
        raise ValueError("Enter at least one session")
    if len(sessions) > MAX_SESSIONS:
        raise ValueError(f"Enter no more than {MAX_SESSIONS} sessions")
    return sessions


def format_sessions(sessions: list[dict[str, Any]]) -> str:
    """Stored sessions as the text the form shows, one a line, with their settings."""
    lines = []
    for spec in sessions or []:
        line = (
            f"{spec.get('kind', '')} | {spec.get('name', '')} | {spec.get('duration_minutes', '')}"
        )
        for words, setting in SESSION_FLAGS.items():
            if spec.get(setting):
                line += f" | {words}"
        lines.append(line)
    return "\n".join(lines)


def kept_settings(old: list[dict[str, Any]], new: list[SessionLine]) -> list[dict[str, Any]]:
    """The new sessions as stored, keeping any setting of the same-numbered old session that
    the form does not show (who may lapse it, say)."""
    shown = {"kind", "name", "duration_minutes", *SESSION_FLAGS.values()}
    stored = []
    for number, line in enumerate(new):
        spec = line.as_setting()
        if number < len(old or []):
            spec |= {k: v for k, v in old[number].items() if k not in shown}
        stored.append(spec)
    return stored


class RecipientsField(SelectMultipleField):
    """Checkboxes of who gets an order's report."""

    widget = _CheckboxesWithLegend()
    option_widget = GovCheckboxInput()

    def __init__(self, label: str, **kwargs: Any) -> None:
        choices = [SelectChoice(value, text) for value, text in RECIPIENT_CHOICES]
        super().__init__(label, choices=choices, **kwargs)
        self._bad = False

    def process_formdata(self, valuelist: list[Any]) -> None:
        offered = {value for value, _ in RECIPIENT_CHOICES}
        self._bad = any(str(v) not in offered for v in valuelist)
        self.data = [value for value, _ in RECIPIENT_CHOICES if value in set(map(str, valuelist))]

    def pre_validate(self, form: Any) -> None:
        if self._bad:
            raise ValidationError("Select who gets the report from the list")
        if not self.data:
            raise ValidationError("Select who gets the report")


class OrderSettingsForm(AdminForm):
    """The requirement type's settings beyond its window and sessions."""

    end_on_sitting_day = BooleanField(
        "The end date must be a day the court sits",
        widget=GovCheckboxInput(),
        description="For an order whose end is a return to court",
    )
    max_window_months = WholeNumberField(
        "Furthest end date, in months after the start (optional)",
        noun="furthest end date",
        required=False,
        low=1,
        high=MAX_WINDOW_MONTHS,
        description="For example, 6 for an engagement and support order. An end date set "
        "on a case beyond it is refused.",
    )
    min_sessions = WholeNumberField(
        "Fewest sessions a case may be set (optional)",
        noun="fewest sessions",
        required=False,
        low=MIN_SESSIONS,
        high=MAX_SESSIONS,
        description="When the worker chooses how many sessions each case needs",
    )
    agreed_when = GovRadioField(
        "When can a case's sessions be booked?",
        choices=[SelectChoice(rule.value, rule.label) for rule in AgreedWhen],
        default=AgreedWhen.COURT_ACCEPTS.value,
        choose="Select when a case counts as agreed",
    )
    needs_partner = BooleanField(
        "A partner agency (a CJIT) shares each case",
        widget=GovCheckboxInput(),
        description="Its staff see the case and hold the sessions marked with partner",
    )
    report_to = RecipientsField("Who gets the report?")
    report_variant = GovRadioField(
        "Form of the report",
        choices=[SelectChoice(variant.value, variant.label) for variant in ReportVariant],
        default=ReportVariant.COURT_DIVERSION.value,
        choose="Select the form of the report",
    )

    def show_settings(self, kind: Any) -> None:
        """Fill the fields from a stored requirement type."""
        self.agreed_when.data = kind.agreed_when.value
        self.report_variant.data = kind.report_variant.value
        self.report_to.data = list(kind.report_to or [])

    def check_settings(self, *, sessions: list[SessionLine], chosen_per_case: bool) -> bool:
        """Settings that must agree with each other and with the sessions."""
        valid = True
        fewest = self.min_sessions
        if fewest.data is not None and not fewest.errors:
            if not chosen_per_case:
                fewest.errors = [
                    "Leave the fewest sessions empty unless the worker chooses how many "
                    "sessions each case needs"
                ]
                valid = False
            elif sessions and fewest.data > len(sessions):
                fewest.errors = [f"Fewest sessions must be {len(sessions)} or fewer"]
                valid = False
        partnered = any("with_partner" in line.flags for line in sessions)
        needs_partner = bool(self.needs_partner.data)
        if (partnered or self.agreed_when.data == AgreedWhen.BOTH_AGENCIES.value) and (
            not needs_partner
        ):
            self.needs_partner.errors = [
                "Tick that a partner agency shares each case: a session is held with the "
                "partner, or both agencies must agree"
            ]
            valid = False
        return valid
