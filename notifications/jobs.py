"""The scheduler's text-message jobs: one dispatcher pass every 30 seconds, and in
development simulated delivery receipts for what the local outbox "sent"."""

from __future__ import annotations

import fcntl
import logging
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from diversion import clock
from diversion.db import db
from diversion.models import Client, MessageStatus, OutboxMessage
from notifications.dispatcher import dispatch_once
from notifications.replies import apply_status
from notifications.senders import make_sender

log = logging.getLogger(__name__)


def dispatch_job() -> None:
    """Send what is due. On SQLite only one dispatcher may run: a lock file enforces it."""
    sender = make_sender(current_app.config)
    if db.engine.dialect.name != "sqlite":
        dispatch_once(sender=sender, now=clock.now())
        return
    lock_path = Path(current_app.instance_path) / "dispatcher.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another dispatcher holds %s; this one waits its turn", lock_path.name)
            return
        try:
            dispatch_once(sender=sender, now=clock.now())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Simulated receipts (development only): what the outbox sender "sent" is delivered after
# a short wait, except to a number ending 0999, which shows what a failure looks like.
OUTBOX_ID_PREFIX = "OUTBOX"
SIMULATED_DELAY = timedelta(seconds=10)
SIMULATED_FAILURE_SUFFIX = "0999"
SIMULATED_FAILURE_CODE = 30003


def simulate_receipts(*, now: datetime) -> int:
    """Give each outbox-sent message SENT for SIMULATED_DELAY a receipt, through the same
    `apply_status` Twilio's callbacks use; return how many moved on."""
    rows = db.session.execute(
        select(OutboxMessage.provider_id, Client.mobile)
        .join(Client, OutboxMessage.client_id == Client.id)
        .where(OutboxMessage.status == MessageStatus.SENT)
        .where(OutboxMessage.provider_id.startswith(OUTBOX_ID_PREFIX, autoescape=True))
        .where(OutboxMessage.updated_at <= now - SIMULATED_DELAY)
        .order_by(OutboxMessage.id)
    ).all()
    db.session.rollback()  # end the read; each receipt is its own transaction
    moved = 0
    for provider_id, mobile in rows:
        assert provider_id is not None
        if (mobile or "").endswith(SIMULATED_FAILURE_SUFFIX):
            changed = apply_status(provider_id, "undelivered", SIMULATED_FAILURE_CODE, now=now)
        else:
            changed = apply_status(provider_id, "delivered", None, now=now)
        moved += changed
    if moved:
        log.info("simulated delivery receipts: %d messages", moved)
    return moved


def simulated_receipts_job() -> None:
    """Development only: nothing happens unless SMS_SENDER is "outbox"."""
    if (current_app.config.get("SMS_SENDER") or "outbox") != "outbox":
        return
    simulate_receipts(now=clock.now())
