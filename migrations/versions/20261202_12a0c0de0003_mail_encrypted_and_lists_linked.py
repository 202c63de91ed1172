"""emails encrypted at rest; sitting-day lists linked to the cases they name

Revision ID: 12a0c0de0003
Revises: 9b5013b5103c
Create Date: 2026-12-02 16:30:00.000000

Written by hand.

1. outgoing_mail.message (whole emails, reports and lists attached) becomes a Fernet token
   in a text column, as every other encrypted column stores it: a new column is filled with
   each row's message encrypted (the retention job's "[erased]" marker stays as it is), the
   old bytes column is dropped and the new one takes its name.
2. outgoing_mail_case links each sitting-day list to the cases it names, with the case's row
   in the list's CSV. Lists sent before this revision are linked by reading their CSV: a row
   is linked to the one case at the list's court whose client has that name and date of
   birth (and that court reference, when the row has one; and that hearing date, when more
   than one case is left). A row that matches no case, or several, is left unlinked: a
   woman already anonymised has no name to match, so a list sent before her anonymisation
   still holds her row (erase such lists by hand if that matters; the count is not logged
   with any name).

The keys are the app's, found as revision ab12c0de0002 finds them: the running app's config
when run by `flask --app wsgi db upgrade`, otherwise an app built with create_app. A
production database needs ENCRYPTION_KEYS set first. Downgrade decrypts the messages back
into a bytes column and drops the links.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage

import sqlalchemy as sa
from alembic import op

from diversion.crypto import Keyring, keyring_from, looks_like_token

revision = "12a0c0de0003"
down_revision = "9b5013b5103c"
branch_labels = None
depends_on = None

ERASED = "[erased]"
LIST_KIND = "sitting_day_list"
BATCH = 100
# A spreadsheet-safe cell starts with a quote before one of these (list_csv.csv_cell).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _keyring() -> Keyring:
    from flask import current_app, has_app_context

    if has_app_context():
        return keyring_from(current_app.config)
    from diversion.app import create_app

    return keyring_from(create_app().config)


def _mail(message_type: sa.types.TypeEngine[object], name: str = "message") -> sa.TableClause:
    return sa.table("outgoing_mail", sa.column("id", sa.Integer), sa.column(name, message_type))


def _batches(table: sa.TableClause, name: str) -> Iterator[list[tuple[int, object]]]:
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c[name])
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield [(row_id, value) for row_id, value in rows]
        last = rows[-1][0]


# --- links for lists already sent -------------------------------------------------------------


def _cell(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _list_rows(raw: bytes) -> list[list[str]]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    for part in message.iter_attachments():
        if isinstance(part, EmailMessage) and part.get_content_type() == "text/csv":
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8") if isinstance(payload, bytes) else ""
            return [[_cell(cell) for cell in row] for row in csv.reader(io.StringIO(text))]
    return []


def _candidates(court_id: int, name: str, born: date) -> list[tuple[int, str | None, set[date]]]:
    case = sa.table(
        "diversion_case",
        sa.column("id", sa.Integer),
        sa.column("client_id", sa.Integer),
        sa.column("court_id", sa.Integer),
        sa.column("court_reference", sa.String),
        sa.column("first_court_date", sa.Date),
        sa.column("adjourned_to", sa.Date),
        sa.column("return_date", sa.Date),
    )
    client = sa.table(
        "client",
        sa.column("id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("date_of_birth", sa.Date),
    )
    found = (
        op.get_bind()
        .execute(
            sa.select(
                case.c.id,
                case.c.court_reference,
                case.c.first_court_date,
                case.c.adjourned_to,
                case.c.return_date,
                client.c.first_name,
                client.c.last_name,
            )
            .join(client, case.c.client_id == client.c.id)
            .where(case.c.court_id == court_id, client.c.date_of_birth == born)
        )
        .all()
    )
    return [
        (case_id, reference, {day for day in (first, adjourned, back) if day is not None})
        for case_id, reference, first, adjourned, back, first_name, last_name in found
        if f"{first_name} {last_name}" == name
    ]


def _match(court_id: int, day: date, row: list[str]) -> int | None:
    """The one case a list row is about, or None when no case or several fit."""
    if len(row) < 4:
        return None
    name, born_text, reference = row[1], row[2], row[3]
    try:
        born = date.fromisoformat(born_text)
    except ValueError:
        return None
    fits = _candidates(court_id, name, born)
    if reference:
        fits = [fit for fit in fits if fit[1] == reference]
    if len(fits) > 1:
        fits = [fit for fit in fits if day in fit[2]]
    return fits[0][0] if len(fits) == 1 else None


def _links_of_lists_already_sent() -> list[dict[str, int]]:
    """(list, case, row) for every row of a stored list that matches one case."""
    mail = sa.table(
        "outgoing_mail",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("court_id", sa.Integer),
        sa.column("sitting_date", sa.Date),
        sa.column("message", sa.LargeBinary),
    )
    lists = (
        op.get_bind()
        .execute(
            sa.select(mail.c.id, mail.c.court_id, mail.c.sitting_date, mail.c.message)
            .where(mail.c.kind == LIST_KIND)
            .order_by(mail.c.id)
        )
        .all()
    )
    links = []
    for mail_id, court_id, day, message in lists:
        if court_id is None or day is None or not message or bytes(message) == ERASED.encode():
            continue
        linked: set[int] = set()
        for number, row in enumerate(_list_rows(bytes(message))[1:], start=1):
            case_id = _match(court_id, day, row)
            if case_id is None or case_id in linked:
                continue
            linked.add(case_id)
            links.append({"outgoing_mail_id": mail_id, "case_id": case_id, "list_row": number})
    return links


# --- encryption ----------------------------------------------------------------------------


def _encrypt_messages(ring: Keyring) -> None:
    bind = op.get_bind()
    source = _mail(sa.LargeBinary())
    target = _mail(sa.Text(), "message_token")
    for rows in _batches(source, "message"):
        for row_id, value in rows:
            raw = bytes(value) if value is not None else b""  # type: ignore[arg-type]
            token = ERASED if raw == ERASED.encode() else ring.encrypt_bytes(raw)
            bind.execute(sa.update(target).where(target.c.id == row_id).values(message_token=token))


def _decrypt_messages(ring: Keyring) -> None:
    bind = op.get_bind()
    source = _mail(sa.Text())
    target = _mail(sa.LargeBinary(), "message_bytes")
    for rows in _batches(source, "message"):
        for row_id, value in rows:
            stored = str(value or "")
            if stored == ERASED:
                raw = ERASED.encode()
            elif ring.is_token(stored):
                raw = ring.decrypt_bytes(stored)
            elif looks_like_token(stored):
                raise RuntimeError(
                    f"outgoing_mail.message (row {row_id}) holds a value encrypted with a key "
                    "that is not in ENCRYPTION_KEYS: configure the keys this database was "
                    "written with, then run the migration again."
                )
            else:
                raw = stored.encode("utf-8")
            bind.execute(sa.update(target).where(target.c.id == row_id).values(message_bytes=raw))


def upgrade() -> None:
    # Read the lists while they are plaintext; the links are written once outgoing_mail has
    # been rebuilt (on SQLite, rebuilding a table drops it, and the drop would cascade to
    # rows that point at it).
    links = _links_of_lists_already_sent()

    ring = _keyring()
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_token", sa.Text(), nullable=True))
    _encrypt_messages(ring)
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_column("message")
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.alter_column(
            "message_token",
            new_column_name="message",
            existing_type=sa.Text(),
            nullable=False,
        )

    link_table = op.create_table(
        "outgoing_mail_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outgoing_mail_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("list_row", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outgoing_mail_id"],
            ["outgoing_mail.id"],
            name=op.f("fk_outgoing_mail_case_outgoing_mail_id_outgoing_mail"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["diversion_case.id"],
            name=op.f("fk_outgoing_mail_case_case_id_diversion_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail_case")),
        sa.UniqueConstraint("outgoing_mail_id", "case_id", name="uq_outgoing_mail_case"),
    )
    with op.batch_alter_table("outgoing_mail_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outgoing_mail_case_case_id"), ["case_id"], unique=False
        )
    if links:
        assert link_table is not None
        op.bulk_insert(link_table, links)


def downgrade() -> None:
    with op.batch_alter_table("outgoing_mail_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_case_case_id"))
    op.drop_table("outgoing_mail_case")

    ring = _keyring()
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_bytes", sa.LargeBinary(), nullable=True))
    _decrypt_messages(ring)
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_column("message")
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.alter_column(
            "message_bytes",
            new_column_name="message",
            existing_type=sa.LargeBinary(),
            nullable=False,
        )
