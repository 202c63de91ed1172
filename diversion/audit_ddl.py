"""The database's own refusal to change or remove audit rows (security.md 12): the SQL, once.

Two users of this text: diversion.audit attaches it to `audit_event`'s CREATE TABLE (so that
`Base.metadata.create_all`, which the tests use, builds the triggers), and the migration
ab12c0de0001 runs it on databases built by Alembic. The migration imports these constants,
as the project's migrations already import diversion.db: so treat every constant here as
frozen. To change a trigger, add new constants and a new migration that drops the old
triggers and creates the new ones; never edit these in place.

Row triggers only: TRUNCATE (which the PostgreSQL test fixtures use to empty every table)
fires no row trigger. On SQLite an Alembic batch operation that copies `audit_event` drops
its triggers with the old table, so such a migration must run SQLITE_CREATE again.
No statement here contains a percent sign or a colon, so each is safe both as a DDL
construct (which %-formats) and as text() in a migration (which reads :name as a parameter).
"""

from __future__ import annotations

TABLE = "audit_event"
POSTGRESQL_FUNCTION = "audit_event_refuse_change"
POSTGRESQL_TRIGGER = "audit_event_append_only"
SQLITE_UPDATE_TRIGGER = "audit_event_no_update"
SQLITE_DELETE_TRIGGER = "audit_event_no_delete"
REFUSAL = "audit_event is append-only"

POSTGRESQL_CREATE: tuple[str, ...] = (
    f"""CREATE OR REPLACE FUNCTION {POSTGRESQL_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = '{REFUSAL} (' || TG_OP || ' refused)',
        ERRCODE = 'insufficient_privilege';
END;
$body$""",
    f"""CREATE TRIGGER {POSTGRESQL_TRIGGER}
BEFORE UPDATE OR DELETE ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION {POSTGRESQL_FUNCTION}()""",
)

POSTGRESQL_DROP: tuple[str, ...] = (
    f"DROP TRIGGER IF EXISTS {POSTGRESQL_TRIGGER} ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {POSTGRESQL_FUNCTION}()",
)

SQLITE_CREATE: tuple[str, ...] = (
    f"""CREATE TRIGGER {SQLITE_UPDATE_TRIGGER} BEFORE UPDATE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, '{REFUSAL} (UPDATE refused)');
END""",
    f"""CREATE TRIGGER {SQLITE_DELETE_TRIGGER} BEFORE DELETE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, '{REFUSAL} (DELETE refused)');
END""",
)

SQLITE_DROP: tuple[str, ...] = (
    f"DROP TRIGGER IF EXISTS {SQLITE_UPDATE_TRIGGER}",
    f"DROP TRIGGER IF EXISTS {SQLITE_DELETE_TRIGGER}",
)

# dialect name -> (statements that create the triggers, statements that drop them)
STATEMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "postgresql": (POSTGRESQL_CREATE, POSTGRESQL_DROP),
    "sqlite": (SQLITE_CREATE, SQLITE_DROP),
}
