"""Monitoring records and text outcomes for the bulk data generator (devtools/generate.py):
what the monitoring report counts (diversion.monitoring).

Added to each batch of clients after it is made, from a random stream of its own, so the
clients, cases and appointments of a seed stay as they were:

- each appointment's day-before reminder (and for some a two-hours-before one too), with
  what became of it: delivered in most cases, else sent with no receipt, failed, not sent
  because she had opted out, or not sent for another reason; a cancelled appointment's
  reminder is cancelled. Missed appointments are a little less often reminded, so the
  report's comparison has something to find. Delivered reminders go in one of four
  wordings (language, register and a template hash, as the dispatcher labels them);
- her "Y" to some delivered reminders (the appointment confirmed), and her STOP once when
  her reminders went unsent because she opted out;
- nine in ten clients a monitoring record from her first case, one in seven of those a
  second, later one (her answers as of a later day): every answer sealed as the model seals
  it (diversion.sealed), each distinct answer once.

Like the rest of the generated data, nobody here is real and nobody has a phone number: the
texts' bodies and numbers are one encrypted placeholder each.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import column, table
from sqlalchemy.sql.expression import TableClause

from diversion.crypto import EncryptedText, keyring
from diversion.models import (
    AppointmentStatus,
    InboundMessage,
    MessageStatus,
    MonitoringRecord,
    OutboxMessage,
    ReplyAction,
)
from diversion.monitoring.choices import (
    CONTACTS,
    DRUG_USE,
    ETHNICITY,
    HOUSING_STATUS,
    KNOWN_PREVIOUSLY,
    NOT_ASKED,
    PREFER_NOT_TO_SAY,
    WORK_PATTERN,
    Question,
)
from diversion.sealed import SealedChoice, seal

Row = dict[str, Any]

# What became of a reminder, with its weights for an attended and a missed appointment.
OUTCOMES = ("delivered", "sent", "failed", "opted_out", "not_sent")
WEIGHTS = {
    AppointmentStatus.ATTENDED: (84, 2, 4, 4, 6),
    AppointmentStatus.DID_NOT_ATTEND: (70, 2, 10, 8, 10),
}
NOT_SENT_REASONS = ("too late", "no consent to texts", "number not confirmed safe to text")
OPTED_OUT_REASON = "she opted out of texts"  # notifications.dispatcher._gate
WORDINGS = (
    ("en:discreet:3f2a9c1d", 70),
    ("en:plain:8b41d07e", 18),
    ("both:discreet:c55e2a90", 8),
    ("cy:discreet:0d9e6b27", 4),
)
TWO_HOURS_SHARE = 0.2
CONFIRM_SHARE = 0.3
RECORD_SHARE = 0.9
SECOND_RECORD_SHARE = 0.15
ETHNICITY_WEIGHTS = {"white_british": 55, "white_other": 8, "white_irish": 3}
DRUGS = ("heroin", "crack", "cocaine", "alcohol", "cannabis", "benzodiazepines", "other")
FIELDS = ("work_pattern", "contacts", "housing_status", "known_previously", "age_band", "ethnicity")


def _plain_table(model: type[Any]) -> TableClause:
    """The model's table with its sealed and encrypted columns untyped: their values go in
    exactly as given (sealed or encrypted here once for many rows)."""
    mapped = model.__table__
    return table(
        mapped.name,
        *(
            column(c.name)
            if isinstance(c.type, SealedChoice | EncryptedText)
            else column(c.name, c.type)
            for c in mapped.columns
        ),
    )


@cache
def _encrypted(text: str) -> str:
    return keyring().encrypt(text)


@cache
def _sealed(question: str, answer: str) -> str:
    return seal(question, answer)


def _pick(rng: random.Random, question: Question, weights: dict[str, int] | None = None) -> str:
    codes = [code for code in question.codes if code not in (PREFER_NOT_TO_SAY, NOT_ASKED)]
    chosen = rng.choices(codes, [(weights or {}).get(code, 2) for code in codes])[0]
    roll = rng.random()
    if roll < 0.04:
        return PREFER_NOT_TO_SAY
    if roll < 0.07:
        return NOT_ASKED
    return chosen


def _age_band(born: date, on: date) -> str:
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for code, upper in (("under_18", 18), ("18_24", 25), ("25_34", 35), ("35_44", 45)):
        if age < upper:
            return code
    return "45_54" if age < 55 else "55_over"


def _drug_use(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.04:
        return PREFER_NOT_TO_SAY
    if roll < 0.06:
        return NOT_ASKED
    if roll < 0.3:
        return "none"
    chosen = set(rng.sample(DRUGS, rng.choice((1, 1, 2, 3))))
    return ",".join(code for code in DRUG_USE.codes if code in chosen)


class MonitoringData:
    """Adds monitoring records, reminders and replies to each batch of generated clients."""

    def __init__(self, seed: int, take_id: Any) -> None:
        self.rng = random.Random(seed * 1_000_003 + 17)
        self.take_id = take_id  # devtools.bulk.Ids.take

    def add(self, batch: Any) -> None:
        """Rows for one batch (devtools.bulk.Batch), before it is written."""
        cases = {row["id"]: row for row in batch.cases}
        clients = {row["id"]: row for row in batch.clients}
        first_case: dict[int, Row] = {}
        for row in batch.cases:
            earliest = first_case.get(row["client_id"])
            if earliest is None or row["created_at"] < earliest["created_at"]:
                first_case[row["client_id"]] = row
        for appointment in batch.appointments:
            self._reminders(appointment, cases[appointment["case_id"]], clients, batch)
        for client_id, case in first_case.items():
            self._records(clients[client_id], case, batch)

    def _message(
        self, appointment: Row, case: Row, kind: str, send_at: datetime, outcome: str
    ) -> Row:
        message_id = self.take_id(OutboxMessage)
        sent = outcome in ("delivered", "sent", "failed")
        status = {
            "delivered": MessageStatus.DELIVERED,
            "sent": MessageStatus.SENT,
            "failed": MessageStatus.FAILED,
            "opted_out": MessageStatus.SKIPPED,
            "not_sent": MessageStatus.SKIPPED,
            "cancelled": MessageStatus.CANCELLED,
        }[outcome]
        reason = {
            "failed": "provider refused (code 30003)",
            "opted_out": OPTED_OUT_REASON,
            "not_sent": self.rng.choice(NOT_SENT_REASONS),
            "cancelled": "appointment no longer booked",
        }.get(outcome)
        wording = None
        if outcome in ("delivered", "sent"):
            wording = self.rng.choices([w for w, _ in WORDINGS], [n for _, n in WORDINGS])[0]
        return {
            "id": message_id,
            "client_id": case["client_id"],
            "case_id": case["id"],
            "appointment_id": appointment["id"],
            "kind": kind,
            "send_at": send_at,
            "status": status,
            "reason": reason,
            "body": None,
            "provider_id": f"SMgenerated{message_id:021d}" if sent else None,
            "attempts": 1 if sent else 0,
            "event_at": None,
            "sent_at": send_at if sent else None,
            "wording": wording,
            "provider_status": outcome if sent else None,
            "error_code": 30003 if outcome == "failed" else None,
            "status_updated_at": send_at + timedelta(minutes=1),
            "created_at": appointment["created_at"],
            "updated_at": send_at + timedelta(minutes=1),
        }

    def _reminders(self, appointment: Row, case: Row, clients: dict[int, Row], batch: Any) -> None:
        status = appointment["status"]
        starts: datetime = appointment["starts_at"]
        if status not in WEIGHTS:
            if status is AppointmentStatus.BOOKED or self.rng.random() < 0.5:
                return
            outcome = "cancelled"
        else:
            roll = self.rng.random()
            if roll < 0.05:
                return  # no reminder planned (booked too late for one)
            outcome = self.rng.choices(OUTCOMES, WEIGHTS[status])[0]
        day_before = self._message(
            appointment, case, "appointment_day_before", starts - timedelta(hours=16), outcome
        )
        batch.messages.append(day_before)
        if outcome != "cancelled" and self.rng.random() < TWO_HOURS_SHARE:
            again = outcome if outcome in ("opted_out", "not_sent") else "delivered"
            batch.messages.append(
                self._message(
                    appointment,
                    case,
                    "appointment_two_hours_before",
                    starts - timedelta(hours=2),
                    again,
                )
            )
        if outcome == "delivered" and self.rng.random() < CONFIRM_SHARE:
            replied = day_before["send_at"] + timedelta(minutes=self.rng.randint(2, 300))
            appointment["confirmed_at"] = replied
            batch.replies.append(self._reply(case, appointment, replied, ReplyAction.CONFIRMED))
        client = clients[case["client_id"]]
        if outcome == "opted_out" and client["texts_opted_out_at"] is None:
            stopped = day_before["send_at"] - timedelta(days=self.rng.randint(1, 20))
            client["texts_opted_out_at"] = stopped
            batch.replies.append(self._reply(case, None, stopped, ReplyAction.OPTED_OUT))

    def _reply(self, case: Row, appointment: Row | None, at: datetime, action: ReplyAction) -> Row:
        reply_id = self.take_id(InboundMessage)
        return {
            "id": reply_id,
            "provider_id": f"SMreceived{reply_id:022d}",
            "received_at": at,
            "from_number": _encrypted("+447700900000"),
            "body": _encrypted("Y" if action is ReplyAction.CONFIRMED else "STOP"),
            "client_id": case["client_id"],
            "case_id": case["id"],
            "organisation_id": case["organisation_id"],
            "worker_id": case["worker_id"],
            "appointment_id": appointment["id"] if appointment else None,
            "action": action,
            "read_at": at + timedelta(hours=2),
            "read_by_id": case["worker_id"],
            "to_number": None,
            "shared_number": False,
        }

    def _records(self, client: Row, case: Row, batch: Any) -> None:
        if self.rng.random() >= RECORD_SHARE:
            return
        recorded: datetime = case["created_at"] + timedelta(days=self.rng.randint(0, 7))
        batch.records.append(self._record(client, case, recorded))
        if self.rng.random() < SECOND_RECORD_SHARE:
            later = recorded + timedelta(days=self.rng.randint(60, 400))
            batch.records.append(self._record(client, case, later))

    def _record(self, client: Row, case: Row, at: datetime) -> Row:
        on = at.date()
        answers = {
            "work_pattern": _pick(self.rng, WORK_PATTERN, {"street": 6, "indoor": 3}),
            "contacts": _pick(self.rng, CONTACTS, {"drug_treatment": 5, "none": 4}),
            "housing_status": _pick(self.rng, HOUSING_STATUS, {"settled": 5, "hostel": 3}),
            "known_previously": _pick(self.rng, KNOWN_PREVIOUSLY, {"no": 6, "yes": 4}),
            "age_band": _age_band(client["date_of_birth"], on),
            "ethnicity": _pick(self.rng, ETHNICITY, ETHNICITY_WEIGHTS),
            "drug_use": _drug_use(self.rng),
        }
        return {
            "id": self.take_id(MonitoringRecord),
            "client_id": client["id"],
            "organisation_id": client["organisation_id"],
            "case_id": case["id"],
            "recorded_on": on,
            "recorded_by_id": case["worker_id"],
            "recorded_at": at,
            **{name: _sealed(name, answer) for name, answer in answers.items()},
        }


PLAIN_MONITORING = _plain_table(MonitoringRecord)
PLAIN_INBOUND = _plain_table(InboundMessage)
