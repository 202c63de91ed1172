"""The default wording of every kind of text: English and Welsh, discreet and plainer, and
what each kind may say (``placeholders_for``, ``template_problems``, for the editor). Pure.

Each kind of text has four wordings, one per language ("en", "cy") and register (discreet,
or the plainer wording a woman may opt in to); an administrator may replace any of them
(notifications.store). A woman who reads both languages gets one text made of the Welsh
wording then the English (notifications.templates.combine_languages).

Rules every default keeps (tests/notifications/test_templates.py measures each):
- Discreet wording names no court, bail, police, CPS, drug, prostitution, sex work,
  diversion or offence, in either language (notifications.forbidden). Plainer wording may name
  the appointment ("your support appointment", "your court date", "yn y llys") but never
  an offence.
- Within the language's segment limit with LONG_SAMPLE_VALUES: English 1 text, Welsh 2,
  and the two together 3. GSM-7 only: straight apostrophes, and no Welsh letter with a
  circumflex or a diaeresis (â, ê, î, ô, û, ŵ, ŷ, ï), which would make the whole text
  UCS-2 (70 characters a part instead of 160). So the Welsh avoids "â" and "ar ôl".
- Court reminders name no place and ask for no Y reply: Y confirms her next project
  appointment. The booking confirmation names every session of the booking with {times}.

The Welsh wording was written for the service, not by a translator: every Welsh default is
in TRANSLATION_TO_REVIEW until a Welsh speaker has reviewed it, and the editor says so.
"""

from __future__ import annotations

from typing import Final

from notifications.templates import (
    ALLOWED_PLACEHOLDERS,
    KIND_NAMES,
    LANGUAGE_NAMES,
    LONG_SAMPLE_VALUES,
    Language,
    TemplateError,
    combine_languages,
    lint,
    placeholders,
    render,
    size_problem,
)

# (language, plain): the four wordings of each kind.
Variant = tuple[str, bool]

# The editor's name for each wording of a kind, by its slug in the address.
VARIANTS: Final[dict[str, Variant]] = {
    "en": ("en", False),
    "en-plain": ("en", True),
    "cy": ("cy", False),
    "cy-plain": ("cy", True),
}
VARIANT_NAMES: Final[dict[str, str]] = {
    "en": "English",
    "en-plain": "English, plainer wording",
    "cy": "Welsh",
    "cy-plain": "Welsh, plainer wording",
}

_STOP_CY: Final = "Atebwch STOP i atal y negeseuon"

DEFAULT_TEMPLATES: Final[dict[str, dict[Variant, str]]] = {
    "court_two_days_before": {
        ("en", False): (
            "Hi {name}, a reminder you're due on {day} at {time}. "
            "Call {phone} if you need help with childcare or travel. Reply STOP to opt out"
        ),
        ("en", True): (
            "Hi {name}, a reminder your court date is {day} at {time}. "
            "Call {phone} if you need help with childcare or travel. Reply STOP to opt out"
        ),
        ("cy", False): (
            "Helo {name}, nodyn i'ch atgoffa bod disgwyl i chi fod yno ar {day} am {time}. "
            "Ffoniwch {phone} os oes angen help gyda gofal plant neu deithio. " + _STOP_CY
        ),
        ("cy", True): (
            "Helo {name}, nodyn i'ch atgoffa bod angen i chi fod yn y llys ar {day} am {time}. "
            "Ffoniwch {phone} os oes angen help gyda gofal plant neu deithio. " + _STOP_CY
        ),
    },
    "court_day_before": {
        ("en", False): (
            "Hi {name}, just a reminder you're due on {day} at {time}. "
            "Call {phone} if you need help getting there. Reply STOP to opt out"
        ),
        ("en", True): (
            "Hi {name}, just a reminder your court date is {day} at {time}. "
            "Call {phone} if you need help getting there. Reply STOP to opt out"
        ),
        ("cy", False): (
            "Helo {name}, nodyn byr i'ch atgoffa bod disgwyl i chi fod yno ar {day} am {time}. "
            "Ffoniwch {phone} os oes angen help i gyrraedd. " + _STOP_CY
        ),
        ("cy", True): (
            "Helo {name}, nodyn byr i'ch atgoffa bod angen i chi fod yn y llys ar {day} am "
            "{time}. Ffoniwch {phone} os oes angen help i gyrraedd. " + _STOP_CY
        ),
    },
    # One text per booking, naming every session: {times} is "Tue 8 Dec 10:00 and Tue 15
    # Dec 10:30". With three sessions and a long venue one English text has no room left
    # for "Reply STOP to opt out"; the reminders that follow say it.
    "booking_confirmation": {
        ("en", False): ("Hi {name}, you're booked in at {venue}: {times}. Call {phone} to change"),
        ("en", True): (
            "Hi {name}, your support sessions at {venue}: {times}. Call {phone} to change"
        ),
        ("cy", False): (
            "Helo {name}, mae lle wedi'i drefnu i chi yn {venue}: {times}. "
            "Ffoniwch {phone} i'w newid. " + _STOP_CY
        ),
        ("cy", True): (
            "Helo {name}, mae eich sesiynau cymorth wedi'u trefnu yn {venue}: {times}. "
            "Ffoniwch {phone} i'w newid. " + _STOP_CY
        ),
    },
    "appointment_day_before": {
        ("en", False): (
            "Hi {name}, see you at {venue} on {day} at {time}. "
            "Reply Y to confirm or call {phone} to change it"
        ),
        ("en", True): (
            "Hi {name}, your support appointment is at {venue} on {day} at {time}. "
            "Reply Y to confirm or call {phone} to change"
        ),
        ("cy", False): (
            "Helo {name}, welwn ni chi yn {venue} ar {day} am {time}. "
            "Atebwch Y i gadarnhau neu ffoniwch {phone} i'w newid"
        ),
        ("cy", True): (
            "Helo {name}, mae eich apwyntiad cymorth yn {venue} ar {day} am {time}. "
            "Atebwch Y i gadarnhau neu ffoniwch {phone} i'w newid"
        ),
    },
    "appointment_two_hours_before": {
        ("en", False): (
            "Hi {name}, see you today at {time} at {venue}. "
            "Call {phone} if you're running late. Reply STOP to opt out"
        ),
        ("en", True): (
            "Hi {name}, your support appointment is today at {time} at {venue}. "
            "Call {phone} if you're running late. Reply STOP to opt out"
        ),
        ("cy", False): (
            "Helo {name}, welwn ni chi heddiw am {time} yn {venue}. "
            "Ffoniwch {phone} os byddwch chi'n hwyr. " + _STOP_CY
        ),
        ("cy", True): (
            "Helo {name}, mae eich apwyntiad cymorth heddiw am {time} yn {venue}. "
            "Ffoniwch {phone} os byddwch chi'n hwyr. " + _STOP_CY
        ),
    },
    "reply_confirmed": {
        ("en", False): (
            "Thanks {name}, that's confirmed for {day} at {time}. "
            "Call {phone} if anything changes. Reply STOP to opt out"
        ),
        ("en", True): (
            "Thanks {name}, your support appointment is confirmed for {day} at {time}. "
            "Call {phone} if anything changes. Reply STOP to opt out"
        ),
        ("cy", False): (
            "Diolch {name}, mae hynny wedi'i gadarnhau ar gyfer {day} am {time}. "
            "Ffoniwch {phone} os bydd rhywbeth yn newid. " + _STOP_CY
        ),
        ("cy", True): (
            "Diolch {name}, mae eich apwyntiad cymorth wedi'i gadarnhau ar gyfer {day} am "
            "{time}. Ffoniwch {phone} os bydd rhywbeth yn newid. " + _STOP_CY
        ),
    },
}
assert tuple(DEFAULT_TEMPLATES) == tuple(KIND_NAMES)
assert all(set(wordings) == set(VARIANTS.values()) for wordings in DEFAULT_TEMPLATES.values())

# Default wordings written for the service that a Welsh speaker has yet to review: every
# Welsh one. Remove a wording from here once it has been reviewed (and corrected).
TRANSLATION_TO_REVIEW: Final[frozenset[tuple[str, str, bool]]] = frozenset(
    (kind, language, plain)
    for kind, wordings in DEFAULT_TEMPLATES.items()
    for language, plain in wordings
    if language == "cy"
)


def default_wording(kind: str, *, language: Language | str, plain: bool) -> str:
    """The default wording of a kind of text in "en", "cy" or "both" (the Welsh then the
    English, as one text). KeyError for a kind or language there is no wording for."""
    wordings = DEFAULT_TEMPLATES[kind]
    if language == "both":
        return combine_languages(wordings["cy", plain], wordings["en", plain])
    return wordings[language, plain]


# What each kind of text may say -------------------------------------------------------

# Rule (domain.md, "Discreet by default"): a court-date text never names a place, so the
# venue is not offered for court reminders (the dispatcher has no neutral name to give).
COURT_KINDS: Final = frozenset({"court_two_days_before", "court_day_before"})
# Only the booking confirmation names the sessions of a booking (domain.md, "One text at a
# time"): the other texts are about one appointment, with its {day} and {time}.
TIMES_KINDS: Final = frozenset({"booking_confirmation"})


def placeholders_for(kind: str) -> tuple[str, ...]:
    """The placeholders the wording of this kind of text may use."""
    refused = {"venue"} if kind in COURT_KINDS else set()
    if kind not in TIMES_KINDS:
        refused.add("times")
    return tuple(p for p in ALLOWED_PLACEHOLDERS if p not in refused)


def _braced_list(names: tuple[str, ...]) -> str:
    braced = ["{" + name + "}" for name in names]
    return f"{', '.join(braced[:-1])} and {braced[-1]}"


def template_problems(
    kind: str,
    text: str,
    *,
    language: str = "en",
    plain: bool = False,
    other_language: str | None = None,
) -> list[str]:
    """Why this wording may not be saved for this kind of text; empty when it may.

    Everything ``lint`` refuses for its language and register (empty, malformed or unknown
    placeholders, forbidden words, more texts than the language allows with long values), a
    venue in a court-date reminder, the sessions in any text but the booking confirmation;
    and, given the wording of the other language (``other_language``), a text in both
    languages longer than their limit."""
    problems = lint(text, language=language, plain_wording=plain)
    try:
        used = placeholders(text)
    except TemplateError:
        used = []  # lint has said what is wrong with the placeholders
    if kind in COURT_KINDS and "venue" in used:
        problems.append(
            "Remove {venue}: court date reminders never name a place, and can only use "
            + _braced_list(placeholders_for(kind))
        )
    if kind not in TIMES_KINDS and "times" in used:
        problems.append(
            "Remove {times}: only the booking confirmation names every session, and this "
            "text can only use " + _braced_list(placeholders_for(kind))
        )
    if not problems and other_language is not None:
        problems.extend(_both_problems(text, language=language, other=other_language))
    return problems


def _both_problems(text: str, *, language: str, other: str) -> list[str]:
    """A text in Welsh and English together must stay within the limit for both."""
    welsh, english = (text, other) if language == "cy" else (other, text)
    try:
        both = render(combine_languages(welsh, english), LONG_SAMPLE_VALUES)
    except TemplateError:
        return []  # the other wording is checked when it is saved
    other_name = LANGUAGE_NAMES["en" if language == "cy" else "cy"]
    problem = size_problem(
        both,
        language="both",
        sent=f"sent with the {other_name} wording to a woman who reads both languages, "
        "with a long name and venue",
    )
    return [problem] if problem else []
