"""Sign-in throttling that cannot lock people out (security.md 7 and 28).

Only failures count. Staff behind one address sign in as often as they like; a stranger's
failures at a worker's account never stop her signing in where she usually does; one
address spraying passwords across accounts is refused, then recovers; and the delay at an
account grows and stops at its cap. Each runs on the in-memory store and on a real Redis
(tests/redis_server.py), through the real sign-in pages, with the clock moved by
time_machine where the delays matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from diversion.accounts.services import TOKEN_KEY
from diversion.accounts.throttle import delay_after
from diversion.models import AuditEvent, User
from tests.conftest import make_app, two_factor_code
from tests.diversion.accounts.test_auth import CODE_FAILURE, FAILURE, error_summary
from tests.factories import PASSWORD, Factory

STARTED_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
WRONG = "not the password at all"


@pytest.fixture(params=["memory", "redis"])
def throttled(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app with throttling on, its counts in memory or in a private Redis."""
    uri = "memory://"
    if request.param == "redis":
        uri = request.getfixturevalue("redis_server").url
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=uri)
    yield app
    app.extensions["diversion.db"][0].dispose()


@pytest.fixture
def make(throttled: Flask) -> Iterator[Factory]:
    factory = Factory(throttled)
    yield factory
    factory.session.close()


def password_step(web: FlaskClient, email: str, password: str, address: str):
    return web.post(
        "/sign-in",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def code_step(web: FlaskClient, code: str, address: str):
    return web.post("/sign-in/code", data={"code": code}, environ_base={"REMOTE_ADDR": address})


def has_session(web: FlaskClient) -> bool:
    with web.session_transaction() as session:
        return TOKEN_KEY in session


def refused(response, web: FlaskClient) -> bool:
    """Answered as a wrong password is, and no session started."""
    return (
        response.status_code == 200
        and error_summary(response) == [FAILURE]
        and not has_session(web)
    )


def signs_in(app: Flask, user: User, address: str) -> bool:
    """Both factors, from `address`, in a fresh browser; True when she reaches her home page."""
    web = app.test_client()
    first = password_step(web, user.email, PASSWORD, address)
    if first.status_code != 302 or not first.headers["Location"].startswith("/sign-in/code"):
        return False
    second = code_step(web, two_factor_code(app, user), address)
    if second.status_code != 302:
        return False
    return web.get("/home", environ_base={"REMOTE_ADDR": address}).status_code == 200


def audited(make: Factory, detail: str) -> int:
    make.session.expire_all()
    count = make.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.detail == detail)
    )
    return count or 0


def test_the_delay_starts_after_the_free_failures_doubles_and_stops_at_its_cap() -> None:
    delays = [delay_after(n, free=5, first=2, cap=60) for n in range(13)]

    assert delays == [0, 0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60]
    assert delay_after(10_000, free=5, first=2, cap=60) == 60


def test_ten_staff_behind_one_address_all_sign_in_again_and_again(
    throttled: Flask, make: Factory
) -> None:
    staff = [make.user() for _ in range(10)]
    gateway = "192.0.2.80"
    with time_machine.travel(STARTED_AT, tick=False) as clock:
        for _ in range(3):
            # Sixty successful steps within a minute: more than the address allows failures.
            for user in staff:
                assert signs_in(throttled, user, gateway), user.id
            clock.shift(timedelta(seconds=30))  # a new code for each of them
    assert audited(make, "too many attempts") == 0


def test_a_strangers_failures_never_stop_her_signing_in_where_she_usually_does(
    throttled: Flask, make: Factory
) -> None:
    worker = make.user()
    her_office = "192.0.2.10"
    with time_machine.travel(STARTED_AT, tick=False) as clock:
        assert signs_in(throttled, worker, her_office)  # her office becomes a known address
        clock.shift(timedelta(hours=2))

        # A stranger tries her account once a second for two and a half minutes, from fifty
        # addresses.
        stranger = throttled.test_client()
        for n in range(150):
            password_step(stranger, worker.email, f"guess {n}", f"203.0.113.{n % 50}")
            clock.shift(timedelta(seconds=1))
        # The growing delay let few of those tries be checked at all.
        assert audited(make, "wrong password") <= 11
        assert audited(make, "too many attempts") >= 139

        # Just after the stranger's latest failure, a new address has to wait...
        password_step(stranger, worker.email, "one more guess", "203.0.113.99")
        elsewhere = throttled.test_client()
        assert refused(password_step(elsewhere, worker.email, PASSWORD, "198.51.100.5"), elsewhere)
        # ...but at her office she signs in at once, password and code.
        assert signs_in(throttled, worker, her_office)


def test_an_address_spraying_passwords_across_accounts_is_refused_then_recovers(
    throttled: Flask, make: Factory
) -> None:
    assert (
        throttled.config["SIGN_IN_ADDRESS_FAILURES"] == "20 per minute; 100 per hour; 300 per day"
    )
    throttled.config["SIGN_IN_ADDRESS_FAILURES"] = "10 per minute; 30 per hour"  # quicker
    staff = [make.user() for _ in range(5)]
    worker = staff[0]
    sprayer = "198.51.100.66"
    web = throttled.test_client()
    with time_machine.travel(STARTED_AT, tick=False) as clock:
        # Ten accounts, one common password each: the per-minute allowance.
        targets = [u.email for u in staff] + [f"nobody{n}@example.test" for n in range(5)]
        for email in targets:
            assert refused(password_step(web, email, "Summer2026!", sprayer), web)
        assert audited(make, "too many attempts") == 0

        # The next try from that address is refused, even with a right password...
        assert refused(password_step(web, worker.email, PASSWORD, sprayer), web)
        assert audited(make, "too many attempts") == 1
        # ...while another address is not held back.
        assert signs_in(throttled, staff[1], "192.0.2.44")

        # A minute on, the address may try again; two more minutes of spraying use up the
        # hour's allowance, and it is refused although each minute's is not used up.
        clock.shift(timedelta(minutes=1, seconds=1))
        for minute in range(2):
            for n in range(10):
                email = f"nobody{minute}x{n}@example.test"
                assert refused(password_step(web, email, "Winter2026!", sprayer), web)
            clock.shift(timedelta(minutes=1, seconds=1))
        assert refused(password_step(web, worker.email, PASSWORD, sprayer), web)
        assert audited(make, "too many attempts") == 2

        # An hour after the first of them, the address recovers.
        clock.shift(timedelta(hours=1))
        assert signs_in(throttled, worker, sprayer)


def test_the_delay_at_one_account_grows_is_capped_and_then_her_password_works(
    throttled: Flask, make: Factory
) -> None:
    config = throttled.config
    free, first, cap = (
        config["SIGN_IN_ACCOUNT_FREE_FAILURES"],
        config["SIGN_IN_ACCOUNT_FIRST_DELAY"],
        config["SIGN_IN_ACCOUNT_DELAY_CAP"],
    )
    assert (free, first, cap) == (5, 2, 60)
    worker = make.user()
    addresses = (f"203.0.113.{n}" for n in range(1, 200))  # each new: only the account holds
    web = throttled.test_client()
    with time_machine.travel(STARTED_AT, tick=False) as clock:
        for _ in range(free):
            assert refused(password_step(web, worker.email, WRONG, next(addresses)), web)
        assert audited(make, "too many attempts") == 0

        expected = [2, 4, 8, 16, 32, 60, 60, 60]
        for n, delay in enumerate(expected, start=1):
            # Just before the delay is over even her right password is refused...
            clock.shift(timedelta(seconds=delay - 0.5))
            assert refused(password_step(web, worker.email, PASSWORD, next(addresses)), web)
            assert audited(make, "too many attempts") == n
            # ...and just after it a try is checked (and this one fails, so the delay grows).
            clock.shift(timedelta(seconds=1))
            assert refused(password_step(web, worker.email, WRONG, next(addresses)), web)
            assert audited(make, "wrong password") == free + n

        # Once the capped delay has passed, her right password works from a new address.
        clock.shift(timedelta(seconds=cap + 1))
        assert signs_in(throttled, worker, next(addresses))


def test_wrong_codes_have_their_own_delay_which_a_strangers_passwords_do_not_touch(
    throttled: Flask, make: Factory
) -> None:
    worker = make.user()
    with time_machine.travel(STARTED_AT, tick=False) as clock:
        stranger = throttled.test_client()
        for n in range(8):
            password_step(stranger, worker.email, f"guess {n}", f"203.0.113.{n}")
        # The password delay is on; once it passes she gets in, code and all, at once.
        clock.shift(timedelta(seconds=61))
        assert signs_in(throttled, worker, "198.51.100.7")

        # Wrong codes from a half-signed-in session are held by their own delay.
        clock.shift(timedelta(minutes=5))
        other = throttled.test_client()
        assert password_step(other, worker.email, PASSWORD, "198.51.100.8").status_code == 302
        for code in ("000000", "111111", "222222", "333333", "444444"):
            assert error_summary(code_step(other, code, "198.51.100.8")) == [CODE_FAILURE]
        assert audited(make, "wrong code") == 5
        right = code_step(other, two_factor_code(throttled, worker), "198.51.100.8")
        assert error_summary(right) == [CODE_FAILURE]
        clock.shift(timedelta(seconds=3))
        assert (
            code_step(other, two_factor_code(throttled, worker), "198.51.100.8").status_code == 302
        )
