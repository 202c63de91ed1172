"""The demo that `make run` loads: fictional, safe to load twice, and usable end to end."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from sqlalchemy import func, select

from diversion.db import db
from diversion.demo import DEMO_PASSWORD, load_demo
from diversion.models import Case, CaseStatus, Client, User, Venue
from scheduling import booking
from scheduling.plan import Plan

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_the_demo_loads_twice_without_duplicates_and_has_a_sign_in_for_every_role(app):
    with app.app_context():
        first = load_demo()
        counts = [
            db.session.scalar(select(func.count()).select_from(m)) for m in (User, Client, Case)
        ]
        second = load_demo()
        again = [
            db.session.scalar(select(func.count()).select_from(m)) for m in (User, Client, Case)
        ]
    assert first == second
    assert counts == again
    roles = {role for role, _email in first}
    assert roles == {
        "Diversion worker",
        "Team manager",
        "Court liaison officer",
        "Crown Prosecution Service",
        "Administrator",
    }


@time_machine.travel(NOW, tick=False)
def test_a_demo_worker_can_sign_in_and_book_both_appointments_for_an_accepted_case(app, web):
    with app.app_context():
        load_demo()
        worker = db.session.scalar(select(User).where(User.email == "worker@example.org"))
        accepted = db.session.scalars(
            select(Case).where(Case.status == CaseStatus.ON_SCHEME, Case.worker_id == worker.id)
        ).all()
        assert accepted
        venue = db.session.scalars(select(Venue)).first()
        plans = [booking.propose(case, venue=venue, now=NOW) for case in accepted]
    assert any(isinstance(plan, Plan) and len(plan.slots) == 2 for plan in plans)
    response = web.post("/sign-in", data={"email": "worker@example.org", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert web.get("/home").status_code == 200
