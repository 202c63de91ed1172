"""Administration forms for who uses the service: user accounts, and the numbers texts
come in on."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import ValidationError

from diversion.fields import (
    AdminForm,
    GovRadioField,
    GovSelectField,
    email_field,
    optional_id,
    text_field,
)
from diversion.models import Role
from diversion.phones import normalise_receiving_number


class _UserFields(AdminForm):
    """What an administrator sets on every account."""

    name = text_field("Full name", required="Enter their full name", noun="Full name")
    role = GovRadioField(
        "Role",
        choices=[SelectChoice(role.value, role.label) for role in Role],
        choose="Select the role",
    )
    # "" (the new-user form's "Select the organisation") reads as no choice.
    organisation_id = GovSelectField(
        "Organisation", coerce=optional_id, choose="Select the organisation"
    )


class NewUserForm(_UserFields):
    """Add a user account: she is emailed a link to choose her own password."""

    email = email_field(
        "Email address",
        required="Enter an email address",
        description="Used to sign in. We will email a link to it, where they choose their "
        "password and set up two-factor authentication.",
    )
    submit = SubmitField("Add user", widget=GovSubmitInput())

    def validate_email(self, field: StringField) -> None:
        field.data = (field.data or "").lower()


class EditUserForm(_UserFields):
    """Change an account; disabling it ends every session of the account."""

    active = BooleanField(
        "This account is active",
        widget=GovCheckboxInput(),
        description="Untick to disable the account: it is signed out at once",
    )
    submit = SubmitField("Save user", widget=GovSubmitInput())


class ReceivingNumberForm(AdminForm):
    """Give an organisation a number (or Twilio messaging service) that texts come in on."""

    organisation_id = GovSelectField(
        "Organisation",
        coerce=int,
        choose="Select the organisation that receives texts on this number",
    )
    value = text_field(
        "Phone number or messaging service SID",
        required="Enter the phone number or the messaging service SID",
        noun="Phone number or messaging service SID",
        max_length=64,
        description="The number women reply to, like 07700 900 982, or the Twilio messaging "
        "service SID, which starts MG. Only a number this organisation alone texts from.",
    )
    submit = SubmitField("Add number", widget=GovSubmitInput())

    def validate_value(self, field: Any) -> None:
        try:
            field.data = normalise_receiving_number(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from error
