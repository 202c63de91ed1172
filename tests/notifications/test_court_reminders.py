"""Court-date reminders: written, moved and cancelled with the case's own changes, then sent.

domain.md "Text messages": a court-date reminder 2 days before at 10:00 and the day before at
17:00 (Europe/London), never for a hearing that moved or no longer exists; security.md 20:
the rows are written in the same transaction as the change that causes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from diversion.cases import services as cases
from diversion.db import db, transaction
from diversion.errors import RuleBroken
from diversion.hooks import case_changed, notify_case_changed
from diversion.models import (
    Case,
    CaseStatus,
    Client,
    Court,
    CourtOutcome,
    DrugTestResult,
    MessageStatus,
    MessageTemplate,
    OutboxMessage,
    RequirementType,
    User,
)
from notifications import dispatcher
from notifications.hearings import next_hearing
from notifications.outbox import sync_court_reminders
from notifications.policy import (
    Policy,
    ReminderKind,
    ReminderRule,
    court_event_at,
    policy_to_dict,
)
from notifications.senders import OutboxSender
from notifications.templates import forbidden_words
from notifications.wording import DEFAULT_TEMPLATES
from tests.conftest import World, sign_in
from tests.factories import Factory

COURT_DAY = date(2026, 12, 2)  # Wed 2 Dec 2026 (GMT)
OPENED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # the Sunday before
TWO_DAYS_BEFORE = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Mon 10:00 GMT
DAY_BEFORE = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # Tue 17:00 GMT
HEARING = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
AFTER_HEARING = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
TWO = ReminderKind.COURT_TWO_DAYS_BEFORE.value
ONE = ReminderKind.COURT_DAY_BEFORE.value


# --- The next hearing (pure rule) -------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "adjourned_to", "return_date", "expected"),
    [
        ("awaiting_court", None, None, date(2026, 12, 2)),  # her first appearance
        ("awaiting_court", date(2026, 12, 16), None, date(2026, 12, 16)),  # adjourned
        ("on_scheme", None, date(2026, 12, 30), date(2026, 12, 30)),  # extended bail
        ("on_scheme", None, None, None),  # no return date recorded (should not happen)
        ("declined", None, None, None),
        ("not_eligible", None, None, None),
        ("withdrawn", None, date(2026, 12, 30), None),
        ("closed", date(2026, 12, 16), date(2026, 12, 30), None),
    ],
)
def test_the_next_hearing_follows_the_case_status(status, adjourned_to, return_date, expected):
    found = next_hearing(
        status=status,
        first_court_date=COURT_DAY,
        adjourned_to=adjourned_to,
        return_date=return_date,
    )
    assert found == expected


def test_every_case_status_has_a_next_hearing_rule_and_an_unknown_one_is_refused():
    for status in CaseStatus:
        next_hearing(
            status=status.value, first_court_date=COURT_DAY, adjourned_to=None, return_date=None
        )
    with pytest.raises(ValueError, match="unknown case status"):
        next_hearing(status="lost", first_court_date=COURT_DAY, adjourned_to=None, return_date=None)


# --- Fixtures and helpers ---------------------------------------------------------------


@pytest.fixture
def her(make: Factory, world: World) -> Client:
    return make.client(
        organisation=world.project,
        first_name="Rowan",
        text_name="Ro",
        mobile="+447400123456",
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 11, 20),
    )


def open_case(
    app,
    world: World,
    client: Client,
    *,
    now: datetime,
    day: date = COURT_DAY,
    court: Court | None = None,
    at: time | None = None,
) -> int:
    with app.app_context():
        requirement = db.session.scalar(select(RequirementType).where(RequirementType.code == "CD"))
        details = cases.CaseDetails(
            requirement_type=requirement,
            court=db.session.get(Court, (court or world.court).id),
            first_court_date=day,
            first_court_time=at,
            court_reference=None,
            arrest_date=None,
            charge="Loitering",
            custody_drug_test=DrugTestResult.NOT_TESTED,
            worker=db.session.get(User, world.worker.id),
        )
        case = cases.open_case(
            actor=db.session.get(User, world.worker.id),
            client=db.session.get(Client, client.id),
            details=details,
            now=now,
        )
        return case.id


def record(app, world: World, case_id: int, *, now: datetime, **decision) -> list[str]:
    with app.app_context():
        return cases.record_outcome(
            actor=db.session.get(User, world.worker.id),
            case=db.session.get(Case, case_id),
            decision=cases.OutcomeDecision(**decision),
            now=now,
        )


def court_rows(make: Factory, case_id: int) -> list[OutboxMessage]:
    make.session.expire_all()
    return list(
        make.session.scalars(
            select(OutboxMessage).where(OutboxMessage.case_id == case_id).order_by(OutboxMessage.id)
        )
    )


def waiting(rows: list[OutboxMessage]) -> dict[str, tuple[datetime, datetime | None]]:
    """The pending rows by kind: when each goes, and the hearing it is about."""
    return {r.kind: (r.send_at, r.event_at) for r in rows if r.status is MessageStatus.PENDING}


def set_policy(make: Factory, policy: Policy) -> None:
    requirement = make.requirement_type("CD")
    requirement.reminder_policy = policy_to_dict(policy)
    make.session.commit()


def dispatch(app, now: datetime, sender: OutboxSender) -> dispatcher.DispatchReport:
    with app.app_context():
        return dispatcher.dispatch_once(sender=sender, now=now)


# --- Writing the rows -------------------------------------------------------------------


def test_opening_a_case_writes_the_court_reminders_at_london_times(app, make, world, her):
    case_id = open_case(app, world, her, now=OPENED)

    rows = court_rows(make, case_id)
    assert waiting(rows) == {TWO: (TWO_DAYS_BEFORE, HEARING), ONE: (DAY_BEFORE, HEARING)}
    assert all(r.appointment_id is None and r.client_id == her.id for r in rows)
    assert all(r.body is None and r.attempts == 0 for r in rows)


@pytest.mark.parametrize(
    ("sitting", "day", "opened", "two_days", "day_before", "hearing"),
    [
        # The clocks go back on Sun 25 Oct 2026: Saturday's 10:00 is BST, Sunday's 17:00
        # and Monday's hearing GMT.
        (
            [0],
            date(2026, 10, 26),
            datetime(2026, 10, 20, 12, 0, tzinfo=UTC),
            datetime(2026, 10, 24, 9, 0, tzinfo=UTC),
            datetime(2026, 10, 25, 17, 0, tzinfo=UTC),
            datetime(2026, 10, 26, 10, 0, tzinfo=UTC),
        ),
        # The clocks go forward at 01:00 on Sun 28 Mar 2027 (Easter Sunday; Monday is a bank
        # holiday, so this court sits on Tuesdays): everything from Sunday 10:00 is BST.
        (
            [1],
            date(2027, 3, 30),
            datetime(2027, 3, 20, 12, 0, tzinfo=UTC),
            datetime(2027, 3, 28, 9, 0, tzinfo=UTC),
            datetime(2027, 3, 29, 16, 0, tzinfo=UTC),
            datetime(2027, 3, 30, 9, 0, tzinfo=UTC),
        ),
    ],
)
def test_court_reminders_keep_london_wall_times_across_the_clock_changes(
    app, make, world, her, sitting, day, opened, two_days, day_before, hearing
):
    court = make.court(sitting_weekdays=sitting)
    case_id = open_case(app, world, her, now=opened, day=day, court=court)

    assert waiting(court_rows(make, case_id)) == {
        TWO: (two_days, hearing),
        ONE: (day_before, hearing),
    }


def test_a_case_opened_the_day_before_court_skips_the_two_day_reminder_and_says_why(
    app, make, world, her
):
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    case_id = open_case(app, world, her, now=now)

    by_kind = {r.kind: r for r in court_rows(make, case_id)}
    assert (by_kind[TWO].status, by_kind[TWO].reason) == (MessageStatus.SKIPPED, "too late")
    assert by_kind[TWO].event_at == HEARING and by_kind[TWO].send_at == now
    assert (by_kind[ONE].status, by_kind[ONE].send_at) == (MessageStatus.PENDING, DAY_BEFORE)


def test_a_case_opened_after_its_hearing_gets_no_court_reminders(app, make, world, her):
    case_id = open_case(app, world, her, now=AFTER_HEARING)

    assert court_rows(make, case_id) == []


def test_writing_the_reminders_again_adds_nothing(app, make, world, her):
    case_id = open_case(app, world, her, now=OPENED)
    before = [(r.id, r.kind, r.status) for r in court_rows(make, case_id)]

    with app.app_context(), transaction():
        the_case = db.session.get(Case, case_id)
        sync_court_reminders(the_case, now=OPENED + timedelta(minutes=5))
        notify_case_changed(the_case, change="opened", now=OPENED + timedelta(minutes=10))

    assert [(r.id, r.kind, r.status) for r in court_rows(make, case_id)] == before


def test_a_reminder_already_sent_is_not_written_again_when_the_date_stands(app, make, world, her):
    # On the scheme, the worker corrects something else and saves the same return date.
    case_id = open_case(app, world, her, now=OPENED)
    record(
        app,
        world,
        case_id,
        now=AFTER_HEARING,
        outcome=CourtOutcome.ACCEPTED,
        hearing_date=COURT_DAY,
        return_date=date(2026, 12, 30),
    )
    sender = OutboxSender()
    dispatch(app, datetime(2026, 12, 28, 10, 0, tzinfo=UTC), sender)
    assert len(sender.messages) == 1

    record(
        app,
        world,
        case_id,
        now=datetime(2026, 12, 28, 11, 0, tzinfo=UTC),
        outcome=CourtOutcome.ACCEPTED,
        hearing_date=COURT_DAY,
        return_date=date(2026, 12, 30),
    )

    rows = [
        r
        for r in court_rows(make, case_id)
        if r.event_at == court_event_at(date(2026, 12, 30), time(10, 0))
    ]
    assert sorted((r.kind, r.status) for r in rows) == [
        (ONE, MessageStatus.PENDING),
        (TWO, MessageStatus.SENT),
    ]


# --- Moving and cancelling --------------------------------------------------------------


def test_an_adjournment_moves_the_reminders_and_the_old_ones_never_go(app, make, world, her):
    case_id = open_case(app, world, her, now=OPENED)
    record(
        app,
        world,
        case_id,
        now=AFTER_HEARING,
        outcome=CourtOutcome.ADJOURNED,
        hearing_date=COURT_DAY,
        adjourned_to=date(2026, 12, 16),
    )
    # The next morning the worker corrects it: the court adjourned to 23 Dec, not 16 Dec.
    record(
        app,
        world,
        case_id,
        now=datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        outcome=CourtOutcome.ADJOURNED,
        hearing_date=COURT_DAY,
        adjourned_to=date(2026, 12, 23),
    )

    rows = court_rows(make, case_id)
    new_hearing = datetime(2026, 12, 23, 10, 0, tzinfo=UTC)
    assert waiting(rows) == {
        TWO: (datetime(2026, 12, 21, 10, 0, tzinfo=UTC), new_hearing),
        ONE: (datetime(2026, 12, 22, 17, 0, tzinfo=UTC), new_hearing),
    }
    cancelled = [r for r in rows if r.status is MessageStatus.CANCELLED]
    assert sorted(r.event_at.date() for r in cancelled) == [
        COURT_DAY,
        COURT_DAY,
        date(2026, 12, 16),
        date(2026, 12, 16),
    ]
    assert {r.reason for r in cancelled} == {"court date changed"}

    sender = OutboxSender()
    for moment in (
        datetime(2026, 12, 14, 10, 0, tzinfo=UTC),
        datetime(2026, 12, 15, 17, 0, tzinfo=UTC),
    ):
        assert dispatch(app, moment, sender).sent == []
    assert sender.messages == []
    report = dispatch(app, datetime(2026, 12, 21, 10, 0, tzinfo=UTC), sender)
    assert len(report.sent) == 1
    assert "Wed 23 Dec at 10:00" in sender.messages[0]["body"]


def test_a_diversion_writes_reminders_for_the_return_date(app, make, world, her):
    case_id = open_case(app, world, her, now=OPENED)
    warnings = record(
        app,
        world,
        case_id,
        now=AFTER_HEARING,
        outcome=CourtOutcome.ACCEPTED,
        hearing_date=COURT_DAY,
        return_date=date(2026, 12, 30),
    )

    assert warnings == []
    rows = court_rows(make, case_id)
    returning = datetime(2026, 12, 30, 10, 0, tzinfo=UTC)
    assert waiting(rows) == {
        TWO: (datetime(2026, 12, 28, 10, 0, tzinfo=UTC), returning),
        ONE: (datetime(2026, 12, 29, 17, 0, tzinfo=UTC), returning),
    }
    # The first hearing's reminders, never sent (no dispatcher ran), are cancelled.
    old = [r for r in rows if r.event_at == HEARING]
    assert {(r.status, r.reason) for r in old} == {(MessageStatus.CANCELLED, "court date changed")}


@pytest.mark.parametrize("outcome", [CourtOutcome.DECLINED, CourtOutcome.NOT_ELIGIBLE])
def test_declined_or_not_eligible_cancels_the_court_reminders(app, make, world, her, outcome):
    case_id = open_case(app, world, her, now=OPENED)
    record(
        app,
        world,
        case_id,
        now=AFTER_HEARING,
        outcome=outcome,
        hearing_date=COURT_DAY,
    )

    rows = court_rows(make, case_id)
    assert len(rows) == 2
    assert {(r.status, r.reason) for r in rows} == {(MessageStatus.CANCELLED, "case closed")}


@pytest.mark.parametrize("status", [CaseStatus.WITHDRAWN, CaseStatus.CLOSED])
def test_withdrawing_or_closing_a_case_cancels_its_court_reminders(app, make, world, her, status):
    case_id = open_case(app, world, her, now=OPENED)
    record(
        app,
        world,
        case_id,
        now=AFTER_HEARING,
        outcome=CourtOutcome.ACCEPTED,
        hearing_date=COURT_DAY,
        return_date=date(2026, 12, 30),
    )

    # What a service that withdraws or closes a case does: change it and send the hook.
    later = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
    with app.app_context(), transaction():
        the_case = db.session.get(Case, case_id)
        the_case.status = status
        notify_case_changed(the_case, change=status.value, now=later)

    rows = court_rows(make, case_id)
    assert waiting(rows) == {}
    returning = [r for r in rows if r.event_at == court_event_at(date(2026, 12, 30), time(10, 0))]
    assert {(r.status, r.reason) for r in returning} == {(MessageStatus.CANCELLED, "case closed")}
    assert dispatch(app, datetime(2026, 12, 28, 10, 0, tzinfo=UTC), OutboxSender()).sent == []


def test_the_rows_are_written_in_the_changes_own_transaction(app, make, world, her):
    seen: list[int] = []

    def fails_after_the_outbox(sender, **kwargs):
        seen.append(db.session.scalar(select(func.count()).select_from(OutboxMessage)))
        raise RuntimeError("a later step of the same change failed")

    case_changed.connect(fails_after_the_outbox)
    try:
        with pytest.raises(RuntimeError):
            open_case(app, world, her, now=OPENED)
    finally:
        case_changed.disconnect(fails_after_the_outbox)

    assert seen == [2]  # the outbox subscriber had written its rows ...
    make.session.expire_all()
    # ... and they went with the case when the change rolled back.
    assert make.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert make.session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_refused_outcome_changes_no_reminders(app, make, world, her):
    case_id = open_case(app, world, her, now=OPENED)
    before = [(r.id, r.status) for r in court_rows(make, case_id)]

    with pytest.raises(RuleBroken):
        record(
            app,
            world,
            case_id,
            now=AFTER_HEARING,
            outcome=CourtOutcome.ADJOURNED,
            hearing_date=COURT_DAY,
            adjourned_to=date(2026, 12, 17),  # a Thursday: the court does not sit
        )

    assert [(r.id, r.status) for r in court_rows(make, case_id)] == before


def test_opening_a_case_on_the_website_writes_its_court_reminders(app, make, world, her, web):
    with time_machine.travel(OPENED, tick=False):
        sign_in(web, world.worker)
        response = web.post(
            f"/clients/{her.id}/cases/new",
            data={
                "requirement_type_id": str(make.requirement_type("CD").id),
                "court_id": str(world.court.id),
                "first_court_date": ["2", "12", "2026"],
                "court_reference": "TB-2026-0042",
                "arrest_date": ["24", "11", "2026"],
                "charge": "Loitering",
                "custody_drug_test": DrugTestResult.NOT_TESTED.value,
                "worker_id": str(world.worker.id),
            },
        )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [case] = make.session.scalars(select(Case)).all()
    assert waiting(court_rows(make, case.id)) == {
        TWO: (TWO_DAYS_BEFORE, HEARING),
        ONE: (DAY_BEFORE, HEARING),
    }


# --- Sending ----------------------------------------------------------------------------


def test_a_court_reminder_goes_with_the_court_wording_day_and_time_and_no_giveaway(
    app, make, world, her
):
    case_id = open_case(app, world, her, now=OPENED)
    sender = OutboxSender()

    report = dispatch(app, TWO_DAYS_BEFORE, sender)

    [row] = [r for r in court_rows(make, case_id) if r.kind == TWO]
    assert report.sent == [row.id] and row.status is MessageStatus.SENT
    [text] = sender.messages
    assert text["to"] == her.mobile and text["reference"] == f"outbox-{row.id}"
    assert text["body"] == (
        "Hi Ro, a reminder you're due on Wed 2 Dec at 10:00. "
        "Call 020 7946 0000 if you need help with childcare or travel. Reply STOP to opt out"
    )
    assert forbidden_words(text["body"]) == []
    assert "Rowan" not in text["body"]
    assert world.court.name not in text["body"]


def test_the_default_court_wording_names_no_place():
    for kind in (TWO, ONE):
        for wording in DEFAULT_TEMPLATES[kind].values():
            assert "{venue}" not in wording


def test_a_stored_template_changes_the_next_messages_wording(app, make, world, her):
    case_id = open_case(app, world, her, now=OPENED)
    make._save(MessageTemplate(kind=ONE, body="{name}: {day}, {time}. Questions? {phone}"))
    sender = OutboxSender()

    dispatch(app, TWO_DAYS_BEFORE, sender)
    dispatch(app, DAY_BEFORE, sender)

    assert [m["body"] for m in sender.messages][
        1
    ] == "Ro: Wed 2 Dec, 10:00. Questions? 020 7946 0000"
    assert sender.messages[0]["body"].startswith("Hi Ro, a reminder you're due")
    assert len(court_rows(make, case_id)) == 2


def test_a_stored_template_naming_a_forbidden_word_is_never_sent(app, make, world, her):
    case_id = open_case(app, world, her, now=OPENED)
    make._save(MessageTemplate(kind=TWO, body="{name}, court on {day} at {time}"))
    sender = OutboxSender()

    dispatch(app, TWO_DAYS_BEFORE, sender)

    [row] = [r for r in court_rows(make, case_id) if r.kind == TWO]
    assert sender.messages == []
    assert row.status is MessageStatus.FAILED
    assert row.reason == "the wording of this kind of text names a word texts must not use"


def test_a_stored_policy_for_the_requirement_type_changes_the_planning(app, make, world, her):
    set_policy(
        make,
        Policy(
            rules=(
                ReminderRule(
                    kind=ReminderKind.COURT_DAY_BEFORE,
                    days_before=1,
                    at_local=time(12, 0),
                    hours_before=None,
                    immediate=False,
                    latest_useful=timedelta(hours=2),
                ),
            )
        ),
    )

    case_id = open_case(app, world, her, now=OPENED)

    assert waiting(court_rows(make, case_id)) == {
        ONE: (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), HEARING)
    }


def test_a_court_reminder_past_its_use_is_skipped_as_too_late(app, make, world, her):
    case_id = open_case(app, world, her, now=OPENED)
    sender = OutboxSender()

    # Downtime: the dispatcher next runs just after 10:00 the day before the hearing.
    dispatch(app, datetime(2026, 12, 1, 10, 1, tzinfo=UTC), sender)

    [row] = [r for r in court_rows(make, case_id) if r.kind == TWO]
    assert (row.status, row.reason) == (MessageStatus.SKIPPED, "too late")
    assert sender.messages == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"adjourned_to": date(2026, 12, 9)}, "court date changed"),
        ({"first_court_time": time(14, 0)}, "court date changed"),  # same day, later
        ({"status": CaseStatus.WITHDRAWN}, "case closed"),
    ],
)
def test_the_dispatcher_itself_refuses_a_reminder_for_a_hearing_that_moved_or_ended(
    app, make, world, her, change, reason
):
    # Belt and braces: even were a change made without the hook, the old reminder stays put.
    case_id = open_case(app, world, her, now=OPENED)
    the_case = make.session.get(Case, case_id)
    for name, value in change.items():
        setattr(the_case, name, value)
    make.session.commit()
    sender = OutboxSender()

    dispatch(app, TWO_DAYS_BEFORE, sender)

    [row] = [r for r in court_rows(make, case_id) if r.kind == TWO]
    assert (row.status, row.reason) == (MessageStatus.CANCELLED, reason)
    assert sender.messages == []


@pytest.fixture
def frozen() -> Iterator[None]:
    """Nothing here reads the wall clock; this only proves it (a far-off instant)."""
    with time_machine.travel(datetime(2031, 1, 1, tzinfo=UTC), tick=False):
        yield


def test_planning_and_sending_use_the_now_they_are_given(app, make, world, her, frozen):
    case_id = open_case(app, world, her, now=OPENED)
    sender = OutboxSender()

    report = dispatch(app, DAY_BEFORE, sender)

    assert len(court_rows(make, case_id)) == 2
    assert len(report.sent) == 1 and len(report.skipped) == 1  # the 2-day one, too late now


# --- The hearing's own time (issue 13: every text said 10:00, from a constant) ---------


def return_hearing_at_two(app, make, world, her, *, court: Court, first: date, back: date) -> int:
    """A case at a court whose list starts at 10:30, diverted to a return hearing at 14:00."""
    case_id = open_case(
        app, world, her, now=datetime(2026, 9, 20, 12, 0, tzinfo=UTC), day=first, court=court
    )
    record(
        app,
        world,
        case_id,
        now=datetime.combine(first, time(17, 0), tzinfo=UTC),
        outcome=CourtOutcome.ACCEPTED,
        hearing_date=first,
        return_date=back,
        return_time=time(14, 0),
    )
    return case_id


def test_a_court_date_left_without_a_time_is_reminded_of_at_the_courts_list_time(
    app, make, world, her
):
    court = make.court(list_time=time(10, 30))
    case_id = open_case(app, world, her, now=OPENED, court=court)

    hearing = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)  # 10:30 GMT
    assert waiting(court_rows(make, case_id)) == {
        TWO: (TWO_DAYS_BEFORE, hearing),
        ONE: (DAY_BEFORE, hearing),
    }
    sender = OutboxSender()
    dispatch(app, TWO_DAYS_BEFORE, sender)
    assert "Wed 2 Dec at 10:30" in sender.messages[0]["body"]


def test_a_return_hearing_at_two_is_reminded_of_at_two_in_london_time_across_the_clock_change(
    app, make, world, her
):
    # First hearing Mon 28 Sep 2026 (BST); return Mon 26 Oct 2026, the day after the clocks
    # go back, at 14:00 GMT: not the court's 10:30 list time, nor the old constant 10:00.
    court = make.court(sitting_weekdays=[0], list_time=time(10, 30))
    case_id = return_hearing_at_two(
        app, make, world, her, court=court, first=date(2026, 9, 28), back=date(2026, 10, 26)
    )

    returning = datetime(2026, 10, 26, 14, 0, tzinfo=UTC)
    two_days = datetime(2026, 10, 24, 9, 0, tzinfo=UTC)  # Sat 10:00 BST
    day_before = datetime(2026, 10, 25, 17, 0, tzinfo=UTC)  # Sun 17:00 GMT
    assert waiting(court_rows(make, case_id)) == {
        TWO: (two_days, returning),
        ONE: (day_before, returning),
    }
    sender = OutboxSender()
    assert len(dispatch(app, two_days, sender).sent) == 1
    assert len(dispatch(app, day_before, sender).sent) == 1
    bodies = [message["body"] for message in sender.messages]
    assert all("due on Mon 26 Oct at 14:00." in body for body in bodies), bodies


def test_changing_only_the_time_of_the_return_hearing_moves_its_reminders(app, make, world, her):
    court = make.court(list_time=time(10, 30))
    case_id = return_hearing_at_two(
        app, make, world, her, court=court, first=COURT_DAY, back=date(2026, 12, 30)
    )
    at_two = datetime(2026, 12, 30, 14, 0, tzinfo=UTC)
    assert {event for _, event in waiting(court_rows(make, case_id)).values()} == {at_two}

    # The court moves the return hearing to 11:00 the same day.
    record(
        app,
        world,
        case_id,
        now=datetime(2026, 12, 10, 12, 0, tzinfo=UTC),
        outcome=CourtOutcome.ACCEPTED,
        hearing_date=COURT_DAY,
        return_date=date(2026, 12, 30),
        return_time=time(11, 0),
    )

    rows = court_rows(make, case_id)
    at_eleven = datetime(2026, 12, 30, 11, 0, tzinfo=UTC)
    assert waiting(rows) == {
        TWO: (datetime(2026, 12, 28, 10, 0, tzinfo=UTC), at_eleven),
        ONE: (datetime(2026, 12, 29, 17, 0, tzinfo=UTC), at_eleven),
    }
    old = [r for r in rows if r.event_at == at_two]
    assert sorted((r.kind, r.status, r.reason) for r in old) == [
        (ONE, MessageStatus.CANCELLED, "court date changed"),
        (TWO, MessageStatus.CANCELLED, "court date changed"),
    ]
    sender = OutboxSender()
    dispatch(app, datetime(2026, 12, 28, 10, 0, tzinfo=UTC), sender)
    [text] = sender.messages
    assert "due on Wed 30 Dec at 11:00." in text["body"]


def test_moving_the_courts_list_time_does_not_move_a_hearing_already_recorded(
    app, make, world, her
):
    court = make.court(list_time=time(10, 30))
    open_case(app, world, her, now=OPENED, court=court)
    court.list_time = time(9, 45)
    make.session.commit()
    sender = OutboxSender()

    report = dispatch(app, TWO_DAYS_BEFORE, sender)

    assert len(report.sent) == 1
    assert "Wed 2 Dec at 10:30" in sender.messages[0]["body"]
