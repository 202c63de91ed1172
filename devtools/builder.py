"""Rows in batches for the bulk data generator (devtools/generate.py): clients, cases,
appointments, texts and reports, their ids given here, written with bulk INSERTs."""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta
from typing import Any

from devtools.bulk import (
    ADJOURNED_SHARE,
    ATTENDED,
    CHARGES,
    COURT_LIST_TIME,
    DRUG_TESTS,
    HISTORY_DAYS,
    HISTORY_GAP_DAYS,
    MISSED,
    SITTING_WEEKDAYS,
    SLOTS,
    Batch,
    GenerateError,
    Ids,
    Pattern,
    Planted,
    Row,
    Sizes,
    Staff,
    fictional_aliases,
    fictional_name,
    history_case,
    instant,
    return_date,
    split_into_cases,
    window_days,
)
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseStatus,
    Client,
    ComplianceReport,
    CourtOutcome,
    MessageStatus,
    OutboxMessage,
    ReportVariant,
    RequirementType,
)
from diversion.partnership.name_keys import key_rows
from scheduling.calendar import is_working_day, sitting_days_between

# What the court is told about a generated missed or cancelled appointment (default wordings).
GENERATED_WORDINGS = {
    MISSED: "No reason given",
    AppointmentStatus.CANCELLED_BY_CLIENT: "Rearranged at her request",
    AppointmentStatus.CANCELLED_BY_SERVICE: "Cancelled by the project",
}


class Builder:
    """Makes the rows of each client, her cases and their appointments."""

    def __init__(self, sizes: Sizes, staff: Staff, ids: Ids, rng: random.Random) -> None:
        self.sizes = sizes
        self.staff = staff
        self.ids = ids
        self.rng = rng
        # Her other names come from a stream of their own, so that the rest of a seed's data
        # is the same as before other names were generated.
        self.alias_rng = random.Random(sizes.seed * 1_000_003 + 15)
        self.booked: dict[tuple[int, date], int] = {}  # (worker, day) to slots taken
        first_day = sizes.list_day - timedelta(days=HISTORY_DAYS)
        # Court dates whose order ends well before the list day, by window length.
        self.court_dates = {
            days: sitting_days_between(
                first_day,
                sizes.list_day - timedelta(days=HISTORY_GAP_DAYS + days),
                SITTING_WEEKDAYS,
            )
            for days in (28, 84)
        }
        if not self.court_dates[84]:
            raise GenerateError("The list day leaves no room for a history before it.")

    def client(self, index: int, appointments: int, planted: Planted | None, batch: Batch) -> None:
        rng = self.rng
        organisation = self.staff.projects[0] if rng.random() < 0.7 else self.staff.projects[1]
        worker = rng.choice(self.staff.workers[organisation])
        client_id = self.ids.take(Client)
        first, last = fictional_name(rng)
        aliases = fictional_aliases(first, self.alias_rng)
        batch.aliases += [{"client_id": client_id, "name": alias} for alias in aliases]
        batch.name_keys += key_rows(client_id, first, last, aliases)
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(45 * 365))
        cases: list[tuple[date, str, Pattern]] = []
        for size in split_into_cases(appointments, rng):
            code, pattern = history_case(size, rng)
            days = window_days(self.staff.requirement_types[code])
            cases.append((rng.choice(self.court_dates[days]), code, pattern))
        if not cases or rng.random() < 0.08:
            cases.append((rng.choice(self.court_dates[28]), "CD", ()))  # declined: no sessions
        cases.sort(key=lambda item: item[0])
        opened: list[datetime] = []
        for court_date, code, pattern in cases:
            opened.append(
                self._history_case(
                    client_id, organisation, worker, court_date, code, pattern, batch
                )
            )
        if planted is not None:
            opened.append(self._planted_case(client_id, organisation, worker, planted, batch))
        created = min(opened)
        batch.clients.append(
            {
                "id": client_id,
                "organisation_id": organisation,
                "first_name": first,
                "last_name": last,
                "date_of_birth": born,
                "mobile": None,
                "mobile_hash": None,
                "housing": None,
                "health_notes": None,
                "anonymised_at": None,
                "consent_to_texts": False,
                "safe_to_text_confirmed_on": None,
                "text_name": None,
                "texts_opted_out_at": None,
                "created_at": created,
                "updated_at": created,
            }
        )

    def _case_row(
        self,
        *,
        client_id: int,
        organisation: int,
        worker: int,
        code: str,
        court_date: date,
        arrest_date: date,
        **values: Any,
    ) -> Row:
        case_id = self.ids.take(Case)
        row: Row = {
            "id": case_id,
            "reference": f"{code}-{case_id:06d}",
            "client_id": client_id,
            "organisation_id": organisation,
            "worker_id": worker,
            "requirement_type_id": self.staff.requirement_types[code].id,
            "arrest_date": arrest_date,
            "charge": self.rng.choice(CHARGES),
            "custody_drug_test": self.rng.choice(DRUG_TESTS),
            "court_id": self.staff.court_id,
            "first_court_date": court_date,
            "court_reference": f"GEN/{court_date:%y}/{case_id:07d}",
            "adjourned_to": None,
            "court_outcome": None,
            "outcome_hearing_date": None,
            "return_date": None,
            "status": CaseStatus.AWAITING_COURT,
            "at_risk_reason": None,
            "closed_at": None,
            "created_at": instant(arrest_date, time(12, 0)),
        }
        row.update(values)
        # Each court date is at the court's list time, as a worker leaving the time empty records.
        listed = COURT_LIST_TIME
        row["first_court_time"] = listed
        row["adjourned_to_time"] = listed if row["adjourned_to"] is not None else None
        row["return_time"] = listed if row["return_date"] is not None else None
        return row

    def _history_case(
        self,
        client_id: int,
        organisation: int,
        worker: int,
        court_date: date,
        code: str,
        pattern: Pattern,
        batch: Batch,
    ) -> datetime:
        """A case the court dealt with: closed after its return date, or declined."""
        rng = self.rng
        arrest = court_date - timedelta(days=rng.randint(1, 13))
        adjourned = rng.random() < ADJOURNED_SHARE
        first_hearing = court_date - timedelta(days=14) if adjourned else court_date
        common: Row = {
            "client_id": client_id,
            "organisation": organisation,
            "worker": worker,
            "code": code,
            "court_date": first_hearing,
            "arrest_date": min(arrest, first_hearing - timedelta(days=1)),
            "adjourned_to": court_date if adjourned else None,
            "outcome_hearing_date": court_date,
        }
        if not pattern:
            outcome = CourtOutcome.DECLINED if rng.random() < 0.6 else CourtOutcome.NOT_ELIGIBLE
            status = CaseStatus(outcome.value)
            row = self._case_row(**common, court_outcome=outcome, status=status)
            batch.cases.append(row)
            return row["created_at"]  # type: ignore[no-any-return]
        requirement_type = self.staff.requirement_types[code]
        back = return_date(court_date, window_days(requirement_type))
        row = self._case_row(
            **common,
            court_outcome=CourtOutcome.ACCEPTED,
            return_date=back,
            status=CaseStatus.CLOSED,
            closed_at=instant(back, time(16, 0)),
        )
        batch.cases.append(row)
        self._appointments(row, requirement_type, pattern, court_date, batch)
        return row["created_at"]  # type: ignore[no-any-return]

    def _planted_case(
        self, client_id: int, organisation: int, worker: int, planted: Planted, batch: Batch
    ) -> datetime:
        rng = self.rng
        day = planted.day
        common: Row = {"client_id": client_id, "organisation": organisation, "worker": worker}
        if planted.returning:
            court_date = day - timedelta(days=28)
            row = self._case_row(
                **common,
                code="CD",
                court_date=court_date,
                arrest_date=court_date - timedelta(days=rng.randint(1, 13)),
                court_outcome=CourtOutcome.ACCEPTED,
                outcome_hearing_date=court_date,
                return_date=day,
                status=CaseStatus.ON_SCHEME,
            )
            batch.cases.append(row)
            requirement_type = self.staff.requirement_types["CD"]
            self._appointments(row, requirement_type, planted.pattern, court_date, batch)
            if planted.report:
                batch.reports.append(self._report(row, day))
            return row["created_at"]  # type: ignore[no-any-return]
        first_hearing = day - timedelta(days=14) if planted.adjourned else day
        row = self._case_row(
            **common,
            code="CD",
            court_date=first_hearing,
            arrest_date=first_hearing - timedelta(days=rng.randint(1, 13)),
            adjourned_to=day if planted.adjourned else None,
            court_outcome=CourtOutcome.ADJOURNED if planted.adjourned else None,
        )
        batch.cases.append(row)
        if planted.reminded:
            batch.messages.append(self._reminder(row, day))
        return row["created_at"]  # type: ignore[no-any-return]

    def _book(self, worker: int, day: date) -> tuple[date, time]:
        """The worker's first free slot on the day or the next working days."""
        for _ in range(30):
            if is_working_day(day):
                taken = self.booked.get((worker, day), 0)
                if taken < len(SLOTS):
                    self.booked[(worker, day)] = taken + 1
                    return day, SLOTS[taken]
            day += timedelta(days=1)
        return day, SLOTS[0]  # a month fully booked: double-book rather than give up

    def _appointments(
        self,
        case: Row,
        requirement_type: RequirementType,
        pattern: Pattern,
        court_date: date,
        batch: Batch,
    ) -> None:
        rng = self.rng
        worker = case["worker_id"]
        venue = self.staff.venues[case["organisation_id"]]
        day = court_date + timedelta(days=1 + rng.randint(0, 4))
        for number, status in pattern:
            session = requirement_type.sessions[number - 1]
            day, at = self._book(worker, day)
            starts = instant(day, at)
            ends = starts + timedelta(minutes=int(session["duration_minutes"]))
            recorded = ends if status in (ATTENDED, MISSED) else None
            created = starts - timedelta(days=5)
            batch.appointments.append(
                {
                    "id": self.ids.take(Appointment),
                    "case_id": case["id"],
                    "session_number": number,
                    "kind": session["kind"],
                    "starts_at": starts,
                    "ends_at": ends,
                    "venue_id": venue,
                    "worker_id": worker,
                    "status": status,
                    "reason": None,
                    "court_wording": GENERATED_WORDINGS.get(status),
                    "successor_id": None,
                    "sequence": 0,
                    "outcome_recorded_at": recorded,
                    "confirmed_at": None,
                    "created_at": created,
                    "updated_at": recorded or created,
                }
            )
            day += timedelta(days=requirement_type.min_gap_days + rng.randint(0, 3))

    def _reminder(self, case: Row, day: date) -> Row:
        """The court-date text sent the day before the hearing (its body long erased)."""
        sent = instant(day - timedelta(days=1), time(18, 0))
        message_id = self.ids.take(OutboxMessage)
        return {
            "id": message_id,
            "client_id": case["client_id"],
            "case_id": case["id"],
            "appointment_id": None,
            "kind": "court_day_before",
            "send_at": sent,
            "status": MessageStatus.DELIVERED,
            "reason": None,
            "body": None,
            "provider_id": f"SMgenerated{message_id:021d}",
            "attempts": 1,
            "event_at": instant(day, COURT_LIST_TIME),
            "provider_status": "delivered",
            "error_code": None,
            "status_updated_at": sent + timedelta(minutes=1),
            "created_at": case["created_at"],
            "updated_at": sent + timedelta(minutes=1),
        }

    def _report(self, case: Row, day: date) -> Row:
        """A signed-off compliance report (fictional wording; encrypted as it is written)."""
        html = f"<p>Generated compliance report for case {case['reference']}.</p>"
        return {
            "id": self.ids.take(ComplianceReport),
            "case_id": case["id"],
            "variant": ReportVariant.COURT_DIVERSION,
            "compliance_status": "complied",
            "statement": "",
            "html": html,
            "content_sha256": hashlib.sha256(html.encode()).hexdigest(),
            "signed_off_by_id": case["worker_id"],
            "signed_off_at": instant(day - timedelta(days=3), time(15, 0)),
        }
