"""Command-line tools: `flask --app wsgi db upgrade`, `flask --app wsgi demo`, create users."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup

if TYPE_CHECKING:
    from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent

db_cli = AppGroup("db", help="Database migrations (Alembic).")


def alembic_config() -> Config:
    """Alembic's configuration, pointed at this app's database."""
    # Imported here, not at start-up: the web app and the scheduler never need Alembic.
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = current_app.config["DATABASE_URL"]
    return cfg


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from alembic import command

    from diversion.services.reference import seed_requirement_types

    command.upgrade(alembic_config(), revision)
    added = seed_requirement_types()
    click.echo(f"Database is up to date ({added} requirement types added).")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Undo migrations down to REVISION."""
    from alembic import command

    command.downgrade(alembic_config(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(alembic_config(), message=message, autogenerate=True)


@db_cli.command("current")
def current() -> None:
    """Show the database's migration revision."""
    from alembic import command

    command.current(alembic_config())


@click.command("demo")
def demo() -> None:
    """Load fictional demo data (safe to run again) and print the demo sign-ins."""
    from diversion.demo import DEMO_PASSWORD, load_demo

    users = load_demo()
    click.echo("Demo sign-ins (fictional data; every password is the same):")
    for role, email in users:
        click.echo(f"  {role:<24} {email}")
    click.echo(f"  password: {DEMO_PASSWORD}")


@click.command("seed")
def seed() -> None:
    """Add the reference data every installation needs: the four requirement types."""
    from diversion.services.reference import seed_requirement_types

    added = seed_requirement_types()
    click.echo(f"Requirement types added: {added}")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(db_cli)
    app.cli.add_command(demo)
    app.cli.add_command(seed)
