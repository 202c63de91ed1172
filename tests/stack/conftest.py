"""The production shape, started by scripts/stack.sh with ports and a folder of its own.

nginx terminates TLS and forwards to gunicorn (2 workers) on PostgreSQL, with Redis holding the
sign-in counts, the scheduler in its own process and mail going to a local aiosmtpd over
STARTTLS. The tests talk to it over HTTPS only, as a partnership's users would; they seed their
people and places through an app object built with the stack's own settings and keys.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext

from diversion.app import create_app
from tests.browser.conftest import browser, page, playwright  # noqa: F401  (shared fixtures)
from tests.factories import Factory

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "scripts" / "stack.sh"
# Settings of the stack's env file that the seeding app needs too.
SEEDING_KEYS = ("DATABASE_URL", "SECRET_KEY", "ENCRYPTION_KEYS", "LOOKUP_HASH_KEY")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """A running stack: its HTTPS address, folder, settings and the commands to drive it."""

    url: str
    folder: Path
    env: dict[str, str]
    script_env: dict[str, str]
    app: Flask
    make: Factory
    ports: dict[str, int] = field(default_factory=dict)

    def at(self, path: str) -> str:
        return self.url + path

    @property
    def ca(self) -> Path:
        return self.folder / "tls" / "ca.crt"

    @property
    def maildir(self) -> Path:
        return self.folder / "maildir"

    def log(self, name: str) -> str:
        path = self.folder / "logs" / name
        return path.read_text(errors="replace") if path.exists() else ""

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(STACK), *args],
            cwd=ROOT,
            env=self.script_env,
            capture_output=True,
            text=True,
            timeout=300,
            check=check,
        )

    def flask(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A `flask --app wsgi` command with the stack's production settings."""
        env = {**os.environ, **self.env}
        return subprocess.run(
            [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("stack")
    ports = {
        "https": free_port(),
        "app": free_port(),
        "redis": free_port(),
        "smtp": free_port(),
    }
    database = f"diversion_stack_{secrets.token_hex(4)}"
    script_env = {
        **os.environ,
        "STACK_DIR": str(folder),
        "STACK_HTTPS_PORT": str(ports["https"]),
        "STACK_APP_PORT": str(ports["app"]),
        "STACK_REDIS_PORT": str(ports["redis"]),
        "STACK_SMTP_PORT": str(ports["smtp"]),
        "STACK_DB": database,
    }
    started = subprocess.run(
        ["bash", str(STACK), "up"],
        cwd=ROOT,
        env=script_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        if started.returncode != 0:
            logs = "\n".join(
                f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                for path in sorted((folder / "logs").glob("*.log"))
            )
            pytest.fail(
                f"scripts/stack.sh up failed:\n{started.stdout}\n{started.stderr}\n{logs}",
                pytrace=False,
            )
        env = read_env(folder / "env")
        app = create_app({"DIVERSION_ENV": "production", **{key: env[key] for key in SEEDING_KEYS}})
        make = Factory(app)
        yield Stack(
            url=f"https://127.0.0.1:{ports['https']}",
            folder=folder,
            env=env,
            script_env=script_env,
            app=app,
            make=make,
            ports=ports,
        )
        make.session.close()
        app.extensions["diversion.db"][0].dispose()
    finally:
        subprocess.run(
            ["bash", str(STACK), "drop"],
            cwd=ROOT,
            env=script_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:  # noqa: F811  (shared fixture)
    """A fresh profile that accepts the stack's throw-away certificate (still real TLS)."""
    ctx = browser.new_context(locale="en-GB", timezone_id="Europe/London", ignore_https_errors=True)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()
