"""The app's own PostgreSQL role owns nothing and may not change the audit trail (security.md 29).

An installation on PostgreSQL has two roles (`scripts/postgres-roles.sh` makes them): the
owner, which owns every table and runs the migrations (DATABASE_OWNER_URL), and the app's
role (DATABASE_URL), which the web app and the scheduler use. After every
`flask --app wsgi db upgrade` the owner sets the app role's privileges afresh, so a table a
future migration adds is covered without anyone remembering to grant it, and a stray grant
(from a restored dump, say) is taken away:

- every table: SELECT, INSERT, UPDATE, DELETE;
- `audit_event`: SELECT and INSERT only, so the app role cannot change or remove a row even
  with the append-only triggers gone, and as a non-owner it cannot drop those triggers;
- `alembic_version`: SELECT only (only migrations move it);
- every sequence: USAGE and SELECT; nothing else, and no TRUNCATE, REFERENCES or TRIGGER.

Statements are run on a connection the caller opened as the owner, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from diversion.audit_ddl import TABLE as AUDIT_TABLE

VERSION_TABLE = "alembic_version"  # Alembic's default; migrations/env.py keeps it
# Tables the app role may read and add to, never change: name -> the privileges it keeps.
NARROWED = {AUDIT_TABLE: "SELECT, INSERT", VERSION_TABLE: "SELECT"}


class RoleError(RuntimeError):
    """The roles are set up so that the grants would not protect anything."""


@dataclass(frozen=True)
class Granted:
    role: str
    schema: str
    tables: int


def current_role(connection: Connection) -> str:
    return str(connection.scalar(text("SELECT current_user")))


def owned_relations(connection: Connection, role: str, schema: str) -> list[str]:
    """Tables, views and sequences in the schema that the role owns."""
    rows = connection.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND pg_get_userbyid(c.relowner) = :role ORDER BY 1"
        ),
        {"schema": schema, "role": role},
    )
    return [str(name) for name in rows.scalars()]


def statements(role: str, schema: str, present: set[str], quote: Callable[[str], str]) -> list[str]:
    """The grants, in order: take everything away, then give back exactly what is listed."""
    who, where = quote(role), quote(schema)
    out = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM {who}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {where} FROM {who}",
        f"GRANT USAGE ON SCHEMA {where} TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {where} TO {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {who}",
    ]
    for table, keep in NARROWED.items():
        if table in present:
            out.append(f"REVOKE ALL ON {where}.{quote(table)} FROM {who}")
            out.append(f"GRANT {keep} ON {where}.{quote(table)} TO {who}")
    return out


def grant_app_role(owner: Connection, role: str) -> Granted:
    """As the owner, give the app role exactly its privileges (idempotent; one transaction)."""
    me = current_role(owner)
    if me == role:
        raise RoleError(
            "DATABASE_OWNER_URL and DATABASE_URL connect as the same role: the app would own "
            "its tables. Give the app its own role (scripts/postgres-roles.sh)."
        )
    superuser = owner.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"), {"r": role})
    if superuser:
        raise RoleError(
            f"DATABASE_URL connects as {role}, a superuser: no grant can stop it changing the "
            "audit trail. Give the app an ordinary role (scripts/postgres-roles.sh)."
        )
    schema = str(owner.scalar(text("SELECT current_schema()")))
    owned = owned_relations(owner, role, schema)
    if owned:
        raise RoleError(
            f"The app's role {role} owns {len(owned)} tables or sequences (first: {owned[0]}): "
            "run scripts/postgres-roles.sh, which hands them to the owner, then migrate again."
        )
    present = set(
        owner.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
        ).scalars()
    )
    quote = owner.dialect.identifier_preparer.quote
    for statement in statements(role, schema, present, quote):
        owner.exec_driver_sql(statement)
    return Granted(role=role, schema=schema, tables=len(present))
