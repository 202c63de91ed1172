"""The client form's question to the texting capability: what would this name do to her
texts? (diversion.cases.text_names asks; notifications.init_app answers.)

Her texts are every kind of text in her language and register, with the administrators'
wording where they changed it (notifications.store); the measuring is
notifications.names.
"""

from __future__ import annotations

from typing import Any

from diversion.cases.text_names import NameWarning
from notifications import names
from notifications.store import all_wordings
from notifications.templates import (
    LONG_SAMPLE_VALUES,
    SEGMENT_LIMITS,
    TEXT_LANGUAGES,
    text_language,
)


class TextNameCheck:
    """diversion.cases.text_names.NameCheck, over the wording in force now."""

    def __init__(self) -> None:
        self._wordings = all_wordings()

    def _templates(self, language: str, plain: bool) -> list[str]:
        return [
            body
            for (_kind, lang, is_plain), body in self._wordings.items()
            if lang == language and is_plain == plain
        ]

    def warning(
        self, name: str, *, language: str | None, plain: bool, court_in_wales: bool
    ) -> NameWarning | None:
        """Why this name would make any of her texts UCS-2 or too long; None if it would not."""
        resolved = text_language(language, court_in_wales=court_in_wales)
        found = names.name_warning(name, self._templates(resolved, plain), language=resolved)
        if found is None:
            return None
        return NameWarning(message=found.message, plain_spelling=found.plain_spelling)

    def page_data(self, *, court_in_wales: bool) -> dict[str, Any]:
        """The templates of each language and register, their limits, the long values the
        name goes among, and how to spell letters plainly, for
        diversion/static/text-name.mjs."""
        return {
            "unknown": text_language(None, court_in_wales=court_in_wales),
            "limits": dict(SEGMENT_LIMITS),
            "values": {k: v for k, v in LONG_SAMPLE_VALUES.items() if k != "name"},
            "spelling": names.spelling_table(),
            "templates": {
                language: {
                    "discreet": self._templates(language, False),
                    "plain": self._templates(language, True),
                }
                for language in TEXT_LANGUAGES
            },
        }


def answer_name_check(_sender: object) -> TextNameCheck:
    """The receiver of diversion.cases.text_names.name_check_wanted."""
    return TextNameCheck()
