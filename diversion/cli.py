"""Command-line tools: `flask --app wsgi db upgrade`, `flask --app wsgi demo`, create users."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

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
@with_appcontext
def demo() -> None:
    """Load fictional demo data (safe to run again) and print the demo sign-ins."""
    import pyotp

    from diversion.demo import DEMO_PASSWORD, DEMO_TOTP_SECRETS, load_demo

    if current_app.config["DIVERSION_ENV"] == "production":
        raise click.ClickException(
            "The demo data and its known passwords are never loaded in production."
        )
    users = load_demo()
    click.echo("Demo sign-ins (fictional data). Every account has the same password:")
    click.echo(f"  password: {DEMO_PASSWORD}")
    click.echo(
        "Then enter the code from an authenticator app set up with the account's key, or the "
        "code shown here (it changes every 30 seconds: `flask demo-code EMAIL` prints a new one):"
    )
    for role, email in users:
        secret = DEMO_TOTP_SECRETS[email]
        code = pyotp.TOTP(secret).now()
        click.echo(f"  {role:<26} {email:<22} key {secret}  code now {code}")


@click.command("demo-code")
@click.argument("email")
@with_appcontext
def demo_code(email: str) -> None:
    """Print the current two-factor code of a demo account (fictional accounts only)."""
    import pyotp

    from diversion.demo import DEMO_TOTP_SECRETS

    if current_app.config["DIVERSION_ENV"] == "production":
        raise click.ClickException("There are no demo accounts in production.")
    secret = DEMO_TOTP_SECRETS.get(email.strip().lower())
    if secret is None:
        raise click.ClickException(f"{email} is not a demo account.")
    click.echo(pyotp.TOTP(secret).now())


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
    from diversion.crypto import DecryptionError
    from diversion.services.encryption import rotate_keys as rotate

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
    from diversion.services.reference import seed_requirement_types

    added = seed_requirement_types()
    click.echo(f"Requirement types added: {added}")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(db_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(demo)
    app.cli.add_command(demo_code)
    app.cli.add_command(seed)
    from diversion.generate import generate_data_command  # fictional bulk data (benchmarks)

    app.cli.add_command(generate_data_command)
