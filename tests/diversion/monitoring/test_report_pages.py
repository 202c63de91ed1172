"""The monitoring pages: what a manager and a commissioner each see, the period and its
errors, the CSV of every table (the same figures, safe in a spreadsheet), and the
data-quality lists (managers only, audited)."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion import clock
from diversion.formatting import format_date
from diversion.models import (
    AuditEvent,
    CaseStatus,
    MessageStatus,
    OutboxMessage,
    Role,
    User,
)
from diversion.monitoring.queries import Period
from diversion.monitoring.report import build_report
from tests.conftest import World, signed_in_client
from tests.diversion.monitoring.seeded import FIRST, LAST, Seeded, seed
from tests.factories import Factory

RANGE = {"from": FIRST.isoformat(), "to": LAST.isoformat()}


@pytest.fixture
def seeded(make: Factory, world: World) -> Seeded:
    return seed(make, world)


@pytest.fixture
def commissioner(make: Factory, world: World) -> User:
    return make.user(organisation=world.project, role=Role.COMMISSIONER, name="Cora Commissioner")


def page(web: FlaskClient, url: str, **args: str) -> str:
    response = web.get(url, query_string=args)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def table_rows(text: str, table_id: str) -> list[list[str]]:
    """The rows of one table of the page, each cell's text."""
    block = text.split(f'id="table-{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", block, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def test_a_manager_sees_her_organisations_figures_as_the_report_has_them(
    app: Flask, world: World, seeded: Seeded
) -> None:
    web = signed_in_client(app, world.manager)

    text = page(web, "/monitoring", **RANGE)

    with app.app_context():
        report = build_report(scope=[world.project.id], period=Period(FIRST, LAST))
    assert f"Monitoring: {world.project.name}" in text
    assert "1 January 2026 to 30 June 2026" in text
    for key, table in report.tables.items():
        rows = table_rows(text, key)
        assert rows[0] == [table.spec.row_heading, *table.headings], key
        assert rows[1:] == [
            [line.label, *(f.text for f in (*line.counts, *line.derived))] for line in table.lines
        ], key
        assert f'aria-labelledby="chart-{key}-title chart-{key}-desc"' in text
    assert "fewer than 5" in text and "not shown" in text
    assert report.effect.sentence in html.unescape(text)
    # Aggregates only: no woman is named, nor linked to.
    assert "Seeded" not in text and "/clients/" not in text
    assert seeded.elsewhere.name not in text


def test_the_partnership_shows_every_organisation_and_the_total(
    app: Flask, commissioner: User, seeded: Seeded
) -> None:
    web = signed_in_client(app, commissioner)

    text = page(web, "/monitoring/partnership", **RANGE)

    rows = table_rows(text, "referrals-by-organisation")
    assert [row[0] for row in rows[1:]] == [seeded.elsewhere.name, seeded.riverside.name, "Total"]
    assert rows[-1][5] == "34"  # every referral of the period, worked out by hand
    assert "Your organisation" not in text and "Data quality" not in text


def test_a_commissioner_lands_on_the_partnership_and_her_menu_says_monitoring(
    app: Flask, commissioner: User, world: World
) -> None:
    web = signed_in_client(app, commissioner)

    assert web.get("/").headers["Location"] == "/monitoring/partnership"
    menu = r'class="govuk-service-navigation__link" href="{}"[^>]*>\s*(<strong[^>]*>)?Monitoring'
    assert re.search(menu.format("/monitoring/partnership"), page(web, "/account"))
    assert web.get("/monitoring").status_code == 403
    assert web.get("/monitoring/data-quality").status_code == 403
    manager = page(signed_in_client(app, world.manager), "/home")
    assert re.search(menu.format("/monitoring"), manager)


def test_the_period_is_the_last_12_months_unless_chosen(app: Flask, world: World) -> None:
    web = signed_in_client(app, world.manager)

    text = page(web, "/monitoring")

    today = clock.today()
    first = date(today.year - 1, today.month, today.day) + timedelta(days=1)
    assert f"{format_date(first, 'plain')} to {format_date(today, 'plain')}" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"from": "2026-06-30", "to": "2026-01-01"}, "End date must be on or after the start date"),
        (
            {"from": "2022-01-01", "to": "2026-01-01"},
            "The period must be 3 years or shorter: start on or after 2 January 2023",
        ),
        ({"to": "2026-01-01"}, "Enter the start date"),
        ({"from": ["1", "", "2026"], "to": "2026-06-30"}, "Start date must include a month"),
        ({"from": ["31", "2", "2026"], "to": "2026-06-30"}, "Start date must be a real date"),
        ({"from": "1999-12-31", "to": "2000-06-30"}, "Start date must be between 2000 and 2099"),
        ({"reminder": "sometimes"}, "Select which reminder counts"),
    ],
)
def test_a_period_that_cannot_be_reported_says_why(
    app: Flask, world: World, args: dict[str, object], message: str
) -> None:
    web = signed_in_client(app, world.manager)

    response = web.get("/monitoring", query_string=args)
    text = response.get_data(as_text=True)

    assert response.status_code == 200
    assert text.count(message) == 2  # in the summary and by the field
    assert "<title>Error: " in text
    assert 'id="section-referrals"' not in text


def test_the_dates_are_typed_in_day_month_and_year_boxes(app: Flask, world: World) -> None:
    web = signed_in_client(app, world.manager)

    text = page(web, "/monitoring", **{"from": ["1", "1", "2026"], "to": ["30", "6", "2026"]})  # type: ignore[arg-type]

    assert "1 January 2026 to 30 June 2026" in text
    for name in ("from-day", "from-month", "from-year", "to-day", "to-month", "to-year"):
        assert f'id="{name}"' in text


def csv_rows(web: FlaskClient, url: str, **args: str) -> list[list[str]]:
    response = web.get(url, query_string=args)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_every_table_downloads_as_csv_with_the_pages_figures(
    app: Flask, world: World, seeded: Seeded
) -> None:
    web = signed_in_client(app, world.manager)
    text = page(web, "/monitoring", **RANGE)

    with app.app_context():
        keys = list(build_report(scope=[world.project.id], period=Period(FIRST, LAST)).tables)
    for key in keys:
        assert f'href="/monitoring.csv?table={key}&amp;from=2026-01-01&amp;to=2026-06-30"' in text
        rows = csv_rows(web, "/monitoring.csv", table=key, **RANGE)
        blank = rows.index([])
        assert rows[:blank] == table_rows(text, key), key
        assert ["Period", "2026-01-01 to 2026-06-30"] in rows
    response = web.get("/monitoring.csv", query_string={"table": "texts", **RANGE})
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="monitoring-organisation-texts-2026-01-01-to-2026-06-30.csv"'
    )


def test_a_csv_download_is_audited_and_refuses_what_it_cannot_make(
    app: Flask, world: World, make: Factory
) -> None:
    web = signed_in_client(app, world.manager)

    assert web.get("/monitoring.csv", query_string={"table": "nothing", **RANGE}).status_code == 404
    assert (
        web.get("/monitoring.csv", query_string={"table": "texts", "from": "x"}).status_code == 400
    )
    assert (
        web.get("/monitoring/partnership.csv", query_string={"table": "texts"}).status_code == 200
    )

    make.session.expire_all()
    details = make.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "monitoring_exported")
    ).all()
    assert details and details[-1].startswith("partnership table texts, ")


def test_csv_cells_that_would_start_a_formula_are_quoted(
    app: Flask, commissioner: User, seeded: Seeded, make: Factory
) -> None:
    # A wording label no dispatcher would write, as it would read in a spreadsheet.
    message = make.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.status == MessageStatus.DELIVERED,
            OutboxMessage.kind == "appointment_day_before",
            OutboxMessage.send_at > datetime(2026, 1, 2, tzinfo=UTC),
        )
    ).first()
    assert message is not None
    message.wording = "=HYPERLINK(1)"
    make.session.commit()
    web = signed_in_client(app, commissioner)

    rows = csv_rows(web, "/monitoring/partnership.csv", table="wordings", **RANGE)

    assert [row[0] for row in rows if row and "HYPERLINK" in row[0]] == ["'=HYPERLINK(1)"]


def test_the_data_quality_lists_name_her_organisations_clients_and_are_audited(
    app: Flask, world: World, make: Factory
) -> None:
    court = world.court
    no_number = make.client(organisation=world.project, first_name="Nora", last_name="Nonumber")
    make.case(client=no_number, court=court, status=CaseStatus.AWAITING_COURT)
    closed = make.client(organisation=world.project, first_name="Cleo", last_name="Closed")
    make.case(client=closed, court=court, status=CaseStatus.CLOSED)
    failing = make.client(
        organisation=world.project, first_name="Fay", last_name="Failing", mobile="07700900111"
    )
    fixed = make.client(
        organisation=world.project, first_name="Fern", last_name="Fixed", mobile="07700900222"
    )
    for client, statuses in ((failing, ("delivered", "failed")), (fixed, ("failed", "delivered"))):
        for n, status in enumerate(statuses):
            make.session.add(
                OutboxMessage(
                    client_id=client.id,
                    kind="appointment_day_before",
                    send_at=datetime(2026, 3, 1 + n, tzinfo=UTC),
                    status=MessageStatus(status),
                    reason="provider refused (code 30003)" if status == "failed" else None,
                    updated_at=datetime(2026, 3, 1 + n, tzinfo=UTC),
                )
            )
    twins = [
        make.client(
            organisation=world.project, first_name=name, last_name="Twin", mobile="07700900333"
        )
        for name in ("Tess", "Tina")
    ]
    elsewhere = make.client(
        organisation=world.other_project, first_name="Olga", last_name="Other", mobile="07700900333"
    )
    make.case(client=elsewhere, court=court, status=CaseStatus.AWAITING_COURT)
    make.session.commit()
    web = signed_in_client(app, world.manager)

    text = page(web, "/monitoring/data-quality")

    no_number_list = text.split('id="no-number-list"', 1)[1].split("</ul>", 1)[0]
    assert "Nora Nonumber" in no_number_list and "Cleo" not in no_number_list
    failed_list = text.split('id="failed-list"', 1)[1].split("</table>", 1)[0]
    assert "Fay Failing" in failed_list and "Fern Fixed" not in failed_list
    assert "provider refused (code 30003)" in failed_list
    shared_list = text.split('id="shared-list"', 1)[1].split("</ul>", 1)[0]
    assert "Tess Twin" in shared_list and "Tina Twin" in shared_list
    assert "Olga" not in text and "07700900" not in text
    make.session.expire_all()
    audited = make.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "data_quality_viewed")
    ).all()
    assert audited[0].detail == "no number 1, last text failed 1, numbers held twice 1"
    ids = {no_number.id, failing.id, *(twin.id for twin in twins)}
    listed = {int(n) for event in audited[1:] for n in re.findall(r"\d+", event.detail or "")}
    assert listed == ids
    assert all(event.user_id == world.manager.id for event in audited)


def test_no_one_without_a_number_is_a_quiet_list(app: Flask, world: World) -> None:
    text = page(signed_in_client(app, world.manager), "/monitoring/data-quality")

    assert 'id="no-number-none"' in text and 'id="failed-none"' in text
    assert 'id="shared-none"' in text


def test_managers_of_another_organisation_see_only_theirs(
    app: Flask, world: World, seeded: Seeded
) -> None:
    web = signed_in_client(app, world.other_org_worker)  # Elsewhere's manager

    text = page(web, "/monitoring", **RANGE)

    assert f"Monitoring: {world.other_project.name}" in text
    rows = table_rows(text, "referrals-by-order")
    court = next(row for row in rows if row[0] == "Court diversion (extended bail)")
    assert court[1:5] == ["5", "5", "fewer than 5", "fewer than 5"]
