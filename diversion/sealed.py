"""Sealed choices: monitoring answers encrypted at rest that SQL can still count.

Monitoring data (guide section 11.2: ethnicity, drug use, housing...) is special category
data, encrypted at rest like the notes (security.md 15). The answers are choices from short
lists, and the monitoring report counts them over a hundred thousand clients: decrypting
each row in Python would be far too slow. So they are sealed with deterministic
authenticated encryption (AES-SIV, RFC 5297, from `cryptography`): the same answer to the
same question under the same key gives the same ciphertext, so SQL can GROUP BY it, and only
the few distinct values are decrypted. The question's name is bound in as associated data,
so one answer's ciphertext means nothing under another question.

What this gives up, said plainly: a reader of the raw database (without the key) can see
which rows share an answer, and so guess the commonest by frequency; never what any answer
is. Keys: one derived from each ENCRYPTION_KEYS key (diversion.crypto); sealed under the
newest, opened with any.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from diversion.crypto import DecryptionError, keyring

PREFIX = "s1:"


def seal(question: str, answer: str) -> str:
    """The sealed form of an answer to a question, under the newest key."""
    key = keyring().seal_keys[0]
    sealed = AESSIV(key).encrypt(answer.encode("utf-8"), [question.encode("ascii")])
    return PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")


def open_sealed(question: str, value: str) -> str:
    """The answer a sealed value holds, under whichever configured key sealed it."""
    if not value.startswith(PREFIX):
        raise DecryptionError("A sealed value is not in the sealed form.")
    raw = base64.urlsafe_b64decode(value[len(PREFIX) :].encode("ascii"))
    for key in keyring().seal_keys:
        try:
            return AESSIV(key).decrypt(raw, [question.encode("ascii")]).decode("utf-8")
        except InvalidTag:
            continue
    raise DecryptionError(
        "A sealed value could not be opened with any key in ENCRYPTION_KEYS: it was altered, "
        "or the key that sealed it was removed."
    )


def sealed_forms(question: str, answer: str) -> list[str]:
    """Every sealed form an answer may have under the configured keys (newest first): what a
    query compares a sealed column with."""
    return [
        PREFIX
        + base64.urlsafe_b64encode(
            AESSIV(key).encrypt(answer.encode("utf-8"), [question.encode("ascii")])
        ).decode("ascii")
        for key in keyring().seal_keys
    ]


class SealedChoice(TypeDecorator[str]):
    """A choice (a short code such as "prefer_not_to_say") sealed at rest; None stays None.

    Equal answers to the same question are equal in SQL (GROUP BY works); compare with
    `column.in_(sealed_forms(question, answer))` (a sealed value binds as it is)."""

    impl = Text
    cache_ok = True

    def __init__(self, question: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question = question

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError("a sealed column holds a choice's code")
        if value.startswith(PREFIX):
            # Already sealed (a query comparing with sealed_forms): compared as it is.
            return value
        return seal(self.question, value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else open_sealed(self.question, value)
