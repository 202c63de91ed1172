"""Backups of the SQLite database: a consistent copy while the app writes, and a restore that
refuses to replace a database the web app or the scheduler is using."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from diversion import backup
from diversion.app import create_app
from diversion.backup import IN_USE, NOT_SQLITE

ROOT = Path(__file__).resolve().parents[2]


def sqlite_app(path: Path) -> Flask:
    """An app on its own SQLite file, migrated as `make run` migrates it."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{path}",
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_ENABLED": False,
        }
    )
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return app


def write_event(app: Flask, n: int) -> None:
    with app.extensions["diversion.db"][0].begin() as connection:
        connection.execute(
            text("INSERT INTO audit_event (occurred_at, action, detail) VALUES (:t, :a, :d)"),
            {"t": "2026-12-02 10:00:00", "a": "load_test", "d": f"row {n}"},
        )


def count_events(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM audit_event WHERE action = 'load_test'"
        ).fetchone()
    return int(count)


def test_a_backup_made_while_the_app_writes_is_consistent_and_restores(tmp_path: Path) -> None:
    live = tmp_path / "diversion.sqlite"
    app = sqlite_app(live)
    for n in range(200):
        write_event(app, n)
    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:
        n = 1000
        while not stop.is_set():
            write_event(app, n)
            written.append(n)
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 50:  # the load is on before the backup starts
            stop.wait(0.01)
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.sqlite")])
    finally:
        stop.set()
        writer.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert "Backed up to" in result.output

    copy = tmp_path / "copy.sqlite"
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    in_copy = count_events(copy)
    assert 250 <= in_copy <= count_events(live)

    for n in range(5000, 5010):  # after the backup: these are lost by restoring it
        write_event(app, n)
    app.extensions["diversion.db"][0].dispose()
    restored = app.test_cli_runner().invoke(args=["restore", str(copy)])
    assert restored.exit_code == 0, restored.output
    assert count_events(live) == in_copy

    again = sqlite_app(live)  # the app runs on the restored database
    assert again.test_client().get("/healthz").status_code == 200


def test_a_restore_refuses_while_the_web_app_or_scheduler_runs(tmp_path: Path) -> None:
    live = tmp_path / "diversion.sqlite"
    app = sqlite_app(live)
    write_event(app, 1)
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.sqlite")]).exit_code == 0
    write_event(app, 2)
    url = app.config["DATABASE_URL"]
    # A running web app or scheduler: a process that loaded wsgi.py, as both do.
    running = subprocess.Popen(
        [sys.executable, "-c", "import time, wsgi; print('running', flush=True); time.sleep(60)"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "DIVERSION_ENV": "development"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert running.stdout is not None and running.stdout.readline().strip() == "running"
        refused = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "b.sqlite")])
        assert refused.exit_code != 0
        assert IN_USE in refused.output
        assert count_events(live) == 2, "nothing was replaced"
    finally:
        running.kill()
        running.wait(timeout=10)

    done = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "b.sqlite")])
    assert done.exit_code == 0, done.output
    assert count_events(live) == 1


def test_a_restore_refuses_a_file_that_is_not_a_backup_of_this_service(tmp_path: Path) -> None:
    live = tmp_path / "diversion.sqlite"
    app = sqlite_app(live)
    write_event(app, 1)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")

    for path, words in ((junk, "not a SQLite database"), (other, "not a database of this")):
        result = app.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code != 0 and words in result.output
    assert count_events(live) == 1


def test_a_backup_never_overwrites_a_file(tmp_path: Path) -> None:
    app = sqlite_app(tmp_path / "diversion.sqlite")
    existing = tmp_path / "existing.sqlite"
    existing.write_bytes(b"keep me")
    result = app.test_cli_runner().invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert existing.read_bytes() == b"keep me"


@pytest.mark.parametrize("url", ["postgresql+psycopg://app@127.0.0.1/diversion", "sqlite://"])
def test_backup_and_restore_of_anything_but_a_sqlite_file_point_to_the_right_tool(url) -> None:
    with pytest.raises(backup.BackupError) as raised:
        backup.sqlite_path(url)
    assert str(raised.value) == NOT_SQLITE
