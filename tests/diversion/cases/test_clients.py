"""Adding, editing and finding clients: what a worker types, sees and cannot see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html import unescape

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select

from diversion.models import AuditEvent, Client, ClientAlias
from tests.conftest import World, sign_in
from tests.factories import Factory

TODAY = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def worker_web(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.worker)
    return web


def error_summary(response) -> list[str]:
    html = response.get_data(as_text=True)
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if block is None:
        return []
    return [unescape(m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", block.group(1), re.S)]


def text_of(response) -> str:
    """The page as a person reads it: tags removed, spaces collapsed."""
    html = response.get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S)
    words = re.sub(r"<[^>]+>", " ", main.group(0) if main else html)
    return re.sub(r"\s+", " ", unescape(words)).strip()


def input_tag(response, element_id: str) -> str:
    html = response.get_data(as_text=True)
    found = re.search(rf'<input [^>]*id="{re.escape(element_id)}"[^>]*>', html)
    assert found is not None, f"no input with id {element_id}"
    return found.group(0)


def input_value(response, element_id: str) -> str | None:
    found = re.search(r'value="([^"]*)"', input_tag(response, element_id))
    return unescape(found.group(1)) if found else None


def is_ticked(response, element_id: str) -> bool:
    return re.search(r"\schecked(\s|>|=)", input_tag(response, element_id)) is not None


def textarea_value(response, element_id: str) -> str:
    html = response.get_data(as_text=True)
    found = re.search(rf'<textarea [^>]*id="{element_id}"[^>]*>(.*?)</textarea>', html, re.S)
    assert found is not None
    return unescape(found.group(1))


def result_names(response) -> list[str]:
    """The names in the search's results table (close matches of the caseload check, below
    it, are read by tests/diversion/partnership)."""
    html = response.get_data(as_text=True)
    table = re.search(r'<table [^>]*id="search-results".*?</table>', html, re.S)
    html = table.group(0) if table else ""
    return [
        unescape(name)
        for name in re.findall(r'<a class="govuk-link" href="/clients/\d+">([^<]*)</a>', html)
    ]


def count(make: Factory, model: type) -> int:
    make.session.expire_all()
    return make.session.scalar(select(func.count()).select_from(model))


def all_clients(make: Factory) -> list[Client]:
    make.session.expire_all()
    return list(make.session.scalars(select(Client).order_by(Client.id)))


def client_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Annabel",
        "last_name": "Testington",
        "aliases": "",
        "date_of_birth": ["27", "3", "1990"],
        "text_name": "",
        "mobile": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# ---------------------------------------------------------------------------------------
# Adding a client
# ---------------------------------------------------------------------------------------


def test_adding_a_client_with_every_field_saves_and_shows_her(
    worker_web: FlaskClient, world: World, make: Factory
) -> None:
    response = worker_web.post(
        "/clients/new",
        data=client_form(
            aliases="Annie B\r\n\r\n  Bel Test  \r\nAnnie B",
            text_name="Bel",
            mobile="07400 123456",
            consent_to_texts="y",
            safe_to_text="y",
        ),
    )

    assert response.status_code == 302
    [client] = all_clients(make)
    assert response.headers["Location"] == f"/clients/{client.id}"
    assert client.organisation_id == world.project.id
    assert (client.first_name, client.last_name) == ("Annabel", "Testington")
    assert client.date_of_birth == date(1990, 3, 27)
    assert client.mobile == "+447400123456"
    assert [alias.name for alias in client.aliases] == ["Annie B", "Bel Test"]
    assert client.text_name == "Bel"
    assert client.consent_to_texts is True
    assert client.safe_to_text_confirmed_on == date(2026, 12, 1)

    page = worker_web.get(response.headers["Location"])
    text = text_of(page)
    assert "Client added." in text
    assert "Annabel Testington" in text
    assert "Tuesday 27 March 1990" in text
    assert "Annie B, Bel Test" in text
    assert "07400 123456" in text
    assert "Agreed; number confirmed safe on Tue 1 Dec 2026" in text


def test_a_client_without_a_mobile_gets_no_texts(worker_web: FlaskClient, make: Factory) -> None:
    response = worker_web.post("/clients/new", data=client_form())

    assert response.status_code == 302
    [client] = all_clients(make)
    assert client.mobile is None
    assert client.consent_to_texts is False
    assert client.safe_to_text_confirmed_on is None
    assert "No texts" in text_of(worker_web.get(response.headers["Location"]))


def test_the_same_name_and_date_of_birth_warns_with_a_link_before_a_second_record(
    worker_web: FlaskClient, world: World, make: Factory
) -> None:
    first = make.client(
        organisation=world.project,
        first_name="Annabel",
        last_name="Testington",
        date_of_birth=date(1990, 3, 27),
    )
    # Another organisation's client of the same name is not on this caseload.
    make.client(
        organisation=world.other_project,
        first_name="Annabel",
        last_name="Testington",
        date_of_birth=date(1990, 3, 27),
    )

    warned = worker_web.post("/clients/new", data=client_form(first_name="annabel "))
    assert warned.status_code == 200
    assert error_summary(warned) == [
        "A client with this name and date of birth is already on your caseload. "
        "Open her record, or tick the box if she is a different person"
    ]
    assert re.findall(r'href="/clients/(\d+)"', warned.get_data(as_text=True)) == [str(first.id)]
    assert count_clients(make) == 2

    added = worker_web.post("/clients/new", data=client_form(not_the_same_person="y"))
    assert added.status_code == 302
    assert count_clients(make) == 3

    # A date of birth one digit out is the slip the caseload check is for: she may be known.
    slip = worker_web.post("/clients/new", data=client_form(date_of_birth=["28", "3", "1990"]))
    assert slip.status_code == 200
    assert error_summary(slip) == [
        "She may already be known. Check the matches below, or tick the box if she is a "
        "different person"
    ]
    assert count_clients(make) == 3

    # A date of birth far from hers is a different woman: no question asked.
    other = worker_web.post("/clients/new", data=client_form(date_of_birth=["14", "7", "1982"]))
    assert other.status_code == 302


def count_clients(make: Factory) -> int:
    make.session.expire_all()
    return make.session.scalar(select(func.count()).select_from(Client))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_name": ""}, "Enter her first name"),
        ({"last_name": "   "}, "Enter her last name"),
        ({"first_name": " \t "}, "Enter her first name"),
        ({"date_of_birth": ["", "", ""]}, "Enter the date of birth"),
        ({"date_of_birth": None}, "Enter the date of birth"),
        ({"date_of_birth": ["27", "", "1990"]}, "Date of birth must include a month"),
        ({"date_of_birth": ["", "", "1990"]}, "Date of birth must include a day and month"),
        ({"date_of_birth": ["31", "2", "1990"]}, "Date of birth must be a real date"),
        ({"date_of_birth": ["1", "13", "1990"]}, "Date of birth must be a real date"),
        ({"date_of_birth": ["x", "3", "1990"]}, "Date of birth must be a real date"),
        ({"date_of_birth": ["²", "3", "1990"]}, "Date of birth must be a real date"),
        ({"date_of_birth": ["1", "3", "19900"]}, "Date of birth must be a real date"),
        ({"date_of_birth": ["1", "3", "90"]}, "Year must include 4 numbers"),
        ({"date_of_birth": ["2", "12", "2026"]}, "Date of birth must be in the past"),
        ({"date_of_birth": ["1", "12", "2026"]}, "Date of birth must be in the past"),
        ({"date_of_birth": ["2", "12", "2016"]}, "Date of birth must be at least 10 years ago"),
        ({"date_of_birth": ["1", "1", "1900"]}, "Date of birth must be less than 110 years ago"),
        (
            {"mobile": "12345"},
            "Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982",
        ),
        (
            {"mobile": "+1 202 555 0123"},
            "Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982",
        ),
        ({"mobile": "020 7946 0000"}, "Enter a mobile number: texts cannot be sent to a landline"),
        ({"consent_to_texts": "y"}, "Enter her mobile number, or untick consent to texts"),
        ({"safe_to_text": "y"}, "Enter her mobile number, or untick safe to text"),
        ({"first_name": "Ann\x00"}, "First name must not contain special characters"),
        ({"first_name": "A" * 101}, "First name must be 100 characters or fewer"),
        (
            {"text_name": "B" * 31},
            "Name to use in text messages (optional) must be 30 characters or fewer",
        ),
    ],
)
def test_adding_a_client_with_a_mistake_explains_it_and_saves_nothing(
    worker_web: FlaskClient, make: Factory, overrides: dict[str, object], message: str
) -> None:
    response = worker_web.post("/clients/new", data=client_form(**overrides))

    assert response.status_code == 200
    assert message in error_summary(response)
    assert "<title>Error: Add a client" in response.get_data(as_text=True)
    assert count(make, Client) == 0
    assert count(make, ClientAlias) == 0
    assert count(make, AuditEvent) == 2  # the sign-in (password, then code), nothing more


def test_a_client_exactly_ten_years_old_today_can_be_added(
    worker_web: FlaskClient, make: Factory
) -> None:
    response = worker_web.post("/clients/new", data=client_form(date_of_birth=["1", "12", "2016"]))

    assert response.status_code == 302
    assert all_clients(make)[0].date_of_birth == date(2016, 12, 1)


def test_a_form_with_mistakes_keeps_what_she_typed(worker_web: FlaskClient) -> None:
    response = worker_web.post(
        "/clients/new",
        data=client_form(
            last_name="",
            aliases="Annie B\r\nBel <b>Test</b>",
            date_of_birth=["31", "2", "1990"],
            text_name="Bel",
            mobile="07400 123456",
            consent_to_texts="y",
        ),
    )

    assert response.status_code == 200
    assert error_summary(response) == ["Enter her last name", "Date of birth must be a real date"]
    assert input_value(response, "first_name") == "Annabel"
    assert textarea_value(response, "aliases").splitlines() == ["Annie B", "Bel <b>Test</b>"]
    assert "<b>Test</b>" not in response.get_data(as_text=True)
    assert input_value(response, "date_of_birth-day") == "31"
    assert input_value(response, "date_of_birth-month") == "2"
    assert input_value(response, "date_of_birth-year") == "1990"
    assert input_value(response, "text_name") == "Bel"
    assert input_value(response, "mobile") == "07400 123456"
    assert is_ticked(response, "consent_to_texts")
    assert not is_ticked(response, "safe_to_text")


# ---------------------------------------------------------------------------------------
# Editing a client
# ---------------------------------------------------------------------------------------


@pytest.fixture
def texting_client(make: Factory, world: World) -> Client:
    return make.client(
        organisation=world.project,
        first_name="Marnie",
        last_name="Textwell",
        date_of_birth=date(1991, 4, 12),
        aliases=("Mo",),
        mobile="+447400123456",
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 11, 1),
        text_name="Mo",
    )


def edit_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Marnie",
        "last_name": "Textwell",
        "aliases": "Mo",
        "date_of_birth": ["12", "4", "1991"],
        "text_name": "Mo",
        "mobile": "07400 123456",
        "consent_to_texts": "y",
        "safe_to_text": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def reload(make: Factory, client: Client) -> Client:
    make.session.expire_all()
    return make.session.get(Client, client.id)


def test_the_edit_page_shows_her_current_details(
    worker_web: FlaskClient, texting_client: Client
) -> None:
    response = worker_web.get(f"/clients/{texting_client.id}/edit")

    assert response.status_code == 200
    assert input_value(response, "first_name") == "Marnie"
    assert textarea_value(response, "aliases") == "Mo"
    assert input_value(response, "date_of_birth-day") == "12"
    assert input_value(response, "date_of_birth-month") == "04"
    assert input_value(response, "date_of_birth-year") == "1991"
    assert input_value(response, "mobile") == "07400 123456"
    assert is_ticked(response, "consent_to_texts")
    assert is_ticked(response, "safe_to_text")


def test_editing_a_client_saves_her_new_details(
    worker_web: FlaskClient, texting_client: Client, make: Factory
) -> None:
    response = worker_web.post(
        f"/clients/{texting_client.id}/edit",
        data=edit_form(last_name="Textwell-Jones", aliases="Marnie T\r\nMoMo"),
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/clients/{texting_client.id}"
    client = reload(make, texting_client)
    assert client.last_name == "Textwell-Jones"
    assert [alias.name for alias in client.aliases] == ["Marnie T", "MoMo"]
    assert "Client details saved." in text_of(worker_web.get(f"/clients/{texting_client.id}"))


def test_keeping_her_number_keeps_the_date_it_was_confirmed_safe(
    worker_web: FlaskClient, texting_client: Client, make: Factory
) -> None:
    worker_web.post(f"/clients/{texting_client.id}/edit", data=edit_form(text_name="M"))

    client = reload(make, texting_client)
    assert client.mobile == "+447400123456"
    assert client.safe_to_text_confirmed_on == date(2026, 11, 1)


def test_changing_her_number_clears_the_safe_to_text_confirmation(
    worker_web: FlaskClient, texting_client: Client, make: Factory
) -> None:
    response = worker_web.post(
        f"/clients/{texting_client.id}/edit",
        data=edit_form(mobile="07400 654321", safe_to_text=None),
    )

    assert response.status_code == 302
    client = reload(make, texting_client)
    assert client.mobile == "+447400654321"
    assert client.consent_to_texts is True
    assert client.safe_to_text_confirmed_on is None
    page = text_of(worker_web.get(f"/clients/{texting_client.id}"))
    assert "Agreed, but the number has not been confirmed safe to text" in page


def as_the_edit_page_sends_it(page, **changes: object) -> dict[str, object]:
    """What the browser sends back from the edit page, with some fields changed."""
    data = edit_form(safe_number=input_value(page, "safe_number"))
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_box_left_ticked_from_before_does_not_vouch_for_a_new_number(
    worker_web: FlaskClient, texting_client: Client, make: Factory
) -> None:
    page = worker_web.get(f"/clients/{texting_client.id}/edit")
    assert input_value(page, "safe_number") == "+447400123456"

    response = worker_web.post(
        f"/clients/{texting_client.id}/edit",
        data=as_the_edit_page_sends_it(page, mobile="07400 654321"),
    )

    assert response.status_code == 200
    assert error_summary(response) == [
        "You changed her mobile number. Check the new number is safe to text, "
        "then tick the box again"
    ]
    assert not is_ticked(response, "safe_to_text")
    assert input_value(response, "mobile") == "07400 654321"
    unchanged = reload(make, texting_client)
    assert unchanged.mobile == "+447400123456"
    assert unchanged.safe_to_text_confirmed_on == date(2026, 11, 1)

    saved = worker_web.post(
        f"/clients/{texting_client.id}/edit",
        data=as_the_edit_page_sends_it(response, mobile="07400 654321", safe_to_text=None),
    )
    assert saved.status_code == 302
    client = reload(make, texting_client)
    assert client.mobile == "+447400654321"
    assert client.safe_to_text_confirmed_on is None


def test_ticking_the_box_again_for_a_new_number_confirms_it_today(
    worker_web: FlaskClient, texting_client: Client, make: Factory
) -> None:
    page = worker_web.get(f"/clients/{texting_client.id}/edit")
    refused = worker_web.post(
        f"/clients/{texting_client.id}/edit",
        data=as_the_edit_page_sends_it(page, mobile="07400 654321"),
    )

    saved = worker_web.post(
        f"/clients/{texting_client.id}/edit",
        data=as_the_edit_page_sends_it(refused, mobile="07400 654321", safe_to_text="y"),
    )

    assert saved.status_code == 302
    client = reload(make, texting_client)
    assert client.mobile == "+447400654321"
    assert client.safe_to_text_confirmed_on == date(2026, 12, 1)


def test_a_box_left_ticked_for_the_same_number_keeps_its_date(
    worker_web: FlaskClient, texting_client: Client, make: Factory
) -> None:
    page = worker_web.get(f"/clients/{texting_client.id}/edit")

    saved = worker_web.post(
        f"/clients/{texting_client.id}/edit",
        data=as_the_edit_page_sends_it(page, mobile="+44 7400 123456", last_name="Textwell-Ng"),
    )

    assert saved.status_code == 302
    client = reload(make, texting_client)
    assert client.last_name == "Textwell-Ng"
    assert client.safe_to_text_confirmed_on == date(2026, 11, 1)


def test_changing_her_number_and_ticking_safe_to_text_confirms_the_new_number_today(
    worker_web: FlaskClient, texting_client: Client, make: Factory
) -> None:
    worker_web.post(f"/clients/{texting_client.id}/edit", data=edit_form(mobile="07400654321"))

    client = reload(make, texting_client)
    assert client.mobile == "+447400654321"
    assert client.safe_to_text_confirmed_on == date(2026, 12, 1)


def test_removing_her_number_stops_texts(
    worker_web: FlaskClient, texting_client: Client, make: Factory
) -> None:
    worker_web.post(
        f"/clients/{texting_client.id}/edit",
        data=edit_form(mobile="", consent_to_texts=None, safe_to_text=None),
    )

    client = reload(make, texting_client)
    assert client.mobile is None
    assert client.consent_to_texts is False
    assert client.safe_to_text_confirmed_on is None


def test_an_edit_with_a_mistake_changes_nothing(
    worker_web: FlaskClient, texting_client: Client, make: Factory
) -> None:
    response = worker_web.post(
        f"/clients/{texting_client.id}/edit",
        data=edit_form(last_name="Changed", aliases="", mobile="020 7946 0000"),
    )

    assert response.status_code == 200
    assert error_summary(response) == ["Enter a mobile number: texts cannot be sent to a landline"]
    client = reload(make, texting_client)
    assert client.last_name == "Textwell"
    assert client.mobile == "+447400123456"
    assert [alias.name for alias in client.aliases] == ["Mo"]


# ---------------------------------------------------------------------------------------
# Finding a client
# ---------------------------------------------------------------------------------------


@pytest.fixture
def caseload(make: Factory, world: World) -> None:
    make.client(
        organisation=world.project,
        first_name="Rosalind",
        last_name="Exampleton",
        date_of_birth=date(1995, 1, 22),
        aliases=("Roz Kestrel",),
    )
    make.client(
        organisation=world.project,
        first_name="Juniper",
        last_name="Fakenham",
        date_of_birth=date(1987, 9, 3),
    )
    make.client(
        organisation=world.project,
        first_name="Juno",
        last_name="Exampleton",
        date_of_birth=date(1987, 9, 3),
    )
    make.client(
        organisation=world.other_project,
        first_name="Rosalind",
        last_name="Exampleton",
        date_of_birth=date(1995, 1, 22),
        aliases=("Roz Kestrel",),
    )


@pytest.mark.usefixtures("caseload")
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"q": "ampleto"}, ["Juno Exampleton", "Rosalind Exampleton"]),
        ({"q": "ROSAL"}, ["Rosalind Exampleton"]),
        ({"q": "kestrel"}, ["Rosalind Exampleton"]),
        ({"q": "ju exam"}, ["Juno Exampleton"]),
        ({"dob": ["3", "9", "1987"]}, ["Juno Exampleton", "Juniper Fakenham"]),
        ({"q": "juni", "dob": ["3", "9", "1987"]}, ["Juniper Fakenham"]),
        ({"q": "%"}, []),
        ({"q": "_"}, []),
        ({"q": "nobody"}, []),
    ],
)
def test_search_finds_her_by_name_fragment_alias_or_date_of_birth(
    worker_web: FlaskClient, data: dict[str, object], expected: list[str]
) -> None:
    response = worker_web.post("/clients", data=data, follow_redirects=True)

    assert response.status_code == 200
    assert result_names(response) == expected
    noun = "client" if len(expected) == 1 else "clients"
    assert f"{len(expected)} {noun} found" in text_of(response)


@pytest.mark.usefixtures("caseload")
def test_search_results_show_aliases_and_dates_of_birth(worker_web: FlaskClient) -> None:
    text = text_of(worker_web.post("/clients", data={"q": "kestrel"}, follow_redirects=True))

    assert "Rosalind Exampleton Roz Kestrel Sun 22 Jan 1995" in text


@pytest.mark.usefixtures("caseload")
def test_search_never_shows_another_organisations_clients(
    worker_web: FlaskClient, world: World, make: Factory
) -> None:
    response = worker_web.post("/clients", data={"q": "Rosalind"}, follow_redirects=True)

    [theirs] = [c for c in all_clients(make) if c.organisation_id == world.other_project.id]
    assert result_names(response) == ["Rosalind Exampleton"]
    assert f"/clients/{theirs.id}" not in response.get_data(as_text=True)


@pytest.mark.usefixtures("caseload")
def test_search_is_sent_as_a_post_so_her_name_never_appears_in_a_url(
    worker_web: FlaskClient,
) -> None:
    page = worker_web.get("/clients")
    form = re.search(r"<form [^>]*>", page.get_data(as_text=True)).group(0)
    assert 'method="post"' in form
    assert 'action="/clients"' in form

    by_url = worker_web.get("/clients", query_string={"q": "Rosalind"})
    assert by_url.status_code == 200
    assert result_names(by_url) == []
    assert "found" not in text_of(by_url)

    by_post = worker_web.post("/clients", data={"q": "Rosalind"}, follow_redirects=True)
    assert by_post.request.path == "/clients"
    assert by_post.request.query_string == b""
    assert result_names(by_post) == ["Rosalind Exampleton"]
    assert "Rosalind" not in "".join(re.findall(r'href="([^"]*)"', by_post.get_data(as_text=True)))


@pytest.mark.usefixtures("caseload")
def test_a_search_answers_with_a_redirect_so_back_and_reload_never_resend_a_form(
    worker_web: FlaskClient,
) -> None:
    sent = worker_web.post("/clients", data={"q": "Rosalind"})

    # post/redirect/get: the browser lands on a plain GET of /clients, which Back and reload
    # show again without "Confirm form resubmission"; the words are in no URL.
    assert sent.status_code == 303
    assert sent.headers["Location"] == "/clients"
    again = worker_web.get("/clients")
    assert result_names(again) == ["Rosalind Exampleton"]
    assert 'value="Rosalind"' in again.get_data(as_text=True)
    # Her session cookie does not carry the words in the clear.
    cookie = worker_web.get_cookie("session")
    assert cookie is not None and "Rosalind" not in cookie.value

    cleared = worker_web.post("/clients", data={"clear": "1"}, follow_redirects=True)
    assert result_names(cleared) == []
    assert "found" not in text_of(cleared)


@pytest.mark.usefixtures("caseload")
def test_a_search_that_finds_nobody_carries_the_name_and_date_into_add_a_client(
    worker_web: FlaskClient,
) -> None:
    found = worker_web.post(
        "/clients",
        data={"q": "Nadia Quarrendon-Vale", "dob": ["4", "7", "1991"]},
        follow_redirects=True,
    )
    assert result_names(found) == []
    html = found.get_data(as_text=True)
    link = re.search(r'href="(/clients/new[^"]*)"[^>]*>add her as a new client', html)
    assert link is not None
    assert "Nadia" not in link.group(1)

    form = worker_web.get(unescape(link.group(1))).get_data(as_text=True)
    assert re.search(r'name="first_name"[^>]*value="Nadia"', form)
    assert re.search(r'name="last_name"[^>]*value="Quarrendon-Vale"', form)
    assert re.search(r'name="date_of_birth"[^>]*value="1991"', form)
    # Straight to Add a client, the form starts empty.
    plain = worker_web.get("/clients/new").get_data(as_text=True)
    assert "Nadia" not in plain


@pytest.mark.usefixtures("caseload")
def test_an_empty_search_asks_for_a_name_or_date_of_birth(worker_web: FlaskClient) -> None:
    response = worker_web.post("/clients", data={"q": "  "})

    assert response.status_code == 200
    assert error_summary(response) == ["Enter a name, an alias or a date of birth"]
    assert result_names(response) == []


@pytest.mark.usefixtures("caseload")
def test_a_search_with_a_bad_date_explains_it(worker_web: FlaskClient) -> None:
    response = worker_web.post("/clients", data={"q": "Juno", "dob": ["31", "2", "1987"]})

    assert response.status_code == 200
    assert error_summary(response) == ["Date of birth must be a real date"]
    assert result_names(response) == []


@pytest.mark.usefixtures("caseload")
def test_searches_are_audited_without_the_search_words(
    worker_web: FlaskClient, make: Factory
) -> None:
    worker_web.post("/clients", data={"q": "Exampleton"}, follow_redirects=True)

    make.session.expire_all()
    row = make.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert row.action == "client_search"
    assert row.detail == "2 results"


# ---------------------------------------------------------------------------------------
# Another organisation's client
# ---------------------------------------------------------------------------------------


def test_another_organisations_client_is_not_found(
    worker_web: FlaskClient, world: World, make: Factory
) -> None:
    theirs = make.client(organisation=world.other_project, first_name="Hidden", last_name="Away")

    assert worker_web.get(f"/clients/{theirs.id}").status_code == 404
    assert worker_web.get(f"/clients/{theirs.id}/edit").status_code == 404
    response = worker_web.post(
        f"/clients/{theirs.id}/edit", data=edit_form(first_name="Changed", last_name="Changed")
    )
    assert response.status_code == 404
    assert "Hidden" not in response.get_data(as_text=True)
    assert reload(make, theirs).first_name == "Hidden"


def test_a_client_page_that_does_not_exist_is_not_found(worker_web: FlaskClient) -> None:
    assert worker_web.get("/clients/999999").status_code == 404


def test_her_client_page_lists_her_cases(
    worker_web: FlaskClient, world: World, make: Factory, texting_client: Client
) -> None:
    case = make.case(client=texting_client, court=world.court, worker=world.worker)

    text = text_of(worker_web.get(f"/clients/{texting_client.id}"))

    assert f"{case.reference} Court diversion (extended bail) Wed 2 Dec 2026 Awaiting court" in text
