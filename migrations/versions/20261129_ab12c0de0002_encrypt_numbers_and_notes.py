"""encryption at rest: phone numbers and free-text notes (security.md 15)

Revision ID: ab12c0de0002
Revises: ab12c0de0001
Create Date: 2026-11-29 13:00:00.000000

Written by hand. inbound_message.from_number becomes Text (a token is longer than a
number) and loses its index (nothing can look up ciphertext: a sender is found by
client.mobile_hash). Then every value of the encrypted columns that is still plaintext (a
database from before, such as a development one) is encrypted in place, and
client.mobile_hash is filled from each number. Downgrade decrypts in place.

The keys are the app's: run by `flask --app wsgi db upgrade`, this uses the running app's
config (defaults, then instance/config.py, then the environment, as diversion.config.load
builds it); run by Alembic on its own, it builds the app the same way (create_app) to read
them. Either way, a production database needs ENCRYPTION_KEYS and LOOKUP_HASH_KEY set first.

The list of columns is frozen here, not read from the models, so that what this revision
does never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import sqlalchemy as sa
from alembic import op

from diversion.crypto import Keyring, keyring_from, looks_like_token

revision = "ab12c0de0002"
down_revision = "ab12c0de0001"
branch_labels = None
depends_on = None

ENCRYPTED = (
    ("user_account", "totp_secret"),
    ("client", "mobile"),
    ("client", "housing"),
    ("client", "health_notes"),
    ("appointment", "reason"),
    ("case_event", "summary"),
    ("outbox_message", "body"),
    ("inbound_message", "from_number"),
    ("inbound_message", "body"),
    ("compliance_report", "statement"),
    ("compliance_report", "html"),
    ("case_note", "body"),
)
# The retention job's marker: carries no personal data and is stored as it is.
CLEAR_MARKERS = frozenset({"[erased]"})
BATCH = 500


def _keyring() -> Keyring:
    from flask import current_app, has_app_context

    if has_app_context():
        return keyring_from(current_app.config)
    from diversion.app import create_app

    return keyring_from(create_app().config)


def _rows(table: sa.TableClause, value: sa.ColumnClause[str]) -> Iterator[tuple[int, str]]:
    """(id, stored value) of every row holding a value, read a batch at a time."""
    bind = op.get_bind()
    last = 0
    while True:
        batch = bind.execute(
            sa.select(table.c.id, value)
            .where(table.c.id > last, value.is_not(None))
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        yield from ((row_id, stored) for row_id, stored in batch)
        last = batch[-1][0]


def _rewrite(ring: Keyring, change: Callable[[Keyring, str, str], str | None]) -> None:
    """Apply `change` to every stored value; None from it means leave the value alone."""
    bind = op.get_bind()
    for table_name, column_name in ENCRYPTED:
        table = sa.table(table_name, sa.column("id", sa.Integer), sa.column(column_name, sa.Text))
        value = table.c[column_name]
        for row_id, stored in _rows(table, value):
            where = f"{table_name}.{column_name} (row {row_id})"
            new = None if stored in CLEAR_MARKERS else change(ring, stored, where)
            if new is not None:
                bind.execute(
                    sa.update(table).where(table.c.id == row_id).values({column_name: new})
                )


def _foreign_token(where: str) -> RuntimeError:
    return RuntimeError(
        f"{where} holds a value encrypted with a key that is not in ENCRYPTION_KEYS: "
        "configure the keys this database was written with, then run the migration again."
    )


def _encrypt_plaintext(ring: Keyring, stored: str, where: str) -> str | None:
    """A token for a plaintext value; None for a value already encrypted."""
    if ring.is_token(stored):
        return None
    if looks_like_token(stored):
        raise _foreign_token(where)
    return ring.encrypt(stored)


def _decrypt_token(ring: Keyring, stored: str, where: str) -> str | None:
    """The plaintext of a token; None for a value that is plaintext already."""
    if ring.is_token(stored):
        return ring.decrypt(stored)
    if looks_like_token(stored):
        raise _foreign_token(where)
    return None


def _fill_mobile_hashes(ring: Keyring) -> None:
    bind = op.get_bind()
    client = sa.table(
        "client",
        sa.column("id", sa.Integer),
        sa.column("mobile", sa.Text),
        sa.column("mobile_hash", sa.String(64)),
    )
    hashes = [
        (row_id, ring.lookup_hash(ring.decrypt(token)))
        for row_id, token in _rows(client, client.c.mobile)
        if token not in CLEAR_MARKERS
    ]
    for row_id, wanted in hashes:
        bind.execute(sa.update(client).where(client.c.id == row_id).values(mobile_hash=wanted))


def upgrade() -> None:
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_message_from_number"))
        batch_op.alter_column(
            "from_number",
            existing_type=sa.String(length=20),
            type_=sa.Text(),
            existing_nullable=False,
        )
    ring = _keyring()
    _rewrite(ring, _encrypt_plaintext)
    _fill_mobile_hashes(ring)


def downgrade() -> None:
    _rewrite(_keyring(), _decrypt_token)
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.alter_column(
            "from_number",
            existing_type=sa.Text(),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_message_from_number"), ["from_number"], unique=False
        )
