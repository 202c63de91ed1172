"""The demo that `make run` loads: fictional, safe to load twice, and usable end to end."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import time_machine
from sqlalchemy import func, select

from devtools.demo import DEMO_PASSWORD, load_demo
from devtools.demo_monitoring import DEMO_MONITORING
from diversion.db import db
from diversion.formatting import LONDON
from diversion.models import (
    Case,
    CaseStatus,
    Client,
    MonitoringRecord,
    OrganisationKind,
    OutboxMessage,
    RequirementType,
    User,
    Venue,
)
from notifications.policy import DEFAULT_POLICY, next_allowed_moment
from scheduling import booking
from scheduling.plan import Plan
from tests.conftest import sign_in

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
        "Diversion worker (CJIT)",
        "Team manager",
        "Court liaison officer",
        "Crown Prosecution Service",
        "Administrator",
        "Commissioner",
    }


@time_machine.travel(NOW, tick=False)
def test_the_demo_has_an_open_case_of_each_of_the_four_orders(app, web):
    with app.app_context():
        first = load_demo()
        load_demo()
        open_cases = db.session.scalars(
            select(Case).where(Case.status.in_([CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME]))
        ).all()
        by_code: dict[str, list[Case]] = {}
        for case in open_cases:
            by_code.setdefault(case.requirement_type.code, []).append(case)
        assert set(by_code) == set(db.session.scalars(select(RequirementType.code)))
        assert {code: len(cases) for code, cases in by_code.items() if code != "CD"} == {
            "RA": 1,
            "CC": 1,
            "ESO": 1,
        }
        (assessment,) = by_code["RA"]
        assert assessment.status is CaseStatus.ON_SCHEME
        assert assessment.partner_organisation.kind is OrganisationKind.CJIT
        (caution,) = by_code["CC"]
        # Only the project has agreed: the caution waits for the CJIT.
        assert caution.status_label == "Awaiting agreement"
        assert caution.sessions_required == 2
        assert [a.organisation.kind for a in caution.agreements] == [OrganisationKind.PROJECT]
        (order,) = by_code["ESO"]
        assert order.status is CaseStatus.ON_SCHEME
        assert order.end_date.weekday() == 4  # a Friday
        assert order.start_date < order.end_date <= date(2027, 5, 23)  # within six months
        assert order.worker.email == "worker2@example.org"
        # The CJIT's assessor can sign in, and sees the two cases shared with her agency.
        cjit = db.session.scalar(select(User).where(User.email == "cjit@example.org"))
        assert ("Diversion worker (CJIT)", cjit.email) in first
        assert cjit.organisation_id == assessment.partner_organisation_id
        assert any(
            v.organisation_id == cjit.organisation_id for v in db.session.scalars(select(Venue))
        )
        caution_reference, assessment_reference = caution.reference, assessment.reference
    sign_in(web, cjit, password=DEMO_PASSWORD)
    shared = web.get("/shared").get_data(as_text=True)
    assert caution_reference in shared and assessment_reference in shared


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
    sign_in(web, worker, password=DEMO_PASSWORD)  # password, then the two-factor code
    assert web.get("/home").status_code == 200


@time_machine.travel(NOW, tick=False)
def test_booking_in_the_demo_sends_the_confirmation_to_sent_messages_and_times_reminders(app, web):
    """Done-when of the texting issue: book in the demo, see the confirmation, reminders timed."""
    from notifications.dispatcher import dispatch_once
    from notifications.senders import OutboxSender

    with app.app_context():
        load_demo()
        # Cases awaiting court got their court-date reminders when the demo opened them.
        court_rows = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "court_day_before")
        ).all()
        assert court_rows
        for row in court_rows:
            # Her safe times (weekdays 09:00-15:00, one demo client) move hers to 09:00.
            safe = db.session.get(Client, row.client_id).safe_from is not None
            assert row.send_at.astimezone(LONDON).time() == (time(9, 0) if safe else time(17, 0))
        worker = db.session.scalar(select(User).where(User.email == "worker@example.org"))
        case = db.session.scalars(
            select(Case).where(Case.status == CaseStatus.ON_SCHEME, Case.worker_id == worker.id)
        ).first()
        venue = db.session.scalars(select(Venue)).first()
        plan = booking.propose(case, venue=venue, now=NOW)
        assert isinstance(plan, Plan)
        booked = booking.book_plan(actor=worker, case=case, venue=venue, slots=plan.slots, now=NOW)
        # Session 2 is at least two days away, so each of its reminders is still ahead.
        first = booked[-1]
        assert first.starts_at - NOW > timedelta(days=2)
        rows = {
            row.kind: row
            for row in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.appointment_id == first.id)
            )
        }
        # One confirmation for the booking, on its first session: it names both.
        [confirmation] = db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.case_id == case.id, OutboxMessage.kind == "booking_confirmation"
            )
        ).all()
        assert confirmation.appointment_id == booked[0].id and "booking_confirmation" not in rows
        rows["booking_confirmation"] = confirmation
        assert rows["booking_confirmation"].send_at == NOW
        day_before = rows["appointment_day_before"].send_at.astimezone(LONDON)
        assert (day_before.date(), day_before.time()) == (
            first.starts_at.astimezone(LONDON).date() - timedelta(days=1),
            time(10, 0),
        )
        # Two hours before, or 08:00 if that falls in quiet hours (a 09:30 appointment).
        assert rows["appointment_two_hours_before"].send_at == next_allowed_moment(
            first.starts_at - timedelta(hours=2), DEFAULT_POLICY
        )
        report = dispatch_once(sender=OutboxSender(), now=NOW)
        assert rows["booking_confirmation"].id in report.sent
        body = db.session.get(OutboxMessage, rows["booking_confirmation"].id).body

    sign_in(web, worker, password=DEMO_PASSWORD)
    page = web.get("/messages/sent").get_data(as_text=True)
    assert body and body.replace("'", "&#39;") in page


@time_machine.travel(NOW, tick=False)
def test_the_demo_has_monitoring_answers_for_the_report_recorded_once(app, web):
    with app.app_context():
        load_demo()
        load_demo()
        records = db.session.scalars(
            select(MonitoringRecord).order_by(MonitoringRecord.recorded_on)
        ).all()
        assert len(records) == len(DEMO_MONITORING) == 6
        per_client = Counter(record.client_id for record in records)
        assert sorted(per_client.values()) == [1, 1, 1, 1, 2]  # one assessed twice
        assert all(record.recorded_on <= NOW.date() for record in records)
        assert all(record.case_id is not None for record in records)
        twice = db.session.get(Client, per_client.most_common(1)[0][0])
        worker = db.session.scalar(select(User).where(User.email == "worker@example.org"))
        twice_id = twice.id
    sign_in(web, worker, password=DEMO_PASSWORD)
    page = web.get(f"/clients/{twice_id}/monitoring").get_data(as_text=True)
    assert page.count('class="govuk-summary-card"') == 2
    assert "Temporary accommodation" in page and "Sleeping rough" in page
