"""The composition root: create_app wires config, extensions, every blueprint and every job.

This is the one module that imports all three packages: blueprints are registered here and
nowhere else, and the scheduler's jobs are listed here for `scheduling.process` to run.
`diversion` otherwise never imports `notifications` (the hooks are the only bridge).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

import notifications
import scheduling
from diversion import access, cli, config, crypto, web
from diversion.accounts import services as accounts
from diversion.accounts import throttle
from diversion.accounts import views as account_views
from diversion.admin import views as admin_views
from diversion.cases.views import cases as case_views
from diversion.cases.views import clients as client_views
from diversion.cases.views import orders as order_views
from diversion.cases.views import partnership as partnership_views
from diversion.court import schedule as court_schedule
from diversion.court.views import lists as court_list_views
from diversion.court.views import reports as report_views
from diversion.db import db as database
from diversion.extensions import csrf
from diversion.home import views as home_views
from diversion.mail import queue as mail_queue
from diversion.monitoring import report_views as monitoring_views
from diversion.monitoring import summary as monitoring_summary
from diversion.monitoring import views as monitoring_record_views
from diversion.partnership import name_keys  # noqa: F401  (keeps the search keys in step)
from diversion.privacy import erasure
from diversion.privacy.views import audit as audit_views
from diversion.privacy.views import retention as retention_views
from notifications import jobs as text_jobs
from notifications import tasks as text_tasks
from notifications.views import admin as message_admin_views
from notifications.views import inbox as inbox_views
from notifications.views import sent as sent_views
from notifications.views import webhooks as webhook_views
from scheduling import at_risk_check, process
from scheduling import views as scheduling_views
from scheduling.views import appointments, availability, diary  # noqa: F401  (their routes)

ROOT = Path(__file__).resolve().parent.parent

BLUEPRINTS: tuple[Blueprint, ...] = (
    account_views.bp,
    home_views.bp,
    client_views.bp,
    case_views.bp,
    order_views.bp,
    partnership_views.bp,
    monitoring_record_views.bp,
    report_views.bp,
    court_list_views.bp,
    admin_views.bp,
    audit_views.bp,
    retention_views.bp,
    scheduling_views.bp,
    sent_views.bp,
    message_admin_views.bp,
    inbox_views.bp,
    webhook_views.bp,
    monitoring_views.bp,
)
"""Every blueprint of the web app, registered in this order by create_app."""

JOBS: tuple[process.Job, ...] = (
    # Each server's scheduler checks its own reach of the database (not one for all).
    process.Job("database-check", 300, process.check_database, exclusive=False),
    # Texts: every 5 seconds, each tick sending while whole passes are due (notifications.jobs).
    process.Job(
        "text-message-dispatcher", text_jobs.DISPATCH_EVERY_SECONDS, text_jobs.dispatch_job
    ),
    # Development only (SMS_SENDER "outbox"): delivery receipts for what the outbox "sent".
    process.Job("simulated-delivery-receipts", 10, text_jobs.simulated_receipts_job),
    # Reports and lists to the court and the CPS: what is waiting, and retries of failures.
    process.Job("mail-delivery", 60, mail_queue.deliver_mail_job),
    # From 09:00 each working day: remind workers of reports due next (once a day each).
    process.Job("report-reminders", 300, court_schedule.reminders_job),
    # At each sitting day's report time: its list to the court; unsent reports flagged.
    process.Job("sitting-day-lists", 300, court_schedule.lists_job),
    # Retention (security.md 13): polled every 15 minutes, runs once a day after 02:30 London.
    process.Job("retention", 900, erasure.retention_job),
    # Every open case rechecked for room to finish (at risk or no longer): polled every 15
    # minutes, runs once a day after 06:00 London, a missed morning late, once.
    process.Job("at-risk-recheck", 900, at_risk_check.at_risk_job),
    # 24 hours ahead: a reminder not delivered or an appointment not confirmed is a call to
    # make on her worker's home page.
    process.Job("texts-check-ahead", 300, text_tasks.check_ahead_job),
    # The monitoring report's counts per day: counted again hourly and after midnight.
    process.Job("monitoring-summary", 300, monitoring_summary.summary_job),
)
"""Every job of the scheduler process (`flask --app wsgi scheduler`), with its interval."""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints. Touches no database or network."""
    app = Flask(
        "diversion",
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

    web.init_app(app)
    accounts.init_app(app)
    throttle.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    scheduling.init_app(app, jobs=JOBS)
    notifications.init_app(app)
    cli.init_app(app)
    # Last, so that every blueprint's routes exist when the check is installed.
    access.init_app(app)
    return app
