"""WSGI entry point: `gunicorn wsgi:app`."""

from otto import create_app

app = create_app()
