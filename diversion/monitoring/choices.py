"""The monitoring questions (the guide, section 11.2) and their answers, as codes and words.

Pure rule (architecture rule 1). The guide asks every agency for the same monitoring data:
work patterns, contacts, housing status, whether she was known previously, age, ethnicity
and drug use. Each question here has its answers as stable codes (stored sealed, counted by
the monitoring report) with the words a worker and a report reader see, and every question
also takes "prefer not to say" and "not asked". Ethnicity follows the ONS 2021 Census
categories for England and Wales (19 categories in 5 groups). Drug use may have several
answers: they are stored as their codes joined by "," in the order listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

PREFER_NOT_TO_SAY: Final = "prefer_not_to_say"
NOT_ASKED: Final = "not_asked"
_EITHER_WAY: Final = ((PREFER_NOT_TO_SAY, "Prefer not to say"), (NOT_ASKED, "Not asked"))


@dataclass(frozen=True)
class Question:
    """One monitoring question: its field, its words, its answers (code, words) in order."""

    field: str
    label: str
    answers: tuple[tuple[str, str], ...]
    many: bool = False  # several answers may be given (drug use)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.answers)

    def words(self, code: str) -> str:
        """The words for one answer (or, for drug use, several joined by ","), as shown."""
        names = dict(self.answers)
        return ", ".join(names.get(part, part) for part in code.split(","))

    def group(self, code: str) -> str:
        """The heading an answer is counted under (ethnicity: its ONS group)."""
        return ETHNIC_GROUP_OF.get(code, code) if self.field == "ethnicity" else code


WORK_PATTERN = Question(
    "work_pattern",
    "Work patterns",
    (
        ("street", "Street-based"),
        ("indoor", "Indoor (flat, parlour or sauna)"),
        ("escort", "Escort or outcall"),
        ("online", "Arranged online or by phone"),
        ("mixed", "More than one of these"),
        ("not_currently", "Not selling sex at present"),
        *_EITHER_WAY,
    ),
)
CONTACTS = Question(
    "contacts",
    "Contacts with other services",
    (
        ("none", "None"),
        ("drug_treatment", "Drug treatment"),
        ("health", "Health services (GP, sexual health)"),
        ("housing", "Housing or homelessness services"),
        ("probation", "Probation or youth offending"),
        ("several", "More than one of these"),
        *_EITHER_WAY,
    ),
)
HOUSING_STATUS = Question(
    "housing_status",
    "Housing status",
    (
        ("settled", "Settled (own or rented home)"),
        ("friends_family", "Staying with friends or family"),
        ("hostel", "Hostel or supported housing"),
        ("temporary", "Temporary accommodation"),
        ("rough_sleeping", "Sleeping rough"),
        *_EITHER_WAY,
    ),
)
KNOWN_PREVIOUSLY = Question(
    "known_previously",
    "Known to the service before",
    (("yes", "Yes"), ("no", "No"), *_EITHER_WAY),
)
AGE_BAND = Question(
    "age_band",
    "Age",
    (
        ("under_18", "Under 18"),
        ("18_24", "18 to 24"),
        ("25_34", "25 to 34"),
        ("35_44", "35 to 44"),
        ("45_54", "45 to 54"),
        ("55_over", "55 and over"),
        *_EITHER_WAY,
    ),
)
# ONS 2021 Census ethnic groups, England and Wales: (code, words, group).
_ETHNICITIES: Final = (
    ("asian_bangladeshi", "Bangladeshi", "Asian, Asian British or Asian Welsh"),
    ("asian_chinese", "Chinese", "Asian, Asian British or Asian Welsh"),
    ("asian_indian", "Indian", "Asian, Asian British or Asian Welsh"),
    ("asian_pakistani", "Pakistani", "Asian, Asian British or Asian Welsh"),
    ("asian_other", "Any other Asian background", "Asian, Asian British or Asian Welsh"),
    ("black_african", "African", "Black, Black British, Black Welsh, Caribbean or African"),
    ("black_caribbean", "Caribbean", "Black, Black British, Black Welsh, Caribbean or African"),
    (
        "black_other",
        "Any other Black, Black British or Caribbean background",
        "Black, Black British, Black Welsh, Caribbean or African",
    ),
    ("mixed_white_asian", "White and Asian", "Mixed or multiple ethnic groups"),
    ("mixed_white_black_african", "White and Black African", "Mixed or multiple ethnic groups"),
    (
        "mixed_white_black_caribbean",
        "White and Black Caribbean",
        "Mixed or multiple ethnic groups",
    ),
    (
        "mixed_other",
        "Any other mixed or multiple ethnic background",
        "Mixed or multiple ethnic groups",
    ),
    (
        "white_british",
        "English, Welsh, Scottish, Northern Irish or British",
        "White",
    ),
    ("white_irish", "Irish", "White"),
    ("white_gypsy_traveller", "Gypsy or Irish Traveller", "White"),
    ("white_roma", "Roma", "White"),
    ("white_other", "Any other White background", "White"),
    ("other_arab", "Arab", "Other ethnic group"),
    ("other_any", "Any other ethnic group", "Other ethnic group"),
)
ETHNIC_GROUP_OF: Final[dict[str, str]] = {code: group for code, _, group in _ETHNICITIES}
ETHNICITY = Question(
    "ethnicity",
    "Ethnicity",
    (*((code, f"{group}: {words}") for code, words, group in _ETHNICITIES), *_EITHER_WAY),
)
DRUG_USE = Question(
    "drug_use",
    "Drug use",
    (
        ("heroin", "Heroin or other opiates"),
        ("crack", "Crack cocaine"),
        ("cocaine", "Powder cocaine"),
        ("alcohol", "Alcohol (problematic)"),
        ("cannabis", "Cannabis"),
        ("benzodiazepines", "Benzodiazepines"),
        ("other", "Other drugs"),
        ("none", "No drug use"),
        *_EITHER_WAY,
    ),
    many=True,
)

QUESTIONS: Final = (
    WORK_PATTERN,
    CONTACTS,
    HOUSING_STATUS,
    KNOWN_PREVIOUSLY,
    AGE_BAND,
    ETHNICITY,
    DRUG_USE,
)
QUESTION_OF: Final[dict[str, Question]] = {question.field: question for question in QUESTIONS}


def drug_use_code(answers: list[str]) -> str:
    """Several drug-use answers as the one stored code: in the listed order, joined by ",";
    "none", "prefer not to say" or "not asked" stand alone. ValueError for a mix of those."""
    chosen = [code for code in DRUG_USE.codes if code in set(answers)]
    unknown = set(answers) - set(DRUG_USE.codes)
    if unknown:
        raise ValueError(f"unknown drug-use answers: {sorted(unknown)}")
    alone = {"none", PREFER_NOT_TO_SAY, NOT_ASKED}
    if not chosen:
        raise ValueError("give at least one drug-use answer")
    if len(chosen) > 1 and alone & set(chosen):
        raise ValueError("'none', 'prefer not to say' and 'not asked' stand alone")
    return ",".join(chosen)
