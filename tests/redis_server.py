"""A private, throwaway Redis server for tests: `redis_server` (a fixture) or `start_redis`.

Each server listens on a free port on 127.0.0.1, keeps nothing on disk and lives in the
test's temporary directory; the fixture stops it at the end of the test, and a test may stop
it earlier (`server.stop()`) to see what happens when the store goes away. The binary is
/usr/bin/redis-server (scripts install it); without it the test fails rather than skips, so
that a missing server is never mistaken for a pass.

Use it from any test module with `pytest_plugins` (tests/conftest.py registers this one)
and ask for `redis_server`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REDIS_SERVER = "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class RedisServer:
    """One running redis-server: its URL, and a way to stop it."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_redis(directory: Path) -> RedisServer:
    """Start a redis-server in `directory` on a free port; wait until it answers PING."""
    if shutil.which(REDIS_SERVER) is None:
        pytest.fail(f"{REDIS_SERVER} is missing: install redis-server (the project's scripts do)")
    directory.mkdir(parents=True, exist_ok=True)
    for _ in range(5):  # another process may take the free port before the server does
        port = _free_port()
        process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = RedisServer(port=port, process=process)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(port):
                return server
            time.sleep(0.02)
        server.stop()
    pytest.fail("redis-server did not start")


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server for this test, stopped when the test ends."""
    server = start_redis(tmp_path / "redis")
    yield server
    server.stop()
