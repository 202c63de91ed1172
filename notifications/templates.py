"""Discreet text-message templates: measuring, checking and rendering.

Pure functions only: no Flask, no database, no clock.

- ``encoding``/``segments``/``measure`` size a text the way a phone network does
  (GSM 03.38 basic set plus extension table, else UCS-2).
- ``forbidden_words`` finds words that would say what an appointment is about, in every
  reading of the text (diversion.discreet), so disguised spellings are found too.
- ``character_problems`` refuses what a text cannot show: invisible and control
  characters, characters beyond the Basic Multilingual Plane (emoji), and letters of other
  scripts that only look like Latin ones. Other characters outside GSM 03.38 are allowed;
  they make the text UCS-2, and the editor says so.
- ``render`` fills ``{name}``-style placeholders without ever evaluating anything: the
  template is split with ``string.Formatter().parse`` and the pieces are concatenated.
  Attribute access, indexing, conversions, format specs and positional fields are refused.
- ``lint`` returns GOV.UK-style messages for the template editor.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from diversion.discreet import is_invisible, lookalike_of, readings

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 basic character set (127 printable characters; ESC is not a character).
GSM_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table: each is sent as ESC + character, so counts as 2 septets.
GSM_EXTENSION: Final = frozenset("\f^{}\\[~]|€")

GSM_SINGLE: Final = 160
GSM_PART: Final = 153
UCS2_SINGLE: Final = 70
UCS2_PART: Final = 67

MAX_SEGMENTS: Final = 2

ALLOWED_PLACEHOLDERS: Final = ("name", "time", "day", "venue", "phone")

# Longest plausible values: a template must stay within MAX_SEGMENTS with these.
LONG_SAMPLE_VALUES: Final[Mapping[str, str]] = {
    "name": "Christabelle",  # 12 characters
    "time": "10:30",
    "day": "Wed 30 Dec",
    "venue": "The Riverside Community Centre",  # 30 characters
    "phone": "020 7946 0000",
}

EMPTY_MESSAGE: Final = "Enter the text of the message"
MALFORMED_MESSAGE: Final = (
    "Check the curly brackets: each placeholder needs one { and one }, like {name}"
)
_ALLOWED_LIST: Final = ", ".join("{" + p + "}" for p in ALLOWED_PLACEHOLDERS[:-1])
_ALLOWED_TEXT: Final = f"{_ALLOWED_LIST} and {{{ALLOWED_PLACEHOLDERS[-1]}}}"


class TemplateError(ValueError):
    """A template that cannot be rendered safely, or a value that is missing."""


# --- Encoding and segments ------------------------------------------------------------


def encoding(text: str) -> Encoding:
    """GSM-7 if every character is in the GSM 03.38 basic or extension table, else UCS-2."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text):
        return "GSM-7"
    return "UCS-2"


def _units(text: str, enc: Encoding) -> list[int]:
    """Per-character size: septets for GSM-7, UTF-16 code units for UCS-2."""
    if enc == "GSM-7":
        return [2 if ch in GSM_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _count_segments(units: list[int], single: int, part: int) -> int:
    total = sum(units)
    if total == 0:
        return 0
    if total <= single:
        return 1
    # Concatenated: an escape pair or a surrogate pair is never split across two parts.
    parts, used = 1, 0
    for size in units:
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts


def segments(text: str) -> int:
    """How many SMS parts the text takes (0 for an empty text)."""
    enc = encoding(text)
    if enc == "GSM-7":
        return _count_segments(_units(text, enc), GSM_SINGLE, GSM_PART)
    return _count_segments(_units(text, enc), UCS2_SINGLE, UCS2_PART)


@dataclass(frozen=True)
class Measure:
    """What the editor shows: ``characters`` counts septets (GSM-7, extension characters
    count 2) or UTF-16 code units (UCS-2), the units the segment limits are in."""

    characters: int
    encoding: Encoding
    segments: int


def measure(text: str) -> Measure:
    enc = encoding(text)
    return Measure(characters=sum(_units(text, enc)), encoding=enc, segments=segments(text))


# --- Forbidden words ------------------------------------------------------------------

# Words that would say what the appointment is about. Offence words stay forbidden even
# when a woman has opted in to plainer wording. Words are matched whole, with a simple
# plural, in every reading of the text (diversion.discreet), so a zero-width space, a soft
# hyphen, a look-alike letter, a digit for a letter or spaced letters do not hide them.
# "charge" stays forbidden: "in charge" or "free of charge" costs a rewording, while "the
# soliciting charge" would out her.
DISCREET_WORDS: Final = (
    "court",
    "bail",
    "bailed",
    "police",
    "cps",
    "crown prosecution",
    "hearing",
    "judge",
    "drug",
    "heroin",
    "crack",
    "methadone",
    "prostitution",
    "prostitute",
    "sex work",
    "sex worker",
    "diversion",
)
OFFENCE_WORDS: Final = (
    "offence",
    "offense",
    "arrest",
    "arrested",
    "charge",
    "charged",
    "soliciting",
    "loitering",
    "probation",
    "magistrate",
)

# Between the words of a phrase: nothing ("sexwork"), spaces, hyphens, dots or underscores.
_PHRASE_GAP: Final = r"[\s\-_.]*"


def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first so "sex worker" wins over "sex work"; an optional "s" covers simple
    # plurals. Matched against a reading: lower case, no accents, Latin letters.
    alternatives = sorted(words, key=len, reverse=True)
    body = "|".join(_PHRASE_GAP.join(map(re.escape, w.split())) for w in alternatives)
    return re.compile(rf"\b(?:{body})s?\b")


_DISCREET_RE: Final = _word_pattern(DISCREET_WORDS)
_OFFENCE_RE: Final = _word_pattern(OFFENCE_WORDS)
_ALL_RE: Final = _word_pattern(DISCREET_WORDS + OFFENCE_WORDS)


def forbidden_words(text: str) -> list[str]:
    """Forbidden words found in ``text``: whole words, any case, simple plurals included,
    however they are disguised (see diversion.discreet).

    Returned as read (lower case, Latin letters, spacing tidied: "c0urt" is "court"),
    each once, in order of first appearance in the plainest reading that has them."""
    found: list[str] = []
    for read in readings(text):
        for match in _ALL_RE.finditer(read):
            word = " ".join(re.split(r"[\s\-_.]+", match.group(0)))
            if word not in found:
                found.append(word)
    return found


def is_offence_word(word: str) -> bool:
    """True for a word (as returned by ``forbidden_words``) that names an offence."""
    return _OFFENCE_RE.fullmatch(word) is not None


# --- Characters a text can show -------------------------------------------------------

# Categories no text message shows: controls, format characters, surrogates, private use,
# unassigned, and the line and paragraph separators.
_UNSHOWABLE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _name(ch: str) -> str:
    if ch == "\t":
        return "tab"
    return unicodedata.name(ch, "").lower() or f"character U+{ord(ch):04X}"


def _character_problem(ch: str, position: int) -> str | None:
    """Why one character of a template may not be used, or None.

    Every GSM 03.38 character may. Any other turns the text into UCS-2, which shows the
    Basic Multilingual Plane only: an emoji or other character beyond it, an invisible or
    control character, and a letter that only looks like a Latin one are refused."""
    if ch in GSM_BASIC or ch in GSM_EXTENSION:
        return None
    at = f"Character {position}"
    if is_invisible(ch) or unicodedata.category(ch) in _UNSHOWABLE_CATEGORIES:
        kind = "an invisible" if is_invisible(ch) else "a special"
        return f"{at} is {kind} character ({_name(ch)}) that texts cannot show: remove it"
    if ord(ch) > 0xFFFF:
        return f"{at}, {ch} ({_name(ch)}), cannot be shown in a text message: remove it"
    latin = lookalike_of(ch)
    if latin is not None:
        return (
            f"{at}, {ch} ({_name(ch)}), only looks like the letter {latin}: "
            f"type {latin} on the keyboard instead"
        )
    return None


def character_problems(template: str) -> list[str]:
    """Characters a text message cannot show as written, each once, at its first position
    (counted from 1, as typed). Invisible characters are named, never shown."""
    problems: list[str] = []
    seen: set[str] = set()
    for position, ch in enumerate(template, start=1):
        if ch in seen:
            continue
        seen.add(ch)
        problem = _character_problem(ch, position)
        if problem is not None:
            problems.append(problem)
    return problems


# --- Parsing and rendering ------------------------------------------------------------

_FORMATTER: Final = string.Formatter()


@dataclass(frozen=True)
class _Parsed:
    # (literal text, placeholder name or None); literal text has {{ and }} unescaped.
    pieces: tuple[tuple[str, str | None], ...]
    # Placeholders as written that are refused, e.g. "{foo}", "{name!r}", "{0}".
    refused: tuple[str, ...]


def _parse(template: str) -> _Parsed:
    try:
        raw = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise TemplateError(MALFORMED_MESSAGE) from exc
    pieces: list[tuple[str, str | None]] = []
    refused: list[str] = []
    for literal, field, spec, conversion in raw:
        if field is None:
            pieces.append((literal, None))
            continue
        if field in ALLOWED_PLACEHOLDERS and not spec and conversion is None:
            pieces.append((literal, field))
            continue
        written = "{" + field
        written += f"!{conversion}" if conversion is not None else ""
        written += f":{spec}" if spec else ""
        written += "}"
        if written not in refused:
            refused.append(written)
        pieces.append((literal, None))
    return _Parsed(pieces=tuple(pieces), refused=tuple(refused))


def _unknown_message(written: str) -> str:
    return f"Remove {written}: messages can only use {_ALLOWED_TEXT}"


def placeholders(template: str) -> list[str]:
    """The placeholder names a template uses, each once, in order. Raises TemplateError."""
    parsed = _parse(template)
    if parsed.refused:
        raise TemplateError(_unknown_message(parsed.refused[0]))
    names: list[str] = []
    for _, name in parsed.pieces:
        if name is not None and name not in names:
            names.append(name)
    return names


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{name}``, ``{time}``, ``{day}``, ``{venue}`` and ``{phone}``.

    Nothing is evaluated or formatted: values are inserted verbatim and are never parsed
    themselves. Raises TemplateError for malformed braces, any other placeholder form,
    or a missing or non-string value."""
    parsed = _parse(template)
    if parsed.refused:
        raise TemplateError(_unknown_message(parsed.refused[0]))
    out: list[str] = []
    for literal, name in parsed.pieces:
        out.append(literal)
        if name is None:
            continue
        value = values.get(name)
        if not isinstance(value, str):
            raise TemplateError(f"No value for {{{name}}}")
        out.append(value)
    return "".join(out)


# --- Linting --------------------------------------------------------------------------


def _forbidden_message(word: str) -> str:
    noun = "words" if " " in word else "word"
    return f"Remove the {noun} '{word}': texts must not say what the appointment is about"


def lint(template: str, *, plain_wording: bool = False) -> list[str]:
    """Problems to show in the template editor, in GOV.UK style; empty when it is fine.

    With ``plain_wording`` (a woman has opted in to plainer wording) only offence words
    are refused."""
    if not template.strip():
        return [EMPTY_MESSAGE]
    problems = character_problems(template)
    try:
        parsed: _Parsed | None = _parse(template)
    except TemplateError as exc:
        parsed = None
        problems.append(str(exc))
    if parsed is not None:
        problems.extend(_unknown_message(written) for written in parsed.refused)
        # Only the wording she will read; a gap between pieces stops "cou{name}rt" matching.
        wording = " ".join(literal for literal, _ in parsed.pieces)
    else:
        wording = template
    for word in forbidden_words(wording):
        if plain_wording and not is_offence_word(word):
            continue
        problems.append(_forbidden_message(word))
    if parsed is not None and not parsed.refused:
        parts = segments(render(template, LONG_SAMPLE_VALUES))
        if parts > MAX_SEGMENTS:
            problems.append(
                f"Shorten the message: with a long name and venue it would take {parts} "
                f"texts, and the most is {MAX_SEGMENTS}"
            )
    return problems


# --- Default templates ----------------------------------------------------------------

# Discreet, plain English, one GSM-7 segment with LONG_SAMPLE_VALUES. Straight
# apostrophes only: a curly one would switch the whole text to UCS-2 (70 characters).
# Court reminders do not ask for a Y reply: Y confirms her next project appointment.
DEFAULT_TEMPLATES: Final[dict[str, str]] = {
    "court_two_days_before": (
        "Hi {name}, a reminder you're due on {day} at {time}. "
        "Call {phone} if you need help with childcare or travel. Reply STOP to opt out"
    ),
    "court_day_before": (
        "Hi {name}, just a reminder you're due on {day} at {time}. "
        "Call {phone} if you need help getting there. Reply STOP to opt out"
    ),
    "booking_confirmation": (
        "Hi {name}, you're booked in at {venue} on {day} at {time}. "
        "Call {phone} to change it. Reply STOP to opt out"
    ),
    "appointment_day_before": (
        "Hi {name}, see you at {venue} on {day} at {time}. "
        "Reply Y to confirm or call {phone} to change it"
    ),
    "appointment_two_hours_before": (
        "Hi {name}, see you today at {time} at {venue}. "
        "Call {phone} if you're running late. Reply STOP to opt out"
    ),
    "reply_confirmed": (
        "Thanks {name}, that's confirmed for {day} at {time}. "
        "Call {phone} if anything changes. Reply STOP to opt out"
    ),
}


# Plain-English names of the kinds of text, in the order the editor lists them.
KIND_NAMES: Final[dict[str, str]] = {
    "court_two_days_before": "Court date: 2 days before",
    "court_day_before": "Court date: the day before",
    "booking_confirmation": "Booking confirmation",
    "appointment_day_before": "Appointment: the day before",
    "appointment_two_hours_before": "Appointment: 2 hours before",
    "reply_confirmed": "Reply to Y",
}
