"""The caseload check: before a woman is taken on, every caseload of the partnership is
searched for her (domain.md, "Working across agencies"; issue 15).

A match on the worker's own caseload is her record, shown with why it may be her. A match
on another organisation's caseload shows only that she may be known there, and whom to ask:
the organisation's name, named contact, phone and email. Never her record, her name as they
spell it, her date of birth or anything else of that organisation's file; not even how many
of theirs matched. Every check is audited (who, for what, how many matches, which
organisations were told of), and every disclosure too, with ids only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from diversion import audit
from diversion.models import Client, User
from diversion.partnership import matching, queries

# How many candidates a check shows at most, across the partnership.
SHOWN = 10
PURPOSES = {
    "search": "search",
    "add_client": "adding a client",
    "open_case": "opening a case",
}


@dataclass(frozen=True)
class KnownHere:
    """One of the worker's own clients who may be her, and why."""

    client: Client
    reason: str
    exact: bool


@dataclass(frozen=True)
class KnownElsewhere:
    """Another organisation that may know her: whom to ask, and nothing about her."""

    organisation_id: int
    organisation: str
    contact_name: str | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class CaseloadCheck:
    """What a check found: the worker's own matches, and the other organisations to ask."""

    ran: bool = False
    here: list[KnownHere] = field(default_factory=list)
    elsewhere: list[KnownElsewhere] = field(default_factory=list)
    # Every record matched, here or elsewhere: for the standing flags on them
    # (diversion.cases.flags.flagged). Never shown.
    matched: tuple[int, ...] = ()
    # The flags on those records, text and contact only (set by flagged).
    flags: tuple[Any, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.here or self.elsewhere)

    def here_except(self, ids: Iterable[int]) -> list[KnownHere]:
        """Her own matches not already shown (by the exact search, say)."""
        shown = set(ids)
        return [known for known in self.here if known.client.id not in shown]


def check_caseloads(
    *,
    actor: User,
    query: matching.Query,
    purpose: str,
    excluding: int | None = None,
) -> CaseloadCheck:
    """Search every caseload of the partnership for the woman described; audit the check.

    `excluding` is the record the check is run for (opening a case for her), so that she
    does not find herself. A query without a name checks nothing (a date of birth alone, or
    a mobile number, is searched on the worker's own caseload only).
    """
    if not query.has_name:
        return CaseloadCheck()
    found = [c for c in queries.candidates(query) if c.person.ref != excluding]
    organisation_of = {c.person.ref: c.organisation_id for c in found}
    matches = matching.rank(query, [c.person for c in found], limit=SHOWN)
    own = [m for m in matches if organisation_of[m.ref] == actor.organisation_id]
    others = [m for m in matches if organisation_of[m.ref] != actor.organisation_id]
    told: list[int] = []
    for match in others:
        if organisation_of[match.ref] not in told:
            told.append(organisation_of[match.ref])
    organisations = queries.organisations_by_id(set(told))
    clients = queries.clients_by_id(actor.organisation_id, [m.ref for m in own])
    check = CaseloadCheck(
        ran=True,
        matched=tuple(m.ref for m in matches),
        here=[
            KnownHere(client=clients[m.ref], reason=m.reason, exact=m.exact)
            for m in own
            if m.ref in clients
        ],
        elsewhere=[
            KnownElsewhere(
                organisation_id=organisation.id,
                organisation=organisation.name,
                contact_name=organisation.contact_name,
                phone=organisation.phone,
                email=organisation.email,
            )
            for organisation in (organisations[i] for i in told if i in organisations)
        ],
    )
    _audit(
        purpose,
        matches=len(matches),
        own=len(check.here),
        told=told,
        others=others,
        organisation_of=organisation_of,
    )
    return check


def _audit(
    purpose: str,
    *,
    matches: int,
    own: int,
    told: list[int],
    others: list[matching.Match],
    organisation_of: dict[int, int],
) -> None:
    """One row for the check, and one for each woman another organisation holds whose
    organisation was named: ids and counts only, never a name or a date of birth."""
    words = PURPOSES.get(purpose, purpose)
    organisations = ", ".join(str(i) for i in told) or "none"
    entries = [
        audit.Entry(
            "caseload_check",
            detail=(
                f"{words}: {matches} matches, {own} on own caseload; "
                f"organisations told of: {organisations}"
            )[: audit.DETAIL_LENGTH],
        )
    ]
    entries += [
        audit.Entry(
            "caseload_disclosed",
            object_type="organisation",
            object_id=organisation_of[match.ref],
            client_id=match.ref,
            detail=f"{words}: shown organisation, contact and phone only",
        )
        for match in others
    ]
    audit.record_all(entries)


def query_for(text: str, date_of_birth: date | None) -> matching.Query:
    """The check's query from a search box (None words for a mobile number)."""
    if any(ch.isdigit() for ch in text):
        return matching.Query((), date_of_birth)
    return matching.Query.from_text(text, date_of_birth)


def query_for_names(first_name: str, last_name: str, date_of_birth: date | None) -> matching.Query:
    """The check's query from a form with her first and last names."""
    return matching.Query.from_names(first_name, last_name, date_of_birth)


def check_for_client(*, actor: User, client: Client) -> CaseloadCheck:
    """The check run when a case is opened for one of the worker's clients: anyone else,
    here or elsewhere, who may be her."""
    return check_caseloads(
        actor=actor,
        query=query_for_names(client.first_name, client.last_name, client.date_of_birth),
        purpose="open_case",
        excluding=client.id,
    )
