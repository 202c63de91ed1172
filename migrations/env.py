"""Alembic environment: runs migrations against the URL `flask --app wsgi db` hands it.

That is DATABASE_OWNER_URL when set (the role that owns the tables), else DATABASE_URL. The
app role's privileges are set after the upgrade, by diversion/cli.py (diversion/db_roles.py).
"""

from __future__ import annotations

from alembic import context

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


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite needs batch mode to alter tables
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
