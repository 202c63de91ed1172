"""A log capture over the whole test run: no planted name or number reaches a log (security.md 11).

A pytest plugin (tests/conftest.py registers it). For the whole session the root logger is
set to DEBUG and carries one more handler, which formats every record (with its exception
text and stack) and looks in it for the markers below: the names, numbers and note markers
the tests give clients. Each hit is kept as (test, logger, marker), never the line itself;
at the end of the run any hit fails it and is listed.

The markers are those of tests/factories.py (Firstname<n>, Lastname<n>) and the fixed
strings the tests write into clients' records. Short or common words ("Ann", "Smith",
"Hidden") are left out: they would match ordinary log text. Numbers are compared by their
national digits (7400123456), so "+44 7400 123456" and "07400123456" both match.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pytest

# Names given to clients in the tests and the demo data (whole words, case as written).
CLIENT_NAMES = (
    "Plantedfirst",
    "Plantedlast",
    "Annabel",
    "Testington",
    "Marnie",
    "Testwood",
    "Rosalind",
    "Exampleton",
    "Kestrel",
    "Juniper",
    "Fakenham",
    "Juno",
    "Rowan",
    "Texter",
    "Replier",
    "Textwell",
    "Testcase",
    "Nell",
    "Tester",
    "Jade",
    "Marsh",
    "Zelda",
    "Quarry",
    "Zoë",
    "O'Brien",
    "Ottilie",
    "Ottoline",
    "Philippa",
    "Rhiannon",
    "Soonah",
    "Tamsin",
    "Sampleford",
    "Odette",
    "Oldrecord",
)
# Patterns: the factory's default names, and the markers planted in notes, health, housing,
# aliases, text names, charges, replies and message bodies.
PATTERNS = (
    r"Firstname\d+",
    r"Lastname\d+",
    r"(?:TEXTNAME|ALIAS|HOUSING|HEALTH|CASENOTE|EVENTNOTE|EVENT|REPLY|SMSBODY|CHARGE|RISK|REASON)"
    r"MARKER",
)
# Mobile numbers given to clients in the tests and the demo data.
MOBILE_NUMBERS = (
    "+447400123456",
    "+447400654321",
    "+447700900000",
    "+447700900001",
    "+447700900106",
    "+447700900107",
    "+447700900108",
    "+447700900123",
    "+447700900456",
    "+447700900461",
    "+447700900555",
    "+447700900982",
    "+447700900999",
)
# Loggers of the test harness, not of the service: aiosmtpd (the stand-in mail server that
# tests/diversion/mail/smtp_server.py runs) logs every line of every message it receives.
HARNESS_LOGGERS = ("mail.log",)
# Separators people and libraries put inside numbers.
NUMBER_SEPARATORS = re.compile(r"[\s\-().]")


def national_digits(number: str) -> str:
    """The digits after the country code or trunk 0: +447400123456 -> 7400123456."""
    digits = re.sub(r"\D", "", number)
    if digits.startswith("44"):
        return digits[2:]
    return digits[1:] if digits.startswith("0") else digits


@dataclass(frozen=True)
class Matcher:
    """Finds the markers in a line of log text."""

    words: re.Pattern[str]
    numbers: tuple[str, ...]

    @classmethod
    def of(
        cls,
        names: Iterable[str] = CLIENT_NAMES,
        patterns: Iterable[str] = PATTERNS,
        numbers: Iterable[str] = MOBILE_NUMBERS,
    ) -> Matcher:
        alternatives = [re.escape(name) for name in names] + list(patterns)
        words = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
        return cls(words=words, numbers=tuple(sorted({national_digits(n) for n in numbers})))

    def find(self, text: str) -> list[str]:
        """Every marker in the text: names as found, numbers by their national digits."""
        found = [match.group(0) for match in self.words.finditer(text)]
        squashed = NUMBER_SEPARATORS.sub("", text)
        found += [number for number in self.numbers if number in squashed]
        return found


@dataclass(frozen=True)
class Hit:
    test: str
    logger: str
    level: str
    marker: str


class GuardHandler(logging.Handler):
    """Checks every record as it is emitted; keeps only what it found, and where."""

    def __init__(self, matcher: Matcher) -> None:
        super().__init__(level=logging.DEBUG)
        self.matcher = matcher
        self.current_test = "(outside any test)"
        self.hits: list[Hit] = []
        self.records = 0
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name in HARNESS_LOGGERS or record.name.startswith(
            tuple(f"{name}." for name in HARNESS_LOGGERS)
        ):
            return
        try:
            text = self.format(record)
        except Exception:  # a record that cannot be formatted: check what it carries
            text = f"{record.msg!r} {record.args!r}"
        self.records += 1
        for marker in self.matcher.find(text):
            self.hits.append(Hit(self.current_test, record.name, record.levelname, marker))


class LogGuard:
    """The plugin object: installs the handler for the session and judges at the end."""

    def __init__(self, matcher: Matcher | None = None) -> None:
        self.handler = GuardHandler(matcher or Matcher.of())
        self._previous_level = logging.NOTSET

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        root = logging.getLogger()
        self._previous_level = root.level
        root.setLevel(logging.DEBUG)
        root.addHandler(self.handler)

    def pytest_runtest_logstart(self, nodeid: str, location: object) -> None:
        self.handler.current_test = nodeid

    def pytest_runtest_logfinish(self, nodeid: str, location: object) -> None:
        self.handler.current_test = "(between tests)"

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self._previous_level)
        if self.handler.hits and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        hits = self.handler.hits
        if not hits:
            terminalreporter.write_line(
                f"log guard: {self.handler.records} log records, no planted name or number"
            )
            return
        terminalreporter.section("log guard: planted names or numbers were logged", red=True)
        seen: set[Hit] = set()
        for hit in hits:
            if hit in seen:
                continue
            seen.add(hit)
            terminalreporter.write_line(
                f"{hit.test}: logger {hit.logger} ({hit.level}) logged {hit.marker!r}", red=True
            )
        terminalreporter.write_line(
            "Personal data must never be logged (security.md 11): log ids, not names or numbers."
        )


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("log-guard"):
        config.pluginmanager.register(LogGuard(), "log-guard")
