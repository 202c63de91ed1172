"""The audit trail's filters: who, which client, and between which dates (Europe/London).

A GET form (a read whose address can be bookmarked): no CSRF token, and nothing personal in
the address, only a user id, a client number or case reference, and dates.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import Field, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, ValidationError

from diversion.fields import GovNativeDateInput, GovSelectField, no_control_characters, strip_filter

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A client number (digits) or a case reference such as CD-000045: letters, digits, hyphens.
CLIENT_OR_CASE = re.compile(r"[0-9]{1,12}|[A-Za-z]{1,10}-?[0-9]{1,12}")
ANYONE = ""


class AuditDateField(Field):
    """A date as a date picker sends it (YYYY-MM-DD); empty means no limit."""

    widget = GovNativeDateInput()

    def __init__(self, label: str, *, noun: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.noun = noun
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
        if self.data is not None and not EARLIEST <= self.data <= LATEST:
            raise ValidationError(
                f"{self.noun.capitalize()} must be between {EARLIEST.year} and {LATEST.year}"
            )

    def _value(self) -> str:
        if isinstance(self.data, date):
            return self.data.isoformat()
        return str(self.raw_data[0]) if self.raw_data else ""


def client_or_case(_form: Any, field: Field) -> None:
    """A client number or a case reference; never a name (it would end up in the address)."""
    value = field.data or ""
    if value and not CLIENT_OR_CASE.fullmatch(value):
        raise ValidationError(
            "Enter a client number, like 123, or a case reference, like CD-000045, not a name"
        )


class AuditSearchForm(FlaskForm):
    """Which events of the audit trail to show."""

    class Meta:
        csrf = False

    user = GovSelectField("Who", choose="Select a person from the list", default=ANYONE, choices=[])
    client = StringField(
        "Client number or case reference",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Length(
                max=30, message="Client number or case reference must be 30 characters or fewer"
            ),
            no_control_characters,
            client_or_case,
        ],
        description="For example 123 or CD-000045",
    )
    date_from = AuditDateField("From", noun="from date")
    date_to = AuditDateField("To", noun="to date")

    def set_people(self, people: list[tuple[int, str]]) -> None:
        """The people the reader may filter by, as (user id, what the list shows)."""
        self.user.choices = [SelectChoice(ANYONE, "Anyone")] + [
            SelectChoice(str(user_id), text) for user_id, text in people
        ]

    def user_id(self) -> int | None:
        value = self.user.data
        return int(value) if value and str(value).isdecimal() else None

    def validate(self, extra_validators: Any = None) -> bool:
        ok = bool(super().validate(extra_validators))
        first, last = self.date_from.data, self.date_to.data
        if ok and first is not None and last is not None and last < first:
            self.date_to.errors = [
                *self.date_to.errors,
                "To date must be on or after the from date",
            ]
            return False
        return ok
