"""The client form's questions about her texts: her language, plainer wording, her safe
times, and her agreement to the spelling of her name in texts (domain.md, "Text messages").

ClientForm (diversion.cases.forms) is built on TextPreferencesForm; the view asks the
texting capability what the name would do to her texts (diversion.cases.text_names) and
hands the answer to ``check_text_name``.
"""

from __future__ import annotations

from datetime import time
from typing import Any, Final

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput
from wtforms import BooleanField, HiddenField
from wtforms.fields import SelectChoice
from wtforms.validators import ValidationError

from diversion.cases.text_names import NameWarning
from diversion.fields import ClockTimeField, GovRadioField, WeekdaysField, strip_filter

WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Her language for texts; "" is not known yet, when her court decides (notifications.store).
TEXT_LANGUAGE_CHOICES: Final = (
    ("en", "English"),
    ("cy", "Welsh"),
    ("both", "Both, Welsh first"),
    ("", "Not known yet"),
)

PLAIN_WORDING_HINT: Final = (
    "Texts may then name the appointment, such as \u201cyour support appointment\u201d, but "
    "never an offence. Unticked, texts never say what an appointment is about."
)
SAFE_TIMES_HINT: Final = (
    "Leave empty for any time. Texts are never sent in the quiet hours at night, whatever "
    "you choose. Use the 24-hour clock, like 09:00."
)
AGREED_LABEL: Final = "She agrees to this spelling in texts"


def _not_none(value: Any) -> Any:
    """An unknown language is the empty choice, so that "Not known yet" shows as chosen."""
    return "" if value is None else value


class SafeDaysField(WeekdaysField):
    """Weekday checkboxes where none ticked means any day."""

    def pre_validate(self, form: Any) -> None:
        if self._bad:
            raise ValidationError("Select days from the list")


class TextPreferencesForm(FlaskForm):
    """The text-message questions of the client form, and their checks."""

    text_language = GovRadioField(
        "Her language for texts",
        choose="Select her language for texts",
        required=False,
        choices=[SelectChoice(value, label) for value, label in TEXT_LANGUAGE_CHOICES],
        default="",
        filters=[_not_none],
        description="Not known yet: texts go in English, or in Welsh and English when her "
        "court is in Wales",
    )
    plain_wording = BooleanField(
        "She wants plainer wording in her texts",
        widget=GovCheckboxInput(),
        description=PLAIN_WORDING_HINT,
    )
    safe_days = SafeDaysField(
        "Days texts may reach her (optional)",
        days=WEEKDAYS,
        choose="",
        description="Leave all unticked for any day",
    )
    safe_from = ClockTimeField(
        "From", noun="time texts may reach her from", required=False, description="Like 09:00"
    )
    safe_until = ClockTimeField(
        "Until", noun="time texts may reach her until", required=False, description="Like 15:00"
    )
    text_name_agreed = BooleanField(AGREED_LABEL, widget=GovCheckboxInput())
    # The name the agreement box was ticked for when the page was drawn (edit page), so that
    # a box left ticked does not agree to a name typed in since.
    text_name_agreed_for = HiddenField(filters=[strip_filter])

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_safe_hours() and valid

    def _check_safe_hours(self) -> bool:
        """Both times or neither, and until after from (no hours past midnight)."""
        start, end = self.safe_from, self.safe_until
        if start.errors or end.errors:
            return False
        problem = None
        if start.data is not None and end.data is None:
            problem = end, "Enter the time texts may reach her until, or remove both times"
        elif start.data is None and end.data is not None:
            problem = start, "Enter the time texts may reach her from, or remove both times"
        elif start.data is not None and end.data is not None and end.data <= start.data:
            problem = (
                end,
                (
                    "The time texts may reach her until must be later than the time from, "
                    "like 09:00 until 15:00"
                ),
            )
        if problem is None:
            return True
        field, message = problem
        field.errors = [*field.errors, message]
        return False

    def language(self) -> str | None:
        """Her language for texts as chosen: "en", "cy", "both", or None while not known."""
        return self.text_language.data or None

    def safe_day_list(self) -> list[int] | None:
        """The weekdays ticked (Monday = 0); None for any day (none ticked, or all seven)."""
        days = sorted(set(self.safe_days.data or ()))
        return days if days and len(days) < len(WEEKDAYS) else None

    def safe_hours(self) -> tuple[time | None, time | None]:
        """From and until, both or neither."""
        start, end = self.safe_from.data, self.safe_until.data
        if start is None or end is None:
            return None, None
        return start, end

    def check_text_name(self, warning: NameWarning | None) -> bool:
        """Whether the name texts use may be saved: one that makes her texts UCS-2 or too
        long needs her agreement to the spelling (or the plain spelling instead)."""
        if warning is None:
            return True
        name = self.text_name_name()
        ticked_for = self.text_name_agreed_for.data or None
        if self.text_name_agreed.data and ticked_for and ticked_for != name:
            # A new name has not been agreed: untick the box so it must be ticked again.
            self.text_name_agreed.data = False
            self.text_name_agreed_for.data = ""
            self.text_name_agreed.errors = [
                "You changed the name texts use. Check she agrees to the new spelling, then "
                "tick the box again"
            ]
            return False
        if self.text_name_agreed.data:
            return True
        plain = (
            f" or use the plain spelling {warning.plain_spelling}" if warning.plain_spelling else ""
        )
        self.text_name_agreed.errors = [
            f"{warning.message}. Tick that she agrees to this spelling in texts{plain}"
        ]
        return False

    def text_name_name(self) -> str:
        """The name texts would use: the name for texts, else her first initial."""
        typed = self["text_name"].data or ""
        if typed:
            return str(typed)
        return str(self["first_name"].data or "")[:1].upper()
