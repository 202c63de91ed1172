"""What the benchmarks in bench/ share: progress to stderr, the cached benchmark database, and
the project's own flask commands run on it (bench/*.py import this; it is not a benchmark)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from diversion.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


Target = Path | str
"""A benchmark's database: a SQLite file's path, or a PostgreSQL URL (`--database`)."""


def database_url(target: Target) -> str:
    return str(target) if "://" in str(target) else f"sqlite:///{target}"


def is_postgres(target: Target) -> bool:
    return database_url(target).startswith("postgresql")


def exists(target: Target) -> bool:
    """Whether the benchmark's database is there to reuse (a PostgreSQL one: it answers)."""
    if not is_postgres(target):
        return Path(target).exists()
    url = make_url(database_url(target))
    found = subprocess.run(  # noqa: S603 (PostgreSQL's own client, fixed arguments)
        ["psql", *_pg_args(url), "-tAc", "SELECT 1", url.database or ""],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return found.returncode == 0


def _pg_args(url: URL) -> list[str]:
    return ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or ""]


def fresh_database(target: Target) -> None:
    """Start the benchmark's database empty: a SQLite file removed, a PostgreSQL database
    dropped and made again."""
    if not is_postgres(target):
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in (path, path.with_name(path.name + "-journal")):
            stale.unlink(missing_ok=True)
        return
    url = make_url(database_url(target))
    name = url.database or ""
    for command in (["dropdb", "--if-exists", "--force"], ["createdb"]):
        subprocess.run([*command, *_pg_args(url), name], check=True)  # noqa: S603


def size_mb(target: Target) -> float:
    """How big the benchmark's database is, in MB."""
    if not is_postgres(target):
        return Path(target).stat().st_size / 1e6
    engine = create_engine(database_url(target))
    with engine.connect() as connection:
        size = connection.scalar(text("SELECT pg_database_size(current_database())"))
    engine.dispose()
    return int(size or 0) / 1e6


def flask_command(path: Target, *args: str) -> None:
    """One of the project's flask commands on the benchmark's database (output to stderr)."""
    env = {**os.environ, "DATABASE_URL": database_url(path)}
    subprocess.run(  # noqa: S603 (the project's own flask commands, fixed arguments)
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        stdout=sys.stderr,
        check=True,
    )


def bench_app(path: Target) -> Flask:
    return create_app({"DATABASE_URL": database_url(path), "RATELIMIT_ENABLED": False})
