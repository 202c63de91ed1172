"""HTTP views: thin functions that parse a form, call one service and redirect or render."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint of the web app."""
    from diversion.views import admin, auth, cases, clients, home

    for module in (auth, home, clients, cases, admin):
        app.register_blueprint(module.bp)
