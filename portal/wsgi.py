"""The WSGI entry point for gunicorn (``gunicorn portal.wsgi:app``; settings in gunicorn.conf.py)."""

from .app import create_app
from .health.logs import configure_logging

configure_logging()
app = create_app()
