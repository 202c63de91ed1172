"""The caseload check's recall over the labelled set (issue 15): the woman meant is among the
first ten candidates for at least 95% of the variants, against a population of decoys, through
the real retrieval (the indexed keys and dates of birth) and the real ranking."""

from __future__ import annotations

from collections import Counter

from flask import Flask
from sqlalchemy import insert

from diversion.db import db
from diversion.models import Client, ClientNameKey
from diversion.partnership import matching, queries
from diversion.partnership.name_keys import key_rows
from tests.diversion.partnership.caseload_variants import VARIANTS, WOMEN, decoys
from tests.factories import Factory

DECOYS = 4000
RECALL_TARGET = 0.95
TOP1_FLOOR = 0.6


def plant(make: Factory) -> dict[int, int]:
    """The labelled women (through the ORM, so their keys are written as the app writes
    them) and the decoys (in bulk, as the data generator writes them); the women's ids."""
    here, there = make.organisation(), make.organisation()
    ids: dict[int, int] = {}
    for woman in WOMEN:
        client = make.client(
            organisation=here if woman.key % 2 else there,
            first_name=woman.first_name,
            last_name=woman.last_name,
            date_of_birth=woman.date_of_birth,
            aliases=woman.aliases,
        )
        ids[client.id] = woman.key
    rows, keys = [], []
    next_id = max(ids) + 1
    for n, decoy in enumerate(decoys(DECOYS)):
        client_id = next_id + n
        rows.append(
            {
                "id": client_id,
                "organisation_id": (here if n % 2 else there).id,
                "first_name": decoy.first_name,
                "last_name": decoy.last_name,
                "date_of_birth": decoy.date_of_birth,
            }
        )
        keys += key_rows(client_id, decoy.first_name, decoy.last_name, ())
    make.session.execute(insert(Client), rows)
    make.session.execute(insert(ClientNameKey), keys)
    make.session.commit()
    return ids


def test_the_woman_meant_is_in_the_first_ten_for_95_percent_of_the_labelled_variants(
    app: Flask, make: Factory
) -> None:
    assert len(VARIANTS) >= 300
    woman_of = plant(make)
    found = top1 = 0
    missed: Counter[str] = Counter()
    with app.app_context():
        for variant in VARIANTS:
            query = matching.Query.from_names(
                variant.first_name, variant.last_name, variant.date_of_birth
            )
            people = [c.person for c in queries.candidates(query)]
            ranked = [woman_of.get(m.ref) for m in matching.rank(query, people, limit=10)]
            if variant.woman in ranked:
                found += 1
            else:
                missed[variant.tolerance] += 1
            top1 += bool(ranked) and ranked[0] == variant.woman
            db.session.rollback()
    recall, precision = found / len(VARIANTS), top1 / len(VARIANTS)
    print(
        f"caseload check over {len(VARIANTS)} variants and {DECOYS} decoys: recall in the top "
        f"10 {recall:.3f}, top-1 precision {precision:.3f}; missed by tolerance {dict(missed)}"
    )
    assert recall >= RECALL_TARGET, dict(missed)
    assert precision >= TOP1_FLOOR


def test_the_labelled_set_covers_every_tolerance() -> None:
    tolerances = {variant.tolerance for variant in VARIANTS}

    assert {
        "typo",
        "sound-alike",
        "nickname",
        "swapped names",
        "one part of a double-barrelled surname",
        "maiden or other name",
        "day and month swapped",
        "one digit wrong",
        "sound-alike, no date of birth",
    } <= tolerances
