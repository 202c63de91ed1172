"""The sitting-day list as the court and the CPS receive it: its CSV form.

Used by the list page's download and by the job that emails the list to the court at the
report time, so both carry exactly the same columns: the ones domain.md lets the court and
the CPS read, nothing more. The stored copy of an emailed list is read back here too: one
woman's row, for her subject access export, and erasing her row when she is anonymised.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from email.message import EmailMessage

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


def _list_part(message: EmailMessage) -> EmailMessage | None:
    """The list's CSV attachment in an emailed list, if it has one."""
    for part in message.iter_attachments():
        if isinstance(part, EmailMessage) and part.get_content_type() == "text/csv":
            return part
    return None


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _csv_of(part: EmailMessage) -> list[list[str]]:
    # The job attaches UTF-8 bytes with no charset parameter: decode them as UTF-8 (the
    # email package would assume ASCII and lose any accented name).
    payload = part.get_payload(decode=True)
    data = payload.decode("utf-8") if isinstance(payload, bytes) else ""
    return list(csv.reader(io.StringIO(data)))


def emailed_list_row(raw: bytes, row: int) -> dict[str, str] | None:
    """Row `row` (1 = the first after the header) of an emailed list, by column heading;
    None when the message has no such row (or no list)."""
    part = _list_part(_parse(raw))
    rows = _csv_of(part) if part is not None else []
    if not 1 <= row < len(rows):
        return None
    header = rows[0]
    return {heading: value for heading, value in zip(header, rows[row], strict=False)}


def redact_emailed_list(raw: bytes, rows: Collection[int], *, marker: str) -> bytes:
    """The emailed list with every cell of these rows (1 = the first after the header)
    replaced by `marker`: the rest of the message, and every other row, as they were."""
    message = _parse(raw)
    part = _list_part(message)
    if part is None:
        return raw
    table = _csv_of(part)
    for row in rows:
        if 1 <= row < len(table):
            table[row] = [marker] * len(table[row])
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table)
    part.set_content(
        out.getvalue().encode("utf-8"),
        maintype="text",
        subtype="csv",
        disposition="attachment",
        filename=part.get_filename(),
    )
    return message.as_bytes(policy=email.policy.SMTP)
