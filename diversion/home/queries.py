"""Named reads for the landing pages: whether the service can answer at all."""

from __future__ import annotations

from diversion.db import db


def database_answers() -> bool:
    """Whether the database answers now: what a load balancer's health check asks."""
    return db.answers()
