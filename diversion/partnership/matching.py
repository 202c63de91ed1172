"""The caseload check's matching: who, among the women the partnership holds, might this be?

domain.md, "Working across agencies": before taking a woman on, the worker checks every
caseload by name, other names and date of birth, tolerant of spelling. Custody records and
referrals are typed in a hurry, from what she says, so the check forgives:

- typos and sound-alikes (Smith/Smythe, Kayleigh/Kaylee): Jaro-Winkler similarity and
  Damerau-Levenshtein distance from rapidfuzz, and phonetic keys (metaphone, soundex) from
  jellyfish;
- nicknames (Beth/Elizabeth, Jo/Joanne), from the hand-curated `nicknames` data set;
- first and last names swapped, double-barrelled surnames (either part) and other names she
  uses (a maiden name, an alias), all pooled: each word typed finds its best word of hers;
- a date of birth with day and month swapped, or one digit wrong.

Pure: names and dates in, ranked candidates with a plain reason out. It never decides that
two records are one woman, and never merges them: it only ranks, exact matches first.

The same keys serve retrieval: `name_keys` are stored for every woman (client_name_key) and
`query_keys` of what was typed find her among 100,000 without reading them all; with
`date_of_birth_variants` they bring the few hundred candidates that `rank` then scores.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

import jellyfish
from nicknames import NickNamer
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

# How much each kind of word match counts, out of 1.
EXACT, NICKNAME, SOUNDS_ALIKE, BEGINS_THE_SAME = 1.0, 0.92, 0.88, 0.75
# A word is "spelt nearly the same" at this Jaro-Winkler similarity or better.
SPELT_ALIKE = 0.85
# How much each kind of date-of-birth match counts, out of 1.
DOB_EXACT, DOB_SWAPPED, DOB_ONE_DIGIT = 1.0, 0.8, 0.7
# With a date of birth typed, the name counts for this share of the score.
NAME_SHARE = 0.6
# Shown as a candidate: a name this close, or a close date of birth with a name half as close;
# never with a date of birth typed that is neither hers nor one slip from it.
NAME_ENOUGH, NAME_WITH_DOB = 0.75, 0.5
SWAPPED_PENALTY = 0.97
# How many names, and pairs of words, are remembered once worked out.
CACHED = 65_536
# The width of a stored key (client_name_key.key).
KEY_LENGTH = 40

_NOT_LETTERS = re.compile(r"[^a-z]+")
_NAMER = NickNamer()


def words_of(name: str) -> list[str]:
    """A name as lower-case ASCII words: accents dropped, apostrophes closed (O'Brien is
    obrien), hyphens and spaces split (Smith-Jones is smith, jones)."""
    return list(_words(name))


@lru_cache(maxsize=CACHED)
def _words(name: str) -> tuple[str, ...]:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return tuple(word for word in _NOT_LETTERS.split(folded.replace("'", "")) if word)


def word_keys(word: str) -> set[str]:
    """The phonetic keys one word is stored and found under (none for an initial)."""
    if len(word) < 2:
        return set()
    return {f"m:{jellyfish.metaphone(word)}"[:KEY_LENGTH], f"s:{jellyfish.soundex(word)}"}


def name_keys(first_name: str, last_name: str, aliases: Iterable[str] = ()) -> set[str]:
    """Every key a woman is found under: each word of her names and other names."""
    keys: set[str] = set()
    for name in (first_name, last_name, *aliases):
        for word in words_of(name):
            keys |= word_keys(word)
    return keys


@cache
def related_names(word: str) -> frozenset[str]:
    """Names that are nicknames of this one, or of which it is a nickname, or that share a
    name with it (Beth and Liz, both Elizabeth)."""
    canonicals = _NAMER.canonicals_of(word)
    related = set(canonicals) | _NAMER.nicknames_of(word)
    for canonical in canonicals:
        related |= _NAMER.nicknames_of(canonical)
    related.discard(word)
    return frozenset(related)


def _nickname_reason(typed: str, hers: str) -> str:
    if hers in _NAMER.canonicals_of(typed):
        return f"nickname of {hers.title()}"
    if typed in _NAMER.canonicals_of(hers):
        return f"nickname of {typed.title()}"
    shared = sorted(_NAMER.canonicals_of(typed) & _NAMER.canonicals_of(hers))
    return f"nickname of {shared[0].title()}" if shared else "nickname"


@dataclass(frozen=True)
class Query:
    """What the worker typed: slots of words in order (a double-barrelled surname is one slot
    of several words, any of which may match), and her date of birth when known."""

    slots: tuple[tuple[str, ...], ...]
    date_of_birth: date | None = None

    @classmethod
    def from_text(cls, text: str, date_of_birth: date | None = None) -> Query:
        """A search box: each space-separated word a slot, split on hyphens."""
        slots = tuple(tuple(words_of(part)) for part in text.split()[:6])
        return cls(tuple(slot for slot in slots if slot), date_of_birth)

    @classmethod
    def from_names(cls, first_name: str, last_name: str, date_of_birth: date | None) -> Query:
        """A form with first and last names: her surname is one slot, however many parts."""
        slots = [(word,) for word in words_of(first_name)[:4]]
        surname = tuple(words_of(last_name)[:4])
        return cls(tuple([*slots, surname] if surname else slots), date_of_birth)

    @property
    def has_name(self) -> bool:
        return bool(self.slots)


def query_keys(query: Query) -> list[set[str]]:
    """For each slot, the keys that find it: its words' and their nicknames' keys."""
    found: list[set[str]] = []
    for slot in query.slots:
        keys: set[str] = set()
        for word in slot:
            keys |= word_keys(word)
            for related in related_names(word):
                keys |= word_keys(related)
        found.append(keys)
    return found


def _digits(day: date) -> str:
    """A date as eight digits, YYYYMMDD (years before 1000 too)."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def date_of_birth_variants(born: date) -> set[date]:
    """Her date of birth, with day and month swapped, and with any one digit wrong."""
    variants = {born}
    if born.day <= 12:
        variants.add(date(born.year, born.day, born.month))
    digits = _digits(born)
    for position, typed in enumerate(digits):
        for other in "0123456789":
            if other == typed:
                continue
            changed = digits[:position] + other + digits[position + 1 :]
            try:
                variants.add(date(int(changed[:4]), int(changed[4:6]), int(changed[6:])))
            except ValueError:
                continue
    return variants


def date_of_birth_relation(typed: date, hers: date) -> tuple[float, str]:
    """How a typed date of birth stands to hers: a score and the plain words for it."""
    if typed == hers:
        return DOB_EXACT, "same date of birth"
    if typed.year == hers.year and typed.day == hers.month and typed.month == hers.day:
        return DOB_SWAPPED, "date of birth with day and month swapped"
    digits = zip(_digits(typed), _digits(hers), strict=True)
    wrong = sum(a != b for a, b in digits)
    if wrong == 1:
        return DOB_ONE_DIGIT, "date of birth one digit different"
    return 0.0, "different date of birth"


@dataclass(frozen=True)
class Person:
    """A candidate: one woman's names and date of birth (`ref` is her record's id)."""

    ref: int
    first_name: str
    last_name: str
    aliases: tuple[str, ...]
    date_of_birth: date


@dataclass(frozen=True)
class Match:
    """A ranked candidate: how close (0 to 1), whether exact, and why, in plain words."""

    ref: int
    score: float
    exact: bool
    reason: str


@dataclass(frozen=True)
class _Word:
    text: str
    part: str  # "first", "last" or "any" (a one-word other name)
    alias: bool
    double: bool  # one part of a surname of several


@lru_cache(maxsize=CACHED)
def _words_of_person(
    first_name: str, last_name: str, aliases: tuple[str, ...]
) -> tuple[_Word, ...]:
    words = [_Word(w, "first", False, False) for w in _words(first_name)]
    surname = _words(last_name)
    words += [_Word(w, "last", False, len(surname) > 1) for w in surname]
    for alias in aliases:
        parts = _words(alias)
        if len(parts) == 1:
            words.append(_Word(parts[0], "any", True, False))
            continue
        words += [_Word(w, "first", True, False) for w in parts[:-1]]
        words.append(_Word(parts[-1], "last", True, False))
    return tuple(words)


@lru_cache(maxsize=CACHED)
def _word_match(typed: str, hers: str) -> tuple[float, str]:
    """How one typed word stands to one of hers: a score and the plain words for it."""
    if typed == hers:
        return EXACT, ""
    if hers in related_names(typed):
        return NICKNAME, _nickname_reason(typed, hers)
    similarity = JaroWinkler.normalized_similarity(typed, hers)
    if min(len(typed), len(hers)) >= 2 and (
        jellyfish.metaphone(typed) == jellyfish.metaphone(hers)
        or (jellyfish.soundex(typed) == jellyfish.soundex(hers) and similarity >= SPELT_ALIKE)
    ):
        return SOUNDS_ALIKE, "name sounds alike"
    if similarity >= SPELT_ALIKE or (
        min(len(typed), len(hers)) >= 4 and DamerauLevenshtein.distance(typed, hers) <= 1
    ):
        return min(SOUNDS_ALIKE - 0.01, max(0.8, similarity * 0.95)), "name spelt nearly the same"
    if len(typed) >= 3 and hers.startswith(typed):
        return BEGINS_THE_SAME, "name begins the same"
    return 0.0, ""


def _name_score(query: Query, words: Sequence[_Word]) -> tuple[float, list[str], bool]:
    """The mean best score of each typed slot against her words (each word of hers used
    once), the reasons, and whether the names came first-and-last the wrong way round."""
    used: set[int] = set()
    total = 0.0
    reasons: list[str] = []
    parts: list[str | None] = []
    for slot in query.slots:
        best = (0.0, "", -1)
        for typed in slot:
            for index, word in enumerate(words):
                if index in used:
                    continue
                score, why = _word_match(typed, word.text)
                if score > best[0]:
                    best = (score, why, index)
        score, why, index = best
        if index < 0:
            parts.append(None)
            continue
        used.add(index)
        total += score
        word = words[index]
        parts.append(word.part)
        for reason in (
            why,
            "another name she uses" if word.alias else "",
            "one part of a double-barrelled surname" if word.double else "",
        ):
            if reason and reason not in reasons:
                reasons.append(reason)
    swapped = len(parts) >= 2 and parts[0] == "last" and parts[-1] == "first"
    return total / len(query.slots), reasons, swapped


def _exact_name(query: Query, person: Person) -> str:
    """ "same name" when typed as her name, "same as another name she uses" when as one of
    her other names, else ""."""
    typed = [word for slot in query.slots for word in slot]
    if typed == words_of(person.first_name) + words_of(person.last_name):
        return "same name"
    if any(typed == words_of(alias) for alias in person.aliases):
        return "same as another name she uses"
    return ""


def score(query: Query, person: Person) -> Match | None:
    """One candidate scored against the query; None when not close enough to show."""
    if not query.has_name:
        return None
    dob: float | None = None
    dob_reason = ""
    if query.date_of_birth is not None:
        dob, dob_reason = date_of_birth_relation(query.date_of_birth, person.date_of_birth)
        if dob == 0.0:
            return None  # a date of birth far from hers: another woman, however alike the name
    words = _words_of_person(person.first_name, person.last_name, person.aliases)
    name, reasons, swapped = _name_score(query, words)
    if swapped:
        name *= SWAPPED_PENALTY
        reasons.append("first and last names swapped")
    total = name if dob is None else NAME_SHARE * name + (1 - NAME_SHARE) * dob
    if name < NAME_ENOUGH and not (dob is not None and name >= NAME_WITH_DOB):
        return None
    exact_name = _exact_name(query, person)
    exact = bool(exact_name) and (dob is None or dob == DOB_EXACT)
    if exact:
        reason = "exact name and date of birth" if dob is not None else "exact name"
    else:
        name_words = [exact_name] if exact_name else reasons
        reason = ", ".join(part for part in (dob_reason, *name_words) if part)
    return Match(ref=person.ref, score=round(total, 4), exact=exact, reason=reason)


def rank(query: Query, people: Iterable[Person], *, limit: int = 10) -> list[Match]:
    """The candidates close enough to show, exact matches first, then the closest."""
    matches = [m for m in (score(query, person) for person in people) if m is not None]
    matches.sort(key=lambda m: (not m.exact, -m.score, m.ref))
    return matches[:limit]
