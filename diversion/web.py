"""Web plumbing: template filters in Europe/London, navigation, headers and error pages."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Flask, abort, current_app, g, render_template, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.routing.converters import IntegerConverter
from werkzeug.wrappers import Response

from diversion.cases.menu import MenuCounts
from diversion.cases.menu import menu_counts as count_for_menu
from diversion.fields import MAX_ID
from diversion.formatting import format_date, format_datetime, format_time
from diversion.models import Role, User

log = logging.getLogger(__name__)


# Where a request keeps its menu counts: its own WSGI environ, never `g`, which requests
# share when they run inside one application context (as tests' requests may).
_MENU_COUNTS = "diversion.menu_counts"


def menu_counts(user: User) -> MenuCounts:
    """The menu's counts for the signed-in user (diversion.cases.menu), read once a request:
    the GOV.UK page template renders its header twice (the first time to see whether it is
    empty), and the home page shows the unread replies too."""
    counted: tuple[int, MenuCounts] | None = request.environ.get(_MENU_COUNTS)
    if counted is not None and counted[0] == user.id:
        return counted[1]
    try:
        counts = count_for_menu(user)
    except SQLAlchemyError:  # an error page after a database failure still renders
        log.warning("could not count unread replies, shared cases and transfers for the menu")
        counts = MenuCounts()
    request.environ[_MENU_COUNTS] = (user.id, counts)
    return counts


def _inbox_text(counts: MenuCounts) -> str:
    """The inbox's menu item, with the unread count in words a screen reader says."""
    return f"Inbox ({counts.unread} unread)" if counts.unread else "Inbox"


class DatabaseId(IntegerConverter):
    """`<int:...>` in every address: a whole number no larger than any row's id can be.

    A larger number answers 404 before the view runs, as a row that does not exist would:
    bound to a query it made SQLite raise OverflowError (a 500), on every route at once.
    """

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        bounded = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits, min, bounded, signed)


def navigation() -> list[dict[str, Any]]:
    """The service navigation for the signed-in user's role."""
    user = g.get("user")
    if user is None:
        return []
    path = request.path
    items: list[tuple[str, str]] = []
    if user.role in (Role.WORKER, Role.MANAGER):
        counts = menu_counts(user)
        items += [("Home", "/home"), ("Clients", "/clients"), ("Diary", "/diary")]
        items.append((_inbox_text(counts), "/inbox"))
        items.append(("Court lists", "/court"))
        if counts.shared_cases:
            # Cases another agency shares with hers ("Shared with us"): only when there are
            # some, so a project that is nobody's partner keeps its menu to one line.
            items.append(("Shared", "/shared"))
        waiting = counts.transfers_waiting
        if waiting:
            # Transfers other organisations asked of hers: only while some wait.
            items.append((f"Transfers ({waiting} waiting)", "/transfers"))
    if user.role in (Role.COURT_LIAISON, Role.CPS):
        items.append(("Court lists", "/court"))
    if user.role in (Role.MANAGER, Role.ADMIN):
        items += [("Availability", "/availability"), ("Audit", "/audit")]
    # Retention is reached from the audit trail's page, so a manager's menu (with the inbox
    # count and Monitoring) stays on one line.
    if user.role in (Role.MANAGER, Role.COMMISSIONER):
        # Aggregate figures (suppressed): her organisation's, or the partnership's.
        items.append(
            (
                "Monitoring",
                "/monitoring" if user.role is Role.MANAGER else "/monitoring/partnership",
            )
        )
    if user.role is Role.ADMIN:
        items += [("Administration", "/admin")]
    # Her account and signing out are in the header, not here: see header_links.
    return _marked(items, path)


def header_links() -> list[dict[str, Any]]:
    """The header's right-hand links: the development outboxes, her account, signing out.

    The outboxes (texts and emails kept instead of sent) exist only in development and the
    demo; in the header they leave the menu to her role's work, one line on a desktop.
    """
    user = g.get("user")
    if user is None:
        return []
    items: list[tuple[str, str]] = []
    if user.role in (Role.WORKER, Role.MANAGER):
        if current_app.config.get("SMS_SENDER") == "outbox":
            items.append(("Sent messages", "/messages/sent"))
        if not current_app.config.get("MAIL_SERVER"):
            items.append(("Emails", "/mail"))  # development: mail kept as files
    items += [("Your account", "/account"), ("Sign out", "/sign-out")]
    return _marked(items, request.path)


def _marked(items: list[tuple[str, str]], path: str) -> list[dict[str, Any]]:
    """Menu items for the templates, the one for the page she is on marked active."""
    return [
        {"text": text, "href": href, "active": path == href or path.startswith(href + "/")}
        for text, href in items
    ]


def refuse_unexpected_bodies() -> None:
    """Pages take HTML form posts only: a JSON or other body is refused before any view runs."""
    if (
        request.method in ("POST", "PUT", "PATCH")
        and request.content_length
        and request.mimetype not in FORM_TYPES
        and request.endpoint not in RAW_BODY_ENDPOINTS
    ):
        abort(415)


def _make_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(18)


def security_headers(response: Response) -> Response:
    """Headers on every response; pages with personal data are never cached."""
    nonce = g.get("csp_nonce", "")
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin, not no-referrer: the browser must send the Referer of its own pages,
    # because Flask-WTF refuses an HTTPS form post without one (security.md 10).
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Browsers act on HSTS only over HTTPS; over plain HTTP in development it is ignored.
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
# Endpoints that read a request body of another type themselves (none yet).
RAW_BODY_ENDPOINTS: set[str] = set()

ERROR_TEXT = {
    400: ("Sorry, there is a problem with that request", "Go back and try again."),
    403: ("You do not have access to this page", "Ask your manager if you think you should."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Sorry, there is a problem with that request", "Go back and try again."),
    413: ("That was too large to send", "Send less at once."),
    415: ("Sorry, there is a problem with that request", "Send the form from the page."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
}


def error_page(error: Exception) -> tuple[str, int]:
    """A plain error page: no internals, no personal data."""
    code = error.code if isinstance(error, HTTPException) and error.code else 500
    if isinstance(error, CSRFError):
        title, body = "Your form has expired", "Go back, reload the page and try again."
    else:
        title, body = ERROR_TEXT.get(code, ERROR_TEXT[500])
    if code >= 500:
        log.error("unhandled error on %s", request.endpoint, exc_info=error)
    return render_template("error.html", title=title, body=body, code=code), code


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie, never written back by a static file's response.

    A permanent session's cookie is refreshed on every response. The browser loads a page's
    stylesheet and scripts alongside it: a static response that began before the page put
    its CSRF token in the session would write back the older cookie, and her next form would
    fail as "Your form has expired". Pages still refresh it."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.endpoint == "static":
            return bool(session.modified)
        return super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    """Register the address converters, filters, globals, headers and error pages.

    Before any blueprint: a rule takes its converter when it is added to the map."""
    app.url_map.converters["int"] = DatabaseId
    app.session_interface = SessionCookies()
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_time, "time")
    app.add_template_global(navigation)
    app.add_template_global(header_links)
    app.before_request(_make_nonce)
    app.before_request(refuse_unexpected_bodies)
    app.after_request(security_headers)
    for code in ERROR_TEXT:
        app.register_error_handler(code, error_page)
    app.register_error_handler(CSRFError, error_page)

    @app.context_processor
    def service_context() -> dict[str, Any]:
        return {
            "service_name": app.config["SERVICE_NAME"],
            "current_user": g.get("user"),
            "cspNonce": g.get("csp_nonce"),
        }
