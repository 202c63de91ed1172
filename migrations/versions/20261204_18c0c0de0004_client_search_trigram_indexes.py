"""client search: trigram indexes on the lowered names and other names (PostgreSQL only)

The client search matches each typed word anywhere in her first name, last name, the name
texts use and her other names (`lower(name) LIKE '%word%'`): with only b-tree indexes
PostgreSQL read every client of the organisation, 191 ms of SQL a search at 100,000 clients.
A GIN index with pg_trgm's trigram operator class on each lowered column answers such a LIKE
from the index (diversion.models.TRIGRAM_INDEXES, the same four).

PostgreSQL only: SQLite has no trigram index, and nothing is done there. pg_trgm is a trusted
extension (PostgreSQL 13 and later), so the database's owner, who runs the migrations
(DATABASE_OWNER_URL), may create it without being a superuser. The downgrade drops the
indexes and leaves the extension, which other objects may use.

Revision ID: 18c0c0de0004
Revises: 18c0c0de0003
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

from alembic import op

revision = "18c0c0de0004"
down_revision = "18c0c0de0003"
branch_labels = None
depends_on = None

# (index, table, column): frozen here, as a migration must be.
INDEXES = (
    ("ix_client_first_name_trgm", "client", "first_name"),
    ("ix_client_last_name_trgm", "client", "last_name"),
    ("ix_client_text_name_trgm", "client", "text_name"),
    ("ix_client_alias_name_trgm", "client_alias", "name"),
)


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    if not _postgresql():
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, table, column in INDEXES:
        op.execute(f"CREATE INDEX {index} ON {table} USING gin (lower({column}) gin_trgm_ops)")


def downgrade() -> None:
    if not _postgresql():
        return
    for index, _table, _column in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index}")
