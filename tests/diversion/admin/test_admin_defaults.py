"""Administration starts from safe, honest defaults (issue 13): nothing pre-chosen that would
give the wrong people access, a legend on every group of boxes, report settings filled with
the scheme's usual values, and a warning where a court cannot yet be seen by those it serves.
"""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.models import Court, User
from tests.conftest import World, sign_in
from tests.factories import Factory


@pytest.fixture
def admin(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.admin)
    return web


def page(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def test_a_new_court_starts_with_no_day_ticked_a_legend_and_the_usual_report_settings(
    admin: FlaskClient,
) -> None:
    form = page(admin.get("/admin/courts/new"))

    assert not re.search(r'name="sitting_weekdays"[^>]*checked', form)
    fieldset = re.search(r'<fieldset class="govuk-fieldset"[^>]*>(.*?)</fieldset>', form, re.S)
    assert fieldset is not None and 'name="sitting_weekdays"' in fieldset.group(1)
    legend = re.search(r"<legend[^>]*>\s*(.*?)\s*</legend>", fieldset.group(1), re.S)
    assert legend is not None and legend.group(1) == "Sitting days"
    assert re.search(r'name="report_lead_working_days"[^>]*value="2"', form)
    assert re.search(r'name="report_due_time"[^>]*value="12:00"', form)
    assert re.search(r'name="list_time"[^>]*value="10:00"', form)
    assert "Usually 2" not in form


def test_a_new_users_organisation_must_be_chosen_not_defaulted(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    form = page(admin.get("/admin/users/new"))
    select_box = re.search(r'<select[^>]*name="organisation_id"[^>]*>(.*?)</select>', form, re.S)
    assert select_box is not None
    first = re.search(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select_box.group(1))
    assert first is not None and first.groups() == ("", "Select the organisation")

    refused = admin.post(
        "/admin/users/new",
        data={"name": "Nadia New", "email": "nadia.new@example.org", "role": "worker"},
    )
    assert refused.status_code == 200
    assert "Select the organisation" in page(refused)
    make.session.expire_all()
    assert make.session.scalar(select(User).where(User.email == "nadia.new@example.org")) is None


def test_a_court_without_its_liaison_and_cps_organisations_says_who_cannot_see_it(
    admin: FlaskClient, world: World, make: Factory
) -> None:
    court = make.session.get(Court, world.court.id)
    assert court is not None
    court_org, cps_org = court.organisation_id, court.cps_organisation_id
    court.organisation_id = None
    court.cps_organisation_id = None
    make.session.commit()

    edit = page(admin.get(f"/admin/courts/{world.court.id}/edit"))
    assert "Court liaison staff cannot see this court's lists or reports" in edit
    assert "The CPS cannot see this court's reports" in edit
    listed = page(admin.get("/admin/courts"))
    assert "No court organisation: liaison staff cannot see it" in listed

    court.organisation_id, court.cps_organisation_id = court_org, cps_org
    make.session.commit()
    assert "cannot see" not in page(admin.get(f"/admin/courts/{world.court.id}/edit"))
