"""Fixtures: an app per test on a freshly migrated database, SQLite always and PostgreSQL when
``COVERDESK_TEST_POSTGRES_URL`` is set (CI sets it; there a missing PostgreSQL is a failure).

Each backend is migrated once per session with the project's Alembic migrations. A test then gets
its own copy of the SQLite file, or the PostgreSQL schema emptied after it ran.
"""

from __future__ import annotations

import contextvars
import os
import secrets
import shutil
import threading
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from portal import PROJECT_ROOT
from portal.app import create_app
from portal.audit.services import Actor
from portal.extensions import db

POSTGRES_URL = os.environ.get("COVERDESK_TEST_POSTGRES_URL", "").strip()
REDIS_URL = os.environ.get("COVERDESK_TEST_REDIS_URL", "").strip()
#: The scale-out run (gunicorn, job workers, PostgreSQL, Redis) needs both services.
collect_ignore = [] if POSTGRES_URL and REDIS_URL else ["test_topology.py"]
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
TEST_ACTOR = Actor("system", "tests", "test suite")
PASSWORD = "correct horse battery"


def pytest_configure(config):
    if os.environ.get("CI") and not POSTGRES_URL:
        raise pytest.UsageError("CI is set but COVERDESK_TEST_POSTGRES_URL is not: the PostgreSQL run is required")
    if os.environ.get("CI") and not REDIS_URL:
        raise pytest.UsageError("CI is set but COVERDESK_TEST_REDIS_URL is not: the scale-out run is required")


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "LOAD_ENTRY_POINT_PLUGINS": False}
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    template = folder / "template.db"
    _migrate(f"sqlite:///{template}", folder)
    return template


@pytest.fixture(scope="session")
def postgres_schema(tmp_path_factory):
    """A private schema in the test database, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        pytest.fail("COVERDESK_TEST_POSTGRES_URL is not set")
    schema = f"coverdesk_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    _migrate(url, tmp_path_factory.mktemp("pg-migrate"))
    yield url, schema
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        target = tmp_path / "coverdesk.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    url, schema = request.getfixturevalue("postgres_schema")
    yield url
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = :schema AND tablename <> 'alembic_version'"
                ),
                {"schema": schema},
            )
        ]
        if tables:
            connection.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    instance = tmp_path / "instance"
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "EVIDENCE_DIR": str(instance / "evidence"),
        "PLUGINS_DIR": str(PROJECT_ROOT / "plugins"),
        "LOAD_ENTRY_POINT_PLUGINS": False,
        "SECRET_KEY": secrets.token_hex(16),
    }


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a real server would.

    Flask reuses an app context that is already pushed, so ``g`` (and with it Flask-WTF's cached
    CSRF token) and the database session would leak from the test into every request.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def backend(app) -> str:
    return db.engine.dialect.name


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def plugins(app):
    from portal.plugin_engine import registry

    return registry()


@pytest.fixture
def make_user(app):
    from portal.auth.services import create_user

    def make(username: str = "agent.one", role: str = "agent"):
        user = create_user(username, username.replace(".", " ").title(), role, PASSWORD, TEST_ACTOR)
        db.session.commit()
        return user

    return make


class Auth:
    def __init__(self, client, make_user):
        self.client = client
        self.make_user = make_user

    def login(self, username: str = "agent.one", role: str = "agent"):
        from portal.auth.models import User

        if db.session.scalar(sa.select(User.id).where(User.username == username)) is None:
            self.make_user(username, role)
        page = self.client.get("/login")
        token = _csrf_from(page.get_data(as_text=True))
        response = self.client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def csrf(self, path: str = "/orders/new") -> str:
        return _csrf_from(self.client.get(path).get_data(as_text=True))


def _csrf_from(html: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    if marker not in html:
        marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture
def auth(client, make_user):
    return Auth(client, make_user)


@pytest.fixture
def api_token(app):
    from portal.auth.services import create_token

    _, secret = create_token("test-integration", TEST_ACTOR)
    db.session.commit()
    return secret


@pytest.fixture
def api(client, api_token):
    headers = {"Authorization": f"Bearer {api_token}"}

    class Api:
        def get(self, path, **kwargs):
            return client.get(path, headers=headers, **kwargs)

        def post(self, path, **kwargs):
            return client.post(path, headers=headers, **kwargs)

    return Api()


def order_payload(**overrides) -> dict:
    """A valid API order; ``overrides`` replace top-level keys (None removes one)."""
    payload = {
        "order_no": "PRG-2026-0001",
        "seller": {"code": "PRG001", "name": "Pearl River Gadgets", "email": "ops@pearlriver.example"},
        "carrier": "fourpx",
        "service": "fourpx_c",
        "tracking_no": "4PX3000000000001CN",
        "destination_country": "US",
        "declared_value": "1850.00",
        "currency": "USD",
        "contents": "Drone with 4K camera",
        "category": "electronics",
        "cover": {"insurer": "lanternfish", "insured_value": "1850.00"},
    }
    for key, value in overrides.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


@pytest.fixture
def live_server(app):
    """The app served over HTTP on 127.0.0.1 for the browser, in a thread of this process."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
