"""Text messages: reminder policy, templates, senders, the outbox dispatcher and webhooks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Subscribe the outbox to appointment changes (blinker keeps one subscription)."""
    from notifications.outbox import on_appointment_changed
    from notifications.views import bp
    from scheduling.hooks import appointment_changed

    appointment_changed.connect(on_appointment_changed, weak=False)
    app.register_blueprint(bp)
