"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`.

Unsafe or missing configuration stops the process here with one line naming what is wrong
(never a traceback): the web workers and the scheduler both start from this module.

The process holds the database's in-use lock while it lives (SQLite), so that a restore
refuses to replace the database under a running web app or scheduler."""

import sys

from diversion.app import create_app
from diversion.backup import hold_in_use
from diversion.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"Refusing to start: {error}")
hold_in_use(app.config["DATABASE_URL"])
