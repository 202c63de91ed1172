"""Calls to make: the tasks on a worker's home page when a text did not do its job.

notifications.tasks raises them (a reminder not delivered or an appointment not confirmed 24
hours before it, a text her safe times could not fit, her opt-out); here they are read for
the home page and marked done. A worker sees her own; a manager her organisation's, those
with no allocated worker included; nobody else sees any.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, select
from sqlalchemy.orm import joinedload

from diversion import audit
from diversion.db import db, transactional
from diversion.models import Role, User, WorkerTask


def _visible_to(user: User) -> ColumnElement[bool]:
    """A worker sees her own tasks; a manager her organisation's, and those with no worker."""
    own = WorkerTask.organisation_id == user.organisation_id
    if user.role is Role.WORKER:
        return and_(own, WorkerTask.worker_id == user.id)
    if user.role is Role.MANAGER:
        return own
    return false()


def open_tasks_for(user: User, *, limit: int = 50) -> list[WorkerTask]:
    """The calls a user has to make, soonest event first."""
    return list(
        db.session.scalars(
            select(WorkerTask)
            .where(_visible_to(user), WorkerTask.done_at.is_(None))
            .options(joinedload(WorkerTask.client))
            .order_by(WorkerTask.event_at.is_(None), WorkerTask.event_at, WorkerTask.id)
            .limit(limit)
        )
    )


def task_for(user: User, task_id: int) -> WorkerTask | None:
    """One of the user's tasks; None when it is not hers to see."""
    return db.session.scalar(select(WorkerTask).where(_visible_to(user), WorkerTask.id == task_id))


@transactional
def mark_done(*, actor: User, task: WorkerTask, now: datetime) -> None:
    """Record that the worker did what the task asked; the first marking is kept."""
    if task.done_at is not None:
        return
    task.done_at = now
    task.done_by_id = actor.id
    task.done_reason = "marked done"
    audit.add(
        "worker_task_done",
        object_type="worker_task",
        object_id=task.id,
        client_id=task.client_id,
    )
