"""Text messages: reminder policy, templates, senders, the outbox dispatcher and webhooks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Subscribe the outbox to appointment and case changes; add the texting pages."""
    from diversion.hooks import case_changed
    from notifications.admin_views import bp as message_admin_bp
    from notifications.inbox import bp as inbox_bp
    from notifications.outbox import on_appointment_changed, on_case_changed
    from notifications.templates import KIND_NAMES
    from notifications.views import bp as sent_bp
    from notifications.webhooks import bp as webhooks_bp
    from scheduling.hooks import appointment_changed

    # blinker keeps one subscription per receiver, however many apps are created.
    appointment_changed.connect(on_appointment_changed, weak=False)
    case_changed.connect(on_case_changed, weak=False)
    for blueprint in (sent_bp, message_admin_bp, inbox_bp, webhooks_bp):
        app.register_blueprint(blueprint)
    app.add_template_filter(lambda kind: KIND_NAMES.get(kind, kind), "message_kind")
