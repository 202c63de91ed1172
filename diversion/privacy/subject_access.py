"""Subject access (security.md 14): everything the service holds about one woman, as one file.

The rows are found by walking the schema, not by a hand-kept list, so a table added later
is exported without anyone remembering to: starting from her `client` row, every table with
a foreign key to a table already reached (her aliases and cases; their appointments, events,
notes, reports; texts and replies; emails to the court and the CPS ...) is read for the rows
that point at rows already found, in dependency order. Tables that name her in a
`client_id` column without a foreign key (the audit trail) are read by that column.

Every column of each row is exported as stored (decrypted where encrypted at rest), except
an email's raw bytes, which are given as the text part the court or CPS read and the names
of its attachments (the attached report is exported itself, from `compliance_report`).
The names of the people, courts and venues the rows refer to by id are added, for reading.

A sitting-day list names several women, so it is not one of her emails: it is reached only
through the links to her cases (`outgoing_mail_case`, LINK_TABLES), and each link comes out
with the list's court, sitting day, recipient and sending time, and her own row of the list
as the court read it; never the list itself, nor another woman's row.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime, time
from email.message import EmailMessage
from enum import Enum
from typing import Any

from sqlalchemy import Column, Table, or_, select

from diversion.db import Base, db
from diversion.mail.emailed_lists import emailed_list_row
from diversion.models import Client, Court, OutgoingMail
from diversion.privacy.retention import ERASED

FORMAT = "court-diversion-subject-access/1"
ROOT_TABLE = "client"
# A column of this name points at a client even where no foreign key says so.
CLIENT_KEY = "client_id"

# Headings a person reads; a table not named here is shown by its own name.
TABLE_TITLES = {
    "client": "Her record",
    "client_alias": "Other names she is known by",
    "client_name_key": "Sound-alike keys of her names, by which the caseload check finds her",
    "diversion_case": "Cases",
    "appointment": "Appointments",
    "case_agreement": "Agencies that agreed to her caution",
    "lapsed_session": "Sessions recorded as not needed",
    "case_event": "Case timeline",
    "case_note": "Case notes",
    "outbox_message": "Text messages to her",
    "inbound_message": "Text messages from her",
    "compliance_report": "Compliance reports for the court, the CPS or the police",
    "outgoing_mail": "Emails to the court, the CPS or the police",
    "outgoing_mail_case": "Sitting-day lists sent to the court that named her",
    "audit_event": "Record of who viewed or changed her records",
}

# Tables that link her rows to rows shared with other women: reached only through the named
# column (her cases), never through the shared row, and exported by `_link_row`.
LIST_LINKS = "outgoing_mail_case"
LINK_TABLES = {LIST_LINKS: "case_id"}

# Tables whose names the export gives for the ids its rows hold, and the column with the name.
NAMED_TABLES = {
    "organisation": "name",
    "user_account": "name",
    "court": "name",
    "venue": "name",
    "requirement_type": "name",
}


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _client_key_without_foreign_key(table: Table) -> Column[Any] | None:
    column = table.columns.get(CLIENT_KEY)
    if column is None or column.foreign_keys:
        return None
    return column


# Reached through a foreign key, but about staff, not her: which workers' inboxes hold a
# reply from a number more than one client shares (staff ids only).
NOT_ABOUT_HER = frozenset({"inbound_message_worker"})


def related_tables() -> list[str]:
    """Every table that holds rows about a client: hers first, then those reached through
    foreign keys in dependency order, then those that name her without one (the audit)."""
    reached = [ROOT_TABLE]
    by_plain_key = []
    for table in _tables():
        if table.name == ROOT_TABLE or table.name in NOT_ABOUT_HER:
            continue
        if any(fk.column.table.name in reached for fk in table.foreign_keys):
            reached.append(table.name)
        elif _client_key_without_foreign_key(table) is not None:
            by_plain_key.append(table.name)
    return reached + by_plain_key


def _value(value: Any) -> Any:
    """A stored value as JSON: instants and dates in ISO 8601, enums by their value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"sha256": hashlib.sha256(value).hexdigest(), "bytes": len(value)}
    return value


def _mail_message(raw: bytes) -> dict[str, Any]:
    """What an email said: its text part and the names of its attachments."""
    if raw == ERASED.encode("ascii"):
        return {"text": ERASED, "attachments": []}
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    attachments = [
        {
            "filename": part.get_filename() or "",
            "content_type": part.get_content_type(),
            "bytes": len(part.get_payload(decode=True) or b""),
        }
        for part in message.iter_attachments()
        if isinstance(part, EmailMessage)
    ]
    return {"text": text, "attachments": attachments}


def _row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {name: _value(value) for name, value in row.items()}
    if table.name == "outgoing_mail" and isinstance(row.get("message"), bytes):
        out["message"] = _mail_message(row["message"])
    return out


def _rows_about(client: Client) -> dict[str, list[dict[str, Any]]]:
    """The raw rows of every related table that are about her, keyed by table name."""
    found: dict[str, set[int]] = {ROOT_TABLE: {client.id}}
    rows: dict[str, list[dict[str, Any]]] = {}
    tables = {table.name: table for table in _tables()}
    for name in related_tables():
        table = tables[name]
        if name == ROOT_TABLE:
            conditions = [table.c.id == client.id]
        else:
            conditions = [
                fk.parent.in_(sorted(found[fk.column.table.name]))
                for fk in table.foreign_keys
                if found.get(fk.column.table.name)
                and LINK_TABLES.get(name, fk.parent.name) == fk.parent.name
            ]
            plain_key = _client_key_without_foreign_key(table)
            if plain_key is not None:
                conditions.append(plain_key == client.id)
        if not conditions:
            rows[name] = []
            found[name] = set()
            continue
        result = db.session.execute(
            select(table).where(or_(*conditions)).order_by(*table.primary_key.columns)
        )
        rows[name] = [dict(row._mapping) for row in result]
        found[name] = {row["id"] for row in rows[name] if "id" in row}
    return rows


def _list_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each list that named her: when, which court, to whom, and her own row of it."""
    mail_ids = sorted({row["outgoing_mail_id"] for row in rows})
    mails = {
        mail.id: mail
        for mail in db.session.scalars(select(OutgoingMail).where(OutgoingMail.id.in_(mail_ids)))
    }
    court_ids = sorted({mail.court_id for mail in mails.values() if mail.court_id is not None})
    courts = {
        court_id: name
        for court_id, name in db.session.execute(
            select(Court.id, Court.name).where(Court.id.in_(court_ids))
        )
    }
    out = []
    for row in rows:
        mail = mails[row["outgoing_mail_id"]]
        if mail.message == ERASED.encode("ascii"):
            said: Any = ERASED
        else:
            said = emailed_list_row(mail.message, row["list_row"])
        out.append(
            {
                **{name: _value(value) for name, value in row.items()},
                "sitting_date": _value(mail.sitting_date),
                "court": courts.get(mail.court_id) if mail.court_id is not None else None,
                "recipient": mail.recipient,
                "recipient_role": mail.recipient_role,
                "status": _value(mail.status),
                "sent_at": _value(mail.sent_at),
                "her_row_of_the_list": said,
            }
        )
    return out


def _names(rows: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, str]]:
    """The names of the people, courts, venues and the like that the rows refer to by id."""
    tables = {table.name: table for table in _tables()}
    wanted: dict[str, set[int]] = {name: set() for name in NAMED_TABLES}
    for name, table_rows in rows.items():
        table = tables[name]
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target not in wanted:
                continue
            wanted[target].update(
                row[fk.parent.name] for row in table_rows if row.get(fk.parent.name) is not None
            )
    names: dict[str, dict[str, str]] = {}
    for target, ids in wanted.items():
        table = tables[target]
        column = table.columns[NAMED_TABLES[target]]
        found = db.session.execute(
            select(table.c.id, column).where(table.c.id.in_(sorted(ids)))
        ).all()
        names[target] = {str(row_id): str(value) for row_id, value in found}
    return names


def export_for(client: Client, *, now: datetime) -> dict[str, Any]:
    """Everything held about one client, as a JSON-ready dict: one list of rows per table."""
    raw = _rows_about(client)
    tables = {table.name: table for table in _tables()}
    exported = {
        name: _list_rows(rows) if name == LIST_LINKS else [_row(tables[name], r) for r in rows]
        for name, rows in raw.items()
    }
    return {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "client_id": client.id,
        "organisation": client.organisation.name,
        "tables": exported,
        "names": _names(raw),
    }


def to_json(export: dict[str, Any]) -> str:
    """The export as a JSON document."""
    return json.dumps(export, ensure_ascii=False, indent=2, sort_keys=False)


def title_of(table: str) -> str:
    """A table's heading in the PDF."""
    return TABLE_TITLES.get(table, table.replace("_", " ").capitalize())


def sections(export: dict[str, Any]) -> Iterable[tuple[str, str, list[dict[str, Any]]]]:
    """(table, heading, rows) for each table of an export, in its order."""
    for name, rows in export["tables"].items():
        yield name, title_of(name), rows


def filename(client: Client, extension: str) -> str:
    """The download's name: her id, never her name."""
    return f"subject-access-client-{client.id}.{extension}"


def named_references() -> dict[str, dict[str, str]]:
    """For the PDF: table -> column -> the named table its id refers to."""
    out: dict[str, dict[str, str]] = {}
    for table in _tables():
        for fk in table.foreign_keys:
            if fk.column.table.name in NAMED_TABLES:
                out.setdefault(table.name, {})[fk.parent.name] = fk.column.table.name
    return out
