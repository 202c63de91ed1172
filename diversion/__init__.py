"""The court diversion scheduler: a Flask application for diversion schemes at court."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from diversion import access, auth, config, crypto
from diversion.db import db as database

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints. Touches no database or network."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        static_folder="static",
    )
    config.load(app, test_config)
    crypto.configure(app.config)
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    csrf.init_app(app)
    database.init_app(app)

    from diversion import web

    web.init_app(app)
    auth.init_app(app)

    from diversion import throttle

    throttle.init_app(app)

    from diversion.views import register_blueprints

    register_blueprints(app)

    from diversion.views import reports as report_views

    app.register_blueprint(report_views.bp)

    from diversion.views import court as court_views

    app.register_blueprint(court_views.bp)

    from diversion.views import audit as audit_views

    app.register_blueprint(audit_views.bp)

    from diversion.views import retention as retention_views

    app.register_blueprint(retention_views.bp)

    import notifications
    import scheduling

    scheduling.init_app(app)
    notifications.init_app(app)

    from diversion import cli

    cli.init_app(app)
    # Last, so that every blueprint's routes exist when the check is installed.
    access.init_app(app)
    return app
