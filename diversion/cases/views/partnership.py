"""Working as one partnership: flags on her record, and transfers between organisations.

A refusal to add (or open a case for) a woman another organisation holds offers to ask it to
transfer her (diversion.cases.offers); the holder decides on the transfers page, listed in
the menu while some wait."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from diversion import audit, clock
from diversion.access import CASEWORKERS, allow, found_or_404
from diversion.cases import flags, offers, partnership, queries
from diversion.cases.forms import FlagForm, TransferRequestForm
from diversion.errors import RuleBroken
from diversion.models import Client

bp = Blueprint("partnership", __name__)


def _client_or_404(client_id: int) -> Client:
    return found_or_404(queries.client_for(g.user, client_id), "client", client_id)


@bp.route("/clients/<int:client_id>/flag", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def flag(client_id: int) -> Response | str:
    client = _client_or_404(client_id)
    standing = flags.active_flag(client.id)
    form = FlagForm(data={"text": standing.text, "contact": standing.contact} if standing else {})
    if form.validate_on_submit():
        try:
            flags.set_flag(
                actor=g.user,
                client=client,
                text=form.text.data or "",
                contact=form.contact.data or "",
                now=clock.now(),
            )
        except RuleBroken as error:
            getattr(form, error.field or "text").errors.append(error.message)
        else:
            flash("Flag saved. Anyone in the partnership who finds her record sees it.", "success")
            return redirect(url_for("clients.show", client_id=client.id) + "#flag")
    return render_template(
        "cases/clients/flag.html", title="Flag her record", form=form, client=client
    )


@bp.route("/clients/<int:client_id>/flag/clear", methods=["POST"])
@allow(*CASEWORKERS)
def clear_flag(client_id: int) -> Response:
    client = _client_or_404(client_id)
    try:
        cleared = flags.clear_flag(actor=g.user, client=client, now=clock.now())
    except RuleBroken as error:
        flash(error.message, "error")
    else:
        flash("Flag cleared." if cleared else "There was no flag to clear.", "success")
    return redirect(url_for("clients.show", client_id=client.id) + "#flag")


@bp.route("/transfers")
@allow(*CASEWORKERS)
def transfers() -> str:
    to_decide = partnership.requests_to_decide(g.user)
    made = partnership.requests_made(g.user)
    audit.record("transfers_viewed", detail=f"{len(to_decide)} to decide, {len(made)} asked")
    return render_template(
        "cases/transfers.html", title="Transfers", to_decide=to_decide, made=made
    )


@bp.route("/transfers/request", methods=["GET", "POST"])
@allow(*CASEWORKERS)
def request_transfer() -> Response | str:
    client = offers.offered(g.user)
    if client is None:
        flash("Find her first: a transfer is asked for from the refusal to add her.", "error")
        return redirect(url_for("clients.search"))
    form = TransferRequestForm()
    if form.validate_on_submit():
        try:
            partnership.request_transfer(
                actor=g.user, client=client, reason=form.reason.data or "", now=clock.now()
            )
        except RuleBroken as error:
            form.reason.errors = [*form.reason.errors, error.message]
        else:
            offers.forget_offer()
            flash(f"Transfer asked for. {client.organisation.name} will accept or decline it.")
            return redirect(url_for("partnership.transfers"))
    return render_template(
        "cases/transfer_request.html",
        title=f"Ask {client.organisation.name} to transfer her",
        form=form,
        holder=client.organisation,
        contact=partnership.contact_of(client.organisation),
    )


def _decision(transfer_id: int, *, accept: bool) -> Response:
    transfer = found_or_404(
        partnership.transfer_to_decide(g.user, transfer_id), "client_transfer", transfer_id
    )
    decide = partnership.accept_transfer if accept else partnership.decline_transfer
    try:
        decide(actor=g.user, transfer=transfer, now=clock.now())
    except RuleBroken as error:
        flash(error.message, "error")
    else:
        to = transfer.to_organisation.name
        flash(
            f"Transfer accepted: her record is now held by {to}."
            if accept
            else f"Transfer declined: {to} is told.",
            "success",
        )
    return redirect(url_for("partnership.transfers"))


@bp.route("/transfers/<int:transfer_id>/accept", methods=["POST"])
@allow(*CASEWORKERS)
def accept(transfer_id: int) -> Response:
    return _decision(transfer_id, accept=True)


@bp.route("/transfers/<int:transfer_id>/decline", methods=["POST"])
@allow(*CASEWORKERS)
def decline(transfer_id: int) -> Response:
    return _decision(transfer_id, accept=False)
