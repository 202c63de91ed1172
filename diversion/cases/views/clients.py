"""Finding, adding and editing clients."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from diversion import audit, clock, crypto
from diversion import pdf as pdf_documents
from diversion.access import CASEWORKERS, allow, found_or_404
from diversion.cases import flags, offers, queries, text_names
from diversion.cases import services as client_service
from diversion.cases.forms import ClientForm, ClientSearchForm, display_mobile
from diversion.cases.partnership import HeldElsewhere
from diversion.cases.text_names import NameWarning
from diversion.cases.text_preferences import TextPreferences
from diversion.models import Client, Organisation
from diversion.partnership import services as partnership
from diversion.privacy import subject_access

bp = Blueprint("clients", __name__, url_prefix="/clients")


def _client_or_404(client_id: int) -> Client:
    return found_or_404(queries.client_for(g.user, client_id), "client", client_id)


# The last search, held in her session (encrypted, as names and dates of birth are) so that
# the results page is a GET: Back and reload never ask to resend a form, and the words never
# appear in a URL or a log line.
_LAST_SEARCH = "client_search"


def _remember_search(text: str, date_of_birth: date | None) -> None:
    criteria = {"q": text, "dob": date_of_birth.isoformat() if date_of_birth else None}
    session[_LAST_SEARCH] = crypto.keyring().encrypt(json.dumps(criteria))


def _last_search() -> tuple[str, date | None] | None:
    sealed = session.get(_LAST_SEARCH)
    if not isinstance(sealed, str):
        return None
    try:
        criteria = json.loads(crypto.keyring().decrypt(sealed))
    except (crypto.DecryptionError, ValueError):
        session.pop(_LAST_SEARCH, None)
        return None
    dob = date.fromisoformat(criteria["dob"]) if criteria.get("dob") else None
    return str(criteria.get("q") or ""), dob


@bp.route("", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def search() -> Response | str:
    # The search is sent as a POST so that names and dates of birth never appear in URLs,
    # then answered with a redirect to this page (post/redirect/get).
    if request.method == "POST":
        if request.form.get("clear"):
            session.pop(_LAST_SEARCH, None)
            return redirect(url_for("clients.search"), code=303)
        form = ClientSearchForm(formdata=request.form)
        if form.validate():
            if form.q.data or form.dob.data:
                _remember_search(form.q.data or "", form.dob.data)
                return redirect(url_for("clients.search"), code=303)
            form.q.errors = ["Enter a name, an alias or a date of birth"]
        return render_template(
            "cases/clients/search.html", title="Clients", form=form, results=None
        )

    last = _last_search()
    results = None
    check = partnership.CaseloadCheck()
    if last is None:
        form = ClientSearchForm(formdata=None)
    else:
        text, date_of_birth = last
        form = ClientSearchForm(formdata=None, data={"q": text, "dob": date_of_birth})
        results = queries.search_clients(
            organisation_id=g.user.organisation_id, text=text, date_of_birth=date_of_birth
        )
        check = flags.flagged(
            partnership.check_caseloads(
                actor=g.user, query=partnership.query_for(text, date_of_birth), purpose="search"
            ),
            seen_by=g.user,
            now=clock.now(),
        )
        audit.record("client_search", detail=f"{len(results)} results")
    return render_template(
        "cases/clients/search.html",
        title="Clients",
        form=form,
        results=results,
        check=check,
        close=check.here_except(client.id for client in results or ()),
    )


def _from_search() -> dict[str, Any]:
    """What the last search said about her, to start the Add a client form with: a search of
    two or more words is a first name and a last name; one word is taken as her last name."""
    last = _last_search()
    if last is None:
        return {}
    text, date_of_birth = last
    words = text.split()
    if words and any(ch.isdigit() for ch in text):
        words = []  # a mobile number, not a name
    if len(words) >= 2:
        names = {"first_name": words[0], "last_name": " ".join(words[1:])}
    elif words:
        names = {"last_name": words[0]}
    else:
        names = {}
    return {**names, "date_of_birth": date_of_birth} if date_of_birth else names


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
        texts=TextPreferences(
            language=form.language(),
            plain_wording=bool(form.plain_wording.data),
            safe_days=tuple(form.safe_day_list() or ()) or None,
            safe_from=form.safe_hours()[0],
            safe_until=form.safe_hours()[1],
        ),
    )


# --- the name texts use (issue 16) ---------------------------------------------------------


def _court_in_wales(client: Client | None) -> bool:
    """Whether her latest case is at a court in Wales: then texts go in both languages
    while her own language is not known."""
    return client is not None and bool(client.cases) and client.cases[0].court.in_wales


def _name_warning(
    form: ClientForm, check: text_names.NameCheck | None, *, in_wales: bool
) -> NameWarning | None:
    """What the name texts would use does to her texts, in her language and register."""
    if check is None:
        return None
    return check.warning(
        form.text_name_name(),
        language=form.language(),
        plain=bool(form.plain_wording.data),
        court_in_wales=in_wales,
    )


def _name_page(
    check: text_names.NameCheck | None,
    warning: NameWarning | None,
    *,
    in_wales: bool,
) -> dict[str, Any]:
    """What the form shows about the name texts use, and what its script needs."""
    return {
        "name_warning": warning,
        "name_data": check.page_data(court_in_wales=in_wales) if check is not None else None,
    }


@bp.route("/new", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def add() -> Response | str:
    today = clock.today()
    carried = _from_search() if request.method == "GET" and request.args.get("from") else {}
    form = ClientForm(today=today, data=carried)
    same_people: list[Client] = []
    check = partnership.CaseloadCheck()
    held_by: Organisation | None = None
    name_check = text_names.name_check()
    warning: NameWarning | None = None
    if form.validate_on_submit():
        warning = _name_warning(form, name_check, in_wales=False)
        name_agreed = form.check_text_name(warning)
        same_people = queries.clients_named(
            organisation_id=g.user.organisation_id,
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
            date_of_birth=form.date_of_birth.data,
        )
        if not form.not_the_same_person.data:
            # Before saving: she may already be known, here or elsewhere in the partnership.
            check = flags.flagged(
                partnership.check_caseloads(
                    actor=g.user,
                    query=partnership.query_for_names(
                        form.first_name.data or "",
                        form.last_name.data or "",
                        form.date_of_birth.data,
                    ),
                    purpose="add_client",
                ),
                seen_by=g.user,
                now=clock.now(),
            )
        if same_people and not form.not_the_same_person.data:
            form.not_the_same_person.errors = [
                "A client with this name and date of birth is already on your caseload. "
                "Open her record, or tick the box if she is a different person"
            ]
        elif check.found:
            form.not_the_same_person.errors = [
                "She may already be known. Check the matches below, or tick the box if she "
                "is a different person"
            ]
        elif not name_agreed:
            pass  # the agreement box says what to do
        else:
            try:
                client = client_service.add_client(
                    actor=g.user, details=_details(form), today=today
                )
            except HeldElsewhere as refusal:
                # One file per woman: ask the holder to transfer her instead.
                offers.offer_transfer(refusal)
                form.first_name.errors = [refusal.message]
                held_by = refusal.holder
            else:
                flash("Client added.", "success")
                return redirect(url_for("clients.show", client_id=client.id))
    if warning is None and form.is_submitted():
        warning = _name_warning(form, name_check, in_wales=False)
    return render_template(
        "cases/clients/form.html",
        title="Add a client",
        form=form,
        client=None,
        same_people=same_people,
        check=check,
        close=check.here_except(person.id for person in same_people),
        held_by=held_by,
        **_name_page(name_check, warning, in_wales=False),
    )


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
        flag=flags.active_flag(client.id),
    )


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def edit(client_id: int) -> Response | str:
    client = _client_or_404(client_id)
    today = clock.today()
    form = ClientForm(today=today, obj=client if request.method == "GET" else None)
    name_check = text_names.name_check()
    in_wales = _court_in_wales(client)
    warning: NameWarning | None = None
    if request.method == "GET":
        form.aliases.data = "\n".join(alias.name for alias in client.aliases)
        form.mobile.data = display_mobile(client.mobile)
        form.safe_to_text.data = client.safe_to_text_confirmed_on is not None
        form.safe_number.data = client.mobile if form.safe_to_text.data else ""
        warning = _name_warning(form, name_check, in_wales=in_wales)
        if warning is not None and client.text_name:
            # The spelling she uses was saved with her agreement: show it ticked, for it.
            form.text_name_agreed.data = True
            form.text_name_agreed_for.data = client.text_name
    if form.validate_on_submit():
        warning = _name_warning(form, name_check, in_wales=in_wales)
        if form.check_text_name(warning):
            client_service.update_client(client=client, details=_details(form), today=today)
            flash("Client details saved.", "success")
            return redirect(url_for("clients.show", client_id=client.id))
    elif form.is_submitted():
        warning = _name_warning(form, name_check, in_wales=in_wales)
    # The form shows her health notes, housing and number: a view of her record.
    audit.record(
        "client_viewed",
        object_type="client",
        object_id=client.id,
        client_id=client.id,
        detail="edit page",
    )
    return render_template(
        "cases/clients/form.html",
        title=f"Edit {client.full_name}",
        form=form,
        client=client,
        **_name_page(name_check, warning, in_wales=in_wales),
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
