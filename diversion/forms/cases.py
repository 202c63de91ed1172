"""Case forms: open a case, record the court outcome, close the case."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from diversion.forms.fields import (
    GovDateField,
    GovRadioField,
    GovSelectField,
    no_control_characters,
    strip_filter,
)
from diversion.models import CaseStatus, CourtOutcome, DrugTestResult
from diversion.services.cases import NOTE_MAX_LENGTH

DEFAULT_CHARGE = "Loitering or soliciting for prostitution (Street Offences Act 1959, s.1)"


class CaseForm(FlaskForm):
    """Open a case: which order, which court, the first court date."""

    requirement_type_id = GovSelectField(
        "Type of case", coerce=int, choose="Select the type of case"
    )
    court_id = GovSelectField("Court", coerce=int, choose="Select the court")
    first_court_date = GovDateField(
        "First court date", noun="court date", description="The date she is bailed to appear"
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
    submit = SubmitField("Open case", widget=GovSubmitInput())

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_arrest_date(self, field: GovDateField) -> None:
        if field.data is not None and field.data > self.today:
            raise ValidationError("Date of arrest must be today or in the past")

    def validate_first_court_date(self, field: GovDateField) -> None:
        if field.data is not None and field.data.year > self.today.year + 2:
            raise ValidationError("Court date must be within the next two years")


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
    adjourned_to = GovDateField(
        "Adjourned to",
        noun="adjourned date",
        required=False,
        description="Only if the case was adjourned",
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
            raise ValidationError("Enter the return date set by the court")
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
