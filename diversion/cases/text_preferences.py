"""Her choices about texts, as her worker records them on the client form (domain.md, "Text
messages"): the language of her texts, plainer wording, and her safe times. The client
services apply them inside their transaction and audit the change with the rest of her
details; the outbox and dispatcher read them from the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Final

from diversion.errors import RuleBroken
from diversion.models import Client

# "both" is one text, Welsh first; None while her language is not known.
TEXT_LANGUAGES: Final = frozenset({"en", "cy", "both"})


@dataclass(frozen=True, kw_only=True)
class TextPreferences:
    """Her language for texts ("en", "cy", "both", or None while not known), whether she
    wants plainer wording, and her safe times: the weekdays (Monday = 0; None for any day)
    and the hours (both or neither; from before until) a text may reach her."""

    language: str | None = None
    plain_wording: bool = False
    safe_days: tuple[int, ...] | None = None
    safe_from: time | None = None
    safe_until: time | None = None


def apply_text_preferences(client: Client, preferences: TextPreferences) -> None:
    """Record her choices on her record; RuleBroken for what the form should have refused."""
    if preferences.language is not None and preferences.language not in TEXT_LANGUAGES:
        raise RuleBroken("Select her language for texts", field="text_language")
    days = sorted(set(preferences.safe_days or ()))
    if any(not 0 <= day <= 6 for day in days):
        raise RuleBroken("Select days from the list", field="safe_days")
    start, end = preferences.safe_from, preferences.safe_until
    if (start is None) != (end is None) or (start is not None and end is not None and end <= start):
        raise RuleBroken(
            "The time texts may reach her until must be later than the time from",
            field="safe_until",
        )
    client.text_language = preferences.language
    client.plain_wording = preferences.plain_wording
    # Every day ticked is the same as any day.
    client.safe_days = days if days and len(days) < 7 else None
    client.safe_from = start
    client.safe_until = end
