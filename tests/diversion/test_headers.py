"""Security headers on every response (security.md 10)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.conftest import World, signed_in_client
from tests.factories import PASSWORD, Factory


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
        assert headers["Referrer-Policy"] == "same-origin", path
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


def test_a_browser_may_send_the_referer_of_the_services_own_pages(app: Flask) -> None:
    # Flask-WTF refuses an HTTPS form post without a Referer from the same site, so the
    # policy must let the browser send it for same-origin requests (and only for those).
    policy = app.test_client().get("/sign-in").headers["Referrer-Policy"]
    assert policy in {"same-origin", "strict-origin", "strict-origin-when-cross-origin"}
    assert policy == "same-origin"  # nothing of a page's address goes to another site


def test_signing_in_over_https_works_with_the_referer_the_policy_allows(
    app: Flask, world: World
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    https = "https://diversion.example"
    web = app.test_client()
    page = web.get("/sign-in", base_url=https).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token is not None
    form = {"email": world.worker.email, "password": PASSWORD, "csrf_token": token.group(1)}

    # What a browser under no-referrer sent: no Referer, so every HTTPS post was refused.
    refused = web.post("/sign-in", data=form, base_url=https)
    assert refused.status_code == 400
    assert "Your form has expired" in refused.get_data(as_text=True)

    # Under same-origin the browser sends the page's own address, and sign-in goes on.
    accepted = web.post(
        "/sign-in", data=form, base_url=https, headers={"Referer": f"{https}/sign-in"}
    )
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith("/sign-in/code")
