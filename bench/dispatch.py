"""Benchmark the outbox dispatcher: 10,000 due reminders through the fake Twilio server.

Run from the repository root: ``.venv/bin/python bench/dispatch.py``. Progress goes to
stderr; the last line on stdout is one JSON object (docs performance.md):

- ``dispatch_per_s``: messages per second sent by ``dispatch_once`` (100 a pass, as the
  scheduler's job), called in a loop until nothing is due, each pass in its own application
  context as the job runs it, with a ``TwilioSender`` pointed at the fake;
- ``raw_per_s``: the floor, the same messages (numbers and bodies the dispatcher just sent)
  through ``client.messages.create(...)`` of the real ``twilio`` client, one after another,
  to the same fake server;
- ``ratio``: dispatch_per_s / raw_per_s (target at least 0.8);
- more: ``pair_ratios`` (each block's raw time / dispatch time), ms per message, the share
  of wall time spent on the CPU by this process on each side and by the fake's process
  during the raw blocks, SQL statements and commits per message (counted in the warm-up
  only, so timed passes carry no counter), and the sizes.

What is repeated: one run sends all 10,000 messages (``--count``) through the dispatcher,
timed in blocks of 1,000 (``--block``, ten passes); after each block the raw client sends
the same 1,000 messages, timed the same way. The figures are medians over the ten blocks of
each side, so noise on the shared machine hits both alike. Before them, 500 more messages
(``--warm-up``, due earlier) warm both sides up. Repeating the whole 10,000 five times
instead would take over ten minutes: on the 2-core development machine a dispatcher message
costs 10 to 40 ms, with the load on the disk, a raw one 2 to 3 ms (docs/performance.md).

The database is built with bulk inserts (per message a client, an accepted case, a booked
appointment and a pending row, all due and passing every gate) on a fresh SQLite file in a
temporary directory, or on ``--database URL`` (an empty database: the benchmark creates the
tables and drops them at the end). Each block must bring exactly its messages to the fake;
at the end every row must be SENT after exactly one claim, each with its own provider id
naming a message the fake received with the row's number and body, and a last pass must
find nothing due. Otherwise the benchmark says why and exits 1.

The fake Twilio (tests/notifications/fake_twilio.py, a ThreadingHTTPServer) runs in a child
process, so its work does not compete for this process's interpreter lock with the code
being timed. Both sides wait for it alike (its time is in the floor); ``fake_cpu_share``
against ``raw_cpu_share`` shows whether the floor is the client's own work or the fake's.
The app logs at INFO as in production, to /dev/null.

``--profile`` runs cProfile over one dispatcher block instead and prints the top functions
to stderr (no JSON).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import multiprocessing
import os
import pstats
import statistics
import sys
import tempfile
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.engine import Engine
from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]
from twilio.rest import Client as TwilioClient  # type: ignore[import-untyped]

from diversion.admin.reference import seed_requirement_types
from diversion.app import create_app
from diversion.db import Base, db
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseStatus,
    Client,
    Court,
    CourtOutcome,
    DrugTestResult,
    MessageStatus,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    RequirementType,
    Role,
    User,
    Venue,
)
from notifications.dispatcher import DispatchReport, dispatch_once
from notifications.senders import TwilioSender
from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

COUNT = 10_000
BLOCK = 1_000
WARM_UP = 500
PASS_LIMIT = 100  # notifications.jobs passes the dispatcher's default, 100
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # Thursday 10:00 London: not quiet hours
APPOINTMENT_DAY = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
KIND = "appointment_day_before"
SERVICE_SID = "MG" + "1" * 32
CALLBACK = "https://diversion.example.test/sms/status"
TIMEOUT_S = 10.0
FAKE_ANSWER_S = 60.0
TARGET = {"ratio": ">= 0.8"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Failed(Exception):
    """The run did not do what it must: the benchmark reports it and exits 1."""


# -- the fake Twilio, in a process of its own ------------------------------------------------


def _serve_fake(conn: Connection, answer_after: float = 0.0) -> None:
    """Child process: run FakeTwilio and answer the parent's questions about what it got."""
    with FakeTwilio(answer_after=answer_after) as fake:
        conn.send(fake.url)
        while True:
            command, argument = conn.recv()
            if command == "stop":
                break
            if command == "count":
                conn.send(len(fake.messages))
            elif command == "cpu":
                conn.send(clock.process_time())
            elif command == "since":
                conn.send([(m["sid"], m["to"], m["body"]) for m in fake.messages[argument:]])


class FakeProcess:
    """The fake Twilio server in a child process; `received(since)` lists what it accepted."""

    def __init__(self, *, answer_after: float = 0.0) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_fake, args=(child, answer_after), daemon=True)
        self._process.start()
        self.url: str = self._answer()

    def _answer(self) -> Any:
        """The child's answer, or Failed when it died or hangs (never wait for ever)."""
        if not self._conn.poll(FAKE_ANSWER_S):
            raise Failed("the fake Twilio process did not answer")
        try:
            return self._conn.recv()
        except EOFError:
            raise Failed("the fake Twilio process died") from None

    def count(self) -> int:
        self._conn.send(("count", None))
        count: int = self._answer()
        return count

    def cpu_seconds(self) -> float:
        """CPU time the fake's process has used so far (all its threads)."""
        self._conn.send(("cpu", None))
        seconds: float = self._answer()
        return seconds

    def received(self, since: int) -> list[tuple[str, str, str]]:
        """(sid, to, body) of every message accepted after the first `since`."""
        self._conn.send(("since", since))
        messages: list[tuple[str, str, str]] = self._answer()
        return messages

    def stop(self) -> None:
        if self._process.is_alive():
            self._conn.send(("stop", None))
            self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()


# -- the database ----------------------------------------------------------------------------


def make_bench_app(url: str) -> Flask:
    """The app on `url`, its tables created (the database must have none) and seeded."""
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key", "SMS_SENDER": "twilio"}
    )
    # The app logs at INFO, as in production; the lines go nowhere, the work is still done.
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (lives as long as the run)
    engine = app.extensions["diversion.db"][0]
    existing = inspect(engine).get_table_names()
    if existing:
        raise Failed(f"the database is not empty ({len(existing)} tables); give an empty one")
    Base.metadata.create_all(engine)
    with app.app_context():
        seed_requirement_types()
    return app


def populate(app: Flask, count: int, warm_up: int) -> None:
    """A project, a court and a worker; per message a client, case, appointment and row.

    The first `warm_up` rows are due a minute earlier than the rest, so they go first.
    """
    with app.app_context():
        session = db.session
        project = Organisation(
            name="Bench Project", kind=OrganisationKind.PROJECT, phone="020 7946 0000"
        )
        court_org = Organisation(name="Bench Court", kind=OrganisationKind.COURT)
        cps_org = Organisation(name="Bench CPS", kind=OrganisationKind.CPS)
        session.add_all([project, court_org, cps_org])
        session.flush()
        court = Court(
            organisation_id=court_org.id,
            cps_organisation_id=cps_org.id,
            name="Benchbury Magistrates' Court",
            sitting_weekdays=[2],
            report_lead_working_days=2,
            report_due_time=time(12, 0),
            court_email="court@example.test",
            cps_email="cps@example.test",
        )
        worker = User(
            organisation_id=project.id,
            email="bench.worker@example.test",
            name="Bench Worker",
            role=Role.WORKER,
            password_hash="!",  # noqa: S106 (no one signs in as this user)
        )
        venue = Venue(
            organisation_id=project.id,
            name="Bench venue",
            neutral_name="High Street office",
            address="1 High Street",
            opening_hours={str(d): [["09:00", "17:00"]] for d in range(5)},
        )
        session.add_all([court, worker, venue])
        session.flush()
        requirement = session.scalar(select(RequirementType).where(RequirementType.code == "CD"))
        assert requirement is not None
        ids = range(1, warm_up + count + 1)
        session.execute(
            insert(Client),
            [
                {
                    "id": n,
                    "organisation_id": project.id,
                    "first_name": f"Bench{n}",
                    "last_name": "Client",
                    "date_of_birth": date(1990, 1, 1),
                    "mobile": f"+447700900{n % 1000:03d}",
                    "consent_to_texts": True,
                    "safe_to_text_confirmed_on": date(2026, 11, 20),
                    "text_name": f"B{n}",
                }
                for n in ids
            ],
        )
        session.execute(
            insert(Case),
            [
                {
                    "id": n,
                    "reference": f"BENCH-{n:06d}",
                    "client_id": n,
                    "organisation_id": project.id,
                    "worker_id": worker.id,
                    "requirement_type_id": requirement.id,
                    "charge": "Loitering or soliciting",
                    "custody_drug_test": DrugTestResult.NOT_TESTED,
                    "court_id": court.id,
                    "first_court_date": date(2026, 12, 2),
                    "outcome_hearing_date": date(2026, 12, 2),
                    "return_date": date(2026, 12, 30),
                    "court_outcome": CourtOutcome.ACCEPTED,
                    "status": CaseStatus.ON_SCHEME,
                }
                for n in ids
            ],
        )
        starts = [APPOINTMENT_DAY + timedelta(minutes=15 * (n % 32)) for n in ids]
        session.execute(
            insert(Appointment),
            [
                {
                    "id": n,
                    "case_id": n,
                    "session_number": 1,
                    "kind": "assessment",
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=1),
                    "venue_id": venue.id,
                    "worker_id": worker.id,
                    "status": AppointmentStatus.BOOKED,
                }
                for n, start in zip(ids, starts, strict=True)
            ],
        )
        session.execute(
            insert(OutboxMessage),
            [
                {
                    "id": n,
                    "client_id": n,
                    "case_id": n,
                    "appointment_id": n,
                    "kind": KIND,
                    "send_at": NOW - timedelta(minutes=2 if n <= warm_up else 1),
                    "status": MessageStatus.PENDING,
                    "attempts": 0,
                }
                for n in ids
            ],
        )
        session.commit()


# -- the two sides -------------------------------------------------------------------------


def twilio_sender(url: str) -> TwilioSender:
    return TwilioSender(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        messaging_service_sid=SERVICE_SID,
        status_callback_url=CALLBACK,
        base_url=url,
        timeout=TIMEOUT_S,
    )


def dispatch_passes(app: Flask, sender: TwilioSender, expected: int) -> None:
    """dispatch_once until `expected` are sent (with 0: one pass, which must find nothing).

    Each pass runs in its own app context, as the scheduler's job does, and must only send.
    """
    sent = 0
    while True:
        with app.app_context():
            report = dispatch_once(sender=sender, now=NOW, limit=PASS_LIMIT)
        if report.skipped or report.held or report.failed or report.retry or report.reconciled:
            raise Failed(f"a pass did more than send: {_summary(report)}")
        sent += len(report.sent)
        if sent > expected:
            raise Failed(f"{sent} sent where {expected} were due")
        if sent == expected:
            return
        if not report.sent:
            raise Failed(f"nothing more due after {sent} of {expected}")


def _summary(report: DispatchReport) -> str:
    return ", ".join(
        f"{len(getattr(report, name))} {name}"
        for name in ("sent", "skipped", "held", "failed", "retry", "reconciled")
    )


def raw_client(url: str) -> TwilioClient:
    """The real twilio client on the fake, configured as TwilioSender configures its own."""
    quiet = logging.getLogger("bench.twilio_http")
    quiet.setLevel(logging.WARNING)
    client = TwilioClient(
        ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioHttpClient(timeout=TIMEOUT_S, logger=quiet)
    )
    client.api.base_url = url
    return client


def raw_send(client: TwilioClient, messages: list[tuple[str, str]]) -> None:
    """The floor: one messages.create per (to, body), one after another."""
    for to, body in messages:
        client.messages.create(
            to=to, body=body, messaging_service_sid=SERVICE_SID, status_callback=CALLBACK
        )


# -- checks --------------------------------------------------------------------------------


def new_messages(fake: FakeProcess, before: int, expected: int) -> list[tuple[str, str, str]]:
    """What the fake received since `before`, which must be exactly `expected` messages."""
    received = fake.received(before)
    if len(received) != expected:
        raise Failed(f"the fake received {len(received)} messages, not {expected}")
    return received


def check_rows(app: Flask, received: list[tuple[str, str, str]]) -> None:
    """Every row SENT after one claim, each naming its own message the fake received with
    the row's number and body, and no message left over."""
    by_sid = {sid: (to, body) for sid, to, body in received}
    with app.app_context():
        statuses = dict(
            db.session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        )
        if statuses != {MessageStatus.SENT: len(received)}:
            shown = {status.value: n for status, n in statuses.items()}
            raise Failed(f"rows are not all sent, or not one a message: {shown}")
        claimed_again = db.session.scalar(select(func.count()).where(OutboxMessage.attempts != 1))
        if claimed_again:
            raise Failed(f"{claimed_again} rows were claimed more than once")
        rows = db.session.execute(
            select(OutboxMessage.provider_id, Client.mobile, OutboxMessage.body).join(
                Client, OutboxMessage.client_id == Client.id
            )
        ).all()
    seen = set()
    for provider_id, mobile, body in rows:
        if provider_id is None or provider_id in seen or by_sid.get(provider_id) != (mobile, body):
            raise Failed("a row's provider id does not name its own message at the fake")
        seen.add(provider_id)


# -- measuring -----------------------------------------------------------------------------


@contextmanager
def counting_statements(engine: Engine) -> Iterator[dict[str, int]]:
    """Count SQL statements and commits on `engine` while the block runs."""
    counts = {"statements": 0, "commits": 0}

    def statement(*_args: Any) -> None:
        counts["statements"] += 1

    def commit(*_args: Any) -> None:
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """Wall and CPU seconds (this process) of the block."""
    times: dict[str, float] = {}
    wall, cpu = clock.perf_counter(), clock.process_time()
    yield times
    times["wall"] = clock.perf_counter() - wall
    times["cpu"] = clock.process_time() - cpu


def profile_block(app: Flask, sender: TwilioSender, block: int) -> None:
    """cProfile one block of dispatcher passes; the top of the listing goes to stderr."""
    profiler = cProfile.Profile()
    profiler.enable()
    dispatch_passes(app, sender, block)
    profiler.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(35)
        log(out.getvalue())


def run(args: argparse.Namespace, url: str, fake: FakeProcess) -> dict[str, Any]:
    count, block, warm_up = args.count, args.block, args.warm_up
    app = make_bench_app(url)
    engine = app.extensions["diversion.db"][0]
    try:
        with stopwatch() as built:
            populate(app, count, warm_up)
        log(f"{warm_up} + {count} due messages on {engine.dialect.name} ({built['wall']:.1f} s)")
        start = fake.count()
        sender = twilio_sender(fake.url)
        client = raw_client(fake.url)

        with counting_statements(engine) as counts, stopwatch() as took:
            dispatch_passes(app, sender, warm_up)
        sent = [(to, body) for _, to, body in new_messages(fake, start, warm_up)]
        raw_send(client, sent)
        log(
            f"warm-up: {warm_up} messages, dispatcher {took['wall']:.1f} s,"
            f" {counts['statements'] / warm_up:.1f} statements and"
            f" {counts['commits'] / warm_up:.2f} commits per message"
        )
        received = fake.received(start)[:warm_up]
        if args.profile:
            profile_block(app, sender, block)
            return {}

        dispatch: list[dict[str, float]] = []
        raw: list[dict[str, float]] = []
        for number in range(1, count // block + 1):
            before = fake.count()
            with stopwatch() as took:
                dispatch_passes(app, sender, block)
            block_sent = new_messages(fake, before, block)
            received += block_sent
            dispatch.append(took)
            before, fake_cpu = fake.count(), fake.cpu_seconds()
            with stopwatch() as took:
                raw_send(client, [(to, body) for _, to, body in block_sent])
            took["fake_cpu"] = fake.cpu_seconds() - fake_cpu
            new_messages(fake, before, block)
            raw.append(took)
            log(
                f"block {number}: dispatcher {block / dispatch[-1]['wall']:.0f}/s,"
                f" raw {block / took['wall']:.0f}/s,"
                f" ratio {took['wall'] / dispatch[-1]['wall']:.2f}"
            )
        dispatch_passes(app, sender, 0)  # nothing is left due
        check_rows(app, received)
        log(f"all {warm_up + count} rows sent once, each matching its message at the fake")
    finally:
        if args.database:
            Base.metadata.drop_all(engine)
        engine.dispose()

    dispatch_s = statistics.median(t["wall"] for t in dispatch)
    raw_s = statistics.median(t["wall"] for t in raw)
    return {
        "dispatch_per_s": round(block / dispatch_s, 1),
        "raw_per_s": round(block / raw_s, 1),
        "ratio": round(raw_s / dispatch_s, 3),
        "pair_ratios": [
            round(r["wall"] / d["wall"], 3) for d, r in zip(dispatch, raw, strict=True)
        ],
        "dispatch_ms_per_message": round(dispatch_s / block * 1000, 2),
        "raw_ms_per_message": round(raw_s / block * 1000, 2),
        "dispatch_cpu_share": round(statistics.median(t["cpu"] / t["wall"] for t in dispatch), 2),
        "raw_cpu_share": round(statistics.median(t["cpu"] / t["wall"] for t in raw), 2),
        "fake_cpu_share": round(statistics.median(t["fake_cpu"] / t["wall"] for t in raw), 2),
        "statements_per_message": round(counts["statements"] / warm_up, 2),
        "commits_per_message": round(counts["commits"] / warm_up, 2),
        "count": count,
        "block": block,
        "repeats": count // block,
        "warm_up": warm_up,
        "repeated": f"{count // block} blocks of {block} messages of one {count}-message run,"
        " dispatcher then raw with the same messages, after a warm-up of each",
        "database": engine.dialect.name,
        "fake": "FakeTwilio (ThreadingHTTPServer) in a child process",
        "target": TARGET,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--count", type=int, default=COUNT, help="messages timed")
    parser.add_argument("--block", type=int, default=BLOCK, help="messages per timed block")
    parser.add_argument("--warm-up", type=int, default=WARM_UP, help="messages before timing")
    parser.add_argument(
        "--database",
        help="an EMPTY database URL to use instead of a temporary SQLite file "
        "(its tables are created, then dropped at the end)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one dispatcher block instead"
    )
    args = parser.parse_args()
    if args.block <= 0 or args.block % PASS_LIMIT or args.warm_up <= 0 or args.warm_up % PASS_LIMIT:
        parser.error(f"--block and --warm-up must be whole passes of {PASS_LIMIT} messages")
    if args.count % args.block or args.count // args.block < 5:
        parser.error("--count must be a whole number of blocks, at least 5")
    return args


def main() -> int:
    args = parse_args()
    fake = None
    try:
        fake = FakeProcess()
        with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as tmp:
            url = args.database or f"sqlite:///{Path(tmp) / 'dispatch.sqlite'}"
            result = run(args, url, fake)
    except Failed as failure:
        log(f"FAILED: {failure}")
        print(json.dumps({"error": str(failure), "target": TARGET}))
        return 1
    finally:
        if fake is not None:
            fake.stop()
    if result:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
