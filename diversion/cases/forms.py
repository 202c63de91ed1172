"""Client and case forms: search, add and edit a client; open a case, record the court
outcome, close the case, add a note."""

from __future__ import annotations

from datetime import date, time
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
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from diversion.cases.services import NOTE_MAX_LENGTH
from diversion.cases.text_forms import TextPreferencesForm
from diversion.fields import (
    ClockTimeField,
    GovDateField,
    GovRadioField,
    GovSelectField,
    no_control_characters,
    strip_filter,
    text_field,
)
from diversion.formatting import format_date
from diversion.models import CaseStatus, CourtOutcome, DrugTestResult
from diversion.phones import normalise_uk_mobile

DEFAULT_CHARGE = "Loitering or soliciting for prostitution (Street Offences Act 1959, s.1)"
LIST_TIME_HINT = "Use the 24-hour clock, like 14:00. Leave empty to use the court's list time"


def hearing_time_field(label: str, *, noun: str) -> ClockTimeField:
    """The optional time of a court date; empty means the court's list time."""
    return ClockTimeField(label, noun=noun, required=False, description=f"{LIST_TIME_HINT}.")


def name_list_time(field: ClockTimeField, list_time: time) -> None:
    """Say which list time an empty box means, once the court is known."""
    field.description = f"{LIST_TIME_HINT}, {list_time:%H:%M}."


class CaseForm(FlaskForm):
    """Open a case: which order, which court, the first court date."""

    requirement_type_id = GovSelectField(
        "Type of case", coerce=int, choose="Select the type of case"
    )
    court_id = GovSelectField("Court", coerce=int, choose="Select the court")
    first_court_date = GovDateField(
        "First court date", noun="court date", description="The date she is bailed to appear"
    )
    first_court_time = hearing_time_field(
        "Time of the first court date (optional)", noun="court time"
    )
    court_reference = StringField(
        "Court reference (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=50, message="Court reference must be 50 characters or fewer"),
            no_control_characters,
        ],
    )
    arrest_date = GovDateField("Date of arrest (optional)", noun="date of arrest", required=False)
    charge = StringField(
        "Charge",
        widget=GovTextInput(),
        filters=[strip_filter],
        default=DEFAULT_CHARGE,
        validators=[
            DataRequired("Enter the charge"),
            Length(max=200, message="Charge must be 200 characters or fewer"),
            no_control_characters,
        ],
    )
    custody_drug_test = GovRadioField(
        "Drug test in custody",
        choices=[SelectChoice(r.value, r.label) for r in DrugTestResult],
        default=DrugTestResult.NOT_TESTED.value,
        choose="Select the result of the drug test in custody",
    )
    worker_id = GovSelectField("Allocated worker", coerce=int, choose="Select the allocated worker")
    # Asked only once a first court date in the past has been entered: usually a slip (last
    # year, or last week's list), sometimes a case recorded after the hearing.
    past_date_confirmed = BooleanField(
        "Yes, the court date has passed: open the case anyway", widget=GovCheckboxInput()
    )
    submit = SubmitField("Open case", widget=GovSubmitInput())

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.asks_about_past_date = bool(self.past_date_confirmed.data)

    def validate_arrest_date(self, field: GovDateField) -> None:
        if field.data is not None and field.data > self.today:
            raise ValidationError("Date of arrest must be today or in the past")

    def validate_first_court_date(self, field: GovDateField) -> None:
        if field.data is not None and field.data.year > self.today.year + 2:
            raise ValidationError("Court date must be within the next two years")
        if field.data is not None and field.data < self.today:
            self.asks_about_past_date = True
            if not self.past_date_confirmed.data:
                raise ValidationError(
                    f"Court date {format_date(field.data, 'long')} has passed. Check the date, "
                    "or tick the box below to open the case anyway"
                )


class OutcomeForm(FlaskForm):
    """What the court decided, and the dates it set."""

    outcome = GovRadioField(
        "What did the court decide?",
        choices=[SelectChoice(o.value, o.label) for o in CourtOutcome],
        choose="Select what the court decided",
    )
    hearing_date = GovDateField("Date of the hearing", noun="hearing date")
    return_date = GovDateField(
        "Return date set by the court",
        noun="return date",
        required=False,
        description="The date she must return to court. Check it against the court record.",
    )
    return_time = hearing_time_field("Time of the return hearing (optional)", noun="return time")
    adjourned_to = GovDateField(
        "Adjourned to",
        noun="adjourned date",
        required=False,
        description="Only if the case was adjourned",
    )
    adjourned_to_time = hearing_time_field(
        "Time of the adjourned hearing (optional)", noun="adjourned time"
    )
    submit = SubmitField("Save outcome", widget=GovSubmitInput())

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def _check_within_two_years(self, field: GovDateField) -> None:
        # As for the first court date: a typing slip (9999) must not be saved, and dates near
        # the end of the calendar break the date arithmetic of the case's later pages.
        if field.data is not None and field.data.year > self.today.year + 2:
            raise ValidationError(f"{field.noun.capitalize()} must be within the next two years")

    def validate_hearing_date(self, field: GovDateField) -> None:
        # The outcome is what the court decided: it is recorded at or after the hearing.
        if field.data is not None and field.data > self.today:
            raise ValidationError("Hearing date must be today or in the past")
        self._check_within_two_years(field)

    def validate_return_date(self, field: GovDateField) -> None:
        if (
            self.outcome.data == CourtOutcome.ACCEPTED.value
            and field.data is None
            and not field.errors
        ):
            raise ValidationError("Enter the return date the court set")
        self._check_within_two_years(field)

    def validate_adjourned_to(self, field: GovDateField) -> None:
        if (
            self.outcome.data == CourtOutcome.ADJOURNED.value
            and field.data is None
            and not field.errors
        ):
            raise ValidationError("Enter the date the case was adjourned to")
        self._check_within_two_years(field)


CLOSING_LABELS = {
    CaseStatus.CLOSED: "Completed, or no further action",
    CaseStatus.WITHDRAWN: "She withdrew from the scheme",
}


class CloseCaseForm(FlaskForm):
    """How the case ended and why: closing cancels her future appointments and reminders."""

    outcome = GovRadioField("How did the case end?", choose="Select how the case ended")
    reason = TextAreaField(
        "Why is the case closing?",
        description="For example, she completed both sessions and the court was told.",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[
            DataRequired("Enter why the case is closing"),
            Length(max=500, message="Reason must be 500 characters or fewer"),
            no_control_characters,
        ],
    )
    submit = SubmitField("Close the case", widget=GovSubmitInput())

    def __init__(self, *args: Any, outcomes: tuple[CaseStatus, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcome.choices = [SelectChoice(o.value, CLOSING_LABELS[o]) for o in outcomes]


class CaseNoteForm(FlaskForm):
    """Add a note to a case: for the project only, never for the court or the CPS."""

    note = TextAreaField(
        "Note",
        description="For the project only. Never shared with the court or the CPS.",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[
            DataRequired("Enter the note"),
            Length(
                max=NOTE_MAX_LENGTH,
                message=f"Note must be {NOTE_MAX_LENGTH:,} characters or fewer",
            ),
            no_control_characters,
        ],
    )
    submit = SubmitField("Add note", widget=GovSubmitInput())


# Housing and health notes: long enough for a paragraph or two, short enough to stay notes.
NOTES_MAX_LENGTH = 2000
PROJECT_ONLY_HINT = "For the project only. Never shared with the court or the CPS."
OLDEST_AGE = 110
YOUNGEST_AGE = 10  # the age of criminal responsibility in England and Wales


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


class ClientForm(TextPreferencesForm):
    """Add or edit a client (the questions about her texts are in TextPreferencesForm)."""

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
    # Asked only when she may already be known: a client of the same name and date of birth
    # on the caseload, or a match of the caseload check anywhere in the partnership.
    not_the_same_person = BooleanField(
        "She is a different person: add her as a new client", widget=GovCheckboxInput()
    )
    text_name = _name(
        "Name to use in text messages (optional)",
        "",
        required=False,
        max_length=30,
        description="Her chosen first name or an initial. Never her full name. Leave empty "
        "to use her first initial.",
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
        "For example, conditions, medication or support she asks for.",
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


class FlagForm(FlaskForm):
    """A flag on her record: what anyone who matches her should do, and whom to contact."""

    text = text_field(
        "What should someone who finds her do?",
        required="Enter what to do if she reappears",
        max_length=500,
        noun="What to do",
        description="For example, contact the project if she reappears. Anyone in the "
        "partnership who finds her record sees this and the contact, nothing else.",
        area=True,
    )
    contact = text_field(
        "Whom to contact",
        required="Enter whom to contact",
        max_length=200,
        noun="Contact",
        description="A name with a phone number or email address.",
    )
    submit = SubmitField("Save the flag", widget=GovSubmitInput())


class TransferRequestForm(FlaskForm):
    """Ask the organisation holding her record to transfer her."""

    reason = text_field(
        "Why should she move to your organisation?",
        required="Enter why she should move",
        max_length=500,
        noun="Reason",
        description="The organisation holding her record reads this when it decides.",
        area=True,
    )
    submit = SubmitField("Ask for the transfer", widget=GovSubmitInput())
