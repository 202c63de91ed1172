"""Fields that give GOV.UK-style error messages and never fail on malformed input."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import date, time
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, StringField, TextAreaField
from wtforms.fields import DateField, RadioField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    ValidationError,
)

PARTS = ("day", "month", "year")


class GovDateField(DateField):
    """Day, month and year boxes; errors say which part is missing or that the date is not real.

    `noun` is how messages name the field ("court date"): "Enter the court date".
    """

    widget = GovDateInput()

    def __init__(
        self, label: str | None = None, *, noun: str, required: bool = True, **kwargs: Any
    ):
        super().__init__(label, format="%d %m %Y", **kwargs)
        self.noun = noun
        self.required = required
        self._problem: str | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        parts = [str(v).strip() for v in (valuelist or [])][:3]
        parts += [""] * (3 - len(parts))
        # Keep exactly three parts so that the widget can always redisplay what was typed.
        self.raw_data = parts
        self.data = None
        self._problem = None
        if not any(parts):
            return
        missing = [name for name, value in zip(PARTS, parts, strict=True) if not value]
        if missing:
            self._problem = f"{self.noun.capitalize()} must include a {' and '.join(missing)}"
            return
        # isdecimal, not isdigit: "²" is a digit that int() refuses.
        if not all(p.isdecimal() and len(p) <= 4 for p in parts):
            self._problem = f"{self.noun.capitalize()} must be a real date"
            return
        day, month, year = (int(p) for p in parts)
        if year < 1000:
            self._problem = "Year must include 4 numbers"
            return
        try:
            self.data = date(year, month, day)
        except ValueError:
            self._problem = f"{self.noun.capitalize()} must be a real date"

    def pre_validate(self, form: Any) -> None:
        if self._problem:
            raise ValidationError(self._problem)
        if self.data is None and self.required:
            raise ValidationError(f"Enter the {self.noun}")

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d %m %Y") if self.data else ""


def strip_filter(value: Any) -> Any:
    """Trim surrounding spaces from text input."""
    return value.strip() if isinstance(value, str) else value


def no_control_characters(_form: Any, field: Field) -> None:
    """Refuse text with control characters (other than new lines in text areas)."""
    value = field.data or ""
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value) or "\x7f" in value:
        raise ValidationError(f"{field.label.text} must not contain special characters")


class _ChoiceMessages:
    """Mixin: one GOV.UK-style message for a missing, malformed or unknown choice."""

    choose_message: str
    required: bool = True

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError:
            self.data = None

    def pre_validate(self, form: Any) -> None:
        values = {str(value) for value, *_ in self.iter_choices()}  # type: ignore[attr-defined]
        data = self.data  # type: ignore[attr-defined]
        if data is None and not self.required:
            return
        if data is None or str(data) not in values:
            raise ValidationError(self.choose_message)


class GovSelectField(_ChoiceMessages, SelectField):
    """A select whose errors read "Select the court"."""

    widget = GovSelect()

    def __init__(self, label: str, *, choose: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.choose_message = choose


def _with_legend(params: dict[str, Any], field: Any) -> dict[str, Any]:
    """A group's question as its fieldset legend, even when the template styles the legend
    (govuk-frontend-wtf's params would otherwise replace the legend's text)."""
    legend = params.setdefault("fieldset", {}).setdefault("legend", {})
    legend.setdefault("text", field.label.text)
    return params


class _RadiosWithLegend(GovRadioInput):
    """govuk-frontend-wtf's radios, with the question as the fieldset legend and no empty hint."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params = _with_legend(super().map_gov_params(field, **kwargs), field)
        if not (params.get("hint") or {}).get("text"):
            params.pop("hint", None)
        return params


class GovRadioField(_ChoiceMessages, RadioField):
    """Radios whose errors read "Select what the court decided"."""

    widget = _RadiosWithLegend()

    def __init__(self, label: str, *, choose: str, required: bool = True, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.choose_message = choose
        self.required = required


def text_field(
    label: str,
    *,
    required: str | None = None,
    max_length: int = 200,
    noun: str | None = None,
    description: str = "",
    area: bool = False,
) -> Field:
    """A trimmed text box (or area) with GOV.UK messages and no control characters."""
    noun = noun or label
    validators: list[Any] = [DataRequired(required)] if required else [Optional()]
    validators += [
        Length(max=max_length, message=f"{noun} must be {max_length} characters or fewer"),
        no_control_characters,
    ]
    kind = TextAreaField if area else StringField
    return kind(
        label,
        widget=GovTextArea() if area else GovTextInput(),
        filters=[strip_filter],
        validators=validators,
        description=description,
    )


EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.com"
DIGITS = re.compile(r"[0-9]{1,6}")
CLOCK_TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")


class AdminForm(FlaskForm):
    """A form read only from the posted form fields.

    Flask-WTF would otherwise build the form from a JSON body, whose numbers, lists and
    objects the text fields and validators were never meant to receive.
    """

    class Meta:
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is _Auto:
                return request.form if request.method == "POST" else None
            return formdata


def email_field(label: str, *, required: str | None = None, description: str = "") -> Field:
    """An email address, checked with the email-validator package (no DNS look-up)."""
    validators: list[Any] = [DataRequired(required)] if required else [Optional()]
    validators += [
        Length(max=254, message="Email address must be 254 characters or fewer"),
        no_control_characters,
        Email(EMAIL_MESSAGE),
    ]
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=validators,
        description=description,
    )


class _TypedTextField(Field, ABC):
    """A text box whose value is parsed; what was typed is shown again when it is wrong."""

    widget = GovTextInput()

    def __init__(
        self, label: str | None = None, *, noun: str, required: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(label, **kwargs)
        self.noun = noun
        self.required = required
        self._problem: str | None = None

    @abstractmethod
    def parse(self, text: str) -> Any:
        """The value of non-empty text, or ValueError with the message to show."""

    def format(self, value: Any) -> str:
        return str(value)

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.raw_data = [text]
        self.data = None
        self._problem = None
        if not text:
            return
        try:
            self.data = self.parse(text)
        except ValueError as error:
            self._problem = str(error)

    def copy_from(self, other: _TypedTextField) -> None:
        """Take another box's text and value ("same as Monday"); its mistake is reported
        once, on that box."""
        self.process_formdata(list(other.raw_data or []))
        self._problem = None
        if other._problem:
            self.data = None

    def pre_validate(self, form: Any) -> None:
        if self._problem:
            raise ValidationError(self._problem)
        if self.data is None and self.required:
            raise ValidationError(f"Enter the {self.noun}")

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.format(self.data) if self.data is not None else ""


class WholeNumberField(_TypedTextField):
    """A whole number between two limits: "Report lead time must be between 0 and 10"."""

    def __init__(self, label: str | None = None, *, low: int, high: int, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.low = low
        self.high = high

    def parse(self, text: str) -> int:
        name = self.noun[0].upper() + self.noun[1:]
        if not DIGITS.fullmatch(text):
            raise ValueError(f"{name} must be a whole number, like {self.low + 1}")
        number = int(text)
        if not self.low <= number <= self.high:
            raise ValueError(f"{name} must be between {self.low} and {self.high}")
        return number


def parse_clock_time(text: str) -> time:
    """A time of day typed as HH:MM on the 24-hour clock ('9:30' and '09.30' are accepted)."""
    match = CLOCK_TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValueError
    return time(hours, minutes)


class ClockTimeField(_TypedTextField):
    """A time of day, HH:MM on the 24-hour clock."""

    def parse(self, text: str) -> time:
        try:
            return parse_clock_time(text)
        except ValueError:
            name = self.noun[0].upper() + self.noun[1:]
            raise ValueError(
                f"{name} must be a real time on the 24-hour clock, like 09:30 or 17:00"
            ) from None

    def format(self, value: Any) -> str:
        return value.strftime("%H:%M") if isinstance(value, time) else str(value)


def optional_id(value: Any) -> int | None:
    """An id from a form value; the empty "choose one" value is None."""
    if value is None or value == "":
        return None
    return int(value)


class OptionalSelectField(SelectField):
    """A select whose first choice, "None", stores nothing; anything not offered is refused."""

    widget = GovSelect()

    def __init__(self, label: str, *, choose: str, **kwargs: Any) -> None:
        super().__init__(label, coerce=optional_id, **kwargs)
        self.choose_message = choose
        self._bad = False

    def process_formdata(self, valuelist: list[Any]) -> None:
        self._bad = False
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            self._bad = True

    def pre_validate(self, form: Any) -> None:
        offered = {optional_id(value) for value, *_ in self.iter_choices()}
        if self._bad or self.data not in offered:
            raise ValidationError(self.choose_message)


class _CheckboxesWithLegend(GovCheckboxesInput):
    """govuk-frontend-wtf's checkboxes, with the question as the fieldset legend."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        return _with_legend(super().map_gov_params(field, **kwargs), field)


class WeekdaysField(SelectMultipleField):
    """Checkboxes of weekdays, as weekday numbers (Monday = 0)."""

    widget = _CheckboxesWithLegend()

    def __init__(self, label: str, *, days: tuple[str, ...], choose: str, **kwargs: Any) -> None:
        choices = [SelectChoice(str(number), name) for number, name in enumerate(days)]
        super().__init__(label, choices=choices, coerce=int, **kwargs)
        self.choose_message = choose
        self._offered = {choice.value for choice in choices}
        self._bad = False

    def process_formdata(self, valuelist: list[Any]) -> None:
        self._bad = any(str(v) not in self._offered for v in valuelist)
        self.data = sorted({int(v) for v in valuelist if str(v) in self._offered})

    def pre_validate(self, form: Any) -> None:
        if self._bad:
            raise ValidationError("Select sitting days from the list")
        if not self.data:
            raise ValidationError(self.choose_message)


class GovNativeDateInput(GovInput):
    """The browser's own date picker (<input type="date">), in GOV.UK markup."""

    input_type = "date"


# Dates typed or picked before or after these are refused: nothing real is there, and the
# calendar search for the nearest sitting day must never run off the end of the calendar.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The largest id a row can have. Every `<int:...>` in an address is bounded by it
# (diversion/web.py).
# Ids are INTEGER columns: PostgreSQL's int4 refuses anything above 2^31 - 1 with an error,
# so a larger id asked for can match no row and answers 404 before any query.
MAX_ID = 2**31 - 1
DECIMAL_ID = re.compile(r"[0-9]{1,19}")


def query_id(name: str) -> int | None:
    """The id a query-string parameter names, or None when it names none: absent, not a
    whole number in ASCII digits, 0, or beyond any row's id. Callers treat None as no choice."""
    text = request.args.get(name, "").strip()
    if not DECIMAL_ID.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def query_date(name: str) -> date | None:
    """The day a query-string parameter names (YYYY-MM-DD), or None when it names none: absent,
    not a real date, or outside EARLIEST_DATE to LATEST_DATE, so that a day or two either side
    of it (a week's days, the next sitting day) is still a date. Callers show their default."""
    text = request.args.get(name, "").strip()
    if not ISO_DATE.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST_DATE <= day <= LATEST_DATE else None


class IsoDateField(Field):
    """A date as a date picker sends it (YYYY-MM-DD), for filters; empty means no date."""

    widget = GovNativeDateInput()

    def __init__(
        self, label: str, *, noun: str = "Date", range_example: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(label, **kwargs)
        self.noun = noun
        self.range_example = range_example
        self._problem: str | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.raw_data = [text]
        self.data = None
        self._problem = None
        if not text:
            return
        problem = f"{self.noun.capitalize()} must be a real date, like 2026-12-09"
        if not ISO_DATE.fullmatch(text):
            self._problem = problem
            return
        try:
            self.data = date.fromisoformat(text)
        except ValueError:
            self._problem = problem

    def pre_validate(self, form: Any) -> None:
        if self._problem:
            raise ValidationError(self._problem)
        if self.data is not None and not EARLIEST_DATE <= self.data <= LATEST_DATE:
            example = ", like 2026-12-09" if self.range_example else ""
            raise ValidationError(
                f"{self.noun.capitalize()} must be between {EARLIEST_DATE.year} and "
                f"{LATEST_DATE.year}{example}"
            )

    def _value(self) -> str:
        if isinstance(self.data, date):
            return self.data.isoformat()
        return str(self.raw_data[0]) if self.raw_data else ""
