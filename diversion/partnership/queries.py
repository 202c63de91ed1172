"""Named reads for the caseload check: the candidates, across every organisation, that
`matching.rank` scores. A fixed number of queries, whatever the size of the partnership."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, select
from sqlalchemy.orm import selectinload

from diversion.db import db
from diversion.models import Client, ClientAlias, ClientNameKey, Organisation
from diversion.partnership import matching

# Without a date of birth, the women found by their names that `rank` scores: those whose
# keys match the most typed words first.
NAME_CANDIDATES = 200


@dataclass(frozen=True)
class Candidate:
    """A woman the check may show, with the organisation whose caseload she is on."""

    person: matching.Person
    organisation_id: int


def _by_name(query: matching.Query) -> Select[tuple[int]] | None:
    """Ids of the women whose keys match the most typed words, then the most keys (a word
    spelt as typed matches both its keys, a sound-alike one), then by id."""
    slot_keys = [keys for keys in matching.query_keys(query) if keys]
    every_key = set().union(*slot_keys) if slot_keys else set()
    if not every_key:
        return None
    slot = case(
        *[(ClientNameKey.key.in_(sorted(keys)), index) for index, keys in enumerate(slot_keys)]
    )
    return (
        select(ClientNameKey.client_id)
        .where(ClientNameKey.key.in_(sorted(every_key)))
        .group_by(ClientNameKey.client_id)
        .order_by(
            func.count(distinct(slot)).desc(),
            func.count(distinct(ClientNameKey.key)).desc(),
            ClientNameKey.client_id,
        )
        .limit(NAME_CANDIDATES)
    )


def candidates(query: matching.Query) -> list[Candidate]:
    """Every woman the check should score for this query, in any organisation; never an
    anonymised record.

    With a date of birth typed, only women born on that day or one slip of the pen from it
    can match (`matching.score`), so they are the candidates, whatever their names. Without
    one, the women whose search keys match the most typed words are.
    """
    if not query.has_name:
        return []
    if query.date_of_birth is not None:
        variants = sorted(matching.date_of_birth_variants(query.date_of_birth))
        chosen: ColumnElement[bool] = Client.date_of_birth.in_(variants)
    else:
        by_name = _by_name(query)
        if by_name is None:
            return []
        chosen = Client.id.in_(by_name.scalar_subquery())
    held = and_(chosen, Client.anonymised_at.is_(None))
    rows = db.session.execute(
        select(
            Client.id,
            Client.organisation_id,
            Client.first_name,
            Client.last_name,
            Client.date_of_birth,
        ).where(held)
    ).all()
    # Their other names by the ids just read: choosing them again (the name keys counted and
    # ranked a second time) was half the check's time at 100,000 clients.
    aliases: dict[int, list[str]] = defaultdict(list)
    for client_id, name in db.session.execute(
        select(ClientAlias.client_id, ClientAlias.name)
        .where(ClientAlias.client_id.in_([row[0] for row in rows]))
        .order_by(ClientAlias.id)
    ):
        aliases[client_id].append(name)
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
