"""Command-line tools: migrations (`flask --app wsgi db upgrade`), the first administrator
(`flask --app wsgi create-admin EMAIL`), key rotation, reference data, backups.

Migrations connect as DATABASE_OWNER_URL when it is set (the role that owns the tables), else
as DATABASE_URL; after every upgrade on PostgreSQL with a separate owner, the app's role is
given exactly its privileges again (diversion/db_roles.py, security.md 29).

The demo and bulk-data commands are development tools: they live in `devtools/` and reach
`flask` as plugins (the `flask.commands` entry points in setup.cfg), never through this package.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from diversion import backup, clock, db_roles
from diversion.accounts import invitations
from diversion.admin import users
from diversion.admin.reference import seed_requirement_types
from diversion.crypto import DecryptionError
from diversion.db import make_engine
from diversion.errors import RuleBroken
from diversion.models import OrganisationKind
from diversion.privacy.keys import rotate_keys as rotate

if TYPE_CHECKING:
    from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent

db_cli = AppGroup("db", help="Database migrations (Alembic).")


def alembic_config() -> Config:
    """Alembic's configuration, pointed at this app's database as the role that owns it."""
    # Imported here, not at start-up: the web app and the scheduler never need Alembic.
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = _owner_url() or current_app.config["DATABASE_URL"]
    return cfg


def _owner_url() -> str | None:
    return current_app.config.get("DATABASE_OWNER_URL") or None


def grant_app_role() -> None:
    """With a separate owner on PostgreSQL, give the app's role exactly its privileges."""
    owner_url = _owner_url()
    app_engine = current_app.extensions["diversion.db"][0]
    if owner_url is None or app_engine.dialect.name != "postgresql":
        return
    with app_engine.connect() as connection:
        role = db_roles.current_role(connection)
    owner_engine = make_engine(owner_url)
    try:
        with owner_engine.begin() as owner:
            granted = db_roles.grant_app_role(owner, role)
    except db_roles.RoleError as error:
        raise click.ClickException(str(error)) from error
    finally:
        owner_engine.dispose()
    click.echo(
        f"Privileges set for the app's role {granted.role} on {granted.tables} tables "
        f"(the audit trail: read and add only)."
    )


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(), revision)
    grant_app_role()
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


keys_cli = AppGroup("keys", help="Keys for data encrypted at rest (see diversion/crypto.py).")


@keys_cli.command("rotate")
@click.option(
    "--batch-size",
    default=500,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Rows re-encrypted in each transaction.",
)
def rotate_keys(batch_size: int) -> None:
    """Re-encrypt every encrypted value with the first key in ENCRYPTION_KEYS and recompute
    the number look-up hashes (after a new ENCRYPTION_KEYS key or a new LOOKUP_HASH_KEY)."""
    try:
        result = rotate(batch_size=batch_size)
    except DecryptionError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Re-encrypted {result.reencrypted} values with the newest key "
        f"({result.already_current} were already); "
        f"recomputed {result.hashes_recomputed} number look-up hashes."
    )
    click.echo("Once this has run, the old key can be removed from ENCRYPTION_KEYS.")


@click.command("seed")
def seed() -> None:
    """Add the reference data every installation needs: the four requirement types."""
    added = seed_requirement_types()
    click.echo(f"Requirement types added: {added}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Copy the SQLite database to PATH, consistently, while the app keeps running."""
    try:
        size = backup.backup(current_app.config["DATABASE_URL"], path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up to {path} ({size:,} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Replace the SQLite database with the backup at PATH (the app must be stopped)."""
    try:
        backup.restore(current_app.config["DATABASE_URL"], path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored from {path}. Run `flask --app wsgi db upgrade`, then start the app.")


def _checked_email(email: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        raise click.ClickException(
            "EMAIL must be an email address, like name@example.org"
        ) from None


def _print_link(issued: invitations.Issued) -> None:
    click.echo("Send her this set-up link (it works once, and only for her):")
    click.echo(f"  {invitations.link_for(issued.token)}")
    click.echo(
        f"It expires in {invitations.valid_hours()} hours. There she chooses her password and "
        "sets up two-factor authentication on her phone; then she is signed in."
    )


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True, help="Her full name.")
@click.option(
    "--organisation",
    default=None,
    help="The organisation she belongs to, found by name or made. Default: the only "
    f"organisation there is, or a new one called '{users.DEFAULT_ORGANISATION}'.",
)
@click.option(
    "--kind",
    type=click.Choice([kind.value for kind in OrganisationKind]),
    default=OrganisationKind.PROJECT.value,
    show_default=True,
    help="The kind of organisation, if it has to be made.",
)
@click.option("--another", is_flag=True, help="Add an administrator although there is one already.")
@click.option(
    "--new-link",
    is_flag=True,
    help="Print a new set-up link for the existing administrator EMAIL (older links stop working).",
)
@with_appcontext
def create_admin(
    email: str, name: str, organisation: str | None, kind: str, another: bool, new_link: bool
) -> None:
    """Create the first administrator and print her one-time set-up link."""
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "")
    if current_app.config["DIVERSION_ENV"] == "production" and not base.startswith("https://"):
        raise click.ClickException(
            "PUBLIC_BASE_URL must be the service's https:// address: the set-up link is built "
            "from it."
        )
    address = _checked_email(email)
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise click.ClickException("--name must be between 1 and 200 characters")
    if organisation is not None:
        organisation = " ".join(organisation.split())
        if not organisation or len(organisation) > 200:
            raise click.ClickException("--organisation must be between 1 and 200 characters")
    if new_link:
        try:
            issued = users.new_administrator_link(email=address, now=clock.now())
        except RuleBroken as error:
            raise click.ClickException(f"{error.message}.") from None
        _print_link(issued)
        return
    try:
        made = users.create_administrator(
            email=address,
            name=name,
            organisation=organisation,
            kind=OrganisationKind(kind),
            another=another,
            now=clock.now(),
        )
    except RuleBroken as error:
        raise click.ClickException(_create_admin_refusal(error)) from None
    verb = "Made" if made.organisation_created else "In"
    click.echo(f"Administrator account created. {verb} organisation: {made.organisation}.")
    _print_link(made.issued)


def _create_admin_refusal(error: RuleBroken) -> str:
    if error.field == "another":
        return (
            "An administrator already exists: add accounts from Administration > Users, "
            "or pass --another to add one more here."
        )
    if error.field == "email":
        return (
            "There is already an account with this email address "
            "(for an administrator's new set-up link, pass --new-link)."
        )
    if error.field == "organisation":
        return "There are several organisations: name hers with --organisation."
    return f"{error.message}."


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(db_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(seed)
    app.cli.add_command(create_admin)
