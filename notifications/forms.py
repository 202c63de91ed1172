"""Administrators' forms for text messages: the wording of each kind, and reminder policies.

The rules themselves live in notifications.templates (lint, measure),
notifications.wording (what each kind of text may say) and notifications.policy (Policy,
ReminderRule); these forms only collect what is typed and
say, in GOV.UK style, what is wrong with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any, Final, Literal

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea
from markupsafe import Markup
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import Length

from diversion.fields import (
    AdminForm,
    ClockTimeField,
    WholeNumberField,
    no_control_characters,
    strip_filter,
)
from notifications.policy import DEFAULT_POLICY, Policy, ReminderKind, ReminderRule
from notifications.templates import ALLOWED_PLACEHOLDERS, KIND_NAMES
from notifications.wording import COURT_KINDS

KIND_DESCRIPTIONS: Final[dict[str, str]] = {
    "court_two_days_before": "The first reminder of a court date, in time to arrange "
    "childcare and travel.",
    "court_day_before": "The last reminder of a court date.",
    "booking_confirmation": "Sent as soon as appointments are booked: one text for the "
    "booking, naming every session.",
    "appointment_day_before": "The day before an appointment. A reply of Y confirms it.",
    "appointment_two_hours_before": "A few hours before an appointment.",
    "reply_confirmed": "Sent when she replies Y to confirm her next appointment.",
}

# What each placeholder becomes, for the list beside the editor.
PLACEHOLDER_MEANINGS: Final[dict[str, str]] = {
    "name": "her chosen first name or initial",
    "time": "the time, like 10:30",
    "day": "the day, like Wed 3 Dec",
    "venue": "the venue's name for text messages, like High Street office",
    "phone": "the project's phone number",
    "times": "every session the booking made, like Tue 8 Dec 10:00 and Tue 15 Dec 10:30",
}
assert tuple(PLACEHOLDER_MEANINGS) == ALLOWED_PLACEHOLDERS

# A template longer than this cannot fit two texts with any values; refuse before linting.
MAX_TEMPLATE_LENGTH: Final = 1000


def _one_kind_of_line_ending(value: Any) -> Any:
    """Browsers send new lines as CR LF; a text message has LF only."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class _EveryProblemTextArea(GovTextArea):
    """govuk-frontend-wtf's text area, showing every problem under it, not only the first."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        if len(field.errors) > 1:
            params["errorMessage"] = {"html": Markup("<br>").join(field.errors)}
        return params


class TemplateForm(AdminForm):
    """The wording of one kind of text, with Preview and Save buttons."""

    body = TextAreaField(
        "Wording",
        widget=_EveryProblemTextArea(),
        filters=[_one_kind_of_line_ending, strip_filter],
        validators=[
            Length(
                max=MAX_TEMPLATE_LENGTH,
                message=f"Wording must be {MAX_TEMPLATE_LENGTH} characters or fewer",
            ),
            no_control_characters,
        ],
        description="How many texts it may take depends on its language (shown below).",
    )
    preview = SubmitField("Preview", widget=GovSubmitInput())
    save = SubmitField("Save wording", widget=GovSubmitInput())


class RestoreTemplateForm(AdminForm):
    """A button (and its CSRF token) that brings back the default wording."""

    submit = SubmitField("Restore the default wording", widget=GovSubmitInput())


class RestorePolicyForm(AdminForm):
    """A button (and its CSRF token) that brings back the default reminder policy."""

    submit = SubmitField("Restore the default policy", widget=GovSubmitInput())


# Reminder policy ----------------------------------------------------------------------------

Timing = Literal["days", "hours", "immediate"]


@dataclass(frozen=True)
class KindFields:
    """The fields of one kind of reminder in the policy form, by their form names."""

    kind: ReminderKind
    name: str
    timing: Timing
    event: str  # "court date" or "appointment"

    @property
    def prefix(self) -> str:
        return self.kind.value

    @property
    def sent(self) -> str:
        return f"{self.prefix}_sent"

    @property
    def days(self) -> str:
        return f"{self.prefix}_days"

    @property
    def at(self) -> str:
        return f"{self.prefix}_at"

    @property
    def before_hours(self) -> str:
        return f"{self.prefix}_before_hours"

    @property
    def before_minutes(self) -> str:
        return f"{self.prefix}_before_minutes"

    @property
    def useful_hours(self) -> str:
        return f"{self.prefix}_useful_hours"

    @property
    def useful_minutes(self) -> str:
        return f"{self.prefix}_useful_minutes"

    def timing_fields(self) -> tuple[str, ...]:
        """Every field but the on/off box: ignored when the message is switched off."""
        own: tuple[str, ...] = ()
        if self.timing == "days":
            own = (self.days, self.at)
        elif self.timing == "hours":
            own = (self.before_hours, self.before_minutes)
        return (*own, self.useful_hours, self.useful_minutes)


def _timing_of(rule: ReminderRule) -> Timing:
    if rule.immediate:
        return "immediate"
    if rule.hours_before is not None:
        return "hours"
    return "days"


def _default_rule(kind: ReminderKind) -> ReminderRule:
    return next(rule for rule in DEFAULT_POLICY.rules if rule.kind is kind)


# Each kind keeps the shape of timing its default has: the day-before reminders are set as
# days before at a time, the two-hours-before one as hours and minutes before.
POLICY_KINDS: Final[tuple[KindFields, ...]] = tuple(
    KindFields(
        kind=rule.kind,
        name=KIND_NAMES[rule.kind.value],
        timing=_timing_of(rule),
        event="court date" if rule.kind.value in COURT_KINDS else "appointment",
    )
    for rule in DEFAULT_POLICY.rules
)
assert {spec.kind for spec in POLICY_KINDS} == set(ReminderKind)

MAX_DAYS_BEFORE: Final = 14
MAX_HOURS_BEFORE: Final = 72
MAX_USEFUL_HOURS: Final = 7 * 24


class PolicyForm(AdminForm):
    """The reminder policy of one requirement type: each kind on or off, its timing, and
    the quiet hours. The per-kind fields are added below, from POLICY_KINDS."""

    quiet_start = ClockTimeField(
        "Quiet hours start",
        noun="time quiet hours start",
        description="Use the 24-hour clock, like 20:00",
    )
    quiet_end = ClockTimeField(
        "Quiet hours end",
        noun="time quiet hours end",
        description="Use the 24-hour clock, like 08:00",
    )
    min_gap = WholeNumberField(
        "Least time between two texts to her, in minutes",
        noun="least time between two texts",
        low=0,
        high=240,
        description=(
            "Texts due together are never sent at once: the later ones wait this long, or are "
            "left out when the text she has just had already names the appointment"
        ),
    )
    submit = SubmitField("Save policy", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        for spec in POLICY_KINDS:
            if not self[spec.sent].data:
                # A message switched off has no timing to check.
                for name in spec.timing_fields():
                    self[name].errors = []
                continue
            self._check_useful_before_send(spec)
        start, end = self.quiet_start, self.quiet_end
        if not start.errors and not end.errors and start.data == end.data:
            end.errors = ["Quiet hours must end at a different time from when they start"]
        return not self.errors

    def _check_useful_before_send(self, spec: KindFields) -> None:
        if spec.timing != "hours":
            return
        names = (spec.before_hours, spec.before_minutes, spec.useful_hours, spec.useful_minutes)
        if any(self[name].errors for name in names):
            return
        if self._span(spec.useful_hours, spec.useful_minutes) >= self._span(
            spec.before_hours, spec.before_minutes
        ):
            self[spec.useful_hours].errors = [
                f"{spec.name}: the latest it is worth sending must be less than how long before "
                f"the {spec.event} it is sent, or it would never be sent"
            ]

    def _span(self, hours: str, minutes: str) -> timedelta:
        return timedelta(hours=self[hours].data or 0, minutes=self[minutes].data or 0)

    def policy(self) -> Policy:
        """The policy typed (after validate). ValueError if the rules refuse it."""
        rules: list[ReminderRule] = []
        for spec in POLICY_KINDS:
            if not self[spec.sent].data:
                continue  # a kind switched off is simply absent
            rules.append(
                ReminderRule(
                    kind=spec.kind,
                    days_before=self[spec.days].data if spec.timing == "days" else None,
                    at_local=self[spec.at].data if spec.timing == "days" else None,
                    hours_before=(
                        self._span(spec.before_hours, spec.before_minutes)
                        if spec.timing == "hours"
                        else None
                    ),
                    immediate=spec.timing == "immediate",
                    latest_useful=self._span(spec.useful_hours, spec.useful_minutes),
                )
            )
        assert isinstance(self.quiet_start.data, time)
        assert isinstance(self.quiet_end.data, time)
        return Policy(
            rules=tuple(rules),
            quiet_start=self.quiet_start.data,
            quiet_end=self.quiet_end.data,
            min_gap=timedelta(minutes=self.min_gap.data or 0),
        )


def _hours_and_minutes(span: timedelta) -> tuple[int, int]:
    minutes = span // timedelta(minutes=1)
    return minutes // 60, minutes % 60


def policy_form_data(policy: Policy) -> dict[str, object]:
    """The form's starting values for a policy; a kind it leaves out shows the default
    timing, switched off."""
    data: dict[str, object] = {
        "quiet_start": policy.quiet_start,
        "quiet_end": policy.quiet_end,
        "min_gap": policy.min_gap // timedelta(minutes=1),
    }
    rules = {rule.kind: rule for rule in policy.rules}
    for spec in POLICY_KINDS:
        rule = rules.get(spec.kind)
        data[spec.sent] = rule is not None
        if rule is None or _timing_of(rule) != spec.timing:
            rule = _default_rule(spec.kind)
        if spec.timing == "days":
            data[spec.days] = rule.days_before
            data[spec.at] = rule.at_local
        elif spec.timing == "hours":
            assert rule.hours_before is not None
            data[spec.before_hours], data[spec.before_minutes] = _hours_and_minutes(
                rule.hours_before
            )
        data[spec.useful_hours], data[spec.useful_minutes] = _hours_and_minutes(rule.latest_useful)
    return data


def _add_kind_fields(spec: KindFields) -> None:
    name = spec.name
    setattr(
        PolicyForm,
        spec.sent,
        BooleanField(
            "Send this text",
            widget=GovCheckboxInput(),
            description="Untick to stop sending it; the timing below is then not used",
        ),
    )
    if spec.timing == "days":
        setattr(
            PolicyForm,
            spec.days,
            WholeNumberField(
                f"Days before the {spec.event}",
                noun=f"days before the {spec.event} ({name})",
                low=0,
                high=MAX_DAYS_BEFORE,
                description="1 for the day before, 0 for the same day",
            ),
        )
        setattr(
            PolicyForm,
            spec.at,
            ClockTimeField(
                "At",
                noun=f"time to send ({name})",
                description="Use the 24-hour clock, like 10:00",
            ),
        )
    elif spec.timing == "hours":
        setattr(
            PolicyForm,
            spec.before_hours,
            WholeNumberField("Hours", noun=f"hours before ({name})", low=0, high=MAX_HOURS_BEFORE),
        )
        setattr(
            PolicyForm,
            spec.before_minutes,
            WholeNumberField(
                "Minutes", noun=f"minutes before ({name})", low=0, high=59, required=False
            ),
        )
    setattr(
        PolicyForm,
        spec.useful_hours,
        WholeNumberField(
            "Hours", noun=f"hours for the latest to send ({name})", low=0, high=MAX_USEFUL_HOURS
        ),
    )
    setattr(
        PolicyForm,
        spec.useful_minutes,
        WholeNumberField(
            "Minutes",
            noun=f"minutes for the latest to send ({name})",
            low=0,
            high=59,
            required=False,
        ),
    )


for _spec in POLICY_KINDS:
    _add_kind_fields(_spec)


# Plain-English summaries -------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def describe_span(span: timedelta) -> str:
    """'2 hours', '1 hour 30 minutes', '45 minutes', '1 day'."""
    hours, minutes = _hours_and_minutes(span)
    if hours and hours % 24 == 0 and not minutes:
        return _plural(hours // 24, "day")
    parts = [_plural(hours, "hour")] if hours else []
    if minutes or not hours:
        parts.append(_plural(minutes, "minute"))
    return " ".join(parts)


def describe_rule(rule: ReminderRule) -> str:
    """When a rule sends its text, in plain English."""
    if rule.immediate:
        return "As soon as it is booked"
    if rule.hours_before is not None:
        return f"{describe_span(rule.hours_before).capitalize()} before"
    assert rule.at_local is not None
    at = rule.at_local.strftime("%H:%M")
    if rule.days_before == 0:
        return f"On the day at {at}"
    if rule.days_before == 1:
        return f"The day before at {at}"
    return f"{rule.days_before} days before at {at}"


def describe_policy(policy: Policy) -> list[tuple[str, str]]:
    """(name, when) for each kind of reminder, then the quiet hours."""
    rules = {rule.kind: rule for rule in policy.rules}
    lines = []
    for spec in POLICY_KINDS:
        rule = rules.get(spec.kind)
        lines.append((spec.name, describe_rule(rule) if rule else "Not sent"))
    lines.append(
        (
            "Quiet hours",
            f"{policy.quiet_start.strftime('%H:%M')} to {policy.quiet_end.strftime('%H:%M')}",
        )
    )
    lines.append(("Between two texts to her", f"At least {describe_span(policy.min_gap)}"))
    return lines
