"""The stored copy of an emailed sitting-day list, read back: one woman's row of it (for her
subject access export), and the list with her row erased (when she is anonymised).

The list is the email's CSV attachment (diversion.court.list_csv writes it): a header row,
then one row per case; OutgoingMailCase.list_row numbers those rows from 1. Pure functions
of the message bytes: no database, no files.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
from collections.abc import Collection
from email.message import EmailMessage


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
