"""The WSGI entry point for gunicorn (``gunicorn portal.wsgi:app``; settings in gunicorn.conf.py)."""

from .app import create_process_app
from .extensions import db
from .health.logs import configure_logging

configure_logging()
app = create_process_app()
# gunicorn forks its workers from this process (preload_app): no worker may share a connection
# made while the app was made (the plugins' owners are read then); each opens its own.
with app.app_context():
    for engine in db.engines.values():
        engine.dispose()
