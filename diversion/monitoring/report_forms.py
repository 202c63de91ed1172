"""The monitoring report's period and which reminder counts: a GET form (the address of a
report can be bookmarked), with nothing personal in it.

The period is typed in GOV.UK date inputs (day, month, year), or arrives as one
YYYY-MM-DD value from the report's own links (its CSV downloads). It must end on or after
its start, and last at most three years; dates from 2000 to 2099.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.fields import SelectChoice

from diversion.fields import EARLIEST_DATE, ISO_DATE, LATEST_DATE, GovDateField, GovRadioField
from diversion.formatting import format_date

DAY_BEFORE, ANY_REMINDER = "day_before", "any"
MAX_YEARS = 3


class PeriodDateField(GovDateField):
    """Day, month and year boxes, or one YYYY-MM-DD value as the report's links send it."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if len(valuelist) == 1 and ISO_DATE.fullmatch(str(valuelist[0]).strip()):
            year, month, day = str(valuelist[0]).strip().split("-")
            valuelist = [day, month, year]
        super().process_formdata(valuelist)


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (28 February for a 29th of February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def default_period(today: date) -> tuple[date, date]:
    """The last 12 months, to today."""
    return years_before(today, 1) + timedelta(days=1), today


def with_defaults(args: MultiDict[str, str], today: date) -> MultiDict[str, str]:
    """The query string, with the last 12 months filled in when it names no period."""
    merged: MultiDict[str, str] = MultiDict(args)
    if "from" not in args and "to" not in args:
        first, last = default_period(today)
        merged["from"], merged["to"] = first.isoformat(), last.isoformat()
    return merged


class ReportForm(FlaskForm):
    """The report's period and which reminder its comparison of the texts counts."""

    class Meta:
        csrf = False

    date_from = PeriodDateField("From", noun="start date", name="from")
    date_to = PeriodDateField("To", noun="end date", name="to")
    reminder = GovRadioField(
        "Which reminder counts in the comparison of the texts",
        choose="Select which reminder counts",
        choices=[
            SelectChoice(DAY_BEFORE, "The reminder the day before"),
            SelectChoice(ANY_REMINDER, "Any reminder (the day before or two hours before)"),
        ],
        default=DAY_BEFORE,
    )

    @property
    def any_reminder(self) -> bool:
        return self.reminder.data == ANY_REMINDER

    def validate(self, extra_validators: Any = None) -> bool:
        ok = bool(super().validate(extra_validators))
        first, last = self.date_from.data, self.date_to.data
        for field, value in ((self.date_from, first), (self.date_to, last)):
            if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
                field.errors = [
                    *field.errors,
                    f"{field.noun.capitalize()} must be between {EARLIEST_DATE.year} and "
                    f"{LATEST_DATE.year}",
                ]
                ok = False
        if not ok or first is None or last is None:
            return False
        if last < first:
            self.date_to.errors = [
                *self.date_to.errors,
                "End date must be on or after the start date",
            ]
            return False
        earliest = years_before(last, MAX_YEARS) + timedelta(days=1)
        if first < earliest:
            self.date_from.errors = [
                *self.date_from.errors,
                f"The period must be {MAX_YEARS} years or shorter: start on or after "
                f"{format_date(earliest, 'plain')}",
            ]
            return False
        return True
