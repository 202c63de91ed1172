"""What the court and the CPS are told about a missed, cancelled or moved appointment (pure).

The worker's own reason is hers and her organisation's: it is kept encrypted, shown on the
case, and never reaches the court or the CPS. What they read instead is one wording chosen
from a short list kept on the requirement type (an administrator edits it in
Administration > Requirement types): neutral words such as "No reason given", with no room
for health, drug use or anything else about her life.

No Flask, no database, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from diversion.discreet import readings

# The list every requirement type starts with (the migration and the seed data use it).
DEFAULT_COURT_WORDINGS: Final = (
    "Acceptable absence: explained to the project",
    "No reason given",
    "Cancelled by the project",
    "Rearranged at her request",
    "Rearranged by the project",
    "Reason recorded by the project",
)

# What an appointment with a free-text reason from before the list existed reads as.
NEUTRAL_WORDING: Final = "Reason recorded by the project"
# What the appointments still to come read as when a case closes (no one chooses it).
CASE_CLOSED_WORDING: Final = "Cancelled by the project: the case closed"
# What the report shows for a missed appointment with no wording at all.
NOT_RECORDED: Final = "Not recorded"

# Words about her health or drug use: the court's wordings never carry them (security.md 4).
PRIVATE_WORDS: Final = re.compile(
    r"\b("
    r"hospitals?|hospitali[sz]ed|health|ill|illness|unwell|sick|ward|a&e|gp|doctors?|medical"
    r"|pregnan\w*|mental|drugs?|relapsed?|relapsing|using|overdosed?|detox|withdrawal"
    r"|heroin|crack|cocaine|opiates?|alcohol|drunk|methadone|rehab\w*"
    r")\b",
    re.IGNORECASE,
)

MAX_WORDING_LENGTH: Final = 120
MIN_WORDINGS, MAX_WORDINGS = 2, 12
WORDING_EXAMPLE: Final = "No reason given"


def parse_court_wordings(text: str) -> list[str]:
    """Wordings typed one a line, in order; blank lines are skipped.

    Raises ValueError with a message naming the first line that is wrong."""
    wordings: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        wording = " ".join(line.split())
        if not wording:
            continue
        if len(wording) > MAX_WORDING_LENGTH:
            raise ValueError(
                f"Line {number}: a wording must be {MAX_WORDING_LENGTH} characters or fewer"
            )
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in wording):
            raise ValueError(f"Line {number}: a wording must not contain special characters")
        if mentions_private_words(wording):
            raise ValueError(
                f"Line {number}: the court reads this, so it must not mention her health "
                "or drug use"
            )
        if wording.casefold() in seen:
            raise ValueError(f"Line {number}: {wording} is already in the list")
        seen.add(wording.casefold())
        wordings.append(wording)
    if len(wordings) < MIN_WORDINGS:
        raise ValueError(
            f"Enter at least {MIN_WORDINGS} wordings, one a line, like {WORDING_EXAMPLE}"
        )
    if len(wordings) > MAX_WORDINGS:
        raise ValueError(f"Enter no more than {MAX_WORDINGS} wordings")
    return wordings


def mentions_private_words(text: str) -> bool:
    """True when a text names her health or drug use, however it is spelt or disguised."""
    return any(PRIVATE_WORDS.search(reading) for reading in readings(text))


def format_court_wordings(wordings: Iterable[str] | None) -> str:
    """Stored wordings as the text the administration form shows, one a line."""
    return "\n".join(wordings or ())


def wordings_of(stored: Sequence[str] | None) -> tuple[str, ...]:
    """The list a worker chooses from: the stored one, or the defaults when none is stored."""
    found = tuple(str(w) for w in stored or () if str(w).strip())
    return found or DEFAULT_COURT_WORDINGS


def is_offered(wording: str | None, stored: Sequence[str] | None) -> bool:
    """True when `wording` is one of the requirement type's choices."""
    return bool(wording) and wording in wordings_of(stored)
