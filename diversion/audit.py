"""Audit trail: who did what, when, from where; ids only, never names, numbers or notes."""

from __future__ import annotations

import logging

from flask import g, has_request_context, request

from diversion.db import db
from diversion.models import AuditEvent

log = logging.getLogger(__name__)


def _actor_id() -> int | None:
    user = g.get("user") if has_request_context() else None
    return user.id if user is not None else None


def _remote_addr() -> str | None:
    return request.remote_addr if has_request_context() else None


def add(
    action: str,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    client_id: int | None = None,
    detail: str | None = None,
    user_id: int | None = None,
) -> AuditEvent:
    """Add an audit row to the current transaction: it commits or rolls back with the change."""
    event = AuditEvent(
        user_id=user_id if user_id is not None else _actor_id(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        client_id=client_id,
        remote_addr=_remote_addr(),
        detail=detail,
    )
    db.session.add(event)
    return event


def record(action: str, **kwargs: object) -> None:
    """Write an audit row on its own, for reads and refusals that change nothing else."""
    session = db.session
    try:
        add(action, **kwargs)  # type: ignore[arg-type]
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not write audit row for action %s", action)
        raise


def record_refusal(*, endpoint: str) -> None:
    """A signed-in user asked for something their role may not have."""
    record("access_refused", detail=endpoint)
