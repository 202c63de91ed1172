"""The sitting-day list as the court and the CPS receive it: its CSV form.

Used by the list page's download and by the job that emails the list to the court at the
report time, so both carry exactly the same columns: the ones domain.md lets the court and
the CPS read, nothing more. (diversion.mail.emailed_lists reads the stored copy of an
emailed list back.)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date

from diversion.court.queries import FirstAppearance, ReturningCase
from diversion.models import Court

CSV_HEADER = (
    "List",
    "Name",
    "Date of birth",
    "Court reference",
    "Court date",
    "Return date",
    "Reminded",
    "Status",
    "Sessions attended",
    "Attended dates",
    "Missed dates",
)
FIRST_APPEARANCE = "First appearance"
RETURNING = "Returning from extended bail"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a quote."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _dates(days: Iterable[date]) -> str:
    return "; ".join(day.isoformat() for day in days)


def csv_rows(
    first_appearances: Iterable[FirstAppearance], returning: Iterable[ReturningCase]
) -> list[Sequence[str]]:
    """The list as CSV rows: the columns the court and the CPS may read, nothing more."""
    rows: list[Sequence[str]] = [CSV_HEADER]
    for first in first_appearances:
        rows.append(
            (
                FIRST_APPEARANCE,
                first.name,
                first.date_of_birth.isoformat(),
                first.court_reference or "",
                first.hearing_date.isoformat(),
                "",
                "Yes" if first.reminded else "No",
                "",
                "",
                "",
                "",
            )
        )
    for line in returning:
        result = line.compliance
        rows.append(
            (
                RETURNING,
                line.name,
                line.date_of_birth.isoformat(),
                line.court_reference or "",
                line.court_date.isoformat() if line.court_date else "",
                line.return_date.isoformat(),
                "",
                result.status.label,
                f"{result.attended} of {result.required}",
                _dates(line.attended_dates),
                _dates(line.missed_dates),
            )
        )
    return rows


def csv_case_ids(
    first_appearances: Iterable[FirstAppearance], returning: Iterable[ReturningCase]
) -> list[int]:
    """The case of each data row of `csv_rows`, in the same order: row n (1 = the first row
    after the header) is about case `csv_case_ids(...)[n - 1]`."""
    return [first.case_id for first in first_appearances] + [line.case_id for line in returning]


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return out.getvalue()


def csv_filename(court: Court, day: date) -> str:
    """court-list-<court>-<date>.csv: the court's name in plain letters, and the day."""
    slug = re.sub(r"[^a-z0-9]+", "-", court.name.lower()).strip("-")[:60] or f"court-{court.id}"
    return f"court-list-{slug}-{day.isoformat()}.csv"
