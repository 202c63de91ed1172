"""The transfer a refusal offers: kept in the worker's session (encrypted), never in a page
or an address, so that only a refusal (a second file refused, or the caseload check's match
in another organisation) can start a request for a woman another organisation holds."""

from __future__ import annotations

from flask import session

from diversion import audit, crypto
from diversion.cases import partnership
from diversion.models import Client, User

_OFFER = "transfer_offer"


def offer_transfer(refusal: partnership.HeldElsewhere) -> None:
    """Remember, for this worker only, the record a refusal offers to ask for; audited, as
    it told her which organisation holds the woman she typed."""
    session[_OFFER] = crypto.keyring().encrypt(str(refusal.client_id))
    audit.record(
        "second_file_refused",
        object_type="client",
        object_id=refusal.client_id,
        client_id=refusal.client_id,
        detail=f"holder organisation {refusal.holder.id}",
    )


def offered(user: User) -> Client | None:
    """The record the last refusal offered, while another organisation still holds it."""
    sealed = session.get(_OFFER)
    if not isinstance(sealed, str):
        return None
    try:
        client_id = int(crypto.keyring().decrypt(sealed))
    except (crypto.DecryptionError, ValueError):
        session.pop(_OFFER, None)
        return None
    return partnership.offer_for(user, client_id)


def forget_offer() -> None:
    """The request was made: the offer is spent."""
    session.pop(_OFFER, None)
