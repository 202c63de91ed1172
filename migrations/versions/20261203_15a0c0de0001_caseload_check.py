"""caseload check: search keys of every woman's names; a named contact for each organisation

`client_name_key` holds the phonetic keys of each word of her names and other names
(diversion.partnership.matching.name_keys), so that the caseload check finds her across the
partnership without reading every record. Keys are written here for every client not
anonymised; from now on the application keeps them in step. `organisation.contact_name` is
whom another organisation asks about a woman the check found there.

Revision ID: 15a0c0de0001
Revises: 14b0c0de0002
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from diversion.partnership.matching import name_keys

revision = "15a0c0de0001"
down_revision = "14b0c0de0002"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    op.add_column("organisation", sa.Column("contact_name", sa.String(length=200), nullable=True))
    keys = op.create_table(
        "client_name_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_client_name_key_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_name_key")),
    )
    with op.batch_alter_table("client_name_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_name_key_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index("ix_client_name_key_key", ["key", "client_id"], unique=False)
    _fill(keys)


def _fill(keys: sa.Table) -> None:
    client = sa.table(
        "client",
        sa.column("id", sa.Integer()),
        sa.column("first_name", sa.String()),
        sa.column("last_name", sa.String()),
        sa.column("anonymised_at", sa.DateTime()),
    )
    alias = sa.table("client_alias", sa.column("client_id", sa.Integer()), sa.column("name"))
    conn = op.get_bind()
    aliases: dict[int, list[str]] = defaultdict(list)
    for client_id, name in conn.execute(sa.select(alias.c.client_id, alias.c.name)):
        aliases[client_id].append(name)
    rows: list[dict[str, object]] = []
    query = sa.select(client.c.id, client.c.first_name, client.c.last_name).where(
        client.c.anonymised_at.is_(None)
    )
    for client_id, first_name, last_name in list(conn.execute(query)):
        for key in sorted(name_keys(first_name, last_name, aliases.get(client_id, ()))):
            rows.append({"client_id": client_id, "key": key})
        if len(rows) >= BATCH:
            conn.execute(sa.insert(keys), rows)
            rows = []
    if rows:
        conn.execute(sa.insert(keys), rows)


def downgrade() -> None:
    with op.batch_alter_table("client_name_key", schema=None) as batch_op:
        batch_op.drop_index("ix_client_name_key_key")
        batch_op.drop_index(batch_op.f("ix_client_name_key_client_id"))
    op.drop_table("client_name_key")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("contact_name")
