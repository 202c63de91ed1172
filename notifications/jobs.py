"""The scheduler's text-message jobs: the dispatcher every 5 seconds, sending what is due in
passes of 100 for up to DRAIN_SECONDS a tick, and in development simulated delivery receipts
for what the local outbox "sent"."""

from __future__ import annotations

import fcntl
import logging
import time
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from diversion import clock
from diversion.db import db
from diversion.models import Client, MessageStatus, OutboxMessage
from notifications.dispatcher import DispatchReport, dispatch_once
from notifications.replies import apply_status
from notifications.senders import SmsSender, make_sender

log = logging.getLogger(__name__)

# How often the scheduler runs the dispatcher (scheduling.process.Job), and for how long one
# tick keeps sending while whole passes are due. A tick starts another pass only if the last
# one's duration still fits in DRAIN_SECONDS, so a burst of due texts goes at the
# dispatcher's own pace (hundreds a second) instead of 100 a tick, and a tick does not run
# into the next (which would be skipped, leaving the dispatcher idle until the one after).
DISPATCH_EVERY_SECONDS = 5
DRAIN_SECONDS = DISPATCH_EVERY_SECONDS - 0.5
PASS_LIMIT = 100


def _claimed(report: DispatchReport) -> int:
    """How many due messages the pass claimed (reconciled ones were not claimed)."""
    return sum(
        len(ids) for ids in (report.sent, report.skipped, report.held, report.failed, report.retry)
    )


def drain(sender: SmsSender, *, seconds: float = DRAIN_SECONDS, limit: int = PASS_LIMIT) -> int:
    """Dispatcher passes, each at the clock's now, while each claims a whole batch (`limit`)
    and another pass as long as the last still ends within `seconds`: how many passes ran
    (at least one)."""
    started = time.monotonic()
    passes = 0
    while True:
        began = time.monotonic()
        report = dispatch_once(sender=sender, now=clock.now(), limit=limit)
        passes += 1
        ended = time.monotonic()
        if _claimed(report) < limit or (ended - started) + (ended - began) > seconds:
            return passes


def dispatch_job() -> None:
    """Send what is due. On SQLite only one dispatcher may run: a lock file enforces it."""
    sender = make_sender(current_app.config)
    if db.engine.dialect.name != "sqlite":
        drain(sender)
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
            drain(sender)
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
