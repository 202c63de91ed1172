"""Alembic environment: runs migrations against the URL `flask --app wsgi db` hands it.

That is DATABASE_OWNER_URL when set (the role that owns the tables), else DATABASE_URL. The
app role's privileges are set after the upgrade, by diversion/cli.py (diversion/db_roles.py).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from diversion import models  # noqa: F401  (registers every table on Base.metadata)
from diversion.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("No database URL: run migrations with `flask --app wsgi db upgrade`")
    return str(url)


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def _broken_references(connection: Connection) -> set[tuple[object, ...]]:
    """SQLite's list of rows whose foreign keys point at nothing (table, rowid, parent)."""
    return {tuple(row)[:3] for row in connection.exec_driver_sql("PRAGMA foreign_key_check")}


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        broken_before: set[tuple[object, ...]] = set()
        if sqlite:
            # Batch mode rebuilds a table to alter it (copy, drop, rename), which SQLite's
            # foreign keys would refuse while other rows point at it. They are switched off
            # for the run (outside any transaction, the only place the pragma works) and
            # every reference is checked once the run is over (SQLite's own procedure).
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            broken_before = _broken_references(connection)
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite needs batch mode to alter tables
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = _broken_references(connection) - broken_before
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                tables = sorted({str(row[0]) for row in broken})
                raise RuntimeError(f"Rows point at missing rows after migrating: {tables}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
