"""Two schedulers side by side on the production stack, as on two servers sharing PostgreSQL:
both run, and the daily jobs' work is done once between them (docs/deploy.md, "Several
servers")."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from sqlalchemy import func, select

from diversion.db import db
from diversion.models import AuditEvent, JobRun
from diversion.privacy import erasure
from scheduling import at_risk_check
from tests.stack.conftest import Stack

SCHEDULER_LOGS = ("scheduler-1.log", "scheduler-2.log")


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds:.0f}s"
        time.sleep(0.5)


def lines_across(stack: Stack, pattern: str) -> dict[str, int]:
    """How many lines of each scheduler's log match."""
    return {
        name: len(re.findall(pattern, stack.log(name), flags=re.MULTILINE))
        for name in SCHEDULER_LOGS
    }


def ledger(stack: Stack) -> list[tuple[str, str, bool]]:
    with stack.app.app_context():
        rows = db.session.execute(
            select(JobRun.job, JobRun.period, JobRun.finished_at.is_not(None)).order_by(
                JobRun.job, JobRun.period
            )
        ).all()
        return [(job, period, bool(done)) for job, period, done in rows]


def audit_count(stack: Stack, action: str) -> int:
    with stack.app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )
        return int(count or 0)


def test_two_schedulers_run_side_by_side(stack: Stack) -> None:
    status = stack.run("status").stdout
    pids = re.findall(r"scheduler-(\d) running \(pid (\d+)\)", status)
    assert [number for number, _ in pids] == ["1", "2"], status
    assert len({pid for _, pid in pids}) == 2
    wait_until(
        lambda: all("scheduler started" in stack.log(name) for name in SCHEDULER_LOGS),
        60,
        "both schedulers starting",
    )


def test_each_daily_job_runs_once_across_the_two(stack: Stack) -> None:
    # Every job first runs when its scheduler starts: both schedulers reach the daily jobs
    # within a second or two of each other.
    wait_until(
        lambda: {job for job, _, done in ledger(stack) if done} >= {at_risk_check.JOB, erasure.JOB},
        90,
        "the at-risk recheck and retention",
    )
    time.sleep(3)  # time for a second run, were there to be one

    rows = ledger(stack)
    daily = [row for row in rows if row[0] in (at_risk_check.JOB, erasure.JOB)]
    assert [job for job, _, _ in daily] == [at_risk_check.JOB, erasure.JOB], rows
    assert audit_count(stack, at_risk_check.RUN_ACTION) == 1
    assert audit_count(stack, erasure.RUN_ACTION) == 1
    assert sum(lines_across(stack, r"at-risk recheck: ").values()) == 1
    assert sum(lines_across(stack, r"retention run: ").values()) == 1
    for name in SCHEDULER_LOGS:
        assert "Traceback" not in stack.log(name), stack.log(name)[-3000:]
    assert stack.run("status").stdout.count("running (pid") == 6  # nginx ... smtp, both
