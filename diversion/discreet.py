"""Reading a text the way its reader would, so that a word check cannot be dodged (pure).

A forbidden word hidden with a zero-width space, a soft hyphen, a Cyrillic look-alike
letter, digits for letters ("C0urt") or spaced letters ("c o u r t") still reads as the
word on a phone. ``readings`` gives the copies of a text a word check should search;
they are for checking only and are never sent or stored.

Each reading is: Unicode NFKC; invisible characters removed; look-alike letters of other
scripts mapped to Latin with the Unicode TR39 confusables table (the maintained ``disarm``
library); accents removed; case folded; single letters spaced out or dotted joined up.
Digits and symbols used for letters are folded in two further readings (``1`` may stand
for ``i`` or ``l``), and the reading without folding is kept, so that an ordinary word
next to a number or an ``@`` is still read as written.

Used by the text-message wording check (notifications.templates) and the venue's name for
text messages (diversion.admin.forms). No Flask, no database, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from disarm import normalize_confusables

# Characters that show nothing but are not format characters (category Cf): the Hangul
# fillers, the braille blank, the combining grapheme joiner and the variation selectors.
_INVISIBLE_OTHERS: Final = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f" + "".join(chr(c) for c in range(0xFE00, 0xFE10))
)

# Common digit-for-letter and symbol-for-letter swaps; "1" is read both ways.
_FOLDS: Final = (
    str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}),
    str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}),
)

# One letter or digit standing alone, and two or more of them with only spaces, dots,
# hyphens, underscores or asterisks between: "c o u r t", "c.o.u.r.t", "s-e-x".
_ALONE: Final = r"(?<![^\W_])[^\W_](?![^\W_])"
_GAP: Final = r"[\s.\-_*]+"
_SPACED_LETTERS: Final = re.compile(rf"{_ALONE}(?:{_GAP}{_ALONE})+")
_GAPS: Final = re.compile(_GAP)


def is_invisible(ch: str) -> bool:
    """True for a character that shows nothing: a format character (zero-width space,
    joiners, soft hyphen, word joiner, byte order mark and the rest of category Cf) or
    one of the few invisible characters of other categories."""
    return unicodedata.category(ch) == "Cf" or ch in _INVISIBLE_OTHERS


def _without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _join_spaced_letters(text: str) -> str:
    return _SPACED_LETTERS.sub(lambda m: _GAPS.sub("", m.group(0)), text)


def lookalike_of(ch: str) -> str | None:
    """The Latin letter a letter of another form or script only looks like (Cyrillic small
    o, U+043E, is "o"; fullwidth capital S, U+FF33, is "S"), or None for a letter that is
    itself (accented Latin letters such as "ŵ" included)."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    latin = normalize_confusables(unicodedata.normalize("NFKC", ch), target_script="latin")
    if latin != ch and latin.isascii() and latin.isalpha():
        return latin
    return None


def reading(text: str) -> str:
    """``text`` as its reader sees the letters: NFKC, no invisible characters,
    look-alikes in Latin, no accents, case folded. Digits are left as they are."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if not is_invisible(ch))
    text = normalize_confusables(text, target_script="latin")
    return _without_accents(text).casefold()


def readings(text: str) -> tuple[str, ...]:
    """Every copy of ``text`` a word check should search, the plainest first: the
    reading, then the reading with digits and symbols folded to letters; in each, single
    spaced letters are joined."""
    plain = reading(text)
    found = [_join_spaced_letters(plain)]
    for fold in _FOLDS:
        folded = _join_spaced_letters(plain.translate(fold))
        if folded not in found:
            found.append(folded)
    return tuple(found)
