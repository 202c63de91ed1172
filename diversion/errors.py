"""Errors that services raise when a business rule refuses a change."""

from __future__ import annotations


class RuleBroken(Exception):
    """A change that a rule refuses; `field` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
