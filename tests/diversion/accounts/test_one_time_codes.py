"""A code is accepted once, even when two requests bring it at the same moment (issue 12).

The app runs on a real server in a thread; two HTTP clients, each half signed in by her
password, send the same code together. Left to timing, the second request would usually
read after the first had written, and the race would pass unseen. So each request is held,
just after it has read what decides the code (her last accepted step, or her unused
recovery codes), until the other has read it too: both have read before either writes,
every run. The hold is a SQLAlchemy engine event; none of our own code is replaced.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest
import requests
from flask import Flask
from sqlalchemy import event, func, select
from werkzeug.serving import make_server

from diversion.accounts import two_factor
from diversion.models import AuditEvent, RecoveryCode, User, UserSession
from tests.conftest import World, set_up_link
from tests.factories import PASSWORD, Factory

WAIT = 20  # seconds: generous, so a slow PostgreSQL run never breaks the barrier


@dataclass
class Server:
    app: Flask
    url: str

    def half_signed_in(self, user: User) -> requests.Session:
        """A browser that has given her password: its session waits for the code."""
        browser = requests.Session()
        response = browser.post(
            self.url + "/sign-in",
            data={"email": user.email, "password": PASSWORD},
            allow_redirects=False,
            timeout=WAIT,
        )
        assert response.status_code == 302, response.status_code
        assert response.headers["Location"].startswith("/sign-in/code")
        return browser


@pytest.fixture
def server(app: Flask) -> Iterator[Server]:
    """The app served on a free port, a thread per request (as the browser tests serve it)."""
    live = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=live.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield Server(app=app, url=f"http://127.0.0.1:{live.server_port}")
    finally:
        live.shutdown()
        thread.join(timeout=10)
        live.server_close()


@contextmanager
def both_read_before_either_writes(app: Flask, table: str) -> Iterator[None]:
    """Hold each request after its first read of `table` until the other has read it too."""
    engine = app.extensions["diversion.db"][0]
    barrier = threading.Barrier(2, timeout=WAIT)
    held: set[int] = set()
    reads_table = re.compile(rf"\b{table}\b")

    def after_cursor_execute(*args: Any) -> None:
        statement: str = args[2]
        if not statement.lstrip().upper().startswith("SELECT"):
            return
        if not reads_table.search(statement) or threading.get_ident() in held:
            return
        held.add(threading.get_ident())
        barrier.wait()

    event.listen(engine, "after_cursor_execute", after_cursor_execute)
    try:
        yield
    finally:
        event.remove(engine, "after_cursor_execute", after_cursor_execute)


def at_once(*posts: Callable[[], requests.Response]) -> list[requests.Response]:
    """Send the requests together, one thread each; their answers in the same order."""
    start = threading.Barrier(len(posts), timeout=WAIT)
    answers: list[requests.Response | BaseException | None] = [None] * len(posts)

    def run(i: int) -> None:
        start.wait()
        try:
            answers[i] = posts[i]()
        except BaseException as error:
            answers[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT * 2)
    done = [a for a in answers if isinstance(a, requests.Response)]
    assert len(done) == len(posts), answers
    return done


def post_code(server: Server, browser: requests.Session, path: str, code: str):
    return lambda: browser.post(
        server.url + path, data={"code": code}, allow_redirects=False, timeout=WAIT
    )


def signed_in(response: requests.Response) -> bool:
    """Through: sent on past the sign-in pages. A refused code shows the form again (200)."""
    return response.status_code == 302 and not response.headers["Location"].startswith("/sign-in")


def audited(make: Factory, user: User, action: str) -> int:
    make.session.expire_all()
    return (
        make.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == action, AuditEvent.user_id == user.id
            )
        )
        or 0
    )


def verified_sessions(make: Factory, user: User) -> int:
    make.session.expire_all()
    return (
        make.session.scalar(
            select(func.count(UserSession.id)).where(
                UserSession.user_id == user.id, UserSession.verified_at.is_not(None)
            )
        )
        or 0
    )


def test_one_app_code_sent_by_two_sessions_at_once_signs_in_only_one(
    server: Server, world: World, make: Factory
) -> None:
    worker = world.worker
    assert worker.totp_secret
    first, second = server.half_signed_in(worker), server.half_signed_in(worker)
    code = pyotp.TOTP(worker.totp_secret).now()

    with both_read_before_either_writes(server.app, "user_account"):
        answers = at_once(
            post_code(server, first, "/sign-in/code", code),
            post_code(server, second, "/sign-in/code", code),
        )

    assert sorted(signed_in(a) for a in answers) == [False, True], [a.status_code for a in answers]
    refused = next(a for a in answers if not signed_in(a))
    assert refused.status_code == 200
    assert "Enter a correct code" in refused.text
    assert verified_sessions(make, worker) == 1
    assert audited(make, worker, "sign_in") == 1
    assert audited(make, worker, "sign_in_failed") == 1


def test_one_recovery_code_sent_by_two_sessions_at_once_signs_in_only_one(
    server: Server, world: World, make: Factory
) -> None:
    worker = world.worker
    codes = two_factor.new_recovery_codes()
    now = datetime.now(UTC)
    for code in codes:
        make.session.add(
            RecoveryCode(
                user_id=worker.id, code_hash=two_factor.hash_recovery_code(code), created_at=now
            )
        )
    make.session.commit()
    first, second = server.half_signed_in(worker), server.half_signed_in(worker)

    with both_read_before_either_writes(server.app, "recovery_code"):
        answers = at_once(
            post_code(server, first, "/sign-in/code", codes[0]),
            post_code(server, second, "/sign-in/code", codes[0]),
        )

    assert sorted(signed_in(a) for a in answers) == [False, True], [a.status_code for a in answers]
    assert "Enter a correct code" in next(a for a in answers if not signed_in(a)).text
    make.session.expire_all()
    used = make.session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == worker.id, RecoveryCode.used_at.is_not(None)
        )
    ).all()
    assert len(used) == 1
    assert two_factor.recovery_code_matches(used[0].code_hash, codes[0])
    assert verified_sessions(make, worker) == 1
    assert audited(make, worker, "recovery_code_used") == 1
    assert audited(make, worker, "sign_in_failed") == 1


def test_the_first_code_sent_twice_at_once_while_setting_up_turns_two_factor_on_once(
    server: Server, world: World, make: Factory
) -> None:
    """Two tabs of one set-up session send her first code together: one shows her recovery
    codes, the other is refused, so no tab shows codes that were replaced at once."""
    newcomer = make.user(organisation=world.project, totp_secret=None)
    browser = requests.Session()
    link = server.url + set_up_link(server.app, newcomer)
    assert browser.get(link, timeout=WAIT).status_code == 200
    chosen = browser.post(link, data={"password": PASSWORD}, allow_redirects=False, timeout=WAIT)
    assert chosen.headers["Location"].startswith("/sign-in/set-up")
    assert browser.get(server.url + "/sign-in/set-up", timeout=WAIT).status_code == 200
    make.session.expire_all()
    secret = make.session.scalar(select(User.totp_secret).where(User.id == newcomer.id))
    assert secret
    code = pyotp.TOTP(secret).now()

    with both_read_before_either_writes(server.app, "user_account"):
        answers = at_once(
            post_code(server, browser, "/sign-in/set-up", code),
            post_code(server, browser, "/sign-in/set-up", code),
        )

    shown = ["Save your recovery codes" in a.text for a in answers]
    assert sorted(shown) == [False, True], [a.status_code for a in answers]
    assert audited(make, newcomer, "two_factor_enrolled") == 1
    assert audited(make, newcomer, "sign_in") == 1
