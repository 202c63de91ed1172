"""A court in Wales (issue 16): texts to a woman whose language is not known go in Welsh and
English at such a court, so administrators say which courts are in Wales."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.models import AuditEvent, Court
from tests.conftest import World, sign_in
from tests.factories import Factory


@pytest.fixture
def admin(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.admin)
    return web


def court_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Caerwen Magistrates' Court",
        "sitting_weekdays": ["1"],
        "report_lead_working_days": "3",
        "report_due_time": "11:30",
        "list_time": "10:00",
        "court_email": "",
        "cps_email": "",
        "organisation_id": "",
        "cps_organisation_id": "",
        "active": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def in_wales_box(response: Any) -> str:
    found = re.search(r'<input [^>]*id="in_wales"[^>]*>', response.get_data(as_text=True))
    assert found is not None
    return found.group(0)


def test_a_court_is_added_in_wales(admin: FlaskClient, make: Factory) -> None:
    form = admin.get("/admin/courts/new")
    assert "This court is in Wales" in form.get_data(as_text=True)
    assert "checked" not in in_wales_box(form)
    response = admin.post("/admin/courts/new", data=court_form(in_wales="y"))
    assert response.status_code == 302
    court = make.session.scalar(select(Court).where(Court.name == "Caerwen Magistrates' Court"))
    assert court is not None and court.in_wales is True
    audit = make.session.scalar(select(AuditEvent).where(AuditEvent.action == "court_created"))
    assert audit is not None and audit.object_id == court.id


def test_a_court_is_marked_and_unmarked_as_in_wales(
    admin: FlaskClient, make: Factory, world: World
) -> None:
    court = world.court
    assert court.in_wales is False
    name = court.name
    response = admin.post(
        f"/admin/courts/{court.id}/edit", data=court_form(name=name, in_wales="y")
    )
    assert response.status_code == 302
    make.session.expire_all()
    assert make.session.get(Court, court.id).in_wales is True  # type: ignore[union-attr]
    assert "checked" in in_wales_box(admin.get(f"/admin/courts/{court.id}/edit"))
    audits = make.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "court_updated")
    ).all()
    assert [audit.object_id for audit in audits] == [court.id]

    admin.post(f"/admin/courts/{court.id}/edit", data=court_form(name=name))
    make.session.expire_all()
    assert make.session.get(Court, court.id).in_wales is False  # type: ignore[union-attr]
