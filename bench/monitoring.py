"""Benchmark the monitoring report (issue 17): two years of the partnership over 100,000
clients, by organisation and in total, suppressed, with the comparison of the texts and the
breakdowns by every monitoring answer.

Run from the repository root: ``.venv/bin/python bench/monitoring.py``. Progress goes to
stderr; the last line on stdout is one JSON object (docs/performance.md):

- ``median_ms``: ``diversion.monitoring.report.build_report`` for the partnership over the
  two years before the generated list day, in a fresh session each time (every query, the
  opening of the sealed answers, the suppression of every table and the statistics), read
  from the monitoring summary as the scheduler keeps it (diversion.monitoring.summary,
  counted now, so the period lies inside it): the median of ``ROUNDS`` runs after a
  warm-up run. ``runs_ms`` lists them.
- ``live_median_ms``: the same report with no summary, every figure counted from the
  tables (``LIVE_ROUNDS`` runs); ``summary_build_s`` and ``summary_rows``: one count of the
  summary by the scheduler's job, and the rows it wrote.
- ``queries``: the SQL statements one report sends (counted with a SQLAlchemy event
  listener); ``queries_small``: the same for one month, which must be the same number.
- ``page_median_ms``: the whole page (``GET /monitoring/partnership``) as a signed-in
  commissioner through the Flask test client, rendering included; ``page_queries`` its
  statements (the session look-up, then the report's).
- ``floor_median_ms``: one grouped count over every appointment in the same run (what a
  single pass over the data costs on this machine now).
- more: the sizes of the data set, and ``build_s`` when this run built it.

The database is SQLite, at ``instance/bench/monitoring.sqlite`` (ignored by git), built by
the project's own commands: ``flask --app wsgi db upgrade`` then ``flask --app wsgi
generate-data --clients 100000 --appointments 500000 --seed 1`` (devtools/generate.py, with
the reminders, replies and monitoring records of devtools/monitoring_data.py). Later runs
migrate it and reuse it when its counts hold; ``--rebuild`` builds it again.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import event, func, select

from devtools.bench_support import bench_app, flask_command, log
from devtools.bulk import LIST_DAY, NO_PASSWORD
from diversion.db import db
from diversion.models import (
    Appointment,
    Client,
    InboundMessage,
    MonitoringRecord,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    Role,
    User,
)
from diversion.monitoring.queries import Period
from diversion.monitoring.report import build_report
from diversion.monitoring.summary import build_summary, forget_summary
from tests.conftest import signed_in_client

ROOT = Path(__file__).resolve().parent.parent
DATABASE = ROOT / "instance" / "bench" / "monitoring.sqlite"
CLIENTS = 100_000
APPOINTMENTS = 500_000
SEED = 1
ROUNDS = 5
LIVE_ROUNDS = 3
TARGET = {"median_ms": 500}
COMMISSIONER_EMAIL = "commissioner@generated.example.org"
# Two years of the partnership, to the generated list day.
PERIOD = Period(LIST_DAY - timedelta(days=729), LIST_DAY)
MONTH = Period(date(2025, 6, 1), date(2025, 6, 30))


def describe(app: Flask) -> dict[str, int]:
    with app.app_context():

        def count(model: Any) -> int:
            return db.session.scalar(select(func.count()).select_from(model)) or 0

        return {
            "clients": count(Client),
            "appointments": count(Appointment),
            "texts": count(OutboxMessage),
            "replies": count(InboundMessage),
            "monitoring_records": count(MonitoringRecord),
        }


def usable(found: dict[str, int]) -> bool:
    return (
        found["clients"] == CLIENTS
        and found["appointments"] == APPOINTMENTS
        and found["monitoring_records"] > CLIENTS // 2
        and found["texts"] > APPOINTMENTS // 2
    )


def cached_database(path: Path) -> bool:
    """Whether the database at `path` can be reused: migrated, with the expected counts."""
    if not path.exists():
        return False
    log(f"Reusing {path}: migrating it and checking its counts")
    try:
        flask_command(path, "db", "upgrade")
        app = bench_app(path)
        found = describe(app)
        app.extensions["diversion.db"][0].dispose()
    except Exception as error:  # a broken or half-built file: build it again
        log(f"  cannot reuse it ({type(error).__name__}: {error})")
        return False
    if not usable(found):
        log(f"  counts {found}: building it again")
        return False
    return True


def build_database(path: Path) -> float:
    """Build the data set with the project's commands; return how long it took (seconds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + "-journal")):
        stale.unlink(missing_ok=True)
    log(f"Building {path} (a few minutes)")
    started = clock.perf_counter()
    flask_command(path, "db", "upgrade")
    flask_command(
        path,
        "generate-data",
        "--clients",
        str(CLIENTS),
        "--appointments",
        str(APPOINTMENTS),
        "--seed",
        str(SEED),
    )
    return clock.perf_counter() - started


def commissioner(app: Flask) -> User:
    """The commissioner the page is opened as (added once: the generator makes none)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == COMMISSIONER_EMAIL))
        if user is None:
            organisation = db.session.scalar(
                select(Organisation).where(Organisation.kind == OrganisationKind.PROJECT)
            )
            assert organisation is not None
            user = User(
                email=COMMISSIONER_EMAIL,
                name="Generated Commissioner",
                password_hash=NO_PASSWORD,
                role=Role.COMMISSIONER,
                organisation_id=organisation.id,
            )
            db.session.add(user)
            db.session.commit()
        db.session.expunge(user)
        return user


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs (its first words)."""
    engine = app.extensions["diversion.db"][0]
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split()[:6]))

    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)


def timed(call: Callable[[], object], rounds: int) -> list[float]:
    """Milliseconds of each of `rounds` calls, after one warm-up call."""
    call()
    found = []
    for _ in range(rounds):
        started = clock.perf_counter()
        call()
        found.append((clock.perf_counter() - started) * 1000)
    return found


def measure(app: Flask) -> dict[str, Any]:
    logging.getLogger().setLevel(logging.WARNING)  # no INFO line per request on stderr

    def report(period: Period) -> Callable[[], object]:
        def run() -> object:
            with app.app_context():
                return build_report(scope=None, period=period)

        return run

    with app.app_context():
        forget_summary()
        db.session.commit()
    live_runs = timed(report(PERIOD), LIVE_ROUNDS)
    log(f"counted live: {', '.join(f'{ms:.0f}' for ms in live_runs)} ms")
    with app.app_context():
        started = clock.perf_counter()
        run = build_summary(now=datetime.now(UTC))
        summary_build_s = clock.perf_counter() - started
        summary_rows = run.rows
    log(f"summary counted in {summary_build_s:.1f} s: {summary_rows} rows")

    with counting_statements(app) as statements:
        built = report(PERIOD)()
    with counting_statements(app) as small:
        report(MONTH)()
    log(f"queries: {len(statements)} for two years, {len(small)} for one month")
    for sql in statements:
        log(f"  {sql}")
    referrals = built.tables["referrals-by-order"].lines[-1].counts[-1].text  # type: ignore[attr-defined]
    log(f"two years: {referrals} referrals; {built.effect.sentence}")  # type: ignore[attr-defined]

    runs = timed(report(PERIOD), ROUNDS)
    log(f"report: {', '.join(f'{ms:.0f}' for ms in runs)} ms")

    web = signed_in_client(app, commissioner(app))
    url = f"/monitoring/partnership?from={PERIOD.first.isoformat()}&to={PERIOD.last.isoformat()}"

    def page() -> None:
        response = web.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"

    page()
    with counting_statements(app) as page_statements:
        page()
    page_runs = timed(page, ROUNDS)
    log(f"page: {', '.join(f'{ms:.0f}' for ms in page_runs)} ms, {len(page_statements)} queries")

    def floor() -> None:
        with app.app_context():
            db.session.execute(
                select(Appointment.status, func.count()).group_by(Appointment.status)
            ).all()

    floor_runs = timed(floor, ROUNDS)
    return {
        "median_ms": round(statistics.median(runs), 1),
        "live_median_ms": round(statistics.median(live_runs), 1),
        "summary_build_s": round(summary_build_s, 2),
        "summary_rows": summary_rows,
        "runs_ms": [round(ms, 1) for ms in runs],
        "queries": len(statements),
        "queries_small": len(small),
        "page_median_ms": round(statistics.median(page_runs), 1),
        "page_queries": len(page_statements),
        "floor_median_ms": round(statistics.median(floor_runs), 1),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the data set again")
    parser.add_argument(
        "--build-only", action="store_true", help="build (or check) the data set and stop"
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    build_s = None
    if args.rebuild or not cached_database(DATABASE):
        build_s = build_database(DATABASE)
        log(f"built in {build_s:.0f} s")
    if args.build_only:
        return 0
    app = bench_app(DATABASE)
    sizes = describe(app)
    log(f"data set: {sizes}")
    result: dict[str, Any] = {"benchmark": "monitoring", **measure(app), **sizes}
    if build_s is not None:
        result["build_s"] = round(build_s, 1)
    result["target"] = TARGET
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
