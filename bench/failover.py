"""Benchmark a lost scheduler and a restarted PostgreSQL: two schedulers, 10,000 texts due.

Run from the repository root, as root (it restarts the PostgreSQL cluster):
``.venv/bin/python bench/failover.py``. Progress goes to stderr; the last line on stdout is one
JSON object (docs/performance.md):

- ``duplicates``: texts the fake Twilio received twice (to one client's number: each client has
  one text), plus daily jobs whose period's work was done twice (job_run rows, the retention and
  at-risk audit rows, the sitting-day list's mail rows);
- ``lost``: due texts neither sent (and received by the fake) nor settled with a reason;
- ``lag_p95_s``: from a text's due time (send_at) to the fake receiving it, 95th percentile;
- ``recovery_s``: from the SIGKILL of the scheduler holding the dispatcher's lock to the fake
  receiving a text that the survivor claimed (one not left `sending` by the dead one);
- ``db_recovery_s``: from the end of ``pg_ctlcluster VERSION failover restart`` to both the first
  200 from the app's /healthz (gunicorn, polled every 0.2 s) and the fake receiving a text
  claimed after the restart; neither the app nor the survivor is restarted.

The run: a database of its own (``bench_failover``, dropped first and at the end) in a
PostgreSQL cluster of its own (``failover`` on port 5439, made with ``pg_createcluster`` when
missing, so the restart cuts no one else's connections), migrated
with ``flask db upgrade`` and filled by devtools/failover_data.py: 10,000 texts falling due
over ``--spread`` seconds (each client, case and appointment its own), and the daily jobs due.
The fake Twilio (tests/notifications/fake_twilio.py) runs in a child process and notes when
each message arrives; the two schedulers are ``flask --app wsgi scheduler`` processes with
SMS_SENDER=twilio and TWILIO_API_BASE pointing at the fake, so the real ``twilio`` client
sends. Once ``--kill-at`` texts have arrived, the scheduler holding the dispatcher's advisory
lock is killed with SIGKILL; once ``--restart-at`` have, PostgreSQL is restarted. The texts the
dead scheduler had claimed stay `sending` until IN_FLIGHT_GRACE (5 minutes) has passed, when
the survivor asks the fake whether it has them, so the run then waits for every text to settle
(at most the grace and three minutes after the restart). About 10 minutes in all; it needs
root and Debian's PostgreSQL server packages (pg_createcluster, pg_ctlcluster).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from devtools.bench_support import ROOT, log
from devtools.failover_data import (
    Unanswered,
    daily_jobs,
    dispatcher_holder,
    in_flight,
    populate,
    read,
    unsettled,
)
from diversion.app import create_app
from diversion.db import db
from diversion.models import Client, MessageStatus, OutboxMessage
from notifications.dispatcher import IN_FLIGHT_GRACE
from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

DATABASE = "bench_failover"
# A cluster of the bench's own (pg_createcluster, trust on loopback), so that restarting it
# cuts no one else's connections.
CLUSTER = "failover"
PG = {"host": "127.0.0.1", "port": "5439", "user": "postgres"}
COUNT = 10_000
SPREAD_S = 120.0
DISPATCHER = "text-message-dispatcher"
SERVICE_SID = "MG" + "2" * 32
SETTLED = {MessageStatus.SENT, MessageStatus.DELIVERED}
TARGET = {
    "duplicates": "== 0",
    "lost": "== 0",
    "lag_p95_s": "<= 30",
    "recovery_s": "<= 60",
    "db_recovery_s": "<= 10",
}


class Failed(Exception):
    """The run could not be measured: the benchmark says why and exits 1."""


# -- the fake Twilio, in a process of its own, noting when each message arrived -------------


def _serve_fake(conn: Connection) -> None:
    arrivals: list[tuple[float, str]] = []
    with FakeTwilio() as fake:
        create = fake._create

        def timed(form: dict[str, str]) -> Any:
            answer = create(form)
            if answer is not None and answer[0] == 201:
                arrivals.append((time.time(), form["To"]))
            return answer

        fake._create = timed  # type: ignore[method-assign]
        conn.send(fake.url)
        while True:
            command, argument = conn.recv()
            if command == "stop":
                break
            if command == "count":
                conn.send(len(arrivals))
            elif command == "since":
                conn.send(arrivals[argument:])


class FakeProcess:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_fake, args=(child,), daemon=True)
        self._process.start()
        self.url: str = self._ask(None)

    def _ask(self, command: tuple[str, Any] | None) -> Any:
        if command is not None:
            self._conn.send(command)
        if not self._conn.poll(60):
            raise Failed("the fake Twilio process did not answer")
        return self._conn.recv()

    def count(self) -> int:
        return int(self._ask(("count", None)))

    def arrivals(self) -> list[tuple[float, str]]:
        return list(self._ask(("since", 0)))

    def stop(self) -> None:
        if self._process.is_alive():
            self._conn.send(("stop", None))
            self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()


# -- PostgreSQL, the app and the schedulers ---------------------------------------------------


def pg(*command: str) -> None:
    subprocess.run(
        [*command, "-h", PG["host"], "-p", PG["port"], "-U", PG["user"]],
        check=True,
        stdout=sys.stderr,
    )


def database_url(name: str) -> str:
    return (
        f"postgresql+psycopg://{PG['user']}@{PG['host']}:{PG['port']}/{DATABASE}"
        f"?application_name={name}"
    )


def own_cluster() -> str:
    """The bench's own PostgreSQL cluster (CLUSTER, on PG's port), made and started if need
    be: restarting it disturbs no one else's databases. Its version."""
    listed = subprocess.run(
        ["pg_lsclusters", "--no-header"], check=True, capture_output=True, text=True
    ).stdout.split("\n")
    found = [line.split() for line in listed if line.split()[1:2] == [CLUSTER]]
    if not found:
        version = max(line.split()[0] for line in listed if line.strip())
        log(f"creating PostgreSQL cluster {version}/{CLUSTER} on port {PG['port']}")
        subprocess.run(
            ["pg_createcluster", version, CLUSTER, "-p", PG["port"], "--", "--auth=trust"],
            check=True,
            stdout=sys.stderr,
        )
        found = [[version, CLUSTER, PG["port"], "down"]]
    version, _, port, status = found[0][:4]
    if port != PG["port"]:
        raise Failed(f"cluster {version}/{CLUSTER} listens on {port}, not {PG['port']}")
    if status != "online":
        subprocess.run(["pg_ctlcluster", version, CLUSTER, "start"], check=True)
    return version


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(name: str, fake_url: str) -> dict[str, str]:
    """What the app and a scheduler read: this database, Twilio at the fake."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        # A crash of the interpreter itself (a C extension's) leaves its threads' stacks.
        "PYTHONFAULTHANDLER": "1",
        "DIVERSION_ENV": "development",
        "DATABASE_URL": database_url(name),
        "SMS_SENDER": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID,
        "TWILIO_API_BASE": fake_url,
        "PUBLIC_BASE_URL": "https://diversion.example.test",
        "MAIL_FROM": "diversion@example.test",
    }


def start(command: list[str], env: dict[str, str], logfile: Path) -> subprocess.Popen[bytes]:
    with logfile.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


class HealthPoller(threading.Thread):
    """GET /healthz every 0.2 s, noting (time, status) until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.seen = url, []  # type: ignore[var-annotated]
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=2) as answer:  # noqa: S310
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            self.seen.append((time.time(), status))
            self.done.wait(0.2)


# -- the run ----------------------------------------------------------------------------------


def first_after(moments: list[tuple[float, Any]], after: float, keep: Any) -> float | None:
    return next((t for t, what in sorted(moments) if t > after and keep(what)), None)


def settle(app: Any, fake: FakeProcess, deadline: float) -> None:
    """Wait until no text is pending or sending (or the deadline)."""
    last = 0.0
    while time.time() < deadline:
        left = unsettled(app)
        if left == 0:
            return
        if time.time() - last > 30:
            log(f"waiting for {left} texts to settle ({fake.count()} received)")
            last = time.time()
        time.sleep(2)
    log(f"deadline: {unsettled(app)} texts still pending or sending")


def drive(
    args: argparse.Namespace, app: Any, fake: FakeProcess, procs: dict[str, Any]
) -> dict[str, Any]:
    """Watch the texts arrive; kill the lock holder, then restart PostgreSQL, part-way."""
    events: dict[str, Any] = {}
    shown = 0.0
    while "restart_done" not in events:
        received = fake.count()
        if time.time() - shown > 5:
            log(f"{received} texts received")
            shown = time.time()
        if "kill" not in events and received >= args.kill_at:
            holder = None
            for _ in range(300):
                holder = dispatcher_holder(app, DISPATCHER)
                if holder in procs:
                    break
                time.sleep(0.05)
            victim = holder if holder in procs else "scheduler-1"
            procs[victim].send_signal(signal.SIGKILL)
            events["kill"] = time.time()
            events["dead"] = in_flight(app)
            events["victim"], events["survivor"] = victim, next(p for p in procs if p != victim)
            log(
                f"SIGKILL to {victim} (held the lock: {holder == victim}) at {received} received;"
                f" {len(events['dead'])} texts left in flight"
            )
        if "kill" in events and received >= args.restart_at:
            version = args.version
            log(f"restarting PostgreSQL {version}/{CLUSTER} at {received} received")
            events["restart_begin"] = time.time()
            subprocess.run(
                ["pg_ctlcluster", version, CLUSTER, "restart"], check=True, stdout=sys.stderr
            )
            events["restart_done"] = time.time()
            events["stuck"] = in_flight(app)
            log(
                f"PostgreSQL restarted in {events['restart_done'] - events['restart_begin']:.1f} s;"
                f" {len(events['stuck'])} texts in flight"
            )
        if time.time() > args.started + 1800:
            raise Failed(f"only {received} texts received in 30 minutes")
        time.sleep(0.1)
    settle(app, fake, events["restart_done"] + IN_FLIGHT_GRACE.total_seconds() + 180)
    return events


def figures(
    app: Any, fake: FakeProcess, events: dict[str, Any], health: HealthPoller, sitting_day: Any
) -> dict[str, Any]:
    arrivals = fake.arrivals()
    by_to: dict[str, list[float]] = {}
    for moment, to in arrivals:
        by_to.setdefault(to, []).append(moment)
    rows = read(
        app,
        lambda: db.session.execute(
            select(
                Client.mobile, OutboxMessage.send_at, OutboxMessage.status, OutboxMessage.reason
            ).join(Client, OutboxMessage.client_id == Client.id)
        ).all(),
    )
    lags: list[float] = []
    lost, otherwise = 0, Counter[str]()
    for mobile, send_at, status, reason in rows:
        if mobile in by_to:
            lags.append(by_to[mobile][0] - send_at.timestamp())
        if status in SETTLED and mobile in by_to:
            continue
        if status not in (*SETTLED, MessageStatus.PENDING, MessageStatus.SENDING) and reason:
            otherwise[f"{status.value}: {reason}"] += 1
            continue
        lost += 1
    text_twice = sum(len(times) - 1 for times in by_to.values())
    unknown = len(set(by_to) - {mobile for mobile, *_ in rows})
    daily = daily_jobs(app, sitting_day)
    daily_twice = sum(max(0, n - 1) for n in daily.values())
    survivor_picks = first_after(arrivals, events["kill"], lambda to: to not in events["dead"])
    claimed = first_after(arrivals, events["restart_done"], lambda to: to not in events["stuck"])
    page = first_after(health.seen, events["restart_done"], lambda status: status == 200)
    up = first_after(health.seen, 0, lambda status: status == 200) or 0
    down = [t for t, status in health.seen if status != 200 and t > up]  # once it served
    lags.sort()
    return {
        "duplicates": text_twice + daily_twice,
        "lost": lost + unknown,
        "lag_p95_s": round(lags[int(0.95 * (len(lags) - 1))], 2) if lags else None,
        "recovery_s": round(survivor_picks - events["kill"], 2) if survivor_picks else None,
        "db_recovery_s": round(max(page, claimed) - events["restart_done"], 2)
        if page and claimed
        else None,
        "texts_received_twice": text_twice,
        "daily_jobs_twice": daily_twice,
        "daily_jobs": daily,
        # Not finished by the end: still running (the at-risk recheck of 10,000 cases takes
        # minutes) or claimed by the killed scheduler (re-taken after ledger.STALE_AFTER).
        "daily_jobs_not_finished": [
            name for name, n in daily.items() if n == 0 and "unfinished" not in name
        ],
        "settled_otherwise": dict(otherwise),
        "lag_p50_s": round(statistics.median(lags), 2) if lags else None,
        "lag_max_s": round(lags[-1], 2) if lags else None,
        "texts_received": len(arrivals),
        "left_in_flight_by_the_kill": len(events["dead"]),
        "in_flight_at_the_restart": len(events["stuck"]),
        "db_recovery_page_s": round(page - events["restart_done"], 2) if page else None,
        "db_recovery_claim_s": round(claimed - events["restart_done"], 2) if claimed else None,
        "restart_command_s": round(events["restart_done"] - events["restart_begin"], 2),
        "healthz_not_ok": len(down),
        "healthz_not_ok_outside_restart": len(
            [t for t in down if not events["restart_begin"] - 1 <= t <= events["restart_done"] + 10]
        ),
    }


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    loads = [os.getloadavg()]
    args.version = own_cluster()
    pg("dropdb", "--if-exists", DATABASE)
    pg("createdb", DATABASE)
    fake = FakeProcess()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    health = None
    try:
        env = environment("bench-migrate", fake.url)
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=sys.stderr,
        )
        app = create_app({"DATABASE_URL": database_url("bench"), "RATELIMIT_ENABLED": False})
        first_due = datetime.now(UTC) + timedelta(seconds=args.lead)
        sitting_day = populate(app, count=args.count, first_due=first_due, spread=args.spread)
        log(f"{args.count} texts due over {args.spread:.0f} s from {args.lead:.0f} s from now")
        port = free_port()
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        procs["web"] = start(
            [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
            environment("web", fake.url),
            tmp / "web.log",
        )
        health = HealthPoller(f"http://127.0.0.1:{port}/healthz")
        health.start()
        for name in ("scheduler-1", "scheduler-2"):
            procs[name] = start(
                [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"],
                environment(name, fake.url),
                tmp / f"{name}.log",
            )
        args.started = time.time()
        schedulers = {name: proc for name, proc in procs.items() if name != "web"}
        events = drive(args, app, fake, schedulers)
        loads.append(os.getloadavg())
        survivor = procs[events["survivor"]]
        result = figures(app, fake, events, health, sitting_day)
        result["survivor_ran_throughout"] = survivor.poll() is None
        result["survivor_log_errors"] = sum(
            "ERROR" in line or "Traceback" in line
            for line in (tmp / f"{events['survivor']}.log").read_text(errors="replace").splitlines()
        )
    finally:
        if health is not None:
            health.done.set()
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        fake.stop()
        if args.keep_logs:
            for log_file in tmp.glob("*.log"):
                shutil.copy(log_file, Path(args.keep_logs) / log_file.name)
        if "app" in locals():
            app.extensions["diversion.db"][0].dispose()
        if not args.keep_database:
            pg("dropdb", "--if-exists", DATABASE)
    result.update(
        {
            "count": args.count,
            "spread_s": args.spread,
            "kill_at": args.kill_at,
            "restart_at": args.restart_at,
            "in_flight_grace_s": IN_FLIGHT_GRACE.total_seconds(),
            "load_avg_1_5_15_start": [round(x, 2) for x in loads[0]],
            "load_avg_1_5_15_end": [round(x, 2) for x in loads[-1]],
            "database": "postgresql",
            "target": TARGET,
        }
    )
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--count", type=int, default=COUNT, help="texts due")
    parser.add_argument("--spread", type=float, default=SPREAD_S, help="seconds they fall due over")
    parser.add_argument("--lead", type=float, default=15.0, help="seconds before the first is due")
    parser.add_argument("--kill-at", type=int, help="texts received before the SIGKILL (30%%)")
    parser.add_argument("--restart-at", type=int, help="texts received before the restart (70%%)")
    parser.add_argument("--keep-database", action="store_true", help=f"keep {DATABASE}")
    parser.add_argument("--keep-logs", help="a folder to copy the processes' logs into")
    args = parser.parse_args()
    args.kill_at = args.kill_at or int(args.count * 0.3)
    args.restart_at = args.restart_at or int(args.count * 0.7)
    if not 0 < args.kill_at < args.restart_at < args.count:
        parser.error("0 < --kill-at < --restart-at < --count")
    return args


def main() -> int:
    args = parse_args()
    os.environ["DIVERSION_ENV"] = "development"
    try:
        with tempfile.TemporaryDirectory(prefix="bench-failover-") as tmp:
            result = run(args, Path(tmp))
    except (Failed, Unanswered, subprocess.CalledProcessError) as failure:
        log(f"FAILED: {failure}")
        print(json.dumps({"error": str(failure), "target": TARGET}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
