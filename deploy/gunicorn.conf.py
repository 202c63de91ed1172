"""gunicorn settings for the web app (`gunicorn --config deploy/gunicorn.conf.py wsgi:app`).

The worker count is handed on to the app as WEB_CONCURRENCY, so that production refuses to start
when several workers would each keep their own sign-in counts (RATELIMIT_STORAGE_URI memory://;
diversion/config.py). The app is loaded in each worker, never before the fork: each opens its
own database connections.
"""

import os

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
preload_app = False
# Only the proxy on this machine talks to gunicorn; its X-Forwarded-* headers are read by the
# app's ProxyFix (PROXY_HOPS), not by gunicorn.
forwarded_allow_ips = "127.0.0.1"
# Access lines carry the path only: query strings could hold a search for a name.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


class MaskedAccessLogger(Logger):
    """A calendar feed's address is its secret: access lines name the route, not the secret."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        atoms = super().atoms(resp, req, environ, request_time)
        path = str(atoms.get("U", ""))
        if path.startswith("/calendar/") and path.endswith(".ics"):
            atoms["U"] = "/calendar/[secret].ics"
        return atoms


logger_class = MaskedAccessLogger


def on_starting(server):  # type: ignore[no-untyped-def]
    """The count actually run (a --workers flag wins over the file) is what the app checks."""
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
