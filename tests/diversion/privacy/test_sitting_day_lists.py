"""What the court's sitting-day list leaves behind about each woman it names: the stored copy
and the development .eml file lose her row when she is anonymised (the other women's rows
stay), and her subject access export lists every list that named her without anyone else's
data. The list goes by the development file mailer here, so that its .eml file exists."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.court.schedule import LIST_KIND, send_lists
from diversion.db import db
from diversion.models import Case, CaseStatus, Client, OutgoingMail, OutgoingMailCase
from diversion.privacy.erasure import run_retention
from diversion.privacy.retention import ERASED, Periods
from tests.conftest import POSTGRES_URL, World, _empty_postgres, make_app, sign_in
from tests.factories import Factory

# Return Wed 30 Dec 2026: the list goes at the report time, Tue 29 Dec 12:00 (GMT).
RETURN = date(2026, 12, 30)
DUE = datetime(2026, 12, 29, 12, 0, tzinfo=UTC)
# Long enough after her case closed (the day after the list) for her to be anonymised.
YEARS_LATER = DUE + timedelta(days=6 * 366 + 10)
HERS = ("Araminta", "Quillfeather", "1991-03-14", "QF-ARAMINTA-1")
OTHERS = ("Beatrix", "Otterburn", "1987-09-02", "OB-BEATRIX-2")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The usual app: no MAIL_SERVER, so mail is written as .eml files under tmp_path/mail."""
    application = make_app(tmp_path)
    yield application
    if POSTGRES_URL:
        _empty_postgres(application)
    else:
        application.extensions["diversion.db"][0].dispose()


@dataclass
class Listed:
    her: Client
    other: Client
    her_case: Case
    other_case: Case
    mail_id: int
    folder: Path


def person(make: Factory, world: World, planted: tuple[str, str, str, str]) -> Case:
    first, last, born, reference = planted
    client = make.client(
        organisation=world.project,
        first_name=first,
        last_name=last,
        date_of_birth=date.fromisoformat(born),
    )
    return make.accepted_case(
        client=client,
        court=world.court,
        worker=world.worker,
        court_reference=reference,
        return_date=RETURN,
    )


@pytest.fixture
def listed(app: Flask, make: Factory, world: World, tmp_path: Path) -> Listed:
    """Both women return on the same day: the court's list names them both."""
    world.court.court_email = "listing@court.example.org"
    make.session.commit()
    her_case = person(make, world, HERS)
    other_case = person(make, world, OTHERS)
    with time_machine.travel(DUE, tick=False), app.app_context():
        (mail_id,) = send_lists(now=DUE)
    return Listed(
        her=her_case.client,
        other=other_case.client,
        her_case=her_case,
        other_case=other_case,
        mail_id=mail_id,
        folder=tmp_path / "mail",
    )


def list_rows(message: bytes) -> list[list[str]]:
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    (part,) = list(parsed.iter_attachments())
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return list(csv.reader(io.StringIO(payload.decode("utf-8"))))


def stored_messages(app: Flask) -> dict[int, bytes]:
    with app.app_context():
        return {row.id: row.message for row in db.session.scalars(select(OutgoingMail)).all()}


def anonymise_her(app: Flask, make: Factory, listed: Listed) -> None:
    """Her case closes the day after the list; six years on, the retention job runs."""
    case = make.session.get(Case, listed.her_case.id)
    assert case is not None
    case.status = CaseStatus.CLOSED
    case.closed_at = DUE + timedelta(days=1)
    make.session.commit()
    with time_machine.travel(YEARS_LATER, tick=False), app.app_context():
        assert run_retention(now=YEARS_LATER, periods=Periods()).clients == 1


def test_the_list_is_linked_to_each_case_by_its_row(app: Flask, listed: Listed) -> None:
    with app.app_context():
        links = db.session.scalars(
            select(OutgoingMailCase).where(OutgoingMailCase.outgoing_mail_id == listed.mail_id)
        ).all()
        message = db.session.get(OutgoingMail, listed.mail_id).message  # type: ignore[union-attr]
    rows = list_rows(message)
    by_case = {link.case_id: rows[link.list_row] for link in links}

    assert set(by_case) == {listed.her_case.id, listed.other_case.id}
    assert by_case[listed.her_case.id][1:4] == ["Araminta Quillfeather", *HERS[2:]]
    assert by_case[listed.other_case.id][1:4] == ["Beatrix Otterburn", *OTHERS[2:]]


def test_after_anonymising_her_no_stored_mail_nor_eml_file_names_her_but_the_other_stays(
    app: Flask, make: Factory, listed: Listed
) -> None:
    (eml,) = listed.folder.glob("*.eml")
    before = list_rows(eml.read_bytes())
    assert any("Quillfeather" in cell for row in before for cell in row)  # planted

    anonymise_her(app, make, listed)

    stored = stored_messages(app)
    files = {path.name: path.read_bytes() for path in listed.folder.glob("*.eml")}
    for where, content in [*stored.items(), *files.items()]:
        text = content.decode("utf-8", "replace")
        assert [p for p in HERS if p in text] == [], f"{where} still names her"
    # The list is still there, in the database and in its file, with the other woman's row
    # exactly as sent and hers erased cell by cell.
    assert list(files.values()) == [stored[listed.mail_id]]
    after = list_rows(stored[listed.mail_id])
    assert len(after) == len(before)
    her_row = next(i for i, row in enumerate(before) if "Araminta Quillfeather" in row)
    assert after[her_row] == [ERASED] * len(before[her_row])
    assert [row for i, row in enumerate(after) if i != her_row] == [
        row for i, row in enumerate(before) if i != her_row
    ]
    assert any(row[1:4] == ["Beatrix Otterburn", *OTHERS[2:]] for row in after)
    with app.app_context():
        row = db.session.get(OutgoingMail, listed.mail_id)
        assert row is not None and row.kind == LIST_KIND and row.eml_path == str(eml)


def export_of(web: FlaskClient, client: Client) -> dict:
    response = web.get(f"/clients/{client.id}/export.json")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_her_export_lists_the_list_that_named_her_and_nothing_of_the_other_woman(
    app: Flask, listed: Listed, world: World
) -> None:
    web = app.test_client()
    sign_in(web, world.worker)

    export = export_of(web, listed.her)

    (entry,) = export["tables"]["outgoing_mail_case"]
    assert entry["outgoing_mail_id"] == listed.mail_id
    assert entry["sitting_date"] == RETURN.isoformat()
    assert entry["court"] == world.court.name
    assert entry["recipient"] == "listing@court.example.org"
    assert datetime.fromisoformat(entry["sent_at"]) == DUE
    assert entry["her_row_of_the_list"]["Name"] == "Araminta Quillfeather"
    assert entry["her_row_of_the_list"]["Court reference"] == HERS[3]
    # The list itself is not one of her emails: only her row of it comes out.
    assert export["tables"]["outgoing_mail"] == []
    text = json.dumps(export, ensure_ascii=False)
    assert [p for p in OTHERS if p in text] == []
