"""The data of bench/failover.py: texts due now and a day's jobs due, on a migrated database;
and what the bench reads back (each read in its own app context, retried across a restart).

Per text a client (her own number, so the fake Twilio's log names each text by its `To`), an
accepted case and a booked appointment tomorrow, written with bulk inserts as bench/dispatch.py
does; the outbox rows are pending and fall due one after another over `spread` seconds from
`first_due`. Every gate passes at any hour: the requirement type's reminder policy has no quiet
hours (the bench may run in the evening), and her number was confirmed safe today.

The daily jobs are due because their ledger (job_run) is empty: retention and the at-risk
recheck run on each scheduler's first tick, and a court sitting on the next working day, whose
report time (00:05 on the working day before) has passed, has its sitting-day list due, with
`returning` cases on it.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, insert, select, text

from diversion.court.schedule import LIST_KIND
from diversion.db import db
from diversion.formatting import LONDON
from diversion.models import (
    Appointment,
    AppointmentStatus,
    AuditEvent,
    Case,
    CaseStatus,
    Client,
    Court,
    CourtOutcome,
    DrugTestResult,
    JobRun,
    MessageStatus,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    OutgoingMail,
    RequirementType,
    Role,
    User,
    Venue,
)
from diversion.privacy import erasure
from notifications.policy import DEFAULT_POLICY, policy_to_dict
from scheduling import at_risk_check
from scheduling.calendar import add_working_days
from scheduling.job_lock import lock_key

KIND = "appointment_day_before"
RETURNING_ON_THE_LIST = 40


def mobile_of(n: int) -> str:
    """Client n's own number (a UK mobile shape; the fake Twilio checks none)."""
    return f"+4477{n:08d}"


def _court(project: Organisation, sitting_day: date) -> tuple[Court, Venue, User]:
    session = db.session
    court_org = Organisation(name="Failover Court", kind=OrganisationKind.COURT)
    cps_org = Organisation(name="Failover CPS", kind=OrganisationKind.CPS)
    session.add_all([court_org, cps_org])
    session.flush()
    court = Court(
        organisation_id=court_org.id,
        cps_organisation_id=cps_org.id,
        name="Failover Magistrates' Court",
        sitting_weekdays=[sitting_day.weekday()],
        report_lead_working_days=2,
        report_due_time=time(0, 5),
        court_email="court@example.test",
        cps_email="cps@example.test",
    )
    worker = User(
        organisation_id=project.id,
        email="failover.worker@example.test",
        name="Failover Worker",
        role=Role.WORKER,
        password_hash="!",  # noqa: S106 (no one signs in as this user)
    )
    venue = Venue(
        organisation_id=project.id,
        name="Failover venue",
        neutral_name="High Street office",
        address="1 High Street",
        opening_hours={str(d): [["09:00", "17:00"]] for d in range(5)},
    )
    session.add_all([court, worker, venue])
    session.flush()
    return court, venue, worker


def populate(app: Flask, *, count: int, first_due: datetime, spread: float) -> date:
    """`count` texts due over `spread` seconds from `first_due`; the court's sitting day."""
    now = datetime.now(UTC)
    today = now.astimezone(LONDON).date()
    sitting_day = add_working_days(today, 1)
    with app.app_context():
        session = db.session
        project = Organisation(
            name="Failover Project", kind=OrganisationKind.PROJECT, phone="020 7946 0000"
        )
        session.add(project)
        session.flush()
        court, venue, worker = _court(project, sitting_day)
        requirement = session.scalar(select(RequirementType).where(RequirementType.code == "CD"))
        assert requirement is not None, "the migration seeds the requirement types"
        always = replace(DEFAULT_POLICY, quiet_start=time(0, 0), quiet_end=time(0, 0))
        requirement.reminder_policy = policy_to_dict(always)
        ids = range(1, count + 1)
        session.execute(
            insert(Client),
            [
                {
                    "id": n,
                    "organisation_id": project.id,
                    "first_name": f"Failover{n}",
                    "last_name": "Client",
                    "date_of_birth": date(1990, 1, 1),
                    "mobile": mobile_of(n),
                    "consent_to_texts": True,
                    "safe_to_text_confirmed_on": today,
                    "text_name": f"F{n}",
                }
                for n in ids
            ],
        )
        session.execute(
            insert(Case),
            [
                {
                    "id": n,
                    "reference": f"FAILOVER-{n:06d}",
                    "client_id": n,
                    "organisation_id": project.id,
                    "worker_id": worker.id,
                    "requirement_type_id": requirement.id,
                    "charge": "Loitering or soliciting",
                    "custody_drug_test": DrugTestResult.NOT_TESTED,
                    "court_id": court.id,
                    "first_court_date": today - timedelta(days=7),
                    "outcome_hearing_date": today - timedelta(days=7),
                    "return_date": sitting_day
                    if n <= RETURNING_ON_THE_LIST
                    else today + timedelta(days=56),
                    "court_outcome": CourtOutcome.ACCEPTED,
                    "status": CaseStatus.ON_SCHEME,
                }
                for n in ids
            ],
        )
        # Tomorrow, 10:00 to 17:45 London: a day-before reminder is worth sending all day.
        tomorrow = datetime.combine(today + timedelta(days=1), time(10, 0), tzinfo=LONDON)
        starts = [tomorrow + timedelta(minutes=15 * (n % 32)) for n in ids]
        session.execute(
            insert(Appointment),
            [
                {
                    "id": n,
                    "case_id": n,
                    "session_number": 1,
                    "kind": "assessment",
                    "starts_at": start.astimezone(UTC),
                    "ends_at": (start + timedelta(hours=1)).astimezone(UTC),
                    "venue_id": venue.id,
                    "worker_id": worker.id,
                    "status": AppointmentStatus.BOOKED,
                }
                for n, start in zip(ids, starts, strict=True)
            ],
        )
        session.execute(
            insert(OutboxMessage),
            [
                {
                    "id": n,
                    "client_id": n,
                    "case_id": n,
                    "appointment_id": n,
                    "kind": KIND,
                    "send_at": first_due + timedelta(seconds=spread * (n - 1) / count),
                    "status": MessageStatus.PENDING,
                    "attempts": 0,
                }
                for n in ids
            ],
        )
        # The ids were given: the tables' sequences move past them for whatever the jobs add.
        for model in (Client, Case, Appointment, OutboxMessage):
            table = model.__tablename__
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count})")
            )
        session.commit()
    return sitting_day


class Unanswered(RuntimeError):
    """The database did not answer for ten seconds."""


def read(app: Flask, query: Callable[[], Any]) -> Any:
    for _ in range(100):
        try:
            with app.app_context():
                return query()
        except Exception as error:
            last = error
            clock.sleep(0.1)
    raise Unanswered(f"the database did not answer: {type(last).__name__}")


def dispatcher_holder(app: Flask, job: str) -> str | None:
    """The application_name of the connection holding the job's advisory lock, if any."""
    key = lock_key(job)
    holder: str | None = read(
        app,
        lambda: db.session.scalar(
            text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                " AND l.classid = :high AND l.objid = :low"
            ),
            {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
        ),
    )
    return holder


def in_flight(app: Flask) -> set[str]:
    """The numbers of the texts now `sending` (claimed, not yet answered)."""
    return set(
        read(
            app,
            lambda: db.session.scalars(
                select(Client.mobile)
                .join(OutboxMessage, OutboxMessage.client_id == Client.id)
                .where(OutboxMessage.status == MessageStatus.SENDING)
            ).all(),
        )
    )


def unsettled(app: Flask) -> int:
    return int(
        read(
            app,
            lambda: db.session.scalar(
                select(func.count()).where(
                    OutboxMessage.status.in_([MessageStatus.PENDING, MessageStatus.SENDING])
                )
            ),
        )
    )


def daily_jobs(app: Flask, sitting_day: date) -> dict[str, int]:
    """How many times each daily job's period's work was done."""

    def count(what: Any, *where: Any) -> int:
        return int(db.session.scalar(select(func.count()).select_from(what).where(*where)) or 0)

    def query() -> dict[str, int]:
        return (
            {
                "job_run " + job: count(JobRun, JobRun.job == job, JobRun.finished_at.is_not(None))
                for job in (erasure.JOB, at_risk_check.JOB, "sitting-day-lists")
            }
            | {
                "job_run unfinished " + job: count(
                    JobRun, JobRun.job == job, JobRun.finished_at.is_(None)
                )
                for job in (erasure.JOB, at_risk_check.JOB, "sitting-day-lists")
            }
            | {
                "audit " + erasure.RUN_ACTION: count(
                    AuditEvent, AuditEvent.action == erasure.RUN_ACTION
                ),
                "audit " + at_risk_check.RUN_ACTION: count(
                    AuditEvent, AuditEvent.action == at_risk_check.RUN_ACTION
                ),
                "mail sitting-day list": count(
                    OutgoingMail,
                    OutgoingMail.kind == LIST_KIND,
                    OutgoingMail.sitting_date == sitting_day,
                ),
            }
        )

    return dict(read(app, query))
