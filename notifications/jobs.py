"""The scheduler's text-message job: one dispatcher pass every 30 seconds."""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path

from flask import current_app

from diversion import clock
from diversion.db import db
from notifications.dispatcher import dispatch_once
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
