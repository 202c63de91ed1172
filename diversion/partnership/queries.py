"""Named reads for the caseload check: the candidates, across every organisation, that
`matching.rank` scores. A fixed number of queries, whatever the size of the partnership."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import selectinload

from diversion.db import db
from diversion.models import Client, ClientAlias, ClientNameKey, Organisation
from diversion.partnership import matching

# Candidates found by their names, closest first (how many typed words each matches):
# the ones `rank` scores, with every woman whose date of birth is close to the one typed.
NAME_CANDIDATES = 300


@dataclass(frozen=True)
class Candidate:
    """A woman the check may show, with the organisation whose caseload she is on."""

    person: matching.Person
    organisation_id: int


def _by_name(query: matching.Query) -> list[int]:
    """Ids of the women whose keys match the most typed words (ties by id)."""
    slot_keys = [keys for keys in matching.query_keys(query) if keys]
    every_key = set().union(*slot_keys) if slot_keys else set()
    if not every_key:
        return []
    slot = case(
        *[(ClientNameKey.key.in_(sorted(keys)), index) for index, keys in enumerate(slot_keys)]
    )
    hits = func.count(distinct(slot))
    rows = db.session.execute(
        select(ClientNameKey.client_id)
        .where(ClientNameKey.key.in_(sorted(every_key)))
        .group_by(ClientNameKey.client_id)
        .order_by(hits.desc(), ClientNameKey.client_id)
        .limit(NAME_CANDIDATES)
    )
    return [client_id for (client_id,) in rows]


def _by_date_of_birth(born: date) -> list[int]:
    """Ids of the women born on the day typed, or on a day one slip of the pen from it."""
    rows = db.session.execute(
        select(Client.id)
        .where(Client.date_of_birth.in_(sorted(matching.date_of_birth_variants(born))))
        .where(Client.anonymised_at.is_(None))
    )
    return [client_id for (client_id,) in rows]


def candidates(query: matching.Query) -> list[Candidate]:
    """Every woman the check should score for this query, in any organisation; never an
    anonymised record."""
    if not query.has_name:
        return []
    ids = set(_by_name(query))
    if query.date_of_birth is not None:
        ids.update(_by_date_of_birth(query.date_of_birth))
    if not ids:
        return []
    wanted = sorted(ids)
    aliases: dict[int, list[str]] = defaultdict(list)
    for client_id, name in db.session.execute(
        select(ClientAlias.client_id, ClientAlias.name)
        .where(ClientAlias.client_id.in_(wanted))
        .order_by(ClientAlias.id)
    ):
        aliases[client_id].append(name)
    rows = db.session.execute(
        select(
            Client.id,
            Client.organisation_id,
            Client.first_name,
            Client.last_name,
            Client.date_of_birth,
        )
        .where(Client.id.in_(wanted))
        .where(Client.anonymised_at.is_(None))
    )
    return [
        Candidate(
            person=matching.Person(
                ref=client_id,
                first_name=first_name,
                last_name=last_name,
                aliases=tuple(aliases.get(client_id, ())),
                date_of_birth=born,
            ),
            organisation_id=organisation_id,
        )
        for client_id, organisation_id, first_name, last_name, born in rows
    ]


def organisations_by_id(ids: set[int]) -> dict[int, Organisation]:
    """The organisations named in a check's answer."""
    if not ids:
        return {}
    found = db.session.scalars(select(Organisation).where(Organisation.id.in_(sorted(ids))))
    return {organisation.id: organisation for organisation in found}


def clients_by_id(organisation_id: int, ids: list[int]) -> dict[int, Client]:
    """Clients of one organisation, with their other names, by id."""
    if not ids:
        return {}
    found = db.session.scalars(
        select(Client)
        .where(Client.id.in_(ids), Client.organisation_id == organisation_id)
        .options(selectinload(Client.aliases))
    )
    return {client.id: client for client in found}
