"""Development commands: `flask demo` loads the fictional demo data; `flask demo-code`
prints a demo account's current two-factor code.

They reach the `flask` command as plugins (setup.cfg, `flask.commands` entry points), so the
application package never imports them.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load fictional demo data (safe to run again) and print the demo sign-ins."""
    import pyotp

    from devtools.demo import DEMO_PASSWORD, DEMO_TOTP_SECRETS, load_demo

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

    from devtools.demo import DEMO_TOTP_SECRETS

    if current_app.config["DIVERSION_ENV"] == "production":
        raise click.ClickException("There are no demo accounts in production.")
    secret = DEMO_TOTP_SECRETS.get(email.strip().lower())
    if secret is None:
        raise click.ClickException(f"{email} is not a demo account.")
    click.echo(pyotp.TOTP(secret).now())
