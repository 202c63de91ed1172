"""Her monitoring answers at rest (security.md 15; diversion.sealed): a raw read of the table
shows no answer, equal answers share one sealed value so SQL can count them, the same code
under two questions is sealed differently, `keys rotate` re-seals every answer under a new
key, and her subject access export holds her monitoring history."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import Text, func, select, text, type_coerce

from diversion.app import create_app
from diversion.db import Base, db
from diversion.models import Client, MonitoringRecord, Role, User
from diversion.monitoring.choices import QUESTIONS
from diversion.sealed import PREFIX, open_sealed, sealed_forms
from tests.conftest import World, signed_in_client
from tests.factories import Factory

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
HASH_KEY = "a-test-lookup-hash-key-of-at-least-32-characters"
FIELDS = tuple(question.field for question in QUESTIONS)
# Every answer code long enough that it cannot turn up in base64 text by chance.
LONG_CODES = sorted({code for question in QUESTIONS for code in question.codes if len(code) >= 6})


def answers(**changes: str) -> dict[str, str]:
    return {
        "work_pattern": "street",
        "contacts": "several",
        "housing_status": "hostel",
        "known_previously": "yes",
        "age_band": "35_44",
        "ethnicity": "white_british",
        "drug_use": "heroin,crack",
        **changes,
    }


def add_record(make: Factory, client: Client, recorder: User, **changes: str) -> int:
    record = MonitoringRecord(
        client_id=client.id,
        organisation_id=client.organisation_id,
        recorded_on=date(2026, 12, 1),
        recorded_by_id=recorder.id,
        **answers(**changes),
    )
    make.session.add(record)
    make.session.commit()
    return record.id


def stored(app: Flask) -> list[dict[str, object]]:
    """Every row of monitoring_record as the database holds it."""
    with app.extensions["diversion.db"][0].connect() as connection:
        return [
            dict(row._mapping)
            for row in connection.execute(text("SELECT * FROM monitoring_record ORDER BY id"))
        ]


def test_a_raw_read_of_monitoring_record_shows_no_answer_in_plain(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(organisation=world.project)
    add_record(make, client, world.worker)
    add_record(make, client, world.worker, ethnicity="prefer_not_to_say", drug_use="not_asked")

    rows = stored(app)

    assert len(rows) == 2
    every_code = {code for question in QUESTIONS for code in question.codes}
    for row in rows:
        for field in FIELDS:
            value = row[field]
            assert isinstance(value, str) and value.startswith(PREFIX)
            assert value not in every_code
        whole = json.dumps(list(row.values()), default=str)
        assert [code for code in LONG_CODES if code in whole] == []
        assert "white_british" not in whole and "heroin" not in whole


def test_equal_answers_share_one_sealed_value_that_sql_can_count(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(organisation=world.project)
    for ethnicity in ("white_british", "black_african", "white_british", "white_british"):
        add_record(make, client, world.worker, ethnicity=ethnicity)

    with app.app_context():
        column = MonitoringRecord.__table__.c.ethnicity
        counted = db.session.execute(
            text("SELECT ethnicity, COUNT(*) FROM monitoring_record GROUP BY ethnicity")
        ).all()
        # A query finds an answer by its sealed forms (compared as stored text, not sealed
        # again), never by its code.
        white_british = db.session.scalar(
            select(func.count())
            .select_from(MonitoringRecord)
            .where(type_coerce(column, Text).in_(sealed_forms("ethnicity", "white_british")))
        )
        # The mapped column compares with sealed forms as they are, too.
        through_the_model = db.session.scalar(
            select(func.count())
            .select_from(MonitoringRecord)
            .where(MonitoringRecord.ethnicity.in_(sealed_forms("ethnicity", "white_british")))
        )

    assert sorted((open_sealed("ethnicity", value), count) for value, count in counted) == [
        ("black_african", 1),
        ("white_british", 3),
    ]
    assert white_british == through_the_model == 3


def test_the_same_answer_to_different_questions_is_sealed_differently(
    app: Flask, make: Factory, world: World
) -> None:
    client = make.client(organisation=world.project)
    add_record(make, client, world.worker, **dict.fromkeys(FIELDS, "not_asked"))
    add_record(make, client, world.worker, **dict.fromkeys(FIELDS, "prefer_not_to_say"))

    not_asked, prefer_not = stored(app)

    assert len({not_asked[field] for field in FIELDS}) == 7
    assert len({prefer_not[field] for field in FIELDS}) == 7
    assert not {not_asked[field] for field in FIELDS} & {prefer_not[field] for field in FIELDS}
    # Read back through the model, each is her answer again.
    make.session.expire_all()
    first = make.session.scalars(select(MonitoringRecord).order_by(MonitoringRecord.id)).first()
    assert first is not None
    assert {getattr(first, field) for field in FIELDS} == {"not_asked"}


# --- key rotation ----------------------------------------------------------------------------


def keyed_app(url: str, keys: str) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key",
            "ENCRYPTION_KEYS": keys,
            "LOOKUP_HASH_KEY": HASH_KEY,
        }
    )
    Base.metadata.create_all(app.extensions["diversion.db"][0])
    return app


def rotate(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    return result.output


def seed_under(app: Flask, count: int) -> list[int]:
    """A client with `count` monitoring records (the same answers each time); their ids."""
    make = Factory(app)
    try:
        organisation = make.organisation(name="Keys")
        worker = make.user(organisation=organisation, role=Role.WORKER, totp_secret=None)
        client = make.client(organisation=organisation)
        ids = [add_record(make, client, worker) for _ in range(count)]
        ids.append(add_record(make, client, worker, ethnicity="asian_chinese"))
    finally:
        make.session.close()
    return ids


def test_keys_rotate_reseals_every_answer_under_the_new_key_so_the_old_one_can_go(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'reseal.sqlite'}"
    with_a = keyed_app(url, KEY_A)
    ids = seed_under(with_a, 3)
    before = stored(with_a)

    with_b_first = keyed_app(url, f"{KEY_B},{KEY_A}")
    # Before the rotation, the old key still opens what it sealed.
    with with_b_first.app_context():
        assert db.session.get(MonitoringRecord, ids[0]).ethnicity == "white_british"  # type: ignore[union-attr]
    output = rotate(with_b_first)
    assert "Re-encrypted 28 values" in output  # four records, seven answers each

    only_b = keyed_app(url, KEY_B)
    after = stored(only_b)
    for old, new in zip(before, after, strict=True):
        assert all(old[field] != new[field] for field in FIELDS)
        assert [new[field] for field in FIELDS] == [
            sealed_forms(field, answers()[field])[0]
            if (field, new["id"]) != ("ethnicity", ids[-1])
            else sealed_forms("ethnicity", "asian_chinese")[0]
            for field in FIELDS
        ]
    # Still countable: the three identical answers share one value under the new key.
    assert len({row["drug_use"] for row in after}) == 1
    assert len({row["ethnicity"] for row in after}) == 2
    with only_b.app_context():
        records = db.session.scalars(select(MonitoringRecord).order_by(MonitoringRecord.id)).all()
        assert [record.ethnicity for record in records] == [
            "white_british",
            "white_british",
            "white_british",
            "asian_chinese",
        ]
        assert {record.drug_use for record in records} == {"heroin,crack"}
        assert all(open_sealed("work_pattern", str(row["work_pattern"])) for row in after)

    again = rotate(only_b)
    assert "Re-encrypted 0 values" in again and "(28 were already)" in again


def test_rotation_stops_with_a_clear_message_at_an_answer_no_key_opens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stuck.sqlite'}"
    ids = seed_under(keyed_app(url, KEY_A), 1)
    app = keyed_app(url, KEY_B)

    result = app.test_cli_runner().invoke(args=["keys", "rotate"])

    assert result.exit_code != 0
    assert f"monitoring_record.work_pattern row {ids[0]}" in result.output
    assert "ENCRYPTION_KEYS" in result.output
    assert "street" not in result.output and "white_british" not in result.output


# --- subject access --------------------------------------------------------------------------


def test_her_subject_access_export_holds_her_monitoring_history_and_no_one_elses(
    app: Flask, make: Factory, world: World
) -> None:
    her = make.client(organisation=world.project)
    other = make.client(organisation=world.project)
    first = add_record(make, her, world.worker)
    second = add_record(make, her, world.manager, housing_status="settled", drug_use="none")
    add_record(make, other, world.worker, ethnicity="white_roma")

    response = signed_in_client(app, world.worker).get(f"/clients/{her.id}/export.json")

    assert response.status_code == 200
    export = json.loads(response.get_data(as_text=True))
    rows = export["tables"]["monitoring_record"]
    assert [row["id"] for row in rows] == [first, second]
    assert [(row["housing_status"], row["drug_use"]) for row in rows] == [
        ("hostel", "heroin,crack"),
        ("settled", "none"),
    ]
    assert rows[0]["ethnicity"] == "white_british"
    assert "white_roma" not in response.get_data(as_text=True)
