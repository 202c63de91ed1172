"""Client forms: search, add and edit."""

from __future__ import annotations

from datetime import date
from typing import Any

import phonenumbers
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, Field, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from diversion.forms.fields import GovDateField, no_control_characters, strip_filter, text_field

# Housing and health notes: long enough for a paragraph or two, short enough to stay notes.
NOTES_MAX_LENGTH = 2000
PROJECT_ONLY_HINT = "For the project only. Never shared with the court or the CPS."
OLDEST_AGE = 110
YOUNGEST_AGE = 10  # the age of criminal responsibility in England and Wales
# Ofcom keeps 07700 900000 to 900999 for drama and training: never allocated, so safe for
# demo data and staff training. libphonenumber calls them invalid; we accept them.
OFCOM_DRAMA_PREFIX = "+447700900"


def normalise_uk_mobile(text: str) -> str:
    """A UK mobile number in E.164 ('+447700900123'), or ValueError with a message to show."""
    message = "Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982"
    cleaned = text.strip()
    if len(cleaned) > 30:
        raise ValueError(message)
    try:
        number = phonenumbers.parse(cleaned, "GB")
    except phonenumbers.NumberParseException as error:
        raise ValueError(message) from error
    if number.country_code != 44:
        raise ValueError(message)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if e164.startswith(OFCOM_DRAMA_PREFIX) and len(e164) == len(OFCOM_DRAMA_PREFIX) + 3:
        return e164
    if not phonenumbers.is_valid_number(number):
        raise ValueError(message)
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValueError("Enter a mobile number: texts cannot be sent to a landline")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_mobile(e164: str | None) -> str:
    """A stored mobile number as people read it: '07700 900982'."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _notes(label: str, example: str) -> TextAreaField:
    return TextAreaField(
        f"{label} (optional)",
        description=f"{example} {PROJECT_ONLY_HINT}",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(
                max=NOTES_MAX_LENGTH,
                message=f"{label} must be {NOTES_MAX_LENGTH:,} characters or fewer",
            ),
            no_control_characters,
        ],
    )


def age_on(born: date, day: date) -> int:
    """Whole years of age on a day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _name(
    label: str, message: str, *, required: bool = True, max_length: int = 100, description: str = ""
) -> Field:
    return text_field(
        label,
        required=message if required else None,
        max_length=max_length,
        description=description,
    )


class ClientSearchForm(FlaskForm):
    """Search by name, alias, mobile number or date of birth; sent as a POST so names and
    numbers stay out of URLs."""

    class Meta:
        csrf = False

    q = StringField(
        "Name, alias or mobile number",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=100, message="Search must be 100 characters or fewer"),
            no_control_characters,
        ],
    )
    dob = GovDateField("Date of birth", noun="date of birth", required=False)
    submit = SubmitField("Search", widget=GovSubmitInput())


class ClientForm(FlaskForm):
    """Add or edit a client."""

    first_name = _name("First name", "Enter her first name")
    last_name = _name("Last name", "Enter her last name")
    aliases = TextAreaField(
        "Other names she is known by (optional)",
        description="One name on each line",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[Optional(), Length(max=1000), no_control_characters],
    )
    date_of_birth = GovDateField(
        "Date of birth", noun="date of birth", description="For example, 27 3 1990"
    )
    text_name = _name(
        "Name to use in text messages (optional)",
        "",
        required=False,
        max_length=30,
        description="Her chosen first name or an initial. Never her full name.",
    )
    mobile = StringField(
        "Mobile number (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[Optional(), Length(max=30, message="Enter a UK mobile number")],
    )
    consent_to_texts = BooleanField(
        "She agrees to receive text message reminders", widget=GovCheckboxInput()
    )
    safe_to_text = BooleanField(
        "I have checked with her that this number is safe to text", widget=GovCheckboxInput()
    )
    # The number the safe-to-text box was ticked for when the page was drawn (edit page), so
    # that a box left ticked from before does not vouch for a number typed in since.
    safe_number = HiddenField(filters=[strip_filter])
    housing = _notes(
        "Housing situation",
        "For example, where she is staying and whether it is safe.",
    )
    health_notes = _notes(
        "Health and support needs",
        "For example, health conditions, medication or support she asks for.",
    )
    submit = SubmitField("Save client", widget=GovSubmitInput())

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.mobile_e164: str | None = None

    def validate_date_of_birth(self, field: GovDateField) -> None:
        born = field.data
        if born is None:
            return
        if born >= self.today:
            raise ValidationError("Date of birth must be in the past")
        age = age_on(born, self.today)
        if age < YOUNGEST_AGE:
            raise ValidationError(f"Date of birth must be at least {YOUNGEST_AGE} years ago")
        if age > OLDEST_AGE:
            raise ValidationError(f"Date of birth must be less than {OLDEST_AGE} years ago")

    def validate_mobile(self, field: StringField) -> None:
        if not field.data:
            self.mobile_e164 = None
            return
        try:
            self.mobile_e164 = normalise_uk_mobile(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate_consent_to_texts(self, field: BooleanField) -> None:
        if field.data and not self.mobile.data:
            raise ValidationError("Enter her mobile number, or untick consent to texts")

    def validate_safe_to_text(self, field: BooleanField) -> None:
        if field.data and not self.mobile.data:
            raise ValidationError("Enter her mobile number, or untick safe to text")
        ticked_for = self.safe_number.data or None
        if field.data and ticked_for and self.mobile_e164 and ticked_for != self.mobile_e164:
            # A new number has not been checked: untick the box so she must tick it again.
            field.data = False
            self.safe_number.data = ""
            raise ValidationError(
                "You changed her mobile number. Check the new number is safe to text, "
                "then tick the box again"
            )

    def alias_list(self) -> tuple[str, ...]:
        lines = (self.aliases.data or "").splitlines()
        return tuple(line.strip()[:200] for line in lines if line.strip())[:20]
