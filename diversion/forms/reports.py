"""Report forms: sign off a compliance report, send it, retry a failed email."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from diversion.forms.fields import no_control_characters, strip_filter
from diversion.reports import STATEMENT_MAX_LENGTH

CONFIRM_MESSAGE = "Confirm that this record of attendance is accurate"


class SignOffForm(FlaskForm):
    """The worker's statement and her confirmation that the record is accurate."""

    statement = TextAreaField(
        "Statement for the court and the CPS (optional)",
        description="For example, what she has engaged with, or what the court should know "
        "about a missed appointment. The court and the CPS will read this. Do not include "
        "health, drug use, housing or other personal details.",
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
    submit = SubmitField("Send to the court and the CPS", widget=GovSubmitInput())


class RetryForm(FlaskForm):
    """Try a failed email again."""

    submit = SubmitField("Retry", widget=GovSubmitInput())
