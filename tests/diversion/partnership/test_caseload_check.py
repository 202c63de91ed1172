"""The caseload check through the pages a worker uses: search, add a client, open a case
(issue 15; domain.md "Working across agencies")."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from diversion.db import db
from diversion.models import AuditEvent, Client, ClientFlag, ClientNameKey, MatchNotice
from diversion.privacy.erasure import anonymise_client
from tests.conftest import World, signed_in_client
from tests.factories import Factory

HER_DOB = date(1988, 4, 12)


@pytest.fixture
def worker_web(app: Flask, world: World) -> FlaskClient:
    return signed_in_client(app, world.worker)


@pytest.fixture
def elsewhere(make: Factory, world: World) -> Client:
    """A woman on the other project's caseload, and whom they say to ask."""
    world.other_project.contact_name = "Priya Dutyworker"
    world.other_project.phone = "020 7946 0456"
    world.other_project.email = "duty@elsewhere.example"
    make.session.add(world.other_project)
    make.session.commit()
    return make.client(
        organisation=world.other_project,
        first_name="Elizabeth",
        last_name="Fairbairn-Lockwood",
        date_of_birth=HER_DOB,
        aliases=("Elizabeth Kershaw",),
    )


@pytest.fixture
def ours(make: Factory, world: World) -> Client:
    return make.client(
        organisation=world.project,
        first_name="Kayleigh",
        last_name="Testwood",
        date_of_birth=date(1991, 6, 5),
        aliases=("Kayleigh Marney",),
    )


def page_text(response) -> str:
    html = response.get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S)
    words = re.sub(r"<[^>]+>", " ", main.group(0) if main else html)
    return re.sub(r"\s+", " ", unescape(words)).strip()


def search(web: FlaskClient, q: str, dob: date | None = None):
    data: dict[str, object] = {"q": q}
    if dob is not None:
        data["dob"] = [str(dob.day), str(dob.month), str(dob.year)]
    return web.post("/clients", data=data, follow_redirects=True)


def close_match_links(response) -> list[int]:
    html = response.get_data(as_text=True)
    table = re.search(r'<table [^>]*id="close-matches".*?</table>', html, re.S)
    return [int(i) for i in re.findall(r'href="/clients/(\d+)"', table.group(0))] if table else []


def audit_rows(make: Factory, *actions: str) -> list[AuditEvent]:
    make.session.expire_all()
    return list(
        make.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)
        )
    )


def test_another_organisations_match_shows_only_whom_to_ask(
    worker_web: FlaskClient, elsewhere: Client
) -> None:
    # A nickname, one part of her surname, and her date of birth with day and month swapped.
    response = search(worker_web, "Beth Fairbairn", date(1988, 12, 4))

    html = response.get_data(as_text=True)
    text = page_text(response)
    assert "She may be known to another organisation of the partnership" in text
    assert "Elsewhere Test Project: contact Priya Dutyworker, 020 7946 0456" in text
    assert "duty@elsewhere.example" in text
    # Nothing of their file: not her record, her name as they spell it, nor her birthday.
    assert f"/clients/{elsewhere.id}" not in html
    for theirs in ("Elizabeth", "Lockwood", "Kershaw", "Apr 1988", "12 April", "1988-04-12"):
        assert theirs not in html
    assert close_match_links(response) == []


def test_a_match_on_her_own_caseload_links_to_the_record_with_the_reason(
    worker_web: FlaskClient, ours: Client
) -> None:
    response = search(worker_web, "Kaylee Testwod", date(1991, 6, 5))

    assert close_match_links(response) == [ours.id]
    assert "Same date of birth, name sounds alike" in page_text(response)
    assert "No other organisation of the partnership knows anyone close" in page_text(response)


@pytest.mark.parametrize(
    ("typed", "dob", "reason"),
    [
        ("Kayleigh Tetswood", date(1991, 6, 5), "name spelt nearly the same"),
        ("Testwod Kaylee", None, "first and last names swapped"),
        ("Kayleigh Marnie", date(1991, 6, 5), "another name she uses"),
        ("Kayleigh Testwood", date(1991, 5, 6), "date of birth with day and month swapped"),
        ("Kayleigh Testwood", date(1991, 6, 8), "date of birth one digit different"),
        ("Kaylee Testwood", None, "name sounds alike"),
    ],
)
def test_slips_of_every_kind_find_her_through_the_search_page(
    worker_web: FlaskClient, ours: Client, typed: str, dob: date | None, reason: str
) -> None:
    response = search(worker_web, typed, dob)

    assert close_match_links(response) == [ours.id]
    assert reason in page_text(response).lower()


def test_a_nickname_finds_her_in_another_organisation(
    worker_web: FlaskClient, elsewhere: Client
) -> None:
    response = search(worker_web, "Lizzie Kershaw", HER_DOB)

    assert "Elsewhere Test Project: contact Priya Dutyworker" in page_text(response)


def test_every_check_is_audited_with_counts_and_organisations_never_names(
    worker_web: FlaskClient, elsewhere: Client, ours: Client, world: World, make: Factory
) -> None:
    search(worker_web, "Beth Fairbairn", HER_DOB)
    search(worker_web, "Kaylee Testwod", None)

    checks = audit_rows(make, "caseload_check")
    assert [row.detail for row in checks] == [
        f"search: 1 matches, 0 on own caseload; organisations told of: {world.other_project.id}",
        "search: 1 matches, 1 on own caseload; organisations told of: none",
    ]
    assert {row.user_id for row in checks} == {world.worker.id}
    [disclosed] = audit_rows(make, "caseload_disclosed")
    assert (disclosed.object_type, disclosed.object_id) == ("organisation", world.other_project.id)
    assert disclosed.client_id == elsewhere.id
    assert disclosed.user_id == world.worker.id
    every_detail = " ".join(row.detail or "" for row in make.session.scalars(select(AuditEvent)))
    for name in ("Beth", "Fairbairn", "Elizabeth", "Kaylee", "Testwo", "Kayleigh", "1988"):
        assert name not in every_detail


def test_an_anonymised_woman_is_never_found(
    app: Flask, worker_web: FlaskClient, elsewhere: Client, make: Factory
) -> None:
    with app.app_context():
        anonymise_client(
            db.session.get(Client, elsewhere.id), now=datetime(2026, 12, 1, tzinfo=UTC)
        )
        db.session.commit()

    assert (
        make.session.scalars(
            select(ClientNameKey).where(ClientNameKey.client_id == elsewhere.id)
        ).all()
        == []
    )
    response = search(worker_web, "Elizabeth Fairbairn-Lockwood", HER_DOB)
    assert "Elsewhere Test Project" not in page_text(response)
    assert "No other organisation of the partnership knows anyone close" in page_text(response)


def test_her_keys_follow_her_names_when_they_are_edited(
    worker_web: FlaskClient, ours: Client, make: Factory
) -> None:
    edited = worker_web.post(
        f"/clients/{ours.id}/edit",
        data={
            "first_name": "Kayleigh",
            "last_name": "Pemberton",
            "aliases": "",
            "date_of_birth": ["5", "6", "1991"],
        },
    )
    assert edited.status_code == 302

    assert close_match_links(search(worker_web, "Kaylee Pembertin")) == [ours.id]
    assert close_match_links(search(worker_web, "Kayleigh Marney")) == []


def test_adding_a_client_known_elsewhere_asks_first_and_saves_nothing(
    worker_web: FlaskClient, elsewhere: Client, make: Factory
) -> None:
    form = {
        "first_name": "Liz",
        "last_name": "Fairbairn",
        "aliases": "",
        "date_of_birth": ["12", "4", "1988"],
    }
    before = len(make.session.scalars(select(Client.id)).all())

    asked = worker_web.post("/clients/new", data=form)

    assert asked.status_code == 200
    text = page_text(asked)
    assert "She may already be known" in text
    assert "Elsewhere Test Project: contact Priya Dutyworker, 020 7946 0456" in text
    assert "Lockwood" not in asked.get_data(as_text=True)
    assert len(make.session.scalars(select(Client.id)).all()) == before

    added = worker_web.post("/clients/new", data={**form, "not_the_same_person": "y"})
    assert added.status_code == 302
    assert len(make.session.scalars(select(Client.id)).all()) == before + 1


def test_opening_a_case_shows_whom_to_ask_when_she_is_known_elsewhere(
    worker_web: FlaskClient, elsewhere: Client, world: World, make: Factory
) -> None:
    her = make.client(
        organisation=world.project,
        first_name="Beth",
        last_name="Lockwood",
        date_of_birth=HER_DOB,
    )

    page = worker_web.get(f"/clients/{her.id}/cases/new")

    assert page.status_code == 200
    text = page_text(page)
    assert "Elsewhere Test Project: contact Priya Dutyworker" in text
    assert f"/clients/{elsewhere.id}" not in page.get_data(as_text=True)
    assert "Fairbairn" not in text
    [check] = audit_rows(make, "caseload_check")
    assert check.detail.startswith("opening a case: 1 matches")


def test_a_flag_on_her_shows_when_another_organisation_finds_her_and_the_holder_is_told(
    app: Flask, make: Factory, world: World, elsewhere: Client
) -> None:
    holder = make.user(organisation=world.other_project, name="Hana Holder")
    make.session.add(
        ClientFlag(
            client_id=elsewhere.id,
            organisation_id=world.other_project.id,
            text="Contact the project if she reappears",
            contact="Hana, 020 7946 0456",
            set_by_id=holder.id,
        )
    )
    make.session.commit()

    # The project's worker finds her by a nickname and part of her surname.
    response = search(signed_in_client(app, world.worker), "Beth Lockwood", HER_DOB)

    text = page_text(response)
    assert "Contact the project if she reappears. Contact: Hana, 020 7946 0456" in text
    for theirs in ("Elizabeth", "Fairbairn", "Kershaw"):
        assert theirs not in response.get_data(as_text=True)
    make.session.expire_all()
    notice = make.session.scalar(select(MatchNotice))
    assert notice is not None
    assert (notice.client_id, notice.organisation_id, notice.matched_by_id) == (
        elsewhere.id,
        world.other_project.id,
        world.worker.id,
    )
    # A search with no match shows no flag and tells nobody.
    search(signed_in_client(app, world.worker), "Zenobia Quartermaine", date(1970, 1, 1))
    assert make.session.scalar(select(func.count()).select_from(MatchNotice)) == 1
