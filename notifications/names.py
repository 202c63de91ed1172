"""What the name texts use does to the size of her texts (pure).

A name with a letter outside GSM 03.38 ("Zoë", "Siân") turns every text to her into UCS-2,
70 characters a part instead of 160, and a long name can push a text past its language's
limit (domain.md, "Language": English 1, Welsh 2, both 3). Two readers ask:

- the client form, as her worker types the name (``name_warning``): it says how many parts
  her texts would take and why, and offers the plain spelling for texts only
  (``plain_spelling``: "Zoe", with the anyascii transliteration tables);
- the wording editor (``worst_name``): how the wording fares with the worst of the real
  clients' names, said without the name, because administrators see no case content.

Texts are measured with LONG_SAMPLE_VALUES for everything but the name, as the editor
measures them. No Flask, no database, no clock.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final

from anyascii import anyascii

from notifications.templates import (
    GSM_BASIC,
    GSM_EXTENSION,
    LONG_SAMPLE_VALUES,
    SEGMENT_LIMITS,
    Encoding,
    TemplateError,
    measure,
    render,
)


def non_gsm_characters(name: str) -> tuple[str, ...]:
    """The characters of a name that make a text UCS-2, each once, as typed."""
    return tuple(dict.fromkeys(ch for ch in name if not _gsm(ch)))


def _gsm(ch: str) -> bool:
    return ch in GSM_BASIC or ch in GSM_EXTENSION


def plain_spelling(name: str) -> str | None:
    """The name with each letter a text cannot send in GSM-7 spelt plainly ("Zoë" is "Zoe",
    "Łucja" is "Lucja"; "Renée" keeps its é, which GSM-7 has), or None when it already is
    plain or has no such spelling."""
    plain = " ".join(
        "".join(
            ch if _gsm(ch) else anyascii(ch) for ch in unicodedata.normalize("NFC", name)
        ).split()
    )
    if not plain or plain == name or non_gsm_characters(plain):
        return None
    return plain


# Latin-1 and Latin Extended, combining accents, Greek and Cyrillic, Latin Extended Additional
# (Welsh ẁ, ẃ, ẅ, ỳ), Greek Extended and General Punctuation (a curly apostrophe, U+2019): what the
# as-you-type check spells plainly as plain_spelling does.
_SPELT_RANGES: Final = (
    (0x00A0, 0x0250),
    (0x0300, 0x0500),
    (0x1E00, 0x2000),
    (0x2000, 0x2070),
)


def _without_accents(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))


@cache
def spelling_table() -> dict[str, str]:
    """For diversion/static/text-name.mjs, which spells a character outside GSM-7 plainly by
    dropping its accents: each letter, number, punctuation mark, symbol or space of
    _SPELT_RANGES whose plain spelling (anyascii) is something else ("Ł" is "L", "Ж" is
    "Zh", and a curly apostrophe is a straight one)."""
    return {
        ch: anyascii(ch)
        for start, end in _SPELT_RANGES
        for ch in map(chr, range(start, end))
        if not _gsm(ch)
        and unicodedata.category(ch)[0] in "LNPSZ"
        and anyascii(ch) != _without_accents(ch)
    }


@dataclass(frozen=True)
class NameSize:
    """How one name sizes a text, without the name: its length, the characters of it that
    make the text UCS-2, and the size of the text."""

    length: int
    because: tuple[str, ...]
    segments: int
    encoding: Encoding


def _size(template: str, name: str) -> NameSize | None:
    try:
        text = render(template, {**LONG_SAMPLE_VALUES, "name": name})
    except TemplateError:
        return None
    size = measure(text)
    return NameSize(
        length=len(name),
        because=non_gsm_characters(name),
        segments=size.segments,
        encoding=size.encoding,
    )


def worst_name(template: str, names: Iterable[str]) -> NameSize | None:
    """The size of the text with the name that makes it longest: the most parts, then
    UCS-2 over GSM-7, then the longest name. None without names, or when the template
    cannot be filled in."""
    worst: NameSize | None = None
    for name in names:
        size = _size(template, name)
        if size is None:
            return None
        key = (size.segments, size.encoding == "UCS-2", size.length)
        if worst is None or key > (worst.segments, worst.encoding == "UCS-2", worst.length):
            worst = size
    return worst


def describe_worst_name(size: NameSize, *, language: str, subject: str = "this text") -> str:
    """'With the longest or least plain name among your clients' (14 characters, includes
    ë) this text takes 2 parts, over the limit of 1'."""
    includes = f", includes {' and '.join(size.because)}" if size.because else ""
    parts = "1 part" if size.segments == 1 else f"{size.segments} parts"
    limit = SEGMENT_LIMITS[language]
    verdict = "within the limit" if size.segments <= limit else "over the limit"
    return (
        "With the longest or least plain name among your clients' "
        f"({size.length} characters{includes}) {subject} takes {parts}, "
        f"{verdict} of {limit}"
    )


@dataclass(frozen=True)
class NameWarning:
    """Why the name would make her texts longer than they may be, and the plain spelling
    that would not, if there is one."""

    message: str
    parts: int
    limit: int
    because: tuple[str, ...]
    plain_spelling: str | None


def name_warning(name: str, templates: Sequence[str], *, language: str) -> NameWarning | None:
    """A warning when the name would make any of her texts (``templates``, all in her
    language and register) UCS-2 or longer than the language's limit; None when it would
    not. Worded as diversion/static/text-name.mjs words it."""
    if not name:
        return None
    because = non_gsm_characters(name)
    sizes = [size for size in (_size(t, name) for t in templates) if size is not None]
    if not sizes:
        return None
    parts = max(size.segments for size in sizes)
    limit = SEGMENT_LIMITS[language]
    if parts <= limit and not because:
        return None
    count = "1 part" if parts == 1 else f"{parts} parts"
    if because:
        message = f"Texts to her will use {count} because of {' and '.join(because)}"
    else:
        message = f"Texts to her may use {count} because her name is long ({len(name)} characters)"
    return NameWarning(
        message=message,
        parts=parts,
        limit=limit,
        because=because,
        plain_spelling=plain_spelling(name),
    )
