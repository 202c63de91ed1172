"""Forms for orders that start away from court: opening one from its starting event, an
agency's agreement, and a session recorded as not needed."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from diversion.cases.order_services import LAPSE_REASON_MAX_LENGTH
from diversion.cases.orders import OrderRules
from diversion.fields import (
    GovDateField,
    GovRadioField,
    GovSelectField,
    no_control_characters,
    strip_filter,
    text_field,
)
from diversion.models import DrugTestResult


class OrderCaseForm(FlaskForm):
    """Open a case from the event that starts its order. The view removes the fields the
    order does not need (``keep_only``)."""

    start_date = GovDateField("Date", noun="date")
    end_date = GovDateField("End date", noun="end date", required=False)
    sessions_required = GovRadioField(
        "How many sessions did it set?", choose="Select how many sessions were set"
    )
    partner_organisation_id = GovSelectField(
        "Partner agency", coerce=int, choose="Select the partner agency"
    )
    court_id = GovSelectField(
        "Court area",
        coerce=int,
        choose="Select the court area",
        description="Its addresses take the report.",
    )
    reference = text_field("Reference (optional)", max_length=50, noun="Reference")
    arrest_date = GovDateField("Date of arrest (optional)", noun="date of arrest", required=False)
    charge = text_field("Offence (optional)", max_length=200, noun="Offence")
    custody_drug_test = GovRadioField(
        "Drug test in custody",
        choices=[SelectChoice(r.value, r.label) for r in DrugTestResult],
        default=DrugTestResult.NOT_TESTED.value,
        choose="Select the result of the drug test in custody",
    )
    worker_id = GovSelectField("Allocated worker", coerce=int, choose="Select the allocated worker")
    submit = SubmitField("Open case", widget=GovSubmitInput())

    def __init__(self, *args: Any, today: date, order: OrderRules, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.order = order
        start = order.start_noun
        self.start_date.label.text = start[0].upper() + start[1:]
        self.start_date.noun = start
        end = order.end_noun
        self.end_date.label.text = end[0].upper() + end[1:]
        self.end_date.noun = end
        low, high = order.session_range
        self.sessions_required.choices = [
            SelectChoice(str(n), f"{n} session" + ("" if n == 1 else "s"))
            for n in range(low, high + 1)
        ]
        if order.with_named_worker:
            self.worker_id.label.text = "Supervisor named in the order"
            self.worker_id.description = "Every meeting is with her."
        if not order.end_set_on_case:
            del self.end_date
        if not order.chosen_per_case:
            del self.sessions_required
        if not order.needs_partner:
            del self.partner_organisation_id

    def validate_start_date(self, field: GovDateField) -> None:
        if field.data is not None and field.data > self.today:
            raise ValidationError(f"The {self.order.start_noun} must be today or in the past")

    def validate_end_date(self, field: GovDateField) -> None:
        if field.data is None:
            raise ValidationError(f"Enter the {self.order.end_noun}")


class AgreementForm(FlaskForm):
    """One agency records its agreement to a case that needs both."""

    submit = SubmitField("Record our agreement", widget=GovSubmitInput())


class LapseForm(FlaskForm):
    """The assessor records that a session is not needed, and why (for her file only)."""

    reason = TextAreaField(
        "Why is it not needed?",
        description="For her file only: the police and the court are told only that it "
        "was not needed.",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[
            DataRequired("Say why the session is not needed"),
            Length(
                max=LAPSE_REASON_MAX_LENGTH,
                message=f"The reason must be {LAPSE_REASON_MAX_LENGTH} characters or fewer",
            ),
            no_control_characters,
        ],
    )
    submit = SubmitField("Record as not needed", widget=GovSubmitInput())
