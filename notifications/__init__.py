"""Text messages: reminder policy, templates, senders, the outbox dispatcher and webhooks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Subscribe the outbox to appointment changes (blinker keeps one subscription)."""
    from notifications.outbox import on_appointment_changed
    from notifications.views import bp
    from scheduling.hooks import appointment_changed

    appointment_changed.connect(on_appointment_changed, weak=False)
    from diversion.hooks import case_changed
    from notifications.outbox import on_case_changed

    case_changed.connect(on_case_changed, weak=False)
    app.register_blueprint(bp)
    from notifications.admin_views import bp as message_admin_bp

    app.register_blueprint(message_admin_bp)
    from notifications.inbox import bp as inbox_bp

    app.register_blueprint(inbox_bp)
    from notifications.webhooks import bp as webhooks_bp

    app.register_blueprint(webhooks_bp)
