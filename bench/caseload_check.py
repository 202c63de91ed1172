"""Benchmark the caseload check (issue 15): fuzzy name, other names and date of birth, across
every organisation, over 100,000 clients, with the project's labelled variants.

Run from the repository root: ``.venv/bin/python bench/caseload_check.py``. Progress goes to
stderr; the last line on stdout is one JSON object (docs/performance.md):

- ``median_ms`` and ``p95_ms``: one check, as the search page, Add a client and Open a case
  run it: the candidates from the indexed keys and dates of birth
  (``diversion.partnership.queries.candidates``) and their ranking (``matching.rank``), for
  each of the labelled variants in turn (tests/diversion/partnership/caseload_variants.py),
  each in a fresh session; the median of 5 rounds' medians after a warm-up round, and the
  95th percentile of every call of those rounds. The audit row the pages add is not timed.
- ``recall_top10``: the share of variants whose woman is among the first ten;
  ``top1_precision``: the share whose woman comes first.
- ``floor_median_ms``: one indexed read of the same database (clients born on one day), in a
  fresh session, measured in the same run: what any read costs on this machine now.
- more: ``candidates_median`` (how many women a check scores), ``variants``, ``clients``,
  ``name_keys``, and ``build_s`` when the database was built by this run.

The database is SQLite, at ``instance/bench/caseload_check.sqlite`` (ignored by git), built
by the project's own commands: ``flask --app wsgi db upgrade`` then ``flask --app wsgi
generate-data --clients 100000 --appointments 100000 --list-cases 2 --seed 1``
(devtools/generate.py: three in ten clients have another name), then the labelled women are
added through the application's models, half to each project, so that their keys are written
as the application writes them. Later runs migrate it and reuse it when its counts hold;
``--rebuild`` builds it again.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time as clock
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import func, select

from devtools.bench_support import bench_app, flask_command, log
from diversion.db import db
from diversion.models import Client, ClientAlias, ClientNameKey, Organisation, OrganisationKind
from diversion.partnership import matching, queries
from tests.diversion.partnership.caseload_variants import VARIANTS, WOMEN

ROOT = Path(__file__).resolve().parent.parent
DATABASE = ROOT / "instance" / "bench" / "caseload_check.sqlite"
CLIENTS = 100_000
APPOINTMENTS = 100_000
SEED = 1
ROUNDS = 5
TARGET = {"median_ms": "<= 20", "p95_ms": "<= 50", "recall_top10": ">= 0.95"}


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            "clients": db.session.scalar(select(func.count()).select_from(Client)) or 0,
            "aliases": db.session.scalar(select(func.count()).select_from(ClientAlias)) or 0,
            "name_keys": db.session.scalar(select(func.count()).select_from(ClientNameKey)) or 0,
        }


def build_database(path: Path) -> float:
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
        "--list-cases",
        "2",
        "--seed",
        str(SEED),
    )
    return clock.perf_counter() - started


def plant_women(app: Flask) -> dict[int, int]:
    """The labelled women, half in each project (added once); client id to woman."""
    with app.app_context():
        projects = list(
            db.session.scalars(
                select(Organisation)
                .where(Organisation.kind.in_((OrganisationKind.PROJECT, OrganisationKind.CJIT)))
                .order_by(Organisation.id)
            )
        )
        found: dict[int, int] = {}
        for woman in WOMEN:
            existing = db.session.scalar(
                select(Client.id).where(
                    Client.first_name == woman.first_name,
                    Client.last_name == woman.last_name,
                    Client.date_of_birth == woman.date_of_birth,
                )
            )
            if existing is None:
                client = Client(
                    organisation_id=projects[woman.key % len(projects)].id,
                    first_name=woman.first_name,
                    last_name=woman.last_name,
                    date_of_birth=woman.date_of_birth,
                    aliases=[ClientAlias(name=alias) for alias in woman.aliases],
                )
                db.session.add(client)
                db.session.flush()
                existing = client.id
            found[existing] = woman.key
        db.session.commit()
        return found


def timed(call: Callable[[], object]) -> float:
    started = clock.perf_counter()
    call()
    return (clock.perf_counter() - started) * 1000


def one_check(query: matching.Query) -> tuple[list[matching.Match], int]:
    """The check as the pages run it (without its audit row), in a fresh session."""
    db.session.close()
    people = [c.person for c in queries.candidates(query)]
    return matching.rank(query, people, limit=10), len(people)


def floor_read(born: date) -> None:
    db.session.close()
    list(db.session.scalars(select(Client.id).where(Client.date_of_birth == born)))


def measure(app: Flask, woman_of: dict[int, int]) -> dict[str, object]:
    queries_of = [
        (v, matching.Query.from_names(v.first_name, v.last_name, v.date_of_birth)) for v in VARIANTS
    ]
    with app.app_context():
        found = top1 = 0
        sizes: list[int] = []
        for variant, query in queries_of:  # the warm-up round, which also scores recall
            ranked, size = one_check(query)
            sizes.append(size)
            refs = [woman_of.get(m.ref) for m in ranked]
            found += variant.woman in refs
            top1 += bool(refs) and refs[0] == variant.woman
        log(f"warm-up done: recall {found / len(VARIANTS):.3f}")
        rounds: list[float] = []
        every: list[float] = []
        floors: list[float] = []
        for number in range(1, ROUNDS + 1):
            times = [timed(lambda q=query: one_check(q)) for _, query in queries_of]
            floors += [timed(lambda w=w: floor_read(w.date_of_birth)) for w in WOMEN]
            rounds.append(statistics.median(times))
            every += times
            log(f"round {number} of {ROUNDS}: median {rounds[-1]:.2f} ms")
        db.session.close()
    every.sort()
    return {
        "median_ms": round(statistics.median(rounds), 2),
        "p95_ms": round(every[int(0.95 * (len(every) - 1))], 2),
        "recall_top10": round(found / len(VARIANTS), 4),
        "top1_precision": round(top1 / len(VARIANTS), 4),
        "floor_median_ms": round(statistics.median(floors), 3),
        "candidates_median": statistics.median(sizes),
        "variants": len(VARIANTS),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    args = parser.parse_args()
    build_s = None
    if args.rebuild or not DATABASE.exists():
        build_s = build_database(DATABASE)
    else:
        log(f"Reusing {DATABASE}: migrating it")
        flask_command(DATABASE, "db", "upgrade")
    app = bench_app(DATABASE)
    sizes = counts(app)
    if sizes["clients"] < CLIENTS:
        build_s = build_database(DATABASE)
        app = bench_app(DATABASE)
    woman_of = plant_women(app)
    sizes = counts(app)
    log(
        f"{sizes['clients']:,} clients, {sizes['aliases']:,} other names, "
        f"{sizes['name_keys']:,} keys; {len(VARIANTS)} variants of {len(WOMEN)} women"
    )
    figures = measure(app, woman_of)
    result = {**figures, **sizes, "target": TARGET}
    if build_s is not None:
        result["build_s"] = round(build_s, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
