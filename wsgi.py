"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`.

Unsafe or missing configuration stops the process here with one line naming what is wrong
(never a traceback): the web workers and the scheduler both start from this module.

The process holds the database's in-use lock while it lives (SQLite), so that a restore
refuses to replace the database under a running web app or scheduler."""

import sys

from diversion.app import create_app
from diversion.backup import hold_in_use
from diversion.config import ConfigError

# Exit status 4 is gunicorn's "App failed to load": its arbiter stops, rather than starting
# new workers that would each refuse in turn.
APP_LOAD_ERROR = 4

try:
    app = create_app()
except ConfigError as error:
    print(f"Refusing to start: {error}", file=sys.stderr)
    sys.exit(APP_LOAD_ERROR)
hold_in_use(app.config["DATABASE_URL"])
