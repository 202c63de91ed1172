"""A static file's response never writes the session cookie back.

Flask refreshes a permanent session's cookie on every response by default. A browser loads
a page's stylesheet and scripts alongside it: a static response that started before the page
set its CSRF token would write back the older cookie, and her next form would fail as
"Your form has expired" (seen in browser runs before diversion.web.SessionCookies).
"""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import World, sign_in


def test_a_static_file_never_rewrites_her_session_cookie(web: FlaskClient, world: World) -> None:
    sign_in(web, world.worker)

    assert "Set-Cookie" not in web.get("/static/app.mjs").headers
    web.get("/clients")  # her CSRF token is now in the session
    assert "Set-Cookie" not in web.get("/static/favicon.svg").headers
    # Pages still refresh it (her 12 hours and idle time are kept on the server).
    assert "Set-Cookie" in web.get("/clients").headers
