"""Several schedulers: a job's tick runs on one server at a time (PostgreSQL's advisory lock),
a daily job does its day once (the ledger), and on SQLite a second scheduler will not start.

The lock tests need PostgreSQL (TEST_DATABASE_URL); the ledger's run on both databases.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time as wall
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from diversion.db import Base, db
from diversion.models import AuditEvent, JobRun
from diversion.privacy import erasure
from scheduling import at_risk_check, ledger
from scheduling.job_lock import lock_key, scheduler_lock_path
from scheduling.process import Job, run_tick
from tests.conftest import POSTGRES_URL, World, _postgres_url
from tests.factories import Factory

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")
MORNING = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)  # 07:00 London, after the 06:00 recheck

postgres_only = pytest.mark.skipif(
    not POSTGRES_URL, reason="advisory locks are PostgreSQL's (set TEST_DATABASE_URL)"
)


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def in_thread(app: Flask, work, results: dict[str, object], key: str) -> threading.Thread:
    """Run `work()` in an application context of its own (its own session and connections),
    as a second scheduler would; its answer or error lands in results[key]."""

    def run() -> None:
        with app.app_context():
            try:
                results[key] = work()
            except Exception as error:  # reported to the test
                results[key] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def advisory_holder(app: Flask, job_name: str) -> int | None:
    """The server process id holding the job's advisory lock, if any."""
    key = lock_key(job_name) & 0xFFFFFFFFFFFFFFFF
    with app.app_context(), db.engine.connect() as connection:
        return connection.scalar(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :high AND objid = :low AND objsubid = 1"
            ),
            {"high": key >> 32, "low": key & 0xFFFFFFFF},
        )


# --- one tick at a time across servers (PostgreSQL) -----------------------------------------


@postgres_only
def test_two_schedulers_ticking_one_job_together_run_it_once(app: Flask) -> None:
    entered, finish = threading.Event(), threading.Event()
    bodies: list[str] = []

    def body() -> None:
        bodies.append("ran")
        entered.set()
        assert finish.wait(20)

    job = Job("probe", 30, body)
    results: dict[str, object] = {}
    first = in_thread(app, lambda: run_tick(job), results, "first")
    assert entered.wait(20)
    second = in_thread(app, lambda: run_tick(job), results, "second")
    second.join(20)
    finish.set()
    first.join(20)

    assert results == {"first": True, "second": False}
    assert bodies == ["ran"]
    assert advisory_holder(app, "probe") is None  # released when the tick ended
    with app.app_context():
        assert run_tick(job) is True  # and the next tick takes it again
    assert bodies == ["ran", "ran"]


@postgres_only
def test_different_jobs_do_not_wait_for_each_other(app: Flask) -> None:
    entered, finish = threading.Event(), threading.Event()

    def slow() -> None:
        entered.set()
        assert finish.wait(20)

    results: dict[str, object] = {}
    thread = in_thread(app, lambda: run_tick(Job("slow", 30, slow)), results, "slow")
    assert entered.wait(20)
    with app.app_context():
        assert run_tick(Job("other", 30, lambda: None)) is True
    finish.set()
    thread.join(20)
    assert results == {"slow": True}


@postgres_only
def test_a_job_that_is_not_exclusive_runs_in_every_scheduler(app: Flask) -> None:
    entered, finish = threading.Event(), threading.Event()
    bodies: list[str] = []

    def body() -> None:
        bodies.append("ran")
        entered.set()
        assert finish.wait(20)

    job = Job("database-check-probe", 30, body, exclusive=False)
    results: dict[str, object] = {}
    thread = in_thread(app, lambda: run_tick(job), results, "first")
    assert entered.wait(20)
    finish.set()
    with app.app_context():
        assert run_tick(job) is True
    thread.join(20)
    assert bodies == ["ran", "ran"]


@postgres_only
def test_a_scheduler_killed_mid_tick_leaves_the_job_unlocked(app: Flask) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from diversion.db import make_engine\n"
            "from scheduling.job_lock import job_lock\n"
            "with job_lock(make_engine(sys.argv[1]), 'probe') as held:\n"
            "    print('held' if held else 'not held', flush=True)\n"
            "    time.sleep(120)\n",
            _postgres_url(),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with app.app_context():
            assert run_tick(Job("probe", 30, lambda: None)) is False  # its tick is running
    finally:
        holder.send_signal(signal.SIGKILL)  # the server is lost mid-tick
        holder.wait(20)
    deadline = wall.monotonic() + 10
    while advisory_holder(app, "probe") is not None and wall.monotonic() < deadline:
        wall.sleep(0.1)
    with app.app_context():
        assert run_tick(Job("probe", 30, lambda: None)) is True


@postgres_only
def test_a_tick_whose_lock_connection_is_cut_ends_cleanly_and_the_next_tick_runs(
    app: Flask,
) -> None:
    entered, finish = threading.Event(), threading.Event()

    def body() -> None:
        entered.set()
        assert finish.wait(20)

    results: dict[str, object] = {}
    thread = in_thread(app, lambda: run_tick(Job("probe", 30, body)), results, "cut")
    assert entered.wait(20)
    pid = advisory_holder(app, "probe")
    assert pid is not None
    with app.app_context(), db.engine.connect() as connection:  # as a restarted server would
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        connection.commit()
    finish.set()
    thread.join(20)

    assert results == {"cut": True}  # the lost connection was discarded, not raised
    with app.app_context():
        assert run_tick(Job("probe", 30, lambda: None)) is True


def test_a_jobs_lock_key_is_the_same_in_every_process_and_release() -> None:
    # Two releases running side by side during an upgrade must lock the same key.
    assert lock_key("retention") == 3638380789044400328
    assert lock_key("retention") != lock_key("at-risk-recheck")
    assert all(-(2**63) <= lock_key(name) < 2**63 for name in ("a", "retention", "x" * 60))


# --- once per period: the ledger (both databases) ------------------------------------------


def ledger_rows(make: Factory) -> list[tuple[str, str, bool]]:
    make.session.expire_all()
    return [
        (row.job, row.period, row.finished_at is not None)
        for row in make.session.scalars(select(JobRun).order_by(JobRun.id))
    ]


def test_two_claims_of_one_period_one_wins(app: Flask, make: Factory) -> None:
    with app.app_context():
        first = ledger.claim(job="daily", period="2026-12-03", now=MORNING)
        second = ledger.claim(job="daily", period="2026-12-03", now=MORNING)
        other_day = ledger.claim(job="daily", period="2026-12-04", now=MORNING)
    assert first is not None and other_day is not None
    assert second is None
    assert ledger_rows(make) == [("daily", "2026-12-03", False), ("daily", "2026-12-04", False)]


def test_a_crashed_runs_claim_is_retaken_once_stale_and_by_one_scheduler_only(
    app: Flask, make: Factory
) -> None:
    with app.app_context():
        crashed = ledger.claim(job="daily", period="2026-12-03", now=MORNING)
        # Never finished nor released: the process was killed.
        soon = ledger.claim(job="daily", period="2026-12-03", now=MORNING + timedelta(minutes=29))
        later = MORNING + ledger.STALE_AFTER + timedelta(minutes=1)
        retaken = ledger.claim(job="daily", period="2026-12-03", now=later)
        again = ledger.claim(job="daily", period="2026-12-03", now=later)
        assert retaken is not None
        ledger.finish(retaken, now=later)
        db.session.commit()
        much_later = ledger.claim(job="daily", period="2026-12-03", now=later + timedelta(days=1))
    assert crashed is not None
    assert (soon, again, much_later) == (None, None, None)
    assert retaken == crashed  # the same row, taken over
    assert ledger_rows(make) == [("daily", "2026-12-03", True)]


def test_a_run_that_failed_gives_its_period_back(app: Flask, make: Factory) -> None:
    with app.app_context():
        failed = ledger.claim(job="daily", period="2026-12-03", now=MORNING)
        assert failed is not None
        ledger.release(failed)
        assert ledger.claim(job="daily", period="2026-12-03", now=MORNING) is not None


def test_a_claim_made_with_the_work_commits_and_rolls_back_with_it(
    app: Flask, make: Factory
) -> None:
    with app.app_context():
        assert ledger.claim_with(db.session, job="list", period="p", now=MORNING)
        db.session.rollback()  # the work failed: the claim goes with it
        assert ledger.claim_with(db.session, job="list", period="p", now=MORNING)
        db.session.commit()
        assert not ledger.claim_with(db.session, job="list", period="p", now=MORNING)
        db.session.rollback()
    assert ledger_rows(make) == [("list", "p", True)]


@postgres_only
def test_of_two_transactions_claiming_one_period_at_once_the_second_waits_and_loses(
    app: Flask, make: Factory
) -> None:
    results: dict[str, object] = {}
    with app.app_context():
        assert ledger.claim_with(db.session, job="list", period="p", now=MORNING)

        def second() -> bool:
            won = ledger.claim_with(db.session, job="list", period="p", now=MORNING)
            db.session.rollback()
            return won

        thread = in_thread(app, second, results, "second")
        thread.join(1)
        assert thread.is_alive()  # waiting on the first's uncommitted row
        db.session.commit()
    thread.join(20)
    assert results == {"second": False}
    assert ledger_rows(make) == [("list", "p", True)]


def at_risk_runs(make: Factory) -> int:
    make.session.expire_all()
    return make.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == at_risk_check.RUN_ACTION)
    )


def test_the_at_risk_recheck_leaves_a_morning_another_scheduler_is_rechecking(
    app: Flask, make: Factory
) -> None:
    with app.app_context():
        # Another server's recheck of this morning is under way (claimed, not finished).
        assert ledger.claim(job=at_risk_check.JOB, period="2026-12-03", now=MORNING)
        at_risk_check.at_risk_job()
    assert at_risk_runs(make) == 0


def test_the_at_risk_recheck_catching_up_after_downtime_runs_once_across_schedulers(
    app: Flask, make: Factory, world: World, clock: time_machine.Coordinates
) -> None:
    with app.app_context():
        at_risk_check.at_risk_job()
    # Both schedulers were down for three days; both come back the same morning.
    clock.move_to(MORNING + timedelta(days=3, hours=2))
    with app.app_context():
        at_risk_check.at_risk_job()
    with app.app_context():
        at_risk_check.at_risk_job()
    assert at_risk_runs(make) == 2
    assert ledger_rows(make) == [
        (at_risk_check.JOB, "2026-12-03", True),
        (at_risk_check.JOB, "2026-12-06", True),
    ]


def test_an_at_risk_recheck_that_fails_gives_its_morning_back(app: Flask, make: Factory) -> None:
    with app.app_context():
        # The run fails part way (here: the audit trail's table has gone).
        db.session.execute(text("DROP TABLE audit_event"))
        db.session.commit()
        with pytest.raises(Exception):  # noqa: B017  (whatever the database says)
            at_risk_check.at_risk_job()
        db.session.rollback()
        Base.metadata.create_all(db.engine, tables=[Base.metadata.tables["audit_event"]])
        at_risk_check.at_risk_job()
    assert at_risk_runs(make) == 1
    assert ledger_rows(make) == [(at_risk_check.JOB, "2026-12-03", True)]


def test_retention_leaves_a_day_another_schedulers_run_has_claimed(
    app: Flask, make: Factory
) -> None:
    make.session.add(
        JobRun(job=erasure.JOB, period="2026-12-03", started_at=MORNING, claimed_by="other:1")
    )
    make.session.commit()
    with app.app_context():
        erasure.retention_job()
        assert erasure.last_run_at() is None


def test_two_schedulers_running_retention_together_run_it_once(app: Flask, make: Factory) -> None:
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def run() -> None:
        start.wait(10)
        erasure.retention_job()

    threads = [in_thread(app, run, results, name) for name in ("one", "two")]
    for thread in threads:
        thread.join(60)
    assert results == {"one": None, "two": None}
    make.session.expire_all()
    runs = make.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == erasure.RUN_ACTION)
    )
    assert runs == 1
    assert ledger_rows(make) == [(erasure.JOB, "2026-12-03", True)]


# --- SQLite: one scheduler only --------------------------------------------------------------


def test_on_sqlite_a_second_scheduler_refuses_to_start_and_says_why(tmp_path: Path) -> None:
    database = tmp_path / "one.sqlite"
    engine = create_engine(f"sqlite:///{database}")
    Base.metadata.create_all(engine)
    engine.dispose()
    env = {
        **{key: value for key, value in os.environ.items() if key != "TEST_DATABASE_URL"},
        "DIVERSION_ENV": "development",
        "DATABASE_URL": f"sqlite:///{database}",
        "MAIL_FILE_DIR": str(tmp_path / "mail"),
        "PYTHONPATH": str(ROOT),  # this checkout's code, whichever the virtualenv installed
    }
    command = [FLASK, "--app", "wsgi", "scheduler"]
    first = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        lock = scheduler_lock_path(database)
        deadline = wall.monotonic() + 30
        while wall.monotonic() < deadline and not _locked_by_another(lock):
            assert first.poll() is None, "the first scheduler stopped"
            wall.sleep(0.2)
        assert _locked_by_another(lock), "the first scheduler never took its lock"

        second = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert first.poll() is None  # the first one runs on
    finally:
        first.send_signal(signal.SIGTERM)
        try:
            first.wait(20)
        except subprocess.TimeoutExpired:
            first.kill()
            first.wait(20)

    assert second.returncode != 0
    lines = second.stderr.strip().splitlines()
    assert lines[-1].startswith("Refusing to start: another scheduler is running"), lines
    assert "Only one scheduler may run on SQLite" in lines[-1]
    assert "Traceback" not in second.stderr
    # Once the first has stopped, a scheduler may start again.
    assert not _locked_by_another(scheduler_lock_path(database))


def _locked_by_another(lock: Path) -> bool:
    if not lock.exists():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
