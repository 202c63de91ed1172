"""The replies inbox: texts sent to an organisation's numbers, for its workers and managers.

A reply from a client goes to her allocated worker's inbox; from a number two of the
organisation's clients share, to each of their workers'; with no worker, or from a number
none of its clients holds, to the managers' inbox. A worker sees her own inbox; a manager
her organisation's whole inbox. Nobody sees another organisation's replies, and court, CPS
and administrators see none here (texts._in_inbox_of); administrators see only the texts
sent to a number no organisation holds, under Administration, "Receiving numbers"."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from diversion import audit, clock
from diversion.access import CASEWORKERS, allow, found_or_404
from diversion.cases import flags, texts
from diversion.models import InboundMessage, OutboxMessage
from notifications import replies

bp = Blueprint("inbox", __name__)


def ending(number: str) -> str:
    """Only the last four digits of a number the service does not know."""
    digits = "".join(c for c in number if c.isdigit())
    return digits[-4:]


def shown_entries(messages: list[InboundMessage]) -> list[audit.Entry]:
    """The audit rows of one look at the inbox: how many replies it showed, then one row per
    woman naming her and the ids of her replies shown (so the trail's search by client finds
    it), and one for the replies from unknown numbers. Ids only, never words or numbers."""
    entries = [audit.Entry("inbox_viewed", detail=f"{len(messages)} replies")]
    by_client: dict[int | None, list[int]] = {}
    for message in messages:
        by_client.setdefault(message.client_id, []).append(message.id)
    for client_id, ids in by_client.items():
        if client_id is None:
            label, object_type = "replies from unknown numbers:", "inbound_message"
        else:
            label, object_type = "replies:", "client"
        entries += [
            audit.Entry(
                "replies_viewed",
                object_type=object_type,
                object_id=client_id,
                client_id=client_id,
                detail=detail,
            )
            for detail in audit.id_details(label, ids)
        ]
    return entries


@bp.route("/inbox")
@allow(*CASEWORKERS)
def index() -> str:
    messages = texts.inbox_for(g.user)
    notices = flags.notices_for(g.user)
    entries = shown_entries(messages)
    entries += [
        audit.Entry(
            "match_notice_viewed",
            object_type="match_notice",
            object_id=notice.id,
            client_id=notice.client_id,
        )
        for notice in notices
    ]
    audit.record_all(entries)
    return render_template(
        "notifications/inbox.html",
        title="Inbox",
        messages=messages,
        notices=notices,
        unread=sum(1 for m in [*messages, *notices] if m.read_at is None),
    )


@bp.route("/inbox/notices/<int:notice_id>/read", methods=["POST"])
@allow(*CASEWORKERS)
def read_notice(notice_id: int) -> Response:
    notice = found_or_404(flags.notice_for(g.user, notice_id), "match_notice", notice_id)
    flags.mark_notice_read(actor=g.user, notice=notice, now=clock.now())
    flash("Marked as read.", "success")
    return redirect(url_for("inbox.index") + f"#notice-{notice.id}")


@bp.route("/inbox/<int:message_id>/read", methods=["POST"])
@allow(*CASEWORKERS)
def read(message_id: int) -> Response:
    message = found_or_404(texts.reply_for(g.user, message_id), "inbound_message", message_id)
    replies.mark_read(actor=g.user, message=message, now=clock.now())
    flash("Marked as read.", "success")
    return redirect(url_for("inbox.index") + f"#reply-{message.id}")


@bp.app_template_global()
def message_problem(message: OutboxMessage) -> str:
    """Why a failed or held text did not reach her."""
    return texts.message_problem(message)


bp.add_app_template_filter(ending, "number_ending")
