"""Rules of the house that import-linter cannot see: views never write, and a module holds
one concern (one that grows past 500 lines is usually holding two)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("diversion", "scheduling", "notifications", "devtools")
MAX_LINES = 500
# The data model is one map of the tables, read as a whole; it is the one exception.
SIZE_EXCEPTIONS = {"diversion/models.py"}
# What writes: the session's and the connection's writing methods, and our transaction helpers.
WRITING_CALLS = {"commit", "add", "add_all", "delete", "flush", "merge", "rollback", "execute"}
WRITING_NAMES = {"transaction", "transactional"}


def modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def view_modules() -> list[Path]:
    """Every module of a views package, or a module named views."""
    return [p for p in modules() if "views" in p.relative_to(ROOT).parts or p.stem == "views"]


def writes_in(source: str) -> list[str]:
    """Where a module writes to the database itself: 'line: what'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in WRITING_CALLS:
                found.append(f"{node.lineno}: .{node.func.attr}()")
        elif isinstance(node, ast.Name) and node.id in WRITING_NAMES:
            found.append(f"{node.lineno}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr == "session":
            found.append(f"{node.lineno}: .session")
        elif isinstance(node, ast.alias) and node.name in WRITING_NAMES:
            found.append(f"import of {node.name}")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "db.session.commit()",
        "def view():\n    session.add(row)",
        "from diversion.db import transaction\nwith transaction():\n    pass",
        "@transactional\ndef view():\n    pass",
        "conn.execute(update(User))",
        "rows = db.session.get(User, 1)",
    ],
)
def test_the_write_finder_finds_each_kind_of_write(source):
    assert writes_in(source)


def test_the_write_finder_passes_a_view_that_calls_a_service():
    source = "def view():\n    booking.book(case=case, now=clock.now())\n    audit.record('x')"
    assert writes_in(source) == []


def test_there_are_views_to_check():
    names = {p.relative_to(ROOT).as_posix() for p in view_modules()}
    assert "scheduling/views/diary.py" in names
    assert "notifications/views/admin.py" in names
    assert "diversion/accounts/views.py" in names


@pytest.mark.parametrize("path", view_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_view_writes_to_the_database(path):
    """Views call one service and never commit, add, delete or open a transaction."""
    assert writes_in(path.read_text()) == []


def test_every_module_holds_one_concern():
    too_long = {
        p.relative_to(ROOT).as_posix(): n
        for p in modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
        and p.relative_to(ROOT).as_posix() not in SIZE_EXCEPTIONS
    }
    assert too_long == {}, f"split these along their seams (over {MAX_LINES} lines): {too_long}"
