"""The administrators' reminder policy editor, per requirement type (design/domain.md,
"Text messages": default policy, quiet hours).

Real app and database, an administrator signed in through the sign-in form.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import time, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.models import AuditEvent, RequirementType
from notifications.policy import (
    DEFAULT_POLICY,
    Policy,
    ReminderKind,
    policy_from_dict,
    policy_to_dict,
)
from notifications.store import policy_for
from tests.conftest import World, sign_in
from tests.factories import Factory

LIST = "/admin/messages/policies"
EDIT = "/admin/messages/policies/{}/edit"
RESTORE = "/admin/messages/policies/{}/restore"

# The form as it comes, filled with the default policy of domain.md.
DEFAULT_FORM: dict[str, str] = {
    "court_two_days_before_sent": "y",
    "court_two_days_before_days": "2",
    "court_two_days_before_at": "10:00",
    "court_two_days_before_useful_hours": "24",
    "court_two_days_before_useful_minutes": "0",
    "court_day_before_sent": "y",
    "court_day_before_days": "1",
    "court_day_before_at": "17:00",
    "court_day_before_useful_hours": "1",
    "court_day_before_useful_minutes": "0",
    "booking_confirmation_sent": "y",
    "booking_confirmation_useful_hours": "0",
    "booking_confirmation_useful_minutes": "0",
    "appointment_day_before_sent": "y",
    "appointment_day_before_days": "1",
    "appointment_day_before_at": "10:00",
    "appointment_day_before_useful_hours": "1",
    "appointment_day_before_useful_minutes": "0",
    "appointment_two_hours_before_sent": "y",
    "appointment_two_hours_before_before_hours": "2",
    "appointment_two_hours_before_before_minutes": "0",
    "appointment_two_hours_before_useful_hours": "1",
    "appointment_two_hours_before_useful_minutes": "0",
    "quiet_start": "20:00",
    "quiet_end": "08:00",
    "min_gap": "30",
}


def form(**changes: str | None) -> dict[str, str]:
    """The default form with some boxes changed; None leaves a box out (an unticked box)."""
    data = {**DEFAULT_FORM, **changes}
    return {key: value for key, value in data.items() if value is not None}


def page(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def title(response: Any) -> str:
    found = re.search(r"<title[^>]*>(.*?)</title>", response.get_data(as_text=True), re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def input_value(response: Any, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    assert found is not None, name
    return html.unescape(found.group(1))


def is_ticked(response: Any, name: str) -> bool:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', response.get_data(as_text=True))
    assert found is not None, name
    return " checked" in found.group(0)


def stored(make: Factory, kind: RequirementType) -> dict[str, Any] | None:
    make.session.expire_all()
    fresh = make.session.get(RequirementType, kind.id)
    assert fresh is not None
    return fresh.reminder_policy


def policy_of(app: Flask, kind: RequirementType) -> Policy:
    with app.app_context():
        from diversion.db import db

        found = db.session.get(RequirementType, kind.id)
        return policy_for(found)


def rule(policy: Policy, kind: ReminderKind) -> Any:
    return next((r for r in policy.rules if r.kind is kind), None)


@pytest.fixture
def admin(web: FlaskClient, world: World) -> FlaskClient:
    sign_in(web, world.admin)
    return web


@pytest.fixture
def order(make: Factory) -> RequirementType:
    return make.requirement_type("CD")


# Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["worker", "manager", "liaison", "cps"])
def test_only_administrators_may_see_or_change_policies(
    app: Flask, world: World, make: Factory, order: RequirementType, who: str
) -> None:
    web = app.test_client()
    sign_in(web, getattr(world, who))
    assert web.get(LIST).status_code == 403
    assert web.get(EDIT.format(order.id)).status_code == 403
    assert web.post(EDIT.format(order.id), data=form(quiet_start="21:00")).status_code == 403
    assert web.post(RESTORE.format(order.id)).status_code == 403
    assert stored(make, order) is None


def test_an_unknown_requirement_type_is_not_found(admin: FlaskClient) -> None:
    assert admin.get(EDIT.format(9999)).status_code == 404
    assert admin.post(RESTORE.format(9999)).status_code == 404


# The list -----------------------------------------------------------------------------------


def test_the_list_summarises_each_requirement_types_policy(
    admin: FlaskClient, make: Factory
) -> None:
    kinds = list(make.session.scalars(select(RequirementType)))
    assert kinds
    response = admin.get(LIST)
    assert response.status_code == 200
    text = page(response)
    for kind in kinds:
        assert kind.name in text
        assert f'href="{EDIT.format(kind.id)}"' in text
    assert text.count("Default policy") == len(kinds)
    for said in (
        "2 days before at 10:00",
        "The day before at 17:00",
        "As soon as it is booked",
        "The day before at 10:00",
        "2 hours before",
        "20:00 to 08:00",
    ):
        assert said in text


def test_the_list_shows_an_edited_policy(
    admin: FlaskClient, make: Factory, order: RequirementType
) -> None:
    admin.post(
        EDIT.format(order.id),
        data=form(
            appointment_two_hours_before_sent=None,
            appointment_day_before_days="0",
            appointment_day_before_at="08:30",
        ),
    )
    text = page(admin.get(LIST))
    assert text.count("Edited") == 1
    assert "Not sent" in text
    assert "On the day at 08:30" in text


# Editing ------------------------------------------------------------------------------------


def test_the_edit_page_starts_from_the_current_policy(
    admin: FlaskClient, order: RequirementType
) -> None:
    response = admin.get(EDIT.format(order.id))
    assert response.status_code == 200
    for name, value in DEFAULT_FORM.items():
        if name.endswith("_sent"):
            assert is_ticked(response, name), name
        else:
            assert input_value(response, name) == value, name
    text = page(response)
    for legend in (
        "Court date: 2 days before",
        "Court date: the day before",
        "Booking confirmation",
        "Appointment: the day before",
        "Appointment: 2 hours before",
        "Quiet hours",
    ):
        assert f'<h2 class="govuk-fieldset__heading">{legend}</h2>' in text
    assert "Restore the default policy" not in text


def test_saving_the_form_unchanged_stores_the_default_policy(
    app: Flask, admin: FlaskClient, make: Factory, order: RequirementType
) -> None:
    assert admin.post(EDIT.format(order.id), data=form()).status_code == 302
    data = stored(make, order)
    assert data == policy_to_dict(DEFAULT_POLICY)
    assert policy_of(app, order) == DEFAULT_POLICY


def test_save_stores_the_edited_policy(
    app: Flask, admin: FlaskClient, make: Factory, world: World, order: RequirementType
) -> None:
    response = admin.post(
        EDIT.format(order.id),
        data=form(
            court_two_days_before_days="3",
            court_two_days_before_at="9:30",
            court_day_before_at="18.15",
            booking_confirmation_useful_minutes="30",
            appointment_two_hours_before_before_hours="3",
            appointment_two_hours_before_before_minutes="15",
            appointment_two_hours_before_useful_minutes="",
            quiet_start="21:00",
            quiet_end="07:30",
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == LIST
    by_kind = {r.kind: r for r in DEFAULT_POLICY.rules}
    expected = Policy(
        rules=(
            replace(
                by_kind[ReminderKind.COURT_TWO_DAYS_BEFORE], days_before=3, at_local=time(9, 30)
            ),
            replace(by_kind[ReminderKind.COURT_DAY_BEFORE], at_local=time(18, 15)),
            replace(
                by_kind[ReminderKind.BOOKING_CONFIRMATION], latest_useful=timedelta(minutes=30)
            ),
            by_kind[ReminderKind.APPOINTMENT_DAY_BEFORE],
            replace(
                by_kind[ReminderKind.APPOINTMENT_TWO_HOURS_BEFORE],
                hours_before=timedelta(hours=3, minutes=15),
            ),
        ),
        quiet_start=time(21, 0),
        quiet_end=time(7, 30),
    )
    data = stored(make, order)
    assert data is not None
    assert policy_from_dict(data) == expected
    assert policy_of(app, order) == expected
    audit = make.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "reminder_policy_saved")
    )
    assert audit is not None
    assert (audit.user_id, audit.object_type, audit.object_id) == (
        world.admin.id,
        "requirement_type",
        order.id,
    )
    # Other requirement types keep the default.
    other = make.requirement_type("CC")
    assert stored(make, other) is None
    # The page shows what was saved.
    text = page(admin.get(LIST))
    assert f"Reminder policy saved: {order.name}." in text
    again = admin.get(EDIT.format(order.id))
    assert input_value(again, "court_day_before_at") == "18:15"
    assert input_value(again, "appointment_two_hours_before_before_minutes") == "15"
    assert input_value(again, "quiet_end") == "07:30"


def test_switching_a_kind_off_removes_it_from_the_policy(
    app: Flask, admin: FlaskClient, make: Factory, order: RequirementType
) -> None:
    # Its timing is not checked once it is off.
    response = admin.post(
        EDIT.format(order.id),
        data=form(
            court_two_days_before_sent=None,
            court_two_days_before_at="whenever",
            booking_confirmation_sent=None,
        ),
    )
    assert response.status_code == 302
    policy = policy_of(app, order)
    kinds = [r.kind for r in policy.rules]
    assert kinds == [
        ReminderKind.COURT_DAY_BEFORE,
        ReminderKind.APPOINTMENT_DAY_BEFORE,
        ReminderKind.APPOINTMENT_TWO_HOURS_BEFORE,
    ]
    again = admin.get(EDIT.format(order.id))
    assert not is_ticked(again, "court_two_days_before_sent")
    assert not is_ticked(again, "booking_confirmation_sent")
    assert is_ticked(again, "court_day_before_sent")
    # A kind switched off shows its default timing, ready to switch back on.
    assert input_value(again, "court_two_days_before_at") == "10:00"
    # Switched back on.
    assert admin.post(EDIT.format(order.id), data=form()).status_code == 302
    assert policy_of(app, order) == DEFAULT_POLICY


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"court_day_before_at": "25:00"},
            "court_day_before_at",
            "Time to send (Court date: the day before) must be a real time on the 24-hour "
            "clock, like 09:30 or 17:00",
        ),
        (
            {"appointment_day_before_at": ""},
            "appointment_day_before_at",
            "Enter the time to send (Appointment: the day before)",
        ),
        (
            {"quiet_start": "8pm"},
            "quiet_start",
            "Time quiet hours start must be a real time on the 24-hour clock",
        ),
        (
            {"court_two_days_before_days": "-1"},
            "court_two_days_before_days",
            "Days before the court date (Court date: 2 days before) must be a whole number",
        ),
        (
            {"court_two_days_before_days": "15"},
            "court_two_days_before_days",
            "must be between 0 and 14",
        ),
        (
            {"appointment_two_hours_before_before_minutes": "60"},
            "appointment_two_hours_before_before_minutes",
            "Minutes before (Appointment: 2 hours before) must be between 0 and 59",
        ),
        (
            {"appointment_two_hours_before_useful_hours": "2"},
            "appointment_two_hours_before_useful_hours",
            "Appointment: 2 hours before: the latest it is worth sending must be less than "
            "how long before the appointment it is sent, or it would never be sent",
        ),
        (
            {"quiet_end": "20:00"},
            "quiet_end",
            "Quiet hours must end at a different time from when they start",
        ),
    ],
)
def test_save_refuses_a_policy_that_is_not_right(
    admin: FlaskClient,
    make: Factory,
    order: RequirementType,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = admin.post(EDIT.format(order.id), data=form(**changes))
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    text = page(response)
    assert "There is a problem" in text
    assert message in text
    assert f'href="#{field}"' in text
    # What was typed is shown again.
    assert input_value(response, field) == changes[field]
    assert stored(make, order) is None


def test_restore_brings_back_the_default_policy(
    app: Flask, admin: FlaskClient, make: Factory, order: RequirementType
) -> None:
    admin.post(EDIT.format(order.id), data=form(quiet_start="22:00"))
    assert stored(make, order) is not None
    assert "Restore the default policy" in page(admin.get(EDIT.format(order.id)))
    response = admin.post(RESTORE.format(order.id))
    assert response.status_code == 302
    assert response.headers["Location"] == LIST
    assert stored(make, order) is None
    assert policy_of(app, order) == DEFAULT_POLICY
    audit = make.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "reminder_policy_restored")
    )
    assert audit is not None and audit.object_id == order.id
    assert f"Default reminder policy restored: {order.name}." in page(admin.get(LIST))


def test_the_gap_between_two_texts_is_edited_with_the_policy(
    app: Flask, admin: FlaskClient, make: Factory, order: RequirementType
) -> None:
    saved = admin.post(EDIT.format(order.id), data=form(min_gap="45"))
    assert saved.status_code == 302
    assert policy_of(app, order).min_gap == timedelta(minutes=45)
    refused = admin.post(EDIT.format(order.id), data=form(min_gap="300"))
    assert refused.status_code == 200
    assert "Least time between two texts must be between 0 and 240" in page(refused)
