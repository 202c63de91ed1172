"""Words a text message must not use, in English and Welsh (pure).

Rule (domain.md, "Discreet by default"): texts never name the court, bail, police, CPS,
drugs, prostitution, sex work, diversion or an offence. A woman may opt in to plainer
wording, which may name the appointment but never an offence, so offence words are listed
apart. Words are matched whole, with a simple plural, in every reading of the text
(diversion.discreet), so a zero-width space, a soft hyphen, a look-alike letter, a digit for
a letter or spaced letters do not hide them. Welsh words are listed with the mutated forms a
sentence puts them in. One list serves every language: a Welsh word in English wording is
refused too.

Used by notifications.templates (lint) and the dispatcher. No Flask, no database, no clock.
"""

from __future__ import annotations

import re
from typing import Final

from diversion.discreet import readings

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

# The same in Welsh, with the mutated forms a sentence puts them in (soft, nasal, aspirate,
# and h before a vowel: "yn y llys", "ei lys", "fy nghyffuriau", "ei chyhuddo"). Written as
# read: lower case, no accents ("mechnïaeth" is matched as "mechniaeth").
WELSH_DISCREET_WORDS: Final = (
    "llys",  # court
    "lys",
    "llysoedd",
    "lysoedd",
    "mechniaeth",  # bail
    "fechniaeth",
    "heddlu",  # police
    "heddwas",
    "heddweision",
    "plismon",
    "blismon",
    "mhlismon",
    "phlismon",
    "plismyn",
    "blismyn",
    "mhlismyn",
    "phlismyn",
    "erlyn",  # prosecute, the Crown Prosecution Service (Gwasanaeth Erlyn y Goron)
    "herlyn",
    "erlyniad",
    "herlyniad",
    "gwrandawiad",  # hearing
    "wrandawiad",
    "ngwrandawiad",
    "gwrandawiadau",
    "wrandawiadau",
    "barnwr",  # judge
    "farnwr",
    "mharnwr",
    "barnwyr",
    "farnwyr",
    "cyffur",  # drug
    "gyffur",
    "nghyffur",
    "chyffur",
    "cyffuriau",
    "gyffuriau",
    "nghyffuriau",
    "chyffuriau",
    "crac",
    "methadon",
    "puteindra",  # prostitution
    "buteindra",
    "mhuteindra",
    "phuteindra",
    "putain",  # prostitute
    "butain",
    "mhutain",
    "phutain",
    "puteiniaid",
    "buteiniaid",
    "mhuteiniaid",
    "phuteiniaid",
    "gwaith rhyw",  # sex work
    "waith rhyw",
    "gweithiwr rhyw",
    "weithiwr rhyw",
    "gweithwraig rhyw",
    "weithwraig rhyw",
    "gweithwyr rhyw",
    "weithwyr rhyw",
    "dargyfeirio",  # diversion
    "ddargyfeirio",
    "nargyfeirio",
    "dargyfeiriad",
    "ddargyfeiriad",
    "nargyfeiriad",
)
WELSH_OFFENCE_WORDS: Final = (
    "trosedd",  # offence
    "drosedd",
    "nhrosedd",
    "throsedd",
    "troseddau",
    "droseddau",
    "nhroseddau",
    "throseddau",
    "arestio",  # arrest
    "harestio",
    "arestiwyd",
    "harestiwyd",
    "arestiad",
    "harestiad",
    "cyhuddiad",  # charge
    "gyhuddiad",
    "nghyhuddiad",
    "chyhuddiad",
    "cyhuddiadau",
    "gyhuddiadau",
    "nghyhuddiadau",
    "chyhuddiadau",
    "cyhuddo",
    "gyhuddo",
    "nghyhuddo",
    "chyhuddo",
    "cyhuddwyd",
    "gyhuddwyd",
    "ynad",  # magistrate
    "hynad",
    "ynadon",
    "hynadon",
    "llithio",  # soliciting
    "lithio",
    "loetran",  # loitering
    "swyddog prawf",  # probation
    "gwasanaeth prawf",
    "wasanaeth prawf",
)

# Between the words of a phrase: nothing ("sexwork"), spaces, hyphens, dots or underscores.
_PHRASE_GAP: Final = r"[\s\-_.]*"


def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first so "sex worker" wins over "sex work"; an optional "s" covers simple
    # plurals. Matched against a reading: lower case, no accents, Latin letters.
    alternatives = sorted(words, key=len, reverse=True)
    body = "|".join(_PHRASE_GAP.join(map(re.escape, w.split())) for w in alternatives)
    return re.compile(rf"\b(?:{body})s?\b")


_OFFENCE_RE: Final = _word_pattern(OFFENCE_WORDS + WELSH_OFFENCE_WORDS)
# One list for every language: a Welsh word in English wording is refused too.
_ALL_RE: Final = _word_pattern(
    DISCREET_WORDS + OFFENCE_WORDS + WELSH_DISCREET_WORDS + WELSH_OFFENCE_WORDS
)


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


def refused_words(text: str, *, plain_wording: bool) -> list[str]:
    """The forbidden words of ``text`` for her register: every one for discreet wording,
    only offence words for the plainer wording a woman opted in to (domain.md)."""
    found = forbidden_words(text)
    if plain_wording:
        return [word for word in found if is_offence_word(word)]
    return found
