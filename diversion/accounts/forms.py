"""Sign-in forms: email and password, the two-factor code, and her own password and codes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from diversion.fields import strip_filter

# Long enough for any password the service allows, and any pasted code; refused beyond.
MAX_TYPED = 1024


class SignInForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), Length(max=MAX_TYPED)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def _code_field(description: str) -> StringField:
    return StringField(
        "Code",
        widget=GovTextInput(),
        filters=[strip_filter],
        description=description,
        validators=[
            InputRequired("Enter the code from your authenticator app"),
            Length(max=64, message="Enter the code from your authenticator app"),
        ],
    )


class CodeForm(FlaskForm):
    """The second step of signing in: a code from the app, or a recovery code."""

    code = _code_field(
        "The 6-digit code your authenticator app shows for this service, or one of your "
        "recovery codes"
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class EnrolForm(FlaskForm):
    """Setting up two-factor: the first code from the app proves it is set up."""

    code = _code_field("The 6-digit code your authenticator app now shows for this service")
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password"), Length(max=MAX_TYPED)],
    )
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter a new password"), Length(max=MAX_TYPED)],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ChoosePasswordForm(FlaskForm):
    """Her set-up link: she chooses her own password (the link proves she holds the mailbox)."""

    password = PasswordField(
        "Choose a password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter a password"), Length(max=MAX_TYPED)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodesForm(FlaskForm):
    """New recovery codes: her password first, as for any change to how she signs in."""

    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password"), Length(max=MAX_TYPED)],
    )
    submit = SubmitField("Get new recovery codes", widget=GovSubmitInput())
