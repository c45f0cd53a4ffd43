"""Fixtures: an app per test on a freshly migrated database, SQLite always and PostgreSQL when
``COVERDESK_TEST_POSTGRES_URL`` is set (CI sets it; there a missing PostgreSQL is a failure).

Each backend is migrated once per session with the project's Alembic migrations. A test then gets
its own copy of the SQLite file, or the PostgreSQL schema emptied after it ran.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
import uuid
from pathlib import Path
from urllib.parse import quote

import jinja2
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from portal import PROJECT_ROOT
from portal.app import create_app
from portal.extensions import db
from tests.factories import PASSWORD, POSTGRES_URL, REDIS_URL, TEST_ACTOR, Auth, IsolatedClient, ready_inquiry

#: The scale-out run (gunicorn, job workers, PostgreSQL, Redis) needs both services.
collect_ignore = [] if POSTGRES_URL and REDIS_URL else ["test_topology.py"]
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


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


#: Empties the test schema after a test, in one round trip: DELETE of every table (a no-op on the
#: many a test never wrote) and a restart of each sequence it used. TRUNCATE of all 27 tables took
#: 55-500 ms a test (new files for each table and index, flushed at commit); this takes a few.
#: Triggers are off for it (``replica``): the append-only ones refuse DELETE, and the foreign keys
#: need no order when everything goes.
_EMPTY_SCHEMA = """
DO $$
DECLARE name text;
BEGIN
  SET LOCAL session_replication_role = replica;
  FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = '{schema}' AND tablename <> 'alembic_version' LOOP
    EXECUTE format('DELETE FROM %I.%I', '{schema}', name);
  END LOOP;
  FOR name IN SELECT sequencename FROM pg_sequences WHERE schemaname = '{schema}' AND last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I RESTART', '{schema}', name);
  END LOOP;
END $$
"""


@pytest.fixture(scope="session")
def postgres_reset(postgres_schema):
    """Empty the test schema again (see ``_EMPTY_SCHEMA``), on one connection kept for the run."""
    url, schema = postgres_schema
    engine = sa.create_engine(url, pool_size=1, pool_pre_ping=True)  # a test may cut connections
    statement = sa.text(_EMPTY_SCHEMA.format(schema=schema))

    def reset() -> None:
        try:
            with engine.begin() as connection:
                connection.execute(statement)
        except sa.exc.ProgrammingError:  # not a superuser: no replica role, so TRUNCATE everything
            with engine.begin() as connection:
                tables = connection.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> 'alembic_version'"),
                    {"s": schema},
                ).scalars()
                names = ", ".join(f'"{table}"' for table in tables)
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))

    yield reset
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        target = tmp_path / "coverdesk.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    url, _ = request.getfixturevalue("postgres_schema")
    reset = request.getfixturevalue("postgres_reset")
    yield url
    reset()


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
        # The suite reads the English pages; tests/test_i18n.py covers the warehouse's Chinese default.
        "LANGUAGE": "en",
    }


class SharedTemplateCode(jinja2.BytecodeCache):
    """Each test makes its own app, and each app its own Jinja environment, which would compile
    every template again; compiled templates are kept for the run instead (keyed by Jinja on the
    template's name and a checksum of its source, so an edited template is compiled afresh)."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
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


@pytest.fixture
def live_server(app):
    """The app served over HTTP on 127.0.0.1 for the browser, in a thread of this process."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def claim(plugins, make_user):
    """A drafted claim on an inquiry ready for one, with an agent (id 1) and two supervisors (2, 3)
    (the staff of ``tests.factories.AGENT`` and ``SUPERVISOR``)."""
    from portal.claims import services as claims

    for name, role in (("li.na", "agent"), ("chen.wei", "supervisor"), ("wang.fang", "supervisor")):
        make_user(name, role)
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    db.session.commit()
    return claim


#: The generated documents of this run, one per kind (see ``generated_documents_once``).
_RENDERED_ONCE: dict[str, bytes] = {}


@pytest.fixture(autouse=True)
def generated_documents_once(request, monkeypatch):
    """Opening an inquiry generates three documents (delivery record, delivery certificate, proof of
    insured value), each a WeasyPrint render. Most tests need them to exist, not to say anything in
    particular, so each kind is rendered for real once per run and its PDF reused; the checks before
    rendering (no cover, no dispatch) still run. A test that reads them is marked ``documents``."""
    if request.node.get_closest_marker("documents"):
        return
    from portal.inquiries import generated

    render = generated.render_pdf

    def once(html: str) -> bytes:
        title = html[html.index("<title>") + len("<title>") : html.index("</title>")].split(" · ")[0]
        if title not in _RENDERED_ONCE:
            _RENDERED_ONCE[title] = render(html)
        return _RENDERED_ONCE[title]

    monkeypatch.setattr(generated, "render_pdf", once)


@pytest.fixture(autouse=True, scope="session")
def url_builders_on_demand():
    """Each test makes its own app, and werkzeug compiles two Python functions per route (one to
    build its URL, one that also appends unknown arguments) when the route is added: about half of
    ``create_app``'s time, for ~70 routes of which a test builds a handful. Here each of those
    functions is compiled by werkzeug itself the first time it is called, so the URLs built are
    werkzeug's own; matching requests is untouched."""
    from werkzeug.routing import rules

    compile_builder = rules.Rule._compile_builder

    def on_demand(rule, append_unknown: bool = True):
        compiled = None

        def build(self, **values):
            nonlocal compiled
            if compiled is None:
                compiled = compile_builder(self, append_unknown).__get__(self, None)
            return compiled(**values)

        return build

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rules.Rule, "_compile_builder", on_demand)
        yield


@pytest.fixture(autouse=True, scope="session")
def passwords_hashed_once():
    """scrypt is slow by design (~0.1 s a hash here) and nearly every web test creates staff with
    the same password and logs them in. Each distinct password is hashed for real once per run and
    each (hash, password) pair checked for real once; the answers are reused. The hashes are real
    scrypt hashes and a wrong password is still refused."""
    from portal.auth import models

    hash_password, check_password = models.generate_password_hash, models.check_password_hash
    hashes: dict[str, str] = {}
    checks: dict[tuple[str, str], bool] = {}

    def generate(password: str, *args, **kwargs) -> str:
        if password not in hashes:
            hashes[password] = hash_password(password, *args, **kwargs)
        return hashes[password]

    def check(pwhash: str, password: str) -> bool:
        if (pwhash, password) not in checks:
            checks[(pwhash, password)] = check_password(pwhash, password)
        return checks[(pwhash, password)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(models, "generate_password_hash", generate)
        patch.setattr(models, "check_password_hash", check)
        yield
