"""The audit trail's search page: who did what, when, from where (security.md 12).

Managers read the events of their organisation's people and the events about their
organisation's clients; administrators read every event. Reading the trail is audited too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, g, render_template, request, url_for

from diversion import audit
from diversion.access import allow
from diversion.models import AuditEvent, Role, User
from diversion.privacy import queries as audit_queries
from diversion.privacy.forms import AuditSearchForm

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = audit_queries.PAGE_SIZE

LAST_PAGE = 100_000  # far beyond any real trail; keeps the offset a sane number

OBJECT_WORDS = {
    "client": "Client",
    "case": "Case",
    "appointment": "Appointment",
    "user": "User",
    "court": "Court",
    "venue": "Venue",
    "compliance_report": "Compliance report",
    "outgoing_mail": "Email",
    "outbox_message": "Text message",
    "inbound_message": "Reply",
    "requirement_type": "Requirement type",
    "message_template": "Text wording",
}


@dataclass(frozen=True)
class Line:
    """One event as the page shows it."""

    occurred_at: datetime
    who: str
    action: str
    object: str
    client_id: int | None
    client_link: str | None
    remote_addr: str
    detail: str


def _who(event: AuditEvent, user: User | None) -> str:
    if user is not None:
        return user.name
    if event.user_id is not None:
        return f"User {event.user_id}"
    return "Not signed in" if event.remote_addr else "The service (scheduled work)"


def _object(event: AuditEvent) -> str:
    if not event.object_type:
        return ""
    words = OBJECT_WORDS.get(event.object_type, event.object_type.replace("_", " ").capitalize())
    return f"{words} {event.object_id}" if event.object_id is not None else words


def _lines(reader: User, rows: list[tuple[AuditEvent, User | None]]) -> list[Line]:
    """The page's rows; a manager's client ids link to the client when her organisation holds
    them (an administrator sees no case content, so ids only)."""
    linkable: set[int] = set()
    ids = {event.client_id for event, _user in rows if event.client_id is not None}
    if ids and reader.role is Role.MANAGER:
        linkable = audit_queries.clients_held_by(reader.organisation_id, ids)
    return [
        Line(
            occurred_at=event.occurred_at,
            who=_who(event, user),
            action=audit.describe(event.action),
            object=_object(event),
            client_id=event.client_id,
            client_link=url_for("clients.show", client_id=event.client_id)
            if event.client_id in linkable
            else None,
            remote_addr=event.remote_addr or "",
            detail=event.detail or "",
        )
        for event, user in rows
    ]


def _page_number() -> int:
    page = request.args.get("page", default=1, type=int) or 1
    return min(max(page, 1), LAST_PAGE)


def _page_url(form: AuditSearchForm, page: int) -> str:
    """The address of another page of the same search: ids, a reference and dates only."""
    args: dict[str, Any] = {
        name: value
        for name, value in (
            ("user", form.user.data),
            ("client", form.client.data),
            ("date_from", form.date_from.data.isoformat() if form.date_from.data else ""),
            ("date_to", form.date_to.data.isoformat() if form.date_to.data else ""),
        )
        if value
    }
    if page > 1:
        args["page"] = page
    return url_for("audit.index", **args)


@bp.route("")
@allow(Role.MANAGER, Role.ADMIN)
def index() -> str:
    reader: User = g.user
    form = AuditSearchForm(formdata=request.args)
    form.set_people(audit_queries.people(reader))
    page = _page_number()
    lines: list[Line] | None = None
    previous_url = next_url = None
    client_id = None
    if form.validate():
        client_id, problem = audit_queries.client_id(reader, form.client.data or "")
        if problem:
            form.client.errors = [*form.client.errors, problem]
        else:
            rows = audit_queries.events(
                reader,
                user_id=form.user_id(),
                client_id=client_id,
                first=form.date_from.data,
                last=form.date_to.data,
                page=page,
            )
            lines = _lines(reader, rows[:PAGE_SIZE])
            previous_url = _page_url(form, page - 1) if page > 1 else None
            next_url = _page_url(form, page + 1) if len(rows) > PAGE_SIZE else None
    audit.record(
        "audit_viewed",
        client_id=client_id,
        detail=(
            f"user {form.user_id() or 'any'}, client {client_id or 'any'}, "
            f"from {form.date_from.data or 'any'}, to {form.date_to.data or 'any'}, page {page}"
            if lines is not None
            else "filters not valid"
        ),
    )
    return render_template(
        "privacy/audit/index.html",
        title="Audit trail",
        form=form,
        lines=lines,
        page=page,
        previous_url=previous_url,
        next_url=next_url,
        links_clients=reader.role is Role.MANAGER,
    )
