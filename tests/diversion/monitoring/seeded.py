"""A monitoring data set built by hand, with the figures worked out by hand beside it.

Two organisations of the partnership: the project P (the `world`'s Riverside, whose manager
reads her report) and the CJIT-like C (Elsewhere). The period is the first half of 2026.
Every group of rows below is made in a loop whose count is written out, and the EXPECTED
figures are those counts added up by hand (not by the code under test).

Cases opened in the period (each its own client), by order:
- P, court diversion: 7 accepted, 2 declined, 1 not eligible, 3 with no decision (13)
- P, Required Assessment (agreed at once): 6 accepted
- P, conditional caution (both agencies): 2 agreed by both, 1 declined, 2 waiting (5)
- C, court diversion: 5 accepted, 5 declined (one opened at 23:30 on 30 June, London time)
- not counted: 3 P court diversion cases opened in November 2025, and a C case opened at
  00:30 on 1 July (London), which is 23:30 on 30 June in UTC.

Appointments in the period with their outcome recorded, and their day-before reminder:
- G1  20 P (court diversion accepted) attended, reminder delivered, wording W1
- G2   8 P (Required Assessment) missed, delivered, W1
- G3   6 C attended, delivered, W2
- G4   2 C missed, delivered, W2
- G5  10 P (court diversion) attended, failed; 4 of them also had a two-hours reminder
       delivered (W1)
- G6   6 P (Required Assessment) missed, failed
- G7   5 C attended, not sent: she had opted out
- G8   5 C missed, not sent: she had opted out
- G9   6 P (caution agreed by both) attended, not sent: too late
- G10  5 P (caution agreed by both) missed, not sent: held
- G11  5 P (court diversion) attended, and 5 missed, no reminder
- G12  5 C attended, and 5 missed, sent with no receipt, W2
Not counted: 3 P appointments cancelled by her (reminders cancelled), 2 P appointments in
December 2025 (attended, reminded), 1 P appointment still booked (its reminder pending).

Monitoring (each client's latest record on or before 30 June):
- P court diversion clients: street, white British, heroin and crack
- P Required Assessment clients: indoor, Indian, no drug use
- P caution clients: no record
- C clients: an older record (indoor, Irish) replaced in the period by street, Caribbean,
  alcohol only; two of them also have a record after the period (online), not counted.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseAgreement,
    CaseStatus,
    Client,
    ComplianceReport,
    CourtOutcome,
    DrugTestResult,
    InboundMessage,
    MessageStatus,
    MonitoringRecord,
    Organisation,
    OutboxMessage,
    ReplyAction,
    ReportVariant,
    RequirementType,
    User,
    Venue,
)
from tests.conftest import World
from tests.factories import Factory

FIRST, LAST = date(2026, 1, 1), date(2026, 6, 30)
W1, W2 = "en:discreet:aaaa1111", "en:plain:bbbb2222"
ATTENDED, MISSED = AppointmentStatus.ATTENDED, AppointmentStatus.DID_NOT_ATTEND
# Orders as the report lists them (by name).
ORDERS = (
    "Conditional caution (DIP condition)",
    "Court diversion (extended bail)",
    "Engagement and support order",
    "Required Assessment (DIP)",
)

# Worked out by hand from the module docstring. Rows of by-order tables follow ORDERS.
EXPECTED = {
    # accepted, declined, not eligible, no decision
    "referrals-by-order": [[2, 1, 0, 2], [12, 7, 1, 3], [0, 0, 0, 0], [6, 0, 0, 0]],
    "referrals-by-organisation": [[5, 5, 0, 0], [15, 3, 1, 5]],  # Elsewhere, Riverside
    # attended, missed: caution G9/G10; court diversion G1+G5+G11 and C's; RA G2+G6
    "attendance-by-order": [[6, 5], [20 + 10 + 5 + 6 + 5 + 5, 5 + 2 + 5 + 5], [0, 0], [0, 8 + 6]],
    "attendance-by-organisation": [[6 + 5 + 5, 2 + 5 + 5], [20 + 10 + 6 + 5, 8 + 6 + 5 + 5]],
    # delivered, sent, failed, opted out, not sent (another reason)
    "texts": [[8, 10, 0, 10, 0], [20 + 8 + 4, 0, 16, 0, 6 + 5 + 3]],
    # confirmed, opted out, opted in, other replies
    "replies": [[2, 3, 0, 1], [9, 0, 1, 0]],
    # complied, not complied, in progress, withdrawn or declined, closed
    "compliance-by-order": [[0] * 5, [3 + 1 + 5, 1, 0, 0, 0], [0] * 5, [2, 0, 0, 0, 0]],
    # attended, missed; rows: delivered, sent, failed, opted out, not sent, none
    "reminders": [[26, 10], [5, 5], [10, 6], [5, 5], [6, 5], [5, 5]],
    "wordings": [[20, 8], [6, 2]],
}
# The same with any reminder counting: G5's four delivered two-hours reminders (attended).
EXPECTED_ANY_REMINDERS = [[30, 10], [5, 5], [6, 6], [5, 5], [6, 5], [5, 5]]
EXPECTED_ANY_WORDINGS = [[24, 8], [6, 2]]
# Riverside alone (the manager's report), by order.
EXPECTED_RIVERSIDE = {
    "referrals-by-order": [[2, 1, 0, 2], [7, 2, 1, 3], [0, 0, 0, 0], [6, 0, 0, 0]],
    "attendance-by-order": [[6, 5], [35, 5], [0, 0], [0, 14]],
    "texts": [[32, 0, 16, 0, 14]],
    "replies": [[9, 0, 1, 0]],
    "reminders": [[20, 8], [0, 0], [10, 6], [0, 0], [6, 5], [5, 5]],
}
# By monitoring answer: (referrals, attended, missed) for each row that is not all zero.
EXPECTED_ANSWERS = {
    "answers-work-pattern": {
        "Street-based": (13 + 10, 35 + 16, 5 + 12),
        "Indoor (flat, parlour or sauna)": (6, 0, 14),
        "Not recorded": (5, 6, 5),
    },
    "answers-ethnicity": {
        "White": (13, 35, 5),
        "Asian, Asian British or Asian Welsh": (6, 0, 14),
        "Black, Black British, Black Welsh, Caribbean or African": (10, 16, 12),
        "Not recorded": (5, 6, 5),
    },
    "answers-drug-use": {
        "More than one of these": (13, 35, 5),
        "No drug use": (6, 0, 14),
        "Alcohol (problematic) only": (10, 16, 12),
        "Not recorded": (5, 6, 5),
    },
}


@dataclass
class Seeded:
    """What the data set made that the tests need."""

    riverside: Organisation
    elsewhere: Organisation
    manager: User


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class _Builder:
    def __init__(self, make: Factory, world: World) -> None:
        self.session: Session = make.session
        self.make = make
        self.world = world
        self.orders = {rt.code: rt for rt in self.session.query(RequirementType).all()}
        self.day = itertools.count()
        self.venues: dict[int, Venue] = {}
        self.workers: dict[int, User] = {}
        self.reply_ids = itertools.count(1)

    def worker(self, organisation: Organisation) -> User:
        if organisation.id not in self.workers:
            self.workers[organisation.id] = (
                self.world.worker
                if organisation.id == self.world.project.id
                else self.world.other_worker
            )
            self.venues[organisation.id] = self.make.venue(organisation=organisation)
        return self.workers[organisation.id]

    def case(
        self,
        organisation: Organisation,
        code: str,
        *,
        opened: datetime,
        outcome: CourtOutcome | None = None,
        status: CaseStatus = CaseStatus.ON_SCHEME,
    ) -> Case:
        client = Client(
            organisation_id=organisation.id,
            first_name="Seeded",
            last_name=f"Client{next(self.day)}",
            date_of_birth=date(1990, 1, 1),
        )
        self.session.add(client)
        self.session.flush()
        case = Case(
            client_id=client.id,
            organisation_id=organisation.id,
            worker_id=self.worker(organisation).id,
            requirement_type_id=self.orders[code].id,
            charge="Loitering",
            custody_drug_test=DrugTestResult.NOT_TESTED,
            court_id=self.world.court.id,
            first_court_date=opened.date(),
            court_outcome=outcome,
            status=status,
            created_at=opened,
        )
        self.session.add(case)
        self.session.flush()
        return case

    def appointment(self, case: Case, status: AppointmentStatus, starts: datetime) -> Appointment:
        appointment = Appointment(
            case_id=case.id,
            session_number=1,
            kind="assessment",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            venue_id=self.venues[case.organisation_id].id,
            worker_id=self.workers[case.organisation_id].id,
            status=status,
        )
        self.session.add(appointment)
        self.session.flush()
        return appointment

    def text(
        self,
        appointment: Appointment,
        case: Case,
        status: MessageStatus,
        *,
        kind: str = "appointment_day_before",
        reason: str | None = None,
        wording: str | None = None,
    ) -> None:
        self.session.add(
            OutboxMessage(
                client_id=case.client_id,
                case_id=case.id,
                appointment_id=appointment.id,
                kind=kind,
                send_at=appointment.starts_at - timedelta(hours=16),
                status=status,
                reason=reason,
                wording=wording,
            )
        )

    def reply(self, organisation: Organisation | None, action: ReplyAction, when: datetime) -> None:
        self.session.add(
            InboundMessage(
                provider_id=f"SMseeded{next(self.reply_ids):024d}",
                received_at=when,
                from_number="+447700900123",
                body="Y",
                organisation_id=organisation.id if organisation else None,
                action=action,
            )
        )

    def record(self, case: Case, on: date, work: str, ethnicity: str, drugs: str) -> None:
        self.session.add(
            MonitoringRecord(
                client_id=case.client_id,
                organisation_id=case.organisation_id,
                case_id=case.id,
                recorded_on=on,
                recorded_by_id=self.workers[case.organisation_id].id,
                recorded_at=at(on),
                work_pattern=work,
                contacts="none",
                housing_status="settled",
                known_previously="no",
                age_band="25_34",
                ethnicity=ethnicity,
                drug_use=drugs,
            )
        )

    def report(self, case: Case, status: str, when: datetime) -> None:
        self.session.add(
            ComplianceReport(
                case_id=case.id,
                variant=ReportVariant.COURT_DIVERSION,
                compliance_status=status,
                html="<p>seeded</p>",
                content_sha256="0" * 64,
                signed_off_by_id=self.workers[case.organisation_id].id,
                signed_off_at=when,
            )
        )


def seed(make: Factory, world: World) -> Seeded:
    """Build the data set of the module docstring."""
    b = _Builder(make, world)
    p, c = world.project, world.other_project
    opened = at(date(2026, 2, 2))
    accepted, declined = CourtOutcome.ACCEPTED, CourtOutcome.DECLINED

    p_cd = [b.case(p, "CD", opened=opened, outcome=accepted) for _ in range(7)]
    p_cd_undecided = [
        *(
            b.case(p, "CD", opened=opened, outcome=declined, status=CaseStatus.DECLINED)
            for _ in range(2)
        ),
        b.case(
            p,
            "CD",
            opened=opened,
            outcome=CourtOutcome.NOT_ELIGIBLE,
            status=CaseStatus.NOT_ELIGIBLE,
        ),
        b.case(
            p,
            "CD",
            opened=opened,
            outcome=CourtOutcome.ADJOURNED,
            status=CaseStatus.AWAITING_COURT,
        ),
        *(b.case(p, "CD", opened=opened, status=CaseStatus.AWAITING_COURT) for _ in range(2)),
    ]
    p_ra = [b.case(p, "RA", opened=opened) for _ in range(6)]
    p_cc = [b.case(p, "CC", opened=opened) for _ in range(2)]
    for case in p_cc:
        b.session.add_all(
            [
                CaseAgreement(case_id=case.id, organisation_id=p.id, user_id=world.worker.id),
                CaseAgreement(case_id=case.id, organisation_id=c.id, user_id=world.other_worker.id),
            ]
        )
    b.case(p, "CC", opened=opened, status=CaseStatus.DECLINED)
    waiting = [b.case(p, "CC", opened=opened, status=CaseStatus.AWAITING_COURT) for _ in range(2)]
    b.session.add(
        CaseAgreement(case_id=waiting[0].id, organisation_id=p.id, user_id=world.worker.id)
    )
    c_cd = [b.case(c, "CD", opened=opened, outcome=accepted) for _ in range(5)]
    c_declined = [
        b.case(
            c,
            "CD",
            # The last one at 23:30 on 30 June, London time (BST): inside the period.
            opened=datetime(2026, 6, 30, 22, 30, tzinfo=UTC) if n == 4 else opened,
            outcome=declined,
            status=CaseStatus.DECLINED,
        )
        for n in range(5)
    ]
    old = [b.case(p, "CD", opened=at(date(2025, 11, 3)), outcome=accepted) for _ in range(3)]
    # 00:30 on 1 July in London: outside the period, though still 30 June in UTC.
    b.case(
        c,
        "CD",
        opened=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
        outcome=declined,
        status=CaseStatus.DECLINED,
    )

    days = (at(date(2026, 3, 2)) + timedelta(days=n) for n in itertools.count())

    def group(
        cases: list[Case],
        count: int,
        status: AppointmentStatus,
        reminder: MessageStatus | None,
        *,
        reason: str | None = None,
        wording: str | None = None,
    ) -> list[Appointment]:
        made = []
        for n in range(count):
            case = cases[n % len(cases)]
            appointment = b.appointment(case, status, next(days))
            if reminder is not None:
                b.text(appointment, case, reminder, reason=reason, wording=wording)
            made.append(appointment)
        return made

    delivered, failed = MessageStatus.DELIVERED, MessageStatus.FAILED
    skipped = MessageStatus.SKIPPED
    group(p_cd, 20, ATTENDED, delivered, wording=W1)  # G1
    group(p_ra, 8, MISSED, delivered, wording=W1)  # G2
    group(c_cd, 6, ATTENDED, delivered, wording=W2)  # G3
    group(c_cd, 2, MISSED, delivered, wording=W2)  # G4
    g5 = group(p_cd, 10, ATTENDED, failed, reason="provider refused (code 30003)")
    for appointment in g5[:4]:
        case = next(case for case in p_cd if case.id == appointment.case_id)
        b.text(appointment, case, delivered, kind="appointment_two_hours_before", wording=W1)
    group(p_ra, 6, MISSED, failed, reason="provider refused (code 30003)")  # G6
    group(c_cd, 5, ATTENDED, skipped, reason="she opted out of texts")  # G7
    group(c_cd, 5, MISSED, skipped, reason="she opted out of texts")  # G8
    group(p_cc, 6, ATTENDED, skipped, reason="too late")  # G9
    group(p_cc, 5, MISSED, MessageStatus.HELD, reason="number not confirmed")  # G10
    group(p_cd, 5, ATTENDED, None)  # G11
    group(p_cd, 5, MISSED, None)
    group(c_cd, 5, ATTENDED, MessageStatus.SENT, wording=W2)  # G12
    group(c_cd, 5, MISSED, MessageStatus.SENT, wording=W2)
    group(p_cd, 3, AppointmentStatus.CANCELLED_BY_CLIENT, MessageStatus.CANCELLED)
    for n in range(2):
        before = b.appointment(p_cd[n], ATTENDED, at(date(2025, 12, 1 + n)))
        b.text(before, p_cd[n], delivered, wording=W1)
    booked = b.appointment(p_cd[0], AppointmentStatus.BOOKED, at(date(2026, 6, 20)))
    b.text(booked, p_cd[0], MessageStatus.PENDING)

    in_period = at(date(2026, 4, 1))
    for _ in range(9):
        b.reply(p, ReplyAction.CONFIRMED, in_period)
    b.reply(p, ReplyAction.OPTED_IN, in_period)
    for _ in range(3):
        b.reply(c, ReplyAction.OPTED_OUT, in_period)
    for _ in range(2):
        b.reply(c, ReplyAction.CONFIRMED, in_period)
    b.reply(c, ReplyAction.INBOX, in_period)
    b.reply(None, ReplyAction.INBOX, in_period)
    b.reply(p, ReplyAction.CONFIRMED, at(date(2025, 12, 24)))

    for case in p_cd[:3]:
        b.report(case, "complied", in_period)
    b.report(p_cd[3], "not_complied", in_period)
    b.report(p_cd[4], "in_progress", at(date(2026, 3, 1)))
    b.report(p_cd[4], "complied", in_period)
    b.report(p_cd[5], "complied", at(date(2025, 12, 1)))
    for case in c_cd:
        b.report(case, "complied", in_period)
    for case in p_ra[:2]:
        b.report(case, "complied", in_period)

    recorded = date(2026, 2, 3)
    for case in [*p_cd, *p_cd_undecided]:
        b.record(case, recorded, "street", "white_british", "heroin,crack")
    for case in p_ra:
        b.record(case, recorded, "indoor", "asian_indian", "none")
    for n, case in enumerate([*c_cd, *c_declined]):
        b.record(case, date(2025, 10, 1), "indoor", "white_irish", "none")
        b.record(case, date(2026, 3, 1), "street", "black_caribbean", "alcohol")
        if n < 2:
            b.record(case, date(2026, 7, 2), "online", "white_irish", "none")
    for case in old:
        b.record(case, date(2025, 11, 4), "escort", "white_roma", "cannabis")
    b.session.commit()
    return Seeded(riverside=p, elsewhere=c, manager=world.manager)
