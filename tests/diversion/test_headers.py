"""Security headers on every response (security.md 10)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.conftest import World, signed_in_client
from tests.factories import Factory


@pytest.fixture
def pages(app: Flask, make: Factory, world: World) -> list[tuple[str, object]]:
    client = make.client(organisation=world.project)
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    worker = signed_in_client(app, world.worker)
    anonymous = app.test_client()
    return [
        ("/sign-in", anonymous),
        (f"/clients/{client.id}", worker),
        (f"/cases/{case.id}", worker),
        ("/home", worker),
        ("/no-such-page", worker),
    ]


def test_every_page_sends_the_security_headers(pages) -> None:
    for path, web in pages:
        response = web.get(path)
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert re.search(r"script-src 'self' 'nonce-[\w-]{16,}'", csp), path
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000"), path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        # Pages with personal data (and every other page) are never cached.
        assert headers["Cache-Control"] == "no-store", path


def test_every_script_on_a_page_carries_that_pages_nonce(pages) -> None:
    for path, web in pages:
        response = web.get(path)
        nonce = re.search(r"'nonce-([\w-]+)'", response.headers["Content-Security-Policy"])
        assert nonce is not None
        for tag in re.findall(r"<script\b[^>]*>", response.get_data(as_text=True)):
            assert f'nonce="{nonce.group(1)}"' in tag or "src=" in tag, (path, tag)


def test_a_new_nonce_for_every_response(app: Flask) -> None:
    web = app.test_client()
    first = web.get("/sign-in").headers["Content-Security-Policy"]
    second = web.get("/sign-in").headers["Content-Security-Policy"]
    assert first != second
