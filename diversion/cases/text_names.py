"""What the name texts use would do to her texts: asked of the texting capability.

A name such as "Zoë" makes every text to her UCS-2 and two or three parts (issue 16), so the
client form warns as the name is typed, and on submit asks that she agree to the spelling
or that the plain one ("Zoe") be used. The wording and the measuring belong to
notifications, which diversion never imports (the hooks are the only bridge): the client
views send `name_check_wanted` and notifications answers with a NameCheck
(notifications.name_check). Without an answer there is no warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from blinker import Namespace

_signals = Namespace()

name_check_wanted = _signals.signal("name-check-wanted")
"""Sent with no sender and no keywords; a receiver returns a NameCheck."""


@dataclass(frozen=True)
class NameWarning:
    """What the form says about a name: "Texts to her will use 2 parts because of ë", and
    the plain spelling for texts ("Zoe"), if there is one."""

    message: str
    plain_spelling: str | None


class NameCheck(Protocol):
    """Measures the texts a client would get with a name, in her language and register."""

    def warning(
        self, name: str, *, language: str | None, plain: bool, court_in_wales: bool
    ) -> NameWarning | None:
        """Why this name would make any of her texts UCS-2 or too long; None if it would not.
        ``language`` is her choice ("en", "cy", "both") or None while it is not known."""

    def page_data(self, *, court_in_wales: bool) -> dict[str, Any]:
        """What diversion/static/text-name.mjs needs to say the same as the name is typed."""


def name_check() -> NameCheck | None:
    """The texting capability's NameCheck, or None when nothing answers."""
    for _receiver, answer in name_check_wanted.send(None):
        if answer is not None:
            return answer  # type: ignore[no-any-return]
    return None
