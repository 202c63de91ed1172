"""Benchmark the sitting-day list: 200 cases on 100,000 clients and 500,000 appointments.

Run from the repository root: ``.venv/bin/python bench/court_list.py``. Progress goes to
stderr; the last line on stdout is one JSON object (docs/performance.md):

- ``median_ms``: the list page, ``GET /court/<id>/list?date=...``, for the long list (100
  first appearances, 100 returning from extended bail) as a signed-in court liaison officer,
  through the Flask test client: the whole request, from the session look-up and the court
  check through the queries and the audit row (written and committed) to the page;
- ``floor_median_ms``: the same template rendered with the same data already in memory: the
  context the page rendered with (caught with Flask's ``template_rendered`` signal) given to
  ``render_template`` again in a request context, and checked to give the same HTML;
- ``ratio``: median_ms / floor_median_ms (target at most 3);
- ``queries``: SQL statements the page sends for the long list, and ``queries_small`` for
  the list a week later (20 cases): the same number, whatever the list's length;
- more: ``list_query_median_ms`` (``sitting_day_list`` alone, each call in a fresh session),
  ``statements`` (what the queries are), the page's size, the data set's sizes, and
  ``build_s`` when the database was built by this run.

The database is SQLite, at ``instance/bench/court_list.sqlite`` (ignored by git), built by the
project's own commands: ``flask --app wsgi db upgrade`` then ``flask --app wsgi generate-data
--clients 100000 --appointments 500000 --seed 1`` (devtools/generate.py), which takes about
a minute and a half on the 2-core development machine. Later runs migrate it (a no-op
unless a migration was added) and reuse it when it still has the expected counts and lists;
``--rebuild`` builds it again. Medians are over 7 runs after a warm-up, each run as many
calls as fit in about half a second.

``--profile`` (or a ratio above the target) runs cProfile over 20 pages and prints the top
functions to stderr, with ``profile_top`` (ms per page, own time) in the JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import pstats
import statistics
import sys
import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, g, render_template, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from devtools.bench_support import (
    Target,
    bench_app,
    exists,
    flask_command,
    fresh_database,
    is_postgres,
    log,
    size_mb,
)
from devtools.bulk import COURT_NAME, LIAISON_EMAIL, LIST_CASES, LIST_DAY, SMALL_LIST_SHARE
from diversion import clock as app_clock
from diversion.court.queries import sitting_day_list
from diversion.db import db
from diversion.models import Appointment, Client, Court, User
from tests.conftest import signed_in_client

ROOT = Path(__file__).resolve().parent.parent
DATABASE = ROOT / "instance" / "bench" / "court_list.sqlite"
CLIENTS = 100_000
APPOINTMENTS = 500_000
SEED = 1
SMALL_DAY = LIST_DAY + timedelta(days=7)
SMALL_CASES = max(2, LIST_CASES // SMALL_LIST_SHARE)
TEMPLATE = "court/list.html"
TARGET = {"ratio": "<= 3", "queries": "constant"}
RATIO_TARGET = 3.0


def median_ms(call: Callable[[], object], *, repeats: int = 7, budget_s: float = 0.5) -> float:
    """Median over `repeats` runs of the mean time per call, after a warm-up.

    Each run makes as many calls as fit in about `budget_s` (at least one).
    """
    started = clock.perf_counter()
    call()  # warm-up, and a first guess at the time per call
    once = clock.perf_counter() - started
    number = max(1, int(budget_s / max(once, 1e-6)))
    for _ in range(max(1, number // 5)):
        call()
    runs = []
    for _ in range(repeats):
        started = clock.perf_counter()
        for _ in range(number):
            call()
        runs.append((clock.perf_counter() - started) / number * 1000)
    return statistics.median(runs)


# -- the data set ----------------------------------------------------------------------------


def describe(app: Flask) -> dict[str, int]:
    """The counts the cache is checked against: clients, appointments and both lists."""
    with app.app_context():
        court = court_of(app)
        liaison = liaison_of(app)
        today = app_clock.today()
        out = {
            "clients": db.session.scalar(select(func.count()).select_from(Client)) or 0,
            "appointments": db.session.scalar(select(func.count()).select_from(Appointment)) or 0,
        }
        for key, day in (("cases", LIST_DAY), ("small_cases", SMALL_DAY)):
            listing = sitting_day_list(court, day, user=liaison, today=today)
            out[key] = len(listing.first_appearances) + len(listing.returning)
        return out


def court_of(app: Flask) -> Court:
    with app.app_context():
        court = db.session.scalar(select(Court).where(Court.name == COURT_NAME))
        assert court is not None, "no court in the benchmark database"
        return court


def liaison_of(app: Flask) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == LIAISON_EMAIL))
        assert user is not None, "no court liaison account in the benchmark database"
        return user


def expected(clients: int, appointments: int) -> dict[str, int]:
    return {
        "clients": clients,
        "appointments": appointments,
        "cases": LIST_CASES,
        "small_cases": SMALL_CASES,
    }


def cached_database(path: Target, wanted: dict[str, int]) -> bool:
    """Whether the database at `path` can be reused: migrated, with the expected counts."""
    if not exists(path):
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
    if found != wanted:
        log(f"  counts {found}, expected {wanted}: building it again")
        return False
    return True


def build_database(path: Target, clients: int, appointments: int) -> float:
    """Build the data set with the project's commands; return how long it took (seconds)."""
    fresh_database(path)
    log(f"Building {path} (a few minutes)")
    started = clock.perf_counter()
    flask_command(path, "db", "upgrade")
    flask_command(
        path,
        "generate-data",
        "--clients",
        str(clients),
        "--appointments",
        str(appointments),
        "--list-cases",
        str(LIST_CASES),
        "--list-day",
        LIST_DAY.isoformat(),
        "--seed",
        str(SEED),
    )
    return clock.perf_counter() - started


# -- measuring -------------------------------------------------------------------------------


def list_url(court: Court, day: date) -> str:
    return f"/court/{court.id}/list?date={day.isoformat()}"


def get_page(web: FlaskClient, url: str) -> str:
    response = web.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.get_data(as_text=True)


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs (its first words)."""
    engine = app.extensions["diversion.db"][0]
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split()[:4]))

    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)


def page_context(app: Flask, web: FlaskClient, url: str) -> tuple[str, dict[str, Any]]:
    """The page, and the context its template was rendered with."""
    caught: list[dict[str, Any]] = []

    def rendered(_app: Flask, template: Any, context: dict[str, Any], **_extra: Any) -> None:
        if template.name == TEMPLATE:
            caught.append(dict(context))

    with template_rendered.connected_to(rendered, app):
        html = get_page(web, url)
    assert len(caught) == 1, f"{TEMPLATE} rendered {len(caught)} times"
    return html, caught[0]


def floor_call(app: Flask, url: str, context: dict[str, Any]) -> tuple[Callable[[], str], Any]:
    """render_template of the list with the page's own data, in a request context like the
    page's; returns the call and the request context (to close once timed)."""
    request_context = app.test_request_context(url)
    request_context.push()
    g.user = context["current_user"]
    g.csp_nonce = context["cspNonce"]
    from_processors: dict[str, Any] = {}
    app.update_template_context(from_processors)
    own = {key: value for key, value in context.items() if key not in from_processors}
    return (lambda: render_template(TEMPLATE, **own)), request_context


def profile_pages(web: FlaskClient, url: str, pages: int = 20) -> list[list[Any]]:
    """cProfile over `pages` requests: the top functions to stderr, and the first few by own
    time as [function, ms per page]."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(pages):
        get_page(web, url)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)
    log(out.getvalue())
    rows = sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda item: item[1][2],
        reverse=True,
    )
    return [
        [f"{Path(file).name}:{line}({name})", round(own / pages * 1000, 2)]
        for (file, line, name), (_cc, _nc, own, _cum, _callers) in rows[:10]
    ]


def measure(path: Target, *, profile: bool) -> dict[str, Any]:
    app = bench_app(path)
    logging.getLogger().setLevel(logging.WARNING)  # no INFO line per request on stderr
    court = court_of(app)
    liaison = liaison_of(app)
    web = signed_in_client(app, liaison)
    url, small_url = list_url(court, LIST_DAY), list_url(court, SMALL_DAY)

    html, context = page_context(app, web, url)
    assert f"First appearances ({LIST_CASES // 2})" in html, "the long list is not on the page"
    log(f"{url}: {len(html):,} characters")

    # Queries: right after a warm-up of each, so both are counted alike.
    get_page(web, url)
    with counting_statements(app) as statements:
        get_page(web, url)
    get_page(web, small_url)
    with counting_statements(app) as small_statements:
        get_page(web, small_url)
    log(f"queries: {len(statements)} for {LIST_CASES} cases, {len(small_statements)} for 20")
    for sql in statements:
        log(f"  {sql}")

    page_ms = median_ms(lambda: get_page(web, url))
    log(f"page: median {page_ms:.1f} ms")

    render, request_context = floor_call(app, url, context)
    try:
        assert render() == html, "the floor does not render the page's HTML"
        floor_ms = median_ms(render)
    finally:
        request_context.pop()
    log(f"floor (render_template, data in memory): median {floor_ms:.1f} ms")

    today = app_clock.today()

    def list_alone() -> None:
        with app.app_context():
            sitting_day_list(court, LIST_DAY, user=liaison, today=today)

    query_ms = median_ms(list_alone)
    log(f"sitting_day_list alone: median {query_ms:.1f} ms")

    ratio = page_ms / floor_ms
    result: dict[str, Any] = {
        "median_ms": round(page_ms, 2),
        "floor_median_ms": round(floor_ms, 2),
        "ratio": round(ratio, 2),
        "queries": len(statements),
        "queries_small": len(small_statements),
        "queries_constant": len(statements) == len(small_statements),
        "list_query_median_ms": round(query_ms, 2),
        "statements": statements,
        "page_characters": len(html),
    }
    if profile or ratio > RATIO_TARGET:
        log(f"ratio {ratio:.2f} (target {TARGET['ratio']}): profiling 20 pages")
        result["profile_top"] = profile_pages(web, url)
    app.extensions["diversion.db"][0].dispose()
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--profile", action="store_true", help="profile the page too")
    parser.add_argument(
        "--clients", type=int, default=CLIENTS, help="a smaller data set, for a quick look"
    )
    parser.add_argument("--appointments", type=int, default=APPOINTMENTS)
    parser.add_argument(
        "--database",
        default=str(DATABASE),
        help="where the SQLite file is kept, or a PostgreSQL URL (its database is rebuilt)",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    path: Target = args.database if is_postgres(args.database) else Path(args.database).resolve()
    wanted = expected(args.clients, args.appointments)
    build_s = None
    if args.rebuild or not cached_database(path, wanted):
        build_s = build_database(path, args.clients, args.appointments)
        log(f"built in {build_s:.0f} s")
        app = bench_app(path)
        found = describe(app)
        app.extensions["diversion.db"][0].dispose()
        if found != wanted:
            log(f"the new database has {found}, not {wanted}")
            return 1
    result = measure(path, profile=args.profile)
    if not result["queries_constant"]:
        log("the page's query count grows with the list")
    print(
        json.dumps(
            {
                **result,
                "cases": LIST_CASES,
                "small_cases": SMALL_CASES,
                "clients": args.clients,
                "appointments": args.appointments,
                "database": "postgresql" if is_postgres(path) else "sqlite",
                "database_mb": round(size_mb(path)),
                "build_s": round(build_s) if build_s is not None else None,
                "target": TARGET,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
