"""The audit trail's filters: who, which client, and between which dates (Europe/London).

A GET form (a read whose address can be bookmarked): no CSRF token, and nothing personal in
the address, only a user id, a client number or case reference, and dates.
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import Field, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, ValidationError

from diversion.fields import (
    GovSelectField,
    IsoDateField,
    no_control_characters,
    strip_filter,
)

# A client number (digits) or a case reference such as CD-000045: letters, digits, hyphens.
CLIENT_OR_CASE = re.compile(r"[0-9]{1,12}|[A-Za-z]{1,10}-?[0-9]{1,12}")
ANYONE = ""


def client_or_case(_form: Any, field: Field) -> None:
    """A client number or a case reference; never a name (it would end up in the address)."""
    value = field.data or ""
    if value and not CLIENT_OR_CASE.fullmatch(value):
        raise ValidationError(
            "Enter a client number, like 123, or a case reference, like CD-000045, not a name"
        )


class AuditSearchForm(FlaskForm):
    """Which events of the audit trail to show."""

    class Meta:
        csrf = False

    user = GovSelectField("Who", choose="Select a person from the list", default=ANYONE, choices=[])
    client = StringField(
        "Client number or case reference",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Length(
                max=30, message="Client number or case reference must be 30 characters or fewer"
            ),
            no_control_characters,
            client_or_case,
        ],
        description="For example 123 or CD-000045",
    )
    date_from = IsoDateField("From", noun="from date")
    date_to = IsoDateField("To", noun="to date")

    def set_people(self, people: list[tuple[int, str]]) -> None:
        """The people the reader may filter by, as (user id, what the list shows)."""
        self.user.choices = [SelectChoice(ANYONE, "Anyone")] + [
            SelectChoice(str(user_id), text) for user_id, text in people
        ]

    def user_id(self) -> int | None:
        value = self.user.data
        return int(value) if value and str(value).isdecimal() else None

    def validate(self, extra_validators: Any = None) -> bool:
        ok = bool(super().validate(extra_validators))
        first, last = self.date_from.data, self.date_to.data
        if ok and first is not None and last is not None and last < first:
            self.date_to.errors = [
                *self.date_to.errors,
                "To date must be on or after the from date",
            ]
            return False
        return ok
