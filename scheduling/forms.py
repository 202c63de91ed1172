"""Forms for booking, cancelling, attendance and availability."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from diversion.fields import (
    GovDateField,
    GovRadioField,
    GovSelectField,
    no_control_characters,
    strip_filter,
)

DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def slot_value(worker_id: int, start: datetime) -> str:
    """How a proposed slot travels in a form: 'worker id|UTC start'."""
    return f"{worker_id}|{start.astimezone(UTC).strftime('%Y-%m-%dT%H:%M')}"


def parse_slot_value(value: str) -> tuple[int, datetime] | None:
    """The worker id and start of a slot value, or None when it is malformed."""
    try:
        worker, start = value.split("|", 1)
        return int(worker), datetime.strptime(start, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
    except (ValueError, TypeError):
        return None


# The worker's own words, for her file: never in anything the court or the CPS read.
OWN_NOTE_HINT = "Only for her file. The court sees the choice above, not this."
COURT_WORDING_HINT = "The court and the CPS read this in the compliance report."


def court_wording_field(label: str, *, choose: str, required: bool = True) -> GovRadioField:
    """Radios of the requirement type's court wordings (the view sets the choices)."""
    return GovRadioField(
        label, choose=choose, required=required, description=COURT_WORDING_HINT, choices=[]
    )


def own_note_field(label: str) -> TextAreaField:
    """The worker's own words (optional), kept encrypted for her organisation."""
    return TextAreaField(
        label,
        description=OWN_NOTE_HINT,
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[Optional(), Length(max=500), no_control_characters],
    )


def offer_wordings(field: GovRadioField, wordings: Sequence[str]) -> None:
    """Put a requirement type's court wordings on a form's radios."""
    field.choices = [SelectChoice(w, w) for w in wordings]


def parse_day(value: str) -> date | None:
    """A day written YYYY-MM-DD (the booking page's day choice), or None when it is not one."""
    if not DAY.fullmatch(value or ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


class BookForm(FlaskForm):
    """The venue, and who asked and why when bookings are moved; slot radios come from the plan."""

    venue_id = GovSelectField("Venue", coerce=int, choose="Select the venue")
    moved_by = GovRadioField(
        "Who asked to move her appointments?",
        choices=[SelectChoice("client", "She did"), SelectChoice("service", "We did")],
        choose="Select who asked to move the appointments",
        required=False,
    )
    move_wording = court_wording_field(
        "What is the court told about the move?",
        choose="Select what the court is told about the move",
        required=False,
    )
    move_reason = own_note_field("Why are they moving?")
    submit = SubmitField("Book appointments", widget=GovSubmitInput())

    def check_move(self) -> bool:
        """When live bookings are replaced, who asked and why are required (domain.md)."""
        ok = True
        if self.moved_by.data not in ("client", "service"):
            self.moved_by.errors = ["Select who asked to move the appointments"]
            ok = False
        if not self.move_wording.data:
            self.move_wording.errors = ["Select what the court is told about the move"]
            ok = False
        if not self.move_reason.data:
            self.move_reason.errors = ["Enter why the appointments are moving"]
            ok = False
        return ok


class CancelForm(FlaskForm):
    by = GovRadioField(
        "Who cancelled?",
        choices=[SelectChoice("client", "She cancelled"), SelectChoice("service", "We cancelled")],
        choose="Select who cancelled",
    )
    court_wording = court_wording_field(
        "What is the court told?", choose="Select what the court is told"
    )
    reason = own_note_field("Reason, in your words (optional)")
    submit = SubmitField("Cancel appointment", widget=GovSubmitInput())


class AttendanceForm(FlaskForm):
    attended = GovRadioField(
        "Did she attend?",
        choices=[
            SelectChoice("yes", "Yes, she attended"),
            SelectChoice("no", "No, she did not attend"),
        ],
        choose="Select whether she attended",
    )
    court_wording = court_wording_field(
        "If she did not attend: what is the court told?",
        choose="Select what the court is told about the missed appointment",
        required=False,
    )
    reason = own_note_field("Reason she gave, if any (optional)")
    submit = SubmitField("Save attendance", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if self.attended.data == "no" and not self.court_wording.data:
            if not self.court_wording.errors:
                self.court_wording.errors = [self.court_wording.choose_message]
            valid = False
        return valid


def _hhmm(label: str) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[Optional(), Length(max=5)],
    )


def parse_hhmm(text: str | None) -> time | None:
    """'09:30' or '9:30' as a time; ValueError for anything else."""
    if not text:
        return None
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError("enter a time like 09:30")
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError("enter a real time, like 17:30")
    return time(int(hours), int(minutes))


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class PatternForm(FlaskForm):
    """A worker's weekly pattern: working hours and an optional break for each weekday.

    Fields are named d{weekday}_start, d{weekday}_end, d{weekday}_break_start and
    d{weekday}_break_end (Monday = 0); a day with no hours is a day off.
    """

    same_weekdays = BooleanField(
        "Tuesday to Friday are the same as Monday",
        widget=GovCheckboxInput(),
        description="Monday's hours and break are saved for each weekday; leave it unticked "
        "to set each day below",
    )
    submit = SubmitField("Save working pattern", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        if self.same_weekdays.data:
            for day in range(1, 5):
                for part in PARTS:
                    copy_field(getattr(self, f"d0_{part}"), getattr(self, f"d{day}_{part}"))
        ok = super().validate(extra_validators)
        self.periods: list[tuple[int, time, time, bool]] = []
        for day, name in enumerate(WEEKDAYS):
            fields = [getattr(self, f"d{day}_{part}") for part in PARTS]
            try:
                start, end, break_start, break_end = (parse_hhmm(f.data) for f in fields)
            except ValueError as error:
                for f in fields:
                    try:
                        parse_hhmm(f.data)
                    except ValueError:
                        f.errors = [f"{name}: {error}"]
                ok = False
                continue
            if start is None and end is None:
                if break_start or break_end:
                    fields[2].errors = [f"{name}: enter working hours before a break"]
                    ok = False
                continue
            if start is None or end is None or end <= start:
                fields[1].errors = [f"{name}: finishing time must be after starting time"]
                ok = False
                continue
            self.periods.append((day, start, end, False))
            if break_start is None and break_end is None:
                continue
            if (
                break_start is None
                or break_end is None
                or not (start <= break_start < break_end <= end)
            ):
                fields[3].errors = [f"{name}: the break must start and end within working hours"]
                ok = False
                continue
            self.periods.append((day, break_start, break_end, True))
        return ok


PARTS = ("start", "end", "break_start", "break_end")


def copy_field(source: Any, target: Any) -> None:
    """Give a form field what another was sent: its value, and the text shown again."""
    target.data = source.data
    target.raw_data = list(source.raw_data or [])


for _day, _name in enumerate(WEEKDAYS):
    setattr(PatternForm, f"d{_day}_start", _hhmm(f"{_name} start"))
    setattr(PatternForm, f"d{_day}_end", _hhmm(f"{_name} finish"))
    setattr(PatternForm, f"d{_day}_break_start", _hhmm(f"{_name} break start"))
    setattr(PatternForm, f"d{_day}_break_end", _hhmm(f"{_name} break end"))


class AbsenceForm(FlaskForm):
    first_day = GovDateField("First day away", noun="first day away")
    last_day = GovDateField("Last day away", noun="last day away")
    kind = GovRadioField(
        "Why",
        choices=[
            SelectChoice("leave", "Leave"),
            SelectChoice("training", "Training"),
            SelectChoice("sickness", "Sickness"),
            SelectChoice("other", "Other"),
        ],
        default="leave",
        choose="Select why she is away",
    )
    submit = SubmitField("Add absence", widget=GovSubmitInput())

    def validate_last_day(self, field: GovDateField) -> None:
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError("Last day away must be the same as or after the first day")


class ClosureForm(FlaskForm):
    first_day = GovDateField("First day closed", noun="first day closed")
    last_day = GovDateField("Last day closed", noun="last day closed")
    reason = StringField(
        "Reason (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200), no_control_characters],
    )
    submit = SubmitField("Add closure", widget=GovSubmitInput())

    def validate_last_day(self, field: GovDateField) -> None:
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError("Last day closed must be the same as or after the first day")
