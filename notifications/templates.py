"""Discreet text-message templates: measuring, checking and rendering.

Pure functions only: no Flask, no database, no clock.

- ``encoding``/``segments``/``measure`` size a text the way a phone network does
  (GSM 03.38 basic set plus extension table, else UCS-2).
- ``forbidden_words`` (notifications.forbidden, imported here for callers) finds words that
  would say what an appointment is about, in English and Welsh, in every reading of the
  text (diversion.discreet), so disguised spellings are found too.
- ``character_problems`` refuses what a text cannot show: invisible and control
  characters, characters beyond the Basic Multilingual Plane (emoji), and letters of other
  scripts that only look like Latin ones. Other characters outside GSM 03.38 are allowed;
  they make the text UCS-2, and the editor says so.
- ``render`` fills ``{name}``-style placeholders without ever evaluating anything: the
  template is split with ``string.Formatter().parse`` and the pieces are concatenated.
  Attribute access, indexing, conversions, format specs and positional fields are refused.
- ``lint`` returns GOV.UK-style messages for the template editor, measuring against the
  segment limit of the text's language (English 1, Welsh 2, both 3).
- ``combine_languages`` makes the one text a woman who reads both languages gets: the
  Welsh wording first, a blank line, then the English (domain.md, "Language").

The default wording of every kind of text is in notifications.wording.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from diversion.discreet import is_invisible, lookalike_of
from notifications.forbidden import forbidden_words as forbidden_words
from notifications.forbidden import is_offence_word as is_offence_word
from notifications.forbidden import refused_words

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

# The languages a text may be in: English, Welsh, or both in one text, Welsh first.
Language = Literal["en", "cy", "both"]
TEXT_LANGUAGES: Final[tuple[Language, ...]] = ("en", "cy", "both")
# The languages wording is written in; "both" is made of the two (combine_languages).
WORDING_LANGUAGES: Final[tuple[Language, ...]] = ("en", "cy")
LANGUAGE_NAMES: Final[Mapping[str, str]] = {
    "en": "English",
    "cy": "Welsh",
    "both": "Welsh and English",
}
# Rule (domain.md, "Language"): the most parts a text may take, with the longest values.
SEGMENT_LIMITS: Final[Mapping[str, int]] = {"en": 1, "cy": 2, "both": 3}
# Between the Welsh and the English wording of a text in both languages.
LANGUAGE_SEPARATOR: Final = "\n\n"

ALLOWED_PLACEHOLDERS: Final = ("name", "time", "day", "venue", "phone", "times")

# Longest plausible values: a template must stay within its language's limit with these.
LONG_SAMPLE_VALUES: Final[Mapping[str, str]] = {
    "name": "Christabelle",  # 12 characters
    "time": "10:30",
    "day": "Wed 30 Dec",
    "venue": "The Riverside Community Centre",  # 30 characters
    "phone": "020 7946 0000",
    # Every session one booking made (up to three), as the booking confirmation names them.
    "times": "Wed 30 Dec 10:30, Wed 6 Jan 10:30 and Wed 13 Jan 10:30",  # 54 characters
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


# --- Languages ------------------------------------------------------------------------


def combine_languages(welsh: str, english: str) -> str:
    """The one text a woman who reads both languages gets: the Welsh wording first, a blank
    line, then the English (domain.md, "Language"). Works on templates and on texts."""
    return f"{welsh}{LANGUAGE_SEPARATOR}{english}"


def text_language(preference: str | None, *, court_in_wales: bool) -> Language:
    """The language of her texts: her own choice when known; while it is not, both (Welsh
    first) at a court in Wales, as the Welsh Language Standards ask, else English."""
    for language in TEXT_LANGUAGES:
        if preference == language:
            return language
    return "both" if court_in_wales else "en"


def ucs2_characters(text: str) -> list[str]:
    """The characters that make a text UCS-2, each once, with their Unicode names, like
    "\u0175 (latin small letter w with circumflex)"."""
    found: list[str] = []
    for ch in text:
        if ch in GSM_BASIC or ch in GSM_EXTENSION:
            continue
        shown = ch if ch.isprintable() and not ch.isspace() else ""
        entry = f"{shown} ({_name(ch)})" if shown else _name(ch)
        if entry not in found:
            found.append(entry)
    return found


_LIMIT_IN: Final[Mapping[str, str]] = {
    "en": "in English",
    "cy": "in Welsh",
    "both": "for Welsh and English together",
}


def size_problem(
    text: str, *, language: str, sent: str = "with a long name and venue"
) -> str | None:
    """Why a filled-in text is too long for its language, or None: more parts than the
    language's limit (SEGMENT_LIMITS), naming what made it UCS-2 when something did."""
    parts = segments(text)
    limit = SEGMENT_LIMITS[language]
    if parts <= limit:
        return None
    message = (
        f"Shorten the message: {sent} it would take {parts} texts, "
        f"and the most {_LIMIT_IN[language]} is {limit}"
    )
    because = ucs2_characters(text)
    if because:
        message += f". Each text holds 70 characters instead of 160 because of {', '.join(because)}"
    return message


# --- Linting --------------------------------------------------------------------------


def _forbidden_message(word: str) -> str:
    noun = "words" if " " in word else "word"
    return f"Remove the {noun} '{word}': texts must not say what the appointment is about"


def lint(template: str, *, language: str = "en", plain_wording: bool = False) -> list[str]:
    """Problems to show in the template editor, in GOV.UK style; empty when it is fine.

    The text is measured with LONG_SAMPLE_VALUES against the limit of its language ("en",
    "cy", or "both" for a combined template). With ``plain_wording`` (a woman has opted in
    to plainer wording) only offence words are refused."""
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
    problems.extend(
        _forbidden_message(word) for word in refused_words(wording, plain_wording=plain_wording)
    )
    if parsed is not None and not parsed.refused:
        too_long = size_problem(render(template, LONG_SAMPLE_VALUES), language=language)
        if too_long is not None:
            problems.append(too_long)
    return problems


# Plain-English names of the kinds of text, in the order the editor lists them.
KIND_NAMES: Final[dict[str, str]] = {
    "court_two_days_before": "Court date: 2 days before",
    "court_day_before": "Court date: the day before",
    "booking_confirmation": "Booking confirmation",
    "appointment_day_before": "Appointment: the day before",
    "appointment_two_hours_before": "Appointment: 2 hours before",
    "reply_confirmed": "Reply to Y",
}
