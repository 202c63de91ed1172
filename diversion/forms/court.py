"""The sitting-day list's filters: a date picker, the status and which list to show.

A GET form (the page is a read, and its address can be bookmarked): no CSRF token, and
nothing personal in it, only a date, a status and a choice of list.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovInput
from wtforms import Field
from wtforms.fields import SelectChoice
from wtforms.validators import ValidationError

from diversion.compliance import ComplianceStatus
from diversion.forms.fields import GovSelectField

# Lists before or after these are refused: nothing real is there, and the calendar search
# for the nearest sitting day must never run off the end of the calendar.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

ALL = "all"
BOTH = "both"
FIRST_ONLY = "first"
RETURNING_ONLY = "returning"

STATUS_CHOICES = [SelectChoice(ALL, "All statuses")] + [
    SelectChoice(s.value, s.label) for s in ComplianceStatus
]
SHOW_CHOICES = [
    SelectChoice(BOTH, "First appearances and returning cases"),
    SelectChoice(FIRST_ONLY, "First appearances only"),
    SelectChoice(RETURNING_ONLY, "Returning cases only"),
]


class GovNativeDateInput(GovInput):
    """The browser's own date picker (<input type="date">), in GOV.UK markup."""

    input_type = "date"


class SittingDateField(Field):
    """A date as a date picker sends it (YYYY-MM-DD); empty means "the next sitting day"."""

    widget = GovNativeDateInput()

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self._problem: str | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.raw_data = [text]
        self.data = None
        self._problem = None
        if not text:
            return
        if not ISO_DATE.fullmatch(text):
            self._problem = "Date must be a real date, like 2026-12-09"
            return
        try:
            self.data = date.fromisoformat(text)
        except ValueError:
            self._problem = "Date must be a real date, like 2026-12-09"

    def pre_validate(self, form: Any) -> None:
        if self._problem:
            raise ValidationError(self._problem)
        if self.data is not None and not EARLIEST <= self.data <= LATEST:
            raise ValidationError(
                f"Date must be between {EARLIEST.year} and {LATEST.year}, like 2026-12-09"
            )

    def _value(self) -> str:
        if isinstance(self.data, date):
            return self.data.isoformat()
        return str(self.raw_data[0]) if self.raw_data else ""


class SittingListForm(FlaskForm):
    """Which day's list, and which of its cases."""

    class Meta:
        csrf = False

    date = SittingDateField("Date")
    status = GovSelectField(
        "Status",
        choose="Select a status from the list",
        choices=STATUS_CHOICES,
        default=ALL,
        description="Of cases returning from extended bail",
    )
    show = GovSelectField(
        "Show", choose="Select which cases to show", choices=SHOW_CHOICES, default=BOTH
    )

    def status_filter(self) -> ComplianceStatus | None:
        """The chosen compliance status, or None for every status."""
        value = self.status.data
        return None if value in (None, ALL) else ComplianceStatus(value)

    @property
    def shows_first(self) -> bool:
        return self.show.data != RETURNING_ONLY

    @property
    def shows_returning(self) -> bool:
        return self.show.data != FIRST_ONLY
