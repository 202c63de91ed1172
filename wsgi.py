"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`."""

from diversion.app import create_app

app = create_app()
