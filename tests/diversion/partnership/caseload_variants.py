"""The caseload check's labelled set: fictional women, and the ways a worker might type each.

Every woman here is invented: common British first names and surnames put together at
random (seeded), with invented dates of birth. Several share a surname, a first name or a
birthday, as women on a real caseload do, so that the check must tell them apart.

Each variant is labelled with the woman it means and the tolerance it exercises:
typo, sound-alike, nickname, swapped names, one part of a double-barrelled surname, a maiden
name or other name, date of birth with day and month swapped, a date one digit wrong, no date
of birth at all, and a few of these at once. The variants are made here by plain rules on
the letters and digits (never by the matcher under test), and are the same on every run.

Used by tests/diversion/partnership/test_recall.py and bench/caseload_check.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

SEED = 15

FIRST_NAMES = (
    "Elizabeth", "Joanne", "Kayleigh", "Catherine", "Rebecca", "Samantha", "Victoria",
    "Jennifer", "Margaret", "Deborah", "Patricia", "Stephanie", "Christine", "Jacqueline",
    "Alexandra", "Natalie", "Michelle", "Rachel", "Louise", "Charlotte", "Sophie", "Chloe",
    "Leanne", "Gemma", "Danielle", "Nicola", "Amanda", "Susan", "Caroline", "Kimberley",
    "Hayley", "Zoe", "Abigail", "Bethany", "Courtney", "Jessica", "Katherine", "Melanie",
    "Philippa", "Theresa", "Vanessa", "Tracey", "Claire", "Siobhan", "Bernadette", "Dorothy",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
    "Hall", "Wood", "Jackson", "Clarke", "Hughes", "Edwards", "Turner", "Hill", "Moore",
    "Phillips", "Stephenson", "Mackenzie", "O'Brien", "Fletcher", "Gallagher", "Whitfield",
    "Ashworth", "Pemberton", "Kavanagh", "Lockwood", "Fairbairn", "Henderson", "Macdonald",
    "Lancaster", "Kershaw", "Barraclough", "Cartwright", "Featherstone", "Houghton",
)  # fmt: skip
STREET_NAMES = ("Kiki", "Roxy", "Candy", "Star", "Jade", "Ruby", "Foxy", "Bunny")

# Nicknames a worker hears instead of the name on record (hers first, then what is said).
NICKNAMES = {
    "Elizabeth": ("Beth", "Liz", "Lizzie", "Betty"),
    "Joanne": ("Jo", "Joanna"),
    "Catherine": ("Cathy", "Kate", "Kathy"),
    "Rebecca": ("Becky", "Becca"),
    "Samantha": ("Sam", "Sammy"),
    "Victoria": ("Vicky", "Tori"),
    "Jennifer": ("Jenny", "Jen"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "Deborah": ("Debbie", "Deb"),
    "Patricia": ("Patty", "Trish", "Pat"),
    "Stephanie": ("Steph",),
    "Christine": ("Chris", "Chrissy"),
    "Jacqueline": ("Jackie",),
    "Alexandra": ("Alex", "Sandra", "Lexi"),
    "Natalie": ("Nat",),
    "Kimberley": ("Kim",),
    "Abigail": ("Abby", "Gail"),
    "Bethany": ("Beth",),
    "Jessica": ("Jess", "Jessie"),
    "Katherine": ("Kate", "Kathy", "Katie"),
    "Philippa": ("Pippa",),
    "Theresa": ("Tess", "Terri"),
    "Susan": ("Sue", "Susie"),
    "Nicola": ("Nicky",),
    "Amanda": ("Mandy",),
    "Dorothy": ("Dot", "Dolly"),
    "Bernadette": ("Bernie",),
    "Danielle": ("Dani",),
}
# Other ways to write a name that sound the same (a rule on the letters: from, to).
SOUND_ALIKE = (
    ("eigh", "ee"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("ie", "y"), ("ey", "y"),
    ("y", "ie"), ("ai", "ay"), ("ou", "ow"), ("ll", "l"), ("nn", "n"), ("tt", "t"),
    ("mm", "m"), ("ss", "s"), ("i", "y"), ("c", "k"), ("k", "c"), ("son", "sen"),
    ("ine", "yn"), ("ee", "ea"), ("ea", "ee"), ("oe", "o"), ("s", "z"), ("ch", "sh"),
)  # fmt: skip
KEYBOARD = {
    "a": "s", "b": "v", "c": "x", "d": "s", "e": "r", "f": "g", "g": "h", "h": "j",
    "i": "o", "j": "k", "k": "l", "l": "k", "m": "n", "n": "m", "o": "i", "p": "o",
    "r": "t", "s": "a", "t": "r", "u": "y", "v": "b", "w": "e", "y": "t", "z": "x",
}  # fmt: skip


@dataclass(frozen=True)
class Woman:
    """One fictional woman the partnership holds: her record as it was written."""

    key: int
    first_name: str
    last_name: str
    aliases: tuple[str, ...]
    date_of_birth: date


@dataclass(frozen=True)
class Variant:
    """What a worker typed, meaning `woman`, and which tolerance it exercises."""

    woman: int
    first_name: str
    last_name: str
    date_of_birth: date | None
    tolerance: str

    @property
    def text(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _people(rng: random.Random, count: int) -> list[Woman]:
    women: list[Woman] = []
    birthdays = [date(1970, 1, 1) + timedelta(days=rng.randrange(36 * 365)) for _ in range(40)]
    for key in range(count):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(SURNAMES)
        aliases: list[str] = []
        roll = rng.random()
        if roll < 0.2:
            last = f"{last}-{rng.choice(SURNAMES)}"
        elif roll < 0.45:
            aliases.append(f"{first} {rng.choice(SURNAMES)}")  # a maiden or married name
        elif roll < 0.55:
            aliases.append(rng.choice(STREET_NAMES))
        # A few share a birthday with another woman, as twins and coincidences do.
        born = (
            rng.choice(birthdays)
            if rng.random() < 0.15
            else date(1965, 1, 1) + timedelta(days=rng.randrange(40 * 365))
        )
        women.append(Woman(key, first, last, tuple(aliases), born))
    return women


def _typo(word: str, rng: random.Random) -> str:
    letters = list(word)
    if len(letters) < 4:
        return word + word[-1]
    at = rng.randrange(1, len(letters) - 1)
    kind = rng.choice(("swap", "drop", "double", "neighbour"))
    if kind == "swap" and letters[at] != letters[at + 1]:
        letters[at], letters[at + 1] = letters[at + 1], letters[at]
    elif kind == "drop":
        del letters[at]
    elif kind == "double":
        letters.insert(at, letters[at])
    else:
        lower = letters[at].lower()
        letters[at] = KEYBOARD.get(lower, lower)
    return "".join(letters)


def _sound_alike(word: str) -> str | None:
    lower = word.lower()
    for old, new in SOUND_ALIKE:
        at = lower.find(old, 1)
        if at > 0:
            changed = lower[:at] + new + lower[at + len(old) :]
            return changed.capitalize()
    return None


def _swap_day_month(born: date) -> date | None:
    if born.day > 12 or born.day == born.month:
        return None
    return date(born.year, born.day, born.month)


def _one_digit(born: date, rng: random.Random) -> date:
    digits = born.strftime("%Y%m%d")
    while True:
        at = rng.choice((2, 3, 5, 7))  # the decade, the year, the month, the day's last digit
        other = rng.choice([d for d in "0123456789" if d != digits[at]])
        changed = digits[:at] + other + digits[at + 1 :]
        try:
            typed = date(int(changed[:4]), int(changed[4:6]), int(changed[6:]))
        except ValueError:
            continue
        if typed.year < 2010:
            return typed


def _variants_of(woman: Woman, rng: random.Random) -> list[Variant]:
    first, last, born = woman.first_name, woman.last_name, woman.date_of_birth
    surname_parts = last.split("-")
    out = [
        Variant(woman.key, first, _typo(last, rng), born, "typo"),
        Variant(woman.key, _typo(first, rng), last, born, "typo"),
        Variant(woman.key, last, first, born, "swapped names"),
    ]
    sounds = _sound_alike(surname_parts[0]) or _sound_alike(first)
    if sounds is not None:
        if _sound_alike(surname_parts[0]):
            out.append(Variant(woman.key, first, sounds, born, "sound-alike"))
            out.append(Variant(woman.key, first, sounds, None, "sound-alike, no date of birth"))
        else:
            out.append(Variant(woman.key, sounds, last, born, "sound-alike"))
    if first in NICKNAMES:
        nickname = rng.choice(NICKNAMES[first])
        out.append(Variant(woman.key, nickname, last, born, "nickname"))
    if len(surname_parts) > 1:
        part = rng.choice(surname_parts)
        out.append(Variant(woman.key, first, part, born, "one part of a double-barrelled surname"))
    for alias in woman.aliases:
        words = alias.split()
        if len(words) > 1:
            out.append(Variant(woman.key, first, words[-1], born, "maiden or other name"))
        else:
            out.append(Variant(woman.key, alias, last, born, "street name"))
    swapped = _swap_day_month(born)
    if swapped is not None:
        out.append(Variant(woman.key, first, last, swapped, "day and month swapped"))
    out.append(Variant(woman.key, first, last, _one_digit(born, rng), "one digit wrong"))
    out.append(Variant(woman.key, first, last, None, "exact name, no date of birth"))
    combined = NICKNAMES.get(first, (first,))[0]
    out.append(Variant(woman.key, combined, _typo(last, rng), swapped or born, "several at once"))
    return out


def labelled_set(count: int = 60) -> tuple[list[Woman], list[Variant]]:
    """The women and every variant of each, the same on every run."""
    rng = random.Random(SEED)
    women = _people(rng, count)
    variants = [variant for woman in women for variant in _variants_of(woman, rng)]
    return women, variants


WOMEN, VARIANTS = labelled_set()


@dataclass(frozen=True)
class Decoy:
    """Another woman of the partnership, not meant by any variant."""

    first_name: str
    last_name: str
    date_of_birth: date


def decoys(count: int, *, seed: int = SEED) -> list[Decoy]:
    """Decoys, half with realistic names from the same lists (the hard ones), half with the
    data generator's syllable names (devtools/bulk.py), none the same as a labelled woman."""
    from devtools.bulk import fictional_name

    rng = random.Random(seed + 1)
    taken = {(w.first_name, w.last_name, w.date_of_birth) for w in WOMEN}
    out: list[Decoy] = []
    while len(out) < count:
        if len(out) % 2:
            first, last = fictional_name(rng)
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(45 * 365))
        if (first, last, born) not in taken:
            out.append(Decoy(first, last, born))
    return out
