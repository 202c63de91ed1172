"""Monitoring answers for the tests of recording: a whole set as the form posts it."""

from __future__ import annotations

from datetime import date

# Every question answered; drug use with two answers.
ANSWERS: dict[str, str | list[str]] = {
    "work_pattern": "street",
    "contacts": "drug_treatment",
    "housing_status": "rough_sleeping",
    "known_previously": "no",
    "age_band": "25_34",
    "ethnicity": "white_gypsy_traveller",
    "drug_use": ["crack", "heroin"],
}
# The words each answer above is shown in.
WORDS = {
    "work_pattern": "Street-based",
    "contacts": "Drug treatment",
    "housing_status": "Sleeping rough",
    "known_previously": "No",
    "age_band": "25 to 34",
    "ethnicity": "White: Gypsy or Irish Traveller",
    "drug_use": "Heroin or other opiates, Crack cocaine",
}


def date_parts(day: date) -> list[str]:
    """A date as the three boxes of a GOV.UK date input post it."""
    return [str(day.day), str(day.month), str(day.year)]


def posted(day: date, **changes: object) -> dict[str, object]:
    """The form as posted: the date of the assessment and every answer, with any changes (a
    value of None leaves that field out)."""
    data: dict[str, object] = {"recorded_on": date_parts(day), **ANSWERS, **changes}
    return {name: value for name, value in data.items() if value is not None}
