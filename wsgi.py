"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`.

The process holds the database's in-use lock while it lives (SQLite), so that a restore
refuses to replace the database under a running web app or scheduler."""

from diversion.app import create_app
from diversion.backup import hold_in_use

app = create_app()
hold_in_use(app.config["DATABASE_URL"])
