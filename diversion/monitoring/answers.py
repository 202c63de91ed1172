"""The report's breakdowns by monitoring answer: referrals and sessions by each question's
answers (her latest record on or before the period's last day), as tables to publish.

The answers are counted in SQL still sealed (diversion.monitoring.queries.answer_counts);
each distinct sealed value is opened here once. Ethnicity is counted by its ONS group (the
19 categories would leave almost every cell under 5), and drug use by the one drug named, or
"more than one of these".
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from diversion.crypto import DecryptionError
from diversion.monitoring.choices import (
    ETHNIC_GROUP_OF,
    NOT_ASKED,
    PREFER_NOT_TO_SAY,
    QUESTION_OF,
    QUESTIONS,
    Question,
)
from diversion.monitoring.tables import Derived, Spec, grid_of
from diversion.sealed import open_sealed

log = logging.getLogger(__name__)

NOT_RECORDED = "Not recorded"
SEVERAL_DRUGS = "several"
COLUMNS = ("referrals", "attended", "missed")


def _answer_row(question: Question, code: str) -> str:
    """The row a stored answer is counted in: ethnicity by its ONS group; several drugs
    together."""
    if question.field == "ethnicity":
        return ETHNIC_GROUP_OF.get(code, code)
    if question.many and "," in code:
        return SEVERAL_DRUGS
    return code


def _answer_rows(question: Question) -> list[tuple[str, str]]:
    """(row key, words) of a question's breakdown, in the order of its answers."""
    if question.field == "ethnicity":
        groups = list(dict.fromkeys(ETHNIC_GROUP_OF.values()))
        rows = [(group, group) for group in groups]
        rows += [(c, w) for c, w in question.answers if c in (PREFER_NOT_TO_SAY, NOT_ASKED)]
    elif question.many:
        alone = {"none", PREFER_NOT_TO_SAY, NOT_ASKED}
        rows = [(c, f"{w} only") for c, w in question.answers if c not in alone]
        rows.append((SEVERAL_DRUGS, "More than one of these"))
        rows += [(c, w) for c, w in question.answers if c in alone]
    else:
        rows = list(question.answers)
    return [*rows, ("", NOT_RECORDED)]


def _opened(question: str, sealed: str | None, cache: dict[tuple[str, str], str]) -> str:
    """The answer's code, opening each distinct sealed value once ("" when none)."""
    if sealed is None:
        return ""
    key = (question, sealed)
    if key not in cache:
        try:
            cache[key] = open_sealed(question, sealed)
        except DecryptionError:
            log.error("a monitoring answer to %s could not be opened", question)
            raise
    return cache[key]


def answer_tables(answers: Sequence[tuple[Any, ...]]) -> list[Spec]:
    """One table per question from the counts by sealed answer (diversion.monitoring.
    queries.answer_counts: lines to add up, corrections included)."""
    totals: dict[str, Counter[tuple[str, str]]] = {q.field: Counter() for q in QUESTIONS}
    cache: dict[tuple[str, str], str] = {}
    for field, sealed, referrals, attended, missed in answers:
        question = QUESTION_OF[field]
        code = _opened(field, sealed, cache)
        row = _answer_row(question, code) if code else ""
        totals[field][(row, "referrals")] += referrals
        totals[field][(row, "attended")] += attended
        totals[field][(row, "missed")] += missed
    specs = []
    for question in QUESTIONS:
        rows = _answer_rows(question)
        known = {key for key, _ in rows}
        counts = totals[question.field]
        for (row, _column), value in list(counts.items()):
            if row not in known and value:
                log.warning("a %s answer outside the list was counted", question.field)
                rows.insert(-1, (row, question.words(row)))
                known.add(row)
        specs.append(
            Spec(
                key=f"answers-{question.field.replace('_', '-')}",
                caption=question.label,
                row_heading="Answer",
                rows=tuple(words for _, words in rows),
                columns=("Referrals", "Sessions attended", "Sessions missed"),
                counts=grid_of(dict(counts), [key for key, _ in rows], COLUMNS),
                row_totals=False,
                derived=(Derived("Missed (DNA rate)", (2,), (1, 2)),),
                shared={
                    (len(rows), 0): "referrals",
                    (len(rows), 1): "attendance:attended",
                    (len(rows), 2): "attendance:did_not_attend",
                },
                chart="0",
                chart_title=f"Referrals by {question.label.lower()}",
            )
        )
    return specs
