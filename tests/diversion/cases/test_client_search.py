"""The client search's query (diversion.cases.queries.search_clients): the same clients in
the same order on SQLite and PostgreSQL, however each word is matched, and on PostgreSQL
found through the trigram indexes (diversion.models.TRIGRAM_INDEXES)."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import event, insert, select, text

from diversion.cases.queries import MAX_RESULTS, search_clients
from diversion.db import db
from diversion.models import TRIGRAM_INDEXES, Client, ClientAlias, Organisation
from tests.conftest import POSTGRES_URL, World
from tests.factories import Factory

FIRST = ("Anna", "Marta", "Joan", "Tonya", "Elle", "Zoë", "Ann-Marie", "Jo")
LAST = ("Tonbridge", "Hampton", "Ellison", "Marten", "Annan", "Brook", "Jolton", "Stone")
ALIASES = ("Tonic", "Marnie Blue", "Jo Jo", "Ellie", "Annie Stone")


def _cast(make: Factory, organisation: Organisation, count: int, *, seed: int) -> None:
    """Clients whose names share fragments, some with a name for texts or other names."""
    for n in range(count):
        k = n * 7 + seed
        make.client(
            organisation=organisation,
            first_name=FIRST[k % len(FIRST)],
            last_name=f"{LAST[(k // 3) % len(LAST)]}{'ton' if k % 5 == 0 else ''}",
            text_name="Toni" if k % 11 == 0 else None,
            date_of_birth=date(1980 + k % 3, 1, 1),
            aliases=(ALIASES[k % len(ALIASES)],) if k % 4 == 0 else (),
        )


def _expected(
    make: Factory, organisation: Organisation, words: list[str], born: date | None
) -> list[int]:
    """What the search promises, worked out in Python: every word somewhere in a name, the
    name for texts or an other name (case ignored), in name order, at most MAX_RESULTS."""
    clients = make.session.scalars(
        select(Client).where(Client.organisation_id == organisation.id)
    ).all()

    def matches(client: Client, word: str) -> bool:
        names = [client.first_name, client.last_name, client.text_name or ""]
        names += [alias.name for alias in client.aliases]
        return any(word.lower() in name.lower() for name in names)

    found = [
        c
        for c in clients
        if all(matches(c, w) for w in words) and (born is None or c.date_of_birth == born)
    ]
    found.sort(key=lambda c: (c.last_name, c.first_name, c.id))
    return [c.id for c in found[:MAX_RESULTS]]


@pytest.mark.parametrize(
    ("search", "born"),
    [
        ("ton", None),  # a common fragment: more than MAX_RESULTS, so the limit and order count
        ("TON", None),
        ("ann", None),
        ("an", None),  # too short for a trigram
        ("jo", None),
        ("ton ann", None),
        ("an ton", None),  # a short word and a longer one together
        ("marnie", None),  # only in an other name
        ("toni", None),  # only in the name for texts
        ("ellie stone", None),
        ("ann-marie", None),
        ("zoë", None),  # no three ASCII letters in a row
        ("zoë ton", None),
        ("o", date(1981, 1, 1)),
        ("ton", date(1982, 1, 1)),
        ("nobody", None),
        ("%", None),
        ("_", None),
    ],
)
def test_the_search_finds_the_same_clients_in_name_order_within_the_limit(
    app: Flask, make: Factory, world: World, search: str, born: date | None
) -> None:
    _cast(make, world.project, 100, seed=0)
    _cast(make, world.other_project, 20, seed=3)  # never found from the project

    expected = _expected(make, world.project, search.split(), born)
    with app.app_context():
        found = search_clients(organisation_id=world.project.id, text=search, date_of_birth=born)

    assert [c.id for c in found] == expected
    if search == "ton" and born is None:
        assert len(found) == MAX_RESULTS


@pytest.mark.skipif(not POSTGRES_URL, reason="the trigram indexes are PostgreSQL's")
def test_on_postgresql_the_search_reads_the_trigram_indexes(
    app: Flask, make: Factory, world: World
) -> None:
    """EXPLAIN of the statement the search sends for a rare word among 10,000 clients, with
    sequential and plain index scans turned off for the transaction: the planner may still
    walk the name index in order when a word is common, and on small tables read them whole,
    so neither is left to it; a plan of bitmap scans must then find each arm (a word in a
    name, the name for texts or an other name) through its trigram index rather than read
    every client of the organisation."""
    rows = [
        {
            "organisation_id": world.project.id,
            "first_name": f"First{n}",
            "last_name": "Quixley" if n == 1_234 else f"Last{n}",
            "date_of_birth": date(1990, 1, 1),
        }
        for n in range(10_000)
    ]
    with app.app_context():
        ids = db.session.scalars(insert(Client).returning(Client.id), rows).all()
        db.session.execute(
            insert(ClientAlias), [{"client_id": i, "name": f"Other{i}"} for i in ids[::20]]
        )
        db.session.commit()
        # As autovacuum would: the statistics, and the GIN indexes' new entries moved from
        # their pending lists into the indexes proper.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE client, client_alias"))

        sent: list[tuple[str, object]] = []
        engine = db.session.get_bind()

        def capture(*args: object) -> None:
            sent.append((str(args[2]), args[3]))

        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_indexscan = off"))
        event.listen(engine, "before_cursor_execute", capture)
        try:
            found = search_clients(
                organisation_id=world.project.id, text="quix", date_of_birth=None
            )
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        names = [c.last_name for c in found]
        statement, parameters = sent[0]
        plan = "\n".join(
            db.session.connection()
            .exec_driver_sql(f"EXPLAIN {statement}", parameters)  # type: ignore[arg-type]
            .scalars()
        )
        db.session.rollback()

    assert names == ["Quixley"]
    for index in TRIGRAM_INDEXES:
        assert index.name in plan, plan
