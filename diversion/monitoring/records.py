"""Named reads of her monitoring history: each recording, newest first, in the words a worker
reads (architecture rule 4).

Her history is every set of answers recorded for her, whichever organisation recorded it:
the file is hers and moves with her on a transfer. The answers come back through the ORM,
so they are opened from their sealed form here (diversion.sealed) and turned into words with
diversion.monitoring.choices; nothing here is ever shown to the court or the CPS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from diversion.cases.queries import OPEN_STATUSES
from diversion.db import db
from diversion.models import Case, Client, MonitoringRecord
from diversion.monitoring.choices import QUESTIONS


@dataclass(frozen=True)
class Answer:
    """One question's answer as shown: the question, the answer's code and its words."""

    field: str
    question: str
    code: str
    words: str


@dataclass(frozen=True)
class Recorded:
    """One set of answers in her history: when, by whom, for which case, and the answers."""

    id: int
    recorded_on: date
    recorded_at: datetime
    recorded_by: str
    case_reference: str | None
    answers: tuple[Answer, ...]


def answers_in_words(record: MonitoringRecord) -> tuple[Answer, ...]:
    """The seven answers of one recording, in the order the questions are asked."""
    answers = []
    for question in QUESTIONS:
        code = getattr(record, question.field)
        answers.append(Answer(question.field, question.label, code, question.words(code)))
    return tuple(answers)


def history_of(client: Client) -> list[Recorded]:
    """Her monitoring history, newest first (by the date of the assessment, then by when it
    was entered), in one query for the records and their recorders."""
    records = db.session.scalars(
        select(MonitoringRecord)
        .where(MonitoringRecord.client_id == client.id)
        .options(joinedload(MonitoringRecord.recorded_by))
        .order_by(
            MonitoringRecord.recorded_on.desc(),
            MonitoringRecord.recorded_at.desc(),
            MonitoringRecord.id.desc(),
        )
    ).all()
    references = {case.id: case.reference for case in client.cases}
    return [
        Recorded(
            id=record.id,
            recorded_on=record.recorded_on,
            recorded_at=record.recorded_at,
            recorded_by=record.recorded_by.name,
            case_reference=references.get(record.case_id) if record.case_id else None,
            answers=answers_in_words(record),
        )
        for record in records
    ]


def open_cases_of(client: Client) -> list[Case]:
    """Her cases still running (awaiting court or on the scheme): the cases an assessment can
    be recorded against, newest first."""
    return [case for case in client.cases if case.status in OPEN_STATUSES]
