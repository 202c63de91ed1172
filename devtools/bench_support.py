"""What the benchmarks in bench/ share: progress to stderr, the cached benchmark database, and
the project's own flask commands run on it (bench/*.py import this; it is not a benchmark)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask

from diversion.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def database_url(path: Path) -> str:
    return f"sqlite:///{path}"


def flask_command(path: Path, *args: str) -> None:
    """One of the project's flask commands on the benchmark's database (output to stderr)."""
    env = {**os.environ, "DATABASE_URL": database_url(path)}
    subprocess.run(  # noqa: S603 (the project's own flask commands, fixed arguments)
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        stdout=sys.stderr,
        check=True,
    )


def bench_app(path: Path) -> Flask:
    return create_app({"DATABASE_URL": database_url(path), "RATELIMIT_ENABLED": False})
