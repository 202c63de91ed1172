"""Access control: every view declares the roles that may call it; anything else is refused."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response

from diversion import audit
from diversion.models import Role

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

PUBLIC = "public"
ATTRIBUTE = "_allowed_roles"

CASEWORKERS = (Role.WORKER, Role.MANAGER)


def allow(*roles: Role) -> Callable[[F], F]:
    """Declare which roles may call a view; a view without a declaration is refused to all."""
    if not roles:
        raise ValueError("name at least one role, or use @public")

    def decorate(view: F) -> F:
        setattr(view, ATTRIBUTE, frozenset(roles))
        return view

    return decorate


def public(view: F) -> F:
    """Declare a view that anyone may call, signed in or not (sign-in page, health check)."""
    setattr(view, ATTRIBUTE, PUBLIC)
    return view


def declared_roles(app: Flask, endpoint: str) -> frozenset[Role] | str | None:
    """What a route declared: a set of roles, PUBLIC, or None when it declared nothing."""
    view = app.view_functions.get(endpoint)
    return getattr(view, ATTRIBUTE, None)


def enforce() -> Response | None:
    """Before each request: default deny, then sign-in, then the role check."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route matched: Flask answers 404 or 405 itself
    roles = declared_roles(current_app, endpoint)
    if roles is None:
        log.error("route %s declares no roles; refused", endpoint)
        abort(403)
    if roles == PUBLIC:
        return None
    user = g.get("user")
    if user is None:
        if request.method == "GET":
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        return redirect(url_for("auth.sign_in"))
    assert isinstance(roles, frozenset)
    if user.role not in roles:
        audit.record_refusal(endpoint=endpoint)
        abort(403)
    return None


def found_or_404(item: T | None, object_type: str, object_id: int) -> T:
    """What a lookup in the user's organisation found; else 404, audited as a refusal.

    Every view that finds a record by an id from the request passes the lookup's answer
    here: another organisation's record answers 404 like one that does not exist, and both
    are recorded (`record_refused`) with the type and the id asked for (security.md 3, 12).
    """
    if item is None:
        audit.record_not_held(
            object_type=object_type, object_id=object_id, endpoint=request.endpoint
        )
        abort(404)
    return item


def init_app(app: Flask) -> None:
    """Install the check; static files are public."""
    app.before_request(enforce)
    if "static" in app.view_functions:
        public(app.view_functions["static"])
