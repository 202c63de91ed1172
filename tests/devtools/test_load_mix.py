"""The load benchmark's pages (devtools/load_mix.py, bench/load.py) each send a fixed number
of SQL statements, whatever the size of the data: the same for a small generated data set as
for one ten times its size (more clients, cases, appointments, and a longer sitting-day list).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from devtools.load_mix import PAGES, WorkerPages, prepare
from diversion import clock
from diversion.db import db
from diversion.models import User
from tests.conftest import flask_command, make_app, signed_in_client

SMALL = ["--clients", "60", "--appointments", "300", "--list-cases", "10", "--seed", "3"]
LARGER = ["--clients", "600", "--appointments", "3000", "--list-cases", "100", "--seed", "3"]


def fetch(web: FlaskClient, pages: WorkerPages, page: str) -> None:
    """One page as the benchmark's users ask for it (the search: its POST, then the GET)."""
    if page == "search":
        posted = web.post("/clients", data={"q": pages.search_name})
        assert posted.status_code == 303, page
        response = web.get("/clients")
    else:
        response = web.get(pages.urls()[page])
    assert response.status_code == 200, f"{page} answered {response.status_code}"
    if page == "booking":
        assert "Book appointments" in response.get_data(as_text=True)


def statements_per_page(app: Flask, generate_args: list[str]) -> dict[str, int]:
    result = flask_command(app, "generate-data", *generate_args)
    assert result.exit_code == 0, result.output
    with app.app_context():
        pages = prepare(1, today=clock.today())[0]
        worker = db.session.get(User, pages.worker_id)
        assert worker is not None
    web = signed_in_client(app, worker)
    engine = app.extensions["diversion.db"][0]
    counts = {}
    for page in PAGES:
        fetch(web, pages, page)  # a warm-up: caches filled alike for both sizes
        seen: list[str] = []

        def listener(*args: object, seen: list[str] = seen) -> None:
            seen.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", listener)
        try:
            fetch(web, pages, page)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counts[page] = len(seen)
    engine.dispose()
    return counts


def test_each_page_of_the_load_mix_sends_as_many_queries_on_ten_times_the_data(
    tmp_path: Path,
) -> None:
    for name in ("small", "larger"):
        (tmp_path / name).mkdir()
    small = statements_per_page(make_app(tmp_path / "small"), SMALL)
    larger = statements_per_page(make_app(tmp_path / "larger"), LARGER)
    assert set(small) == set(PAGES)
    assert larger == small
