"""Sign-in throttling on a real Redis (tests/redis_server.py): what it keeps, and what
happens when it goes away.

The keys hold keyed hashes only: no email address and no network address, whole or in part.
When Redis stops, sign-in goes on without throttling: the right password and code still
get her in (never a 500), a wrong password still gets the one generic message, and one line
without personal data says so in the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import time_machine
from flask import Flask

from tests.conftest import make_app
from tests.diversion.accounts.test_throttle import (
    WRONG,
    code_step,
    password_step,
    refused,
    signs_in,
)
from tests.factories import PASSWORD, Factory
from tests.redis_server import RedisServer

STARTED_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
HER_ADDRESS = "192.0.2.123"
STRANGER = "203.0.113.77"
IPV6 = "2001:db8:1234:5678::42"


@pytest.fixture
def on_redis(tmp_path: Path, redis_server: RedisServer) -> Iterator[Flask]:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_server.url)
    yield app
    app.extensions["diversion.db"][0].dispose()


def test_the_keys_in_redis_hold_no_email_or_network_address(
    on_redis: Flask, redis_server: RedisServer
) -> None:
    make = Factory(on_redis)
    worker = make.user(email="Wendy.Keysworth@example.test")
    web = on_redis.test_client()
    with time_machine.travel(STARTED_AT, tick=False) as clock:
        assert signs_in(on_redis, worker, HER_ADDRESS)
        for n in range(7):
            password_step(web, worker.email, f"guess {n}", STRANGER)
            password_step(web, f"nobody{n}@example.test", WRONG, IPV6)
        clock.shift(timedelta(seconds=30))
        half = on_redis.test_client()
        assert password_step(half, worker.email, PASSWORD, HER_ADDRESS).status_code == 302
        code_step(half, "000000", HER_ADDRESS)
    make.session.close()

    store = redis.Redis.from_url(redis_server.url)
    keys = [key.decode() for key in store.scan_iter("*")]
    # Every kind of count is there: per account (passwords, codes), address, pair, known.
    for kind in ("/account/password/", "/account/code/", "/address/", "/pair/", "/known/"):
        assert any(kind in key for key in keys), (kind, keys)
    stored = list(keys)
    for key in keys:
        kind = store.type(key).decode()
        if kind == "list":
            stored += [v.decode() for v in store.lrange(key, 0, -1)]
        elif kind == "string":
            stored.append(store.get(key).decode())
    text = "\n".join(stored).lower()
    for clear in (
        "wendy",
        "keysworth",
        "example.test",
        "nobody",
        "@",
        "192.0.2",
        "203.0.113",
        "2001:db8",
    ):
        assert clear not in text, clear


def test_sign_in_goes_on_when_redis_stops(
    on_redis: Flask, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    make = Factory(on_redis)
    worker = make.user(email="wendy.storedown@example.test")
    with time_machine.travel(STARTED_AT, tick=False) as clock:
        # Throttling works while Redis is up: a wrong password is counted there.
        web = on_redis.test_client()
        assert refused(password_step(web, worker.email, WRONG, STRANGER), web)
        store = redis.Redis.from_url(redis_server.url)
        assert any(b"/pair/" in key for key in store.scan_iter("*"))

        redis_server.stop()
        clock.shift(timedelta(seconds=30))
        with caplog.at_level(logging.WARNING, logger="diversion.accounts.throttle"):
            began = time.monotonic()
            assert signs_in(on_redis, worker, HER_ADDRESS)
            wrong = on_redis.test_client()
            response = password_step(wrong, worker.email, WRONG, STRANGER)
            took = time.monotonic() - began
        assert refused(response, wrong)

    # A store that is down costs little: no long retries inside a request.
    assert took < 10
    lines = [r.getMessage() for r in caplog.records if r.name == "diversion.accounts.throttle"]
    # One line per request that met the store down (password, code, wrong password).
    assert len(lines) == 3, lines
    for line in lines:
        assert line.startswith("sign-in throttling store unavailable")
        for clear in ("wendy", "example.test", HER_ADDRESS, STRANGER, "127.0.0.1"):
            assert clear not in line
    make.session.close()
