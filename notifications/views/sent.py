"""Text-message pages: in development, the texts the local outbox "sent"."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template

from diversion.access import CASEWORKERS, allow
from diversion.cases import texts

bp = Blueprint("notifications", __name__)


@bp.route("/messages/sent")
@allow(*CASEWORKERS)
def sent() -> str:
    # Only the development outbox keeps texts here; with Twilio they live at the provider.
    if current_app.config.get("SMS_SENDER", "outbox") != "outbox":
        abort(404)
    messages = texts.sent_messages(g.user.organisation_id)
    return render_template("notifications/sent.html", title="Sent messages", messages=messages)
