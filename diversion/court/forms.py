"""Court forms: the sitting-day list's filters (a date picker, the status, which list), and
the report's sign-off, send and retry."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, IntegerField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from diversion.cases.compliance import ComplianceStatus
from diversion.court.report_content import STATEMENT_MAX_LENGTH
from diversion.fields import (
    GovSelectField,
    IsoDateField,
    no_control_characters,
    strip_filter,
)

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


class SittingListForm(FlaskForm):
    """Which day's list, and which of its cases."""

    class Meta:
        csrf = False

    date = IsoDateField("Date", range_example=True)
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


CONFIRM_MESSAGE = "Confirm that this record of attendance is accurate"


class SignOffForm(FlaskForm):
    """The worker's statement and her confirmation that the record is accurate."""

    statement = TextAreaField(
        "Statement for the court and the CPS (optional)",
        description="Shown in the report under its own heading. For example, that she has "
        "engaged well with the sessions. The court and the CPS will read this: keep to her "
        "attendance and engagement, and leave out anything about her private life.",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(
                max=STATEMENT_MAX_LENGTH,
                message=f"Statement must be {STATEMENT_MAX_LENGTH} characters or fewer",
            ),
            no_control_characters,
        ],
    )
    confirm = BooleanField(
        "I confirm this record of attendance is accurate",
        widget=GovCheckboxInput(),
        validators=[DataRequired(CONFIRM_MESSAGE)],
    )
    submit = SubmitField("Sign off the report", widget=GovSubmitInput())


class SendForm(FlaskForm):
    """Send the sign-off shown on the page (a newer one since is refused, not sent)."""

    report_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    # Only once the sign-off has been sent: a resend is deliberate, and says why.
    resend_reason = TextAreaField(
        "Why are you sending it again?",
        description="For example, the court asked for it again. Kept on the case's timeline.",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=300)],
    )
    submit = SubmitField("Send to the court and the CPS", widget=GovSubmitInput())


class RetryForm(FlaskForm):
    """Try a failed email again."""

    submit = SubmitField("Retry", widget=GovSubmitInput())
