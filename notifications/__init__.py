"""Text messages: reminder policy, templates, senders, the outbox dispatcher and webhooks."""

from __future__ import annotations

from flask import Flask

from diversion.cases.text_names import name_check_wanted
from diversion.hooks import case_changed
from notifications.name_check import answer_name_check
from notifications.outbox import on_appointment_changed, on_case_changed
from notifications.templates import KIND_NAMES
from scheduling.hooks import appointment_changed


def init_app(app: Flask) -> None:
    """Subscribe the outbox to appointment and case changes, and answer the client form's
    question about the name texts use; name each kind of text on pages."""
    # blinker keeps one subscription per receiver, however many apps are created.
    appointment_changed.connect(on_appointment_changed, weak=False)
    case_changed.connect(on_case_changed, weak=False)
    name_check_wanted.connect(answer_name_check, weak=False)
    app.add_template_filter(lambda kind: KIND_NAMES.get(kind, kind), "message_kind")
