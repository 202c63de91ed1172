"""Benchmark dispatchers side by side on PostgreSQL: 1, 2 and 4 at once (issue 18).

Run from the repository root: ``.venv/bin/python bench/dispatch_scaling.py``. Progress goes
to stderr; the last line on stdout is one JSON object (docs/performance.md):

- ``scaling``: texts a second sent by 1, 2 and 4 dispatcher processes working the same
  outbox at once, each calling ``dispatch_once`` (100 a pass) in a loop as the scheduler's job
  does, through the real ``twilio`` client to the fake Twilio of
  tests/notifications/fake_twilio.py answering each message after ``--latency`` seconds
  (100 ms, about the real API's round trip);
- ``speedup_2`` and ``speedup_4``: those rates against one dispatcher's (target: 2 give at
  least 1.8 times one);
- ``duplicates`` (messages the fake received twice, by number and body) and ``unsent`` (rows
  not SENT at the end): both must be 0, or the benchmark exits 1.

Each run starts from an empty database (``--database``, a PostgreSQL URL; default
``bench_dispatch_scaling`` on 127.0.0.1, dropped and made again each run) with ``--count``
due reminders built as bench/dispatch.py builds them; the dispatchers start together once
each has its app, and the time runs until the fake has every message. Claims are the
dispatcher's own (``FOR UPDATE SKIP LOCKED`` and a compare-and-set), so what one claims no
other sends.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time as clock
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dispatch as base  # bench/dispatch.py: its fake process, data and sender
from sqlalchemy import func, select

from devtools.bench_support import fresh_database, log
from diversion.app import create_app
from diversion.db import db
from diversion.models import MessageStatus, OutboxMessage
from notifications.dispatcher import dispatch_once

DATABASE = "postgresql://postgres@127.0.0.1:5432/bench_dispatch_scaling"
COUNT = 1_200
LATENCY_S = 0.1
DISPATCHERS = (1, 2, 4)
TARGET = {"speedup_2": ">= 1.8"}
SETTLE_S = 120.0


def _dispatcher(url: str, fake_url: str, ready: Any, go: Event) -> None:
    """Child process: one dispatcher, passes until a pass finds nothing due."""
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key", "SMS_SENDER": "twilio"}
    )
    sender = base.twilio_sender(fake_url)
    with app.app_context():
        db.session.execute(select(1))  # connect before the start
    ready.release()
    go.wait()
    while True:
        with app.app_context():
            report = dispatch_once(sender=sender, now=base.NOW, limit=base.PASS_LIMIT)
        if not report.sent:
            return


def one_run(url: str, fake: base.FakeProcess, count: int, dispatchers: int) -> dict[str, Any]:
    fresh_database(url)
    app = base.make_bench_app(url)
    base.populate(app, count - base.PASS_LIMIT, base.PASS_LIMIT)
    app.extensions["diversion.db"][0].dispose()
    context = multiprocessing.get_context("spawn")
    ready, go = context.Semaphore(0), context.Event()
    processes = [
        context.Process(target=_dispatcher, args=(url, fake.url, ready, go))
        for _ in range(dispatchers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        if not ready.acquire(timeout=base.FAKE_ANSWER_S):
            raise base.Failed("a dispatcher did not start")
    before = fake.count()
    started = clock.perf_counter()
    go.set()
    while fake.count() - before < count:
        if clock.perf_counter() - started > SETTLE_S:
            raise base.Failed(f"only {fake.count() - before} of {count} sent")
        clock.sleep(0.02)
    took = clock.perf_counter() - started
    for process in processes:
        process.join(timeout=base.FAKE_ANSWER_S)
    received = fake.received(before)
    pairs = [(to, body) for _, to, body in received]
    with app.app_context():
        unsent = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status != MessageStatus.SENT)
        )
    app.extensions["diversion.db"][0].dispose()
    result = {
        "per_s": round(count / took, 1),
        "seconds": round(took, 2),
        "duplicates": len(pairs) - len(set(pairs)),
        "unsent": int(unsent or 0),
    }
    log(f"{dispatchers} dispatcher(s): {result}")
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", default=DATABASE, help="a PostgreSQL URL (rebuilt)")
    parser.add_argument("--count", type=int, default=COUNT, help="due texts in each run")
    parser.add_argument("--latency", type=float, default=LATENCY_S, help="the fake's answer")
    args = parser.parse_args()
    if not args.database.startswith("postgresql"):
        parser.error("dispatchers side by side need PostgreSQL (SQLite allows one)")
    if args.count % base.PASS_LIMIT or args.count < 2 * base.PASS_LIMIT:
        parser.error(f"--count must be whole passes of {base.PASS_LIMIT}, at least two")
    return args


def main() -> int:
    args = parse_args()
    fake = None
    runs: dict[str, dict[str, Any]] = {}
    try:
        fake = base.FakeProcess(answer_after=args.latency)
        for dispatchers in DISPATCHERS:
            runs[str(dispatchers)] = one_run(args.database, fake, args.count, dispatchers)
    except base.Failed as failure:
        log(f"FAILED: {failure}")
        print(json.dumps({"error": str(failure), "target": TARGET}))
        return 1
    finally:
        if fake is not None:
            fake.stop()
    one = runs["1"]["per_s"]
    duplicates = sum(run["duplicates"] for run in runs.values())
    unsent = sum(run["unsent"] for run in runs.values())
    print(
        json.dumps(
            {
                "scaling": {n: run["per_s"] for n, run in runs.items()},
                "speedup_2": round(runs["2"]["per_s"] / one, 2),
                "speedup_4": round(runs["4"]["per_s"] / one, 2),
                "duplicates": duplicates,
                "unsent": unsent,
                "runs": runs,
                "count": args.count,
                "latency_s": args.latency,
                "database": "postgresql",
                "target": TARGET,
            }
        )
    )
    return 0 if duplicates == 0 and unsent == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
