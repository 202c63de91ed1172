"""Fields that give GOV.UK-style error messages and never fail on malformed input."""

from __future__ import annotations

from datetime import date
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, StringField, TextAreaField
from wtforms.fields import DateField, RadioField, SelectField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

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


class _RadiosWithLegend(GovRadioInput):
    """govuk-frontend-wtf's radios, with the question as the fieldset legend and no empty hint."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        legend = params.setdefault("fieldset", {}).setdefault("legend", {})
        legend.setdefault("text", field.label.text)
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
