"""The health check a proxy or load balancer asks: 200 while the database answers, 503 when it
does not, and never any data."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_app


def test_the_health_check_answers_ok_while_the_database_answers(app) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_the_health_check_answers_503_when_the_database_does_not(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    # The database goes away: a file in a folder that no longer exists cannot be opened.
    engine, factory = app.extensions["diversion.db"]
    from diversion.db import make_engine

    gone = make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.sqlite'}")
    app.extensions["diversion.db"] = (gone, factory)
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.extensions["diversion.db"] = (engine, factory)
        gone.dispose()
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "database unavailable"
