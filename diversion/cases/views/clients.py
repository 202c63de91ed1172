"""Finding, adding and editing clients."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from diversion import audit, clock
from diversion import pdf as pdf_documents
from diversion.access import CASEWORKERS, allow, found_or_404
from diversion.cases import queries
from diversion.cases import services as client_service
from diversion.cases.forms import ClientForm, ClientSearchForm, display_mobile
from diversion.models import Client
from diversion.privacy import subject_access

bp = Blueprint("clients", __name__, url_prefix="/clients")


def _client_or_404(client_id: int) -> Client:
    return found_or_404(queries.client_for(g.user, client_id), "client", client_id)


@bp.route("", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def search() -> str:
    # The search is sent as a POST so that names and dates of birth never appear in URLs.
    form = ClientSearchForm(formdata=request.form if request.method == "POST" else None)
    results = None
    if request.method == "POST" and form.validate():
        if form.q.data or form.dob.data:
            results = queries.search_clients(
                organisation_id=g.user.organisation_id,
                text=form.q.data,
                date_of_birth=form.dob.data,
            )
            audit.record("client_search", detail=f"{len(results)} results")
        else:
            form.q.errors = ["Enter a name, an alias or a date of birth"]
    return render_template("cases/clients/search.html", title="Clients", form=form, results=results)


def _details(form: ClientForm) -> client_service.ClientDetails:
    return client_service.ClientDetails(
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        aliases=form.alias_list(),
        date_of_birth=form.date_of_birth.data,
        text_name=form.text_name.data or None,
        mobile=form.mobile_e164,
        consent_to_texts=bool(form.consent_to_texts.data),
        safe_to_text=bool(form.safe_to_text.data),
        housing=form.housing.data or None,
        health_notes=form.health_notes.data or None,
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def add() -> Response | str:
    today = clock.today()
    form = ClientForm(today=today)
    if form.validate_on_submit():
        client = client_service.add_client(actor=g.user, details=_details(form), today=today)
        flash("Client added.", "success")
        return redirect(url_for("clients.show", client_id=client.id))
    return render_template("cases/clients/form.html", title="Add a client", form=form, client=None)


@bp.route("/<int:client_id>")
@allow(*CASEWORKERS)
def show(client_id: int) -> str:
    client = _client_or_404(client_id)
    audit.record("client_viewed", object_type="client", object_id=client.id, client_id=client.id)
    return render_template(
        "cases/clients/show.html",
        title=client.full_name,
        client=client,
        mobile=display_mobile(client.mobile),
    )


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def edit(client_id: int) -> Response | str:
    client = _client_or_404(client_id)
    today = clock.today()
    form = ClientForm(today=today, obj=client if request.method == "GET" else None)
    if request.method == "GET":
        form.aliases.data = "\n".join(alias.name for alias in client.aliases)
        form.mobile.data = display_mobile(client.mobile)
        form.safe_to_text.data = client.safe_to_text_confirmed_on is not None
        form.safe_number.data = client.mobile if form.safe_to_text.data else ""
    if form.validate_on_submit():
        client_service.update_client(client=client, details=_details(form), today=today)
        flash("Client details saved.", "success")
        return redirect(url_for("clients.show", client_id=client.id))
    # The form shows her health notes, housing and number: a view of her record.
    audit.record(
        "client_viewed",
        object_type="client",
        object_id=client.id,
        client_id=client.id,
        detail="edit page",
    )
    return render_template(
        "cases/clients/form.html", title=f"Edit {client.full_name}", form=form, client=client
    )


# --- subject access (security.md 14) -----------------------------------------------------


def _exported(client: Client, kind: str, *, now: datetime) -> dict[str, Any]:
    export = subject_access.export_for(client, now=now)
    audit.record(
        "client_exported",
        object_type="client",
        object_id=client.id,
        client_id=client.id,
        detail=kind,
    )
    return export


def _download(content: bytes | str, *, mimetype: str, name: str) -> Response:
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/<int:client_id>/export.json")
@allow(*CASEWORKERS)
def export_json(client_id: int) -> Response:
    client = _client_or_404(client_id)
    export = _exported(client, "json", now=clock.now())
    return _download(
        subject_access.to_json(export),
        mimetype="application/json",
        name=subject_access.filename(client, "json"),
    )


@bp.route("/<int:client_id>/export.pdf")
@allow(*CASEWORKERS)
def export_pdf(client_id: int) -> Response:
    client = _client_or_404(client_id)
    now = clock.now()
    export = _exported(client, "pdf", now=now)
    html = render_template(
        "privacy/subject_access.html",
        export=export,
        sections=list(subject_access.sections(export)),
        refs=subject_access.named_references(),
        generated_at=now,
    )
    return _download(
        pdf_documents.render_pdf(html),
        mimetype="application/pdf",
        name=subject_access.filename(client, "pdf"),
    )
