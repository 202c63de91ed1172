"""The log guard itself: what it finds, what it leaves alone, and that it fails a run."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.log_guard import GuardHandler, Matcher, national_digits

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("client Firstname12 Lastname12 viewed", ["Firstname12", "Lastname12"]),
        ("sending to +447400123456", ["7400123456"]),
        ("sending to 07400 123456", ["7400123456"]),
        ("sending to +44 (0)7400-123-456", ["7400123456"]),
        ("note: HEALTHMARKER pregnant", ["HEALTHMARKER"]),
        ("Marnie missed her appointment", ["Marnie"]),
        ("O'Brien, Zoë", ["Zoë", "O'Brien"]),
    ],
)
def test_the_matcher_finds_planted_names_numbers_and_markers(text: str, found: list[str]) -> None:
    assert sorted(Matcher.of().find(text)) == sorted(found)


@pytest.mark.parametrize(
    "text",
    [
        "dispatch: 3 sent, 0 skipped, 1 held",
        "mail 11 not sent: 421",
        "Nellie and Marnier are not the planted names",
        "outbox-74001 reference",
        "GET /clients/7400 HTTP/1.1",
        "unhandled error on cases.show",
    ],
)
def test_the_matcher_leaves_ordinary_log_text_alone(text: str) -> None:
    assert Matcher.of().find(text) == []


def test_numbers_are_compared_by_their_national_digits() -> None:
    assert national_digits("+447700900123") == "7700900123"
    assert national_digits("07700 900123") == "7700900123"


def test_the_handler_looks_in_exception_text_too() -> None:
    handler = GuardHandler(Matcher.of())
    handler.current_test = "tests/x.py::t"
    logger = logging.getLogger("guard-self-test")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise ValueError("bad row ('Marnie', '+447700900461')")
        except ValueError:
            logger.exception("could not save client %s", 7)
        logger.info("client %s saved", 7)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True

    # (The traceback's source line repeats them: each is found there too.)
    assert {(h.test, h.logger, h.marker) for h in handler.hits} == {
        ("tests/x.py::t", "guard-self-test", "Marnie"),
        ("tests/x.py::t", "guard-self-test", "7700900461"),
    }
    assert handler.records == 2


def run_pytest(tmp_path: Path, test_source: str) -> subprocess.CompletedProcess[str]:
    """A run of pytest of its own, with the guard, on one small test file."""
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.log_guard"]\n')
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(test_source))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_run_that_logs_a_planted_name_fails_and_says_where(tmp_path: Path) -> None:
    done = run_pytest(
        tmp_path,
        """
        import logging

        def test_leaky():
            logging.getLogger("diversion.views").debug("viewed Marnie Testwood")

        def test_quiet():
            logging.getLogger("diversion.views").info("viewed client 7")
        """,
    )

    assert done.returncode == 1, done.stdout
    assert "2 passed" in done.stdout
    assert "log guard: planted names or numbers were logged" in done.stdout
    assert "test_sample.py::test_leaky: logger diversion.views (DEBUG) logged 'Marnie'" in (
        done.stdout
    )
    assert "test_quiet" not in done.stdout.split("log guard")[1]


def test_a_clean_run_passes(tmp_path: Path) -> None:
    done = run_pytest(
        tmp_path,
        """
        import logging

        def test_quiet():
            logging.getLogger("diversion.views").info("viewed client 7")
        """,
    )

    assert done.returncode == 0, done.stdout
    assert "no planted name or number" in done.stdout
