"""The compliance rule: every status, from appointments and dates alone."""

from __future__ import annotations

from datetime import date

import pytest

from diversion.cases.compliance import AppointmentFact, CaseFacts, ComplianceStatus, compliance

COURT = date(2026, 12, 2)
LAST_DAY = date(2026, 12, 24)  # return Wed 30 Dec 2026; 25 and 28 Dec are bank holidays


def facts(*appointments: AppointmentFact, status: str = "on_scheme", windowed: bool = True):
    return CaseFacts(
        case_status=status,
        required_sessions=2,
        window_start=COURT if windowed else None,
        last_day=LAST_DAY if windowed else None,
        appointments=appointments,
    )


def seen(number: int, day: date) -> AppointmentFact:
    return AppointmentFact(session_number=number, day=day, status="attended")


def test_both_sessions_attended_inside_the_window_is_complied() -> None:
    result = compliance(facts(seen(1, date(2026, 12, 4)), seen(2, date(2026, 12, 10))), today=COURT)
    assert result.status is ComplianceStatus.COMPLIED
    assert (result.required, result.attended) == (2, 2)
    assert [s.attended_on for s in result.sessions] == [date(2026, 12, 4), date(2026, 12, 10)]


def test_complied_on_the_last_appointment_date_itself() -> None:
    result = compliance(facts(seen(1, date(2026, 12, 4)), seen(2, LAST_DAY)), today=LAST_DAY)
    assert result.status is ComplianceStatus.COMPLIED


def test_one_session_left_inside_the_window_is_in_progress() -> None:
    result = compliance(facts(seen(1, date(2026, 12, 4))), today=LAST_DAY)
    assert result.status is ComplianceStatus.IN_PROGRESS
    assert result.attended == 1


def test_the_last_appointment_date_passing_without_both_is_not_complied() -> None:
    result = compliance(facts(seen(1, date(2026, 12, 4))), today=date(2026, 12, 29))
    assert result.status is ComplianceStatus.NOT_COMPLIED


def test_a_session_attended_after_the_last_appointment_date_does_not_count() -> None:
    late = seen(2, date(2026, 12, 29))
    result = compliance(facts(seen(1, date(2026, 12, 4)), late), today=date(2026, 12, 29))
    assert result.status is ComplianceStatus.NOT_COMPLIED
    assert result.sessions[1].attended_on is None


def test_a_session_attended_before_the_court_date_does_not_count() -> None:
    early = seen(1, date(2026, 11, 30))
    result = compliance(facts(early, seen(2, date(2026, 12, 10))), today=COURT)
    assert result.status is ComplianceStatus.IN_PROGRESS


@pytest.mark.parametrize("status", ["declined", "withdrawn"])
def test_declining_or_leaving_the_scheme_is_withdrawn_or_declined(status: str) -> None:
    result = compliance(facts(seen(1, date(2026, 12, 4)), status=status), today=LAST_DAY)
    assert result.status is ComplianceStatus.WITHDRAWN_OR_DECLINED


def test_not_eligible_is_closed() -> None:
    result = compliance(facts(status="not_eligible", windowed=False), today=COURT)
    assert result.status is ComplianceStatus.CLOSED


def test_closed_before_a_return_date_was_set_is_closed() -> None:
    result = compliance(facts(status="closed", windowed=False), today=COURT)
    assert result.status is ComplianceStatus.CLOSED


def test_a_case_closed_after_the_scheme_keeps_its_attendance_result() -> None:
    done = facts(seen(1, date(2026, 12, 4)), seen(2, date(2026, 12, 10)), status="closed")
    assert compliance(done, today=date(2027, 1, 5)).status is ComplianceStatus.COMPLIED
    short = facts(seen(1, date(2026, 12, 4)), status="closed")
    assert compliance(short, today=date(2026, 12, 20)).status is ComplianceStatus.NOT_COMPLIED


def test_awaiting_court_is_in_progress() -> None:
    result = compliance(facts(status="awaiting_court", windowed=False), today=COURT)
    assert result.status is ComplianceStatus.IN_PROGRESS
    assert result.attended == 0


def test_acceptable_absence_is_the_chosen_court_wording_and_is_not_judged() -> None:
    acceptable = "Acceptable absence: explained to the project"
    missed = AppointmentFact(
        session_number=2, day=date(2026, 12, 9), status="did_not_attend", court_wording=acceptable
    )
    cancelled = AppointmentFact(
        session_number=2,
        day=date(2026, 12, 7),
        status="cancelled_by_client",
        court_wording="Rearranged at her request",
    )
    result = compliance(
        facts(seen(1, date(2026, 12, 4)), missed, cancelled), today=date(2026, 12, 29)
    )
    # The wording does not turn the missed session into compliance: the court decides.
    assert result.status is ComplianceStatus.NOT_COMPLIED
    assert [(m.day, m.court_wording) for m in result.missed] == [
        (date(2026, 12, 7), "Rearranged at her request"),
        (date(2026, 12, 9), acceptable),
    ]


def test_a_missed_session_made_up_later_inside_the_window_is_complied() -> None:
    missed = AppointmentFact(session_number=2, day=date(2026, 12, 9), status="did_not_attend")
    result = compliance(
        facts(seen(1, date(2026, 12, 4)), missed, seen(2, date(2026, 12, 16))), today=LAST_DAY
    )
    assert result.status is ComplianceStatus.COMPLIED
    assert result.sessions[1].missed == (missed,)


def test_rescheduled_and_booked_appointments_are_neither_attended_nor_missed() -> None:
    moved = AppointmentFact(session_number=1, day=date(2026, 12, 3), status="rescheduled")
    booked = AppointmentFact(session_number=1, day=date(2026, 12, 8), status="booked")
    result = compliance(facts(moved, booked), today=date(2026, 12, 5))
    assert result.status is ComplianceStatus.IN_PROGRESS
    assert result.missed == ()
    assert result.attended == 0


def test_labels_are_the_words_the_court_reads() -> None:
    assert [s.label for s in ComplianceStatus] == [
        "Complied",
        "Not complied",
        "In progress",
        "Withdrawn or declined",
        "Closed",
    ]


@pytest.mark.parametrize(
    "status", ["did_not_attend", "cancelled_by_client", "cancelled_by_service"]
)
def test_every_missed_or_cancelled_appointment_is_listed_for_the_court(status: str) -> None:
    # A cancellation by the service is as much the court's business as one by her: the
    # court reads every appointment that did not go ahead, with the wording chosen for it.
    lost = AppointmentFact(
        session_number=2, day=date(2026, 12, 9), status=status, court_wording="No reason given"
    )
    result = compliance(facts(seen(1, date(2026, 12, 4)), lost), today=date(2026, 12, 29))

    assert result.status is ComplianceStatus.NOT_COMPLIED
    assert result.sessions[1].missed == (lost,)
    assert [(m.day, m.status, m.court_wording) for m in result.missed] == [
        (date(2026, 12, 9), status, "No reason given")
    ]


def test_a_session_the_service_cancelled_and_rebooked_is_complied_and_still_listed() -> None:
    cancelled = AppointmentFact(
        session_number=2, day=date(2026, 12, 9), status="cancelled_by_service"
    )
    result = compliance(
        facts(seen(1, date(2026, 12, 4)), cancelled, seen(2, date(2026, 12, 16))), today=LAST_DAY
    )

    assert result.status is ComplianceStatus.COMPLIED
    assert result.sessions[1].attended_on == date(2026, 12, 16)
    assert result.missed == (cancelled,)


@pytest.mark.parametrize("status", ["declined", "withdrawn"])
@pytest.mark.parametrize("today", [LAST_DAY, date(2026, 12, 29)], ids=["inside", "after"])
def test_leaving_after_attending_every_session_is_withdrawn_or_declined_not_complied(
    status: str, today: date
) -> None:
    both = facts(seen(1, date(2026, 12, 4)), seen(2, date(2026, 12, 10)), status=status)

    result = compliance(both, today=today)

    assert result.status is ComplianceStatus.WITHDRAWN_OR_DECLINED
    # Her attendance is still reported as it was.
    assert (result.required, result.attended) == (2, 2)
    assert [s.attended_on for s in result.sessions] == [date(2026, 12, 4), date(2026, 12, 10)]
