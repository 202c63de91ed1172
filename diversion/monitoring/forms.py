"""The monitoring form: her seven answers at an assessment, the date and (optionally) the case.

Every question starts with nothing chosen and must be answered; "Prefer not to say" and "Not
asked" are offered under each, after an "or". Drug use takes several answers as checkboxes,
where "No drug use", "Prefer not to say" and "Not asked" stand alone (GOV.UK's exclusive
checkboxes untick the others in a browser with JavaScript; the form says so without it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.fields import SelectChoice, SelectMultipleField
from wtforms.validators import ValidationError

from diversion.fields import (
    AdminForm,
    GovDateField,
    GovRadioField,
    OptionalSelectField,
    _CheckboxesWithLegend,
    _RadiosWithLegend,
)
from diversion.models import Case
from diversion.monitoring.choices import (
    AGE_BAND,
    CONTACTS,
    DRUG_USE,
    ETHNICITY,
    HOUSING_STATUS,
    KNOWN_PREVIOUSLY,
    NOT_ASKED,
    PREFER_NOT_TO_SAY,
    WORK_PATTERN,
    Question,
    drug_use_code,
)
from diversion.monitoring.services import CHOOSE, EARLIEST_ASSESSMENT, ON_ITS_OWN

# The answers after the "or": they stand alone.
STANDING_ALONE = frozenset({"none", PREFER_NOT_TO_SAY, NOT_ASKED})


def _with_or(items: list[dict[str, Any]], *, alone: frozenset[str], exclusive: bool) -> None:
    """Put an "or" before the first answer that stands alone (and mark those exclusive)."""
    for index, item in enumerate(items):
        if item.get("value") in alone:
            items.insert(index, {"divider": "or"})
            break
    if exclusive:
        for item in items:
            if item.get("value") in alone:
                item["behaviour"] = "exclusive"


class _AnswerRadios(_RadiosWithLegend):
    """Radios with "or" before "Prefer not to say" and "Not asked"."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        _with_or(params["items"], alone=frozenset({PREFER_NOT_TO_SAY, NOT_ASKED}), exclusive=False)
        return params


class _AnswerCheckboxes(_CheckboxesWithLegend):
    """Checkboxes with "or" before the answers that stand alone, which untick the others."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params = super().map_gov_params(field, **kwargs)
        _with_or(params["items"], alone=STANDING_ALONE, exclusive=True)
        return params


class AnswerRadioField(GovRadioField):
    """One question's answers as radios."""

    widget = _AnswerRadios()


def answer_field(question: Question, *, description: str = "") -> AnswerRadioField:
    """One question as radios, its answers in the order listed, nothing chosen at first."""
    return AnswerRadioField(
        question.label,
        choices=[SelectChoice(code, words) for code, words in question.answers],
        choose=CHOOSE[question.field],
        description=description,
    )


class AnswersField(SelectMultipleField):
    """A question with several answers (drug use) as checkboxes; the answers that stand alone
    are refused with any other."""

    widget = _AnswerCheckboxes()

    def __init__(self, question: Question, *, description: str = "", **kwargs: Any) -> None:
        choices = [SelectChoice(code, words) for code, words in question.answers]
        super().__init__(question.label, choices=choices, description=description, **kwargs)
        self.question = question
        self._bad = False

    def process_formdata(self, valuelist: list[Any]) -> None:
        given = {str(value) for value in valuelist}
        self._bad = not given <= set(self.question.codes)
        self.data = [code for code in self.question.codes if code in given]

    def pre_validate(self, form: Any) -> None:
        if self._bad or not self.data:
            raise ValidationError(CHOOSE[self.question.field])
        try:
            drug_use_code(self.data)
        except ValueError:
            raise ValidationError(ON_ITS_OWN) from None


class MonitoringForm(AdminForm):
    """Her monitoring answers at an assessment (the guide, section 11.2)."""

    recorded_on = GovDateField(
        "Date of the assessment",
        noun="date of the assessment",
        description="The day she answered these questions. For example, 27 3 2026",
    )
    case_id = OptionalSelectField(
        "Which case was the assessment for? (optional)", choose="Select one of her open cases"
    )
    work_pattern = answer_field(WORK_PATTERN)
    contacts = answer_field(
        CONTACTS, description="Services she was in touch with when she was assessed."
    )
    housing_status = answer_field(HOUSING_STATUS)
    known_previously = answer_field(
        KNOWN_PREVIOUSLY, description="Whether the project knew her before this referral."
    )
    age_band = answer_field(AGE_BAND, description="Her age on the day of the assessment.")
    ethnicity = answer_field(
        ETHNICITY,
        description="As she describes herself, in the groups of the 2021 Census.",
    )
    drug_use = AnswersField(
        DRUG_USE,
        description="Select all that apply, or one of the answers after 'or' on its own.",
    )
    submit = SubmitField("Save monitoring data", widget=GovSubmitInput())

    def __init__(self, *args: Any, today: date, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.case_id.choices = [
            SelectChoice("", "Not for a particular case"),
            *(
                SelectChoice(str(case.id), f"{case.reference}: {case.requirement_type.name}")
                for case in cases
            ),
        ]

    def validate_recorded_on(self, field: GovDateField) -> None:
        if field.data is not None and field.data > self.today:
            raise ValidationError("Date of the assessment must be today or in the past")
        if field.data is not None and field.data < EARLIEST_ASSESSMENT:
            raise ValidationError("Date of the assessment must be on or after 1 January 2000")
