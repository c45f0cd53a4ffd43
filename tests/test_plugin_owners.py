"""A carrier or insurer code that records name stays with the plugin that owns it: a newcomer
declaring it is skipped and named whatever the loading order, and is never handed the records of
an owner that failed to load. Fake plugins, real databases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.app import create_app
from portal.auth.services import create_user
from portal.extensions import db
from portal.orders.services import create_order
from portal.plugin_owners import PluginOwner
from tests.factories import PASSWORD, TEST_ACTOR, Auth, IsolatedClient, order_payload

FAKE_PLUGINS = Path(__file__).parent / "fake_plugins"
IMPOSTOR = (FAKE_PLUGINS / "testpost" / "__init__.py").read_text().replace('name = "Test Post"', 'name = "Impostor"')


@pytest.fixture
def start(app_config):
    """Start the portal on ``folder`` as a new process would; returns the app (context pushed)."""
    contexts = []

    def start(folder: Path):
        app = create_app({**app_config, "PLUGINS_DIR": str(folder)})
        app.test_client_class = IsolatedClient
        context = app.app_context()
        context.push()
        contexts.append(context)
        return app

    yield start
    for context in reversed(contexts):
        db.session.remove()
        db.engine.dispose()
        context.pop()


def make_user(username: str = "agent.one", role: str = "agent"):
    user = create_user(username, "Agent One", role, PASSWORD, TEST_ACTOR)
    db.session.commit()
    return user


def owners() -> dict:
    return {(o.kind, o.code): o.origin for o in db.session.scalars(sa.select(PluginOwner))}


def place_order(app) -> None:
    create_order(
        app.extensions["coverdesk_plugins"],
        order_payload(
            carrier="testpost",
            service="standard",
            tracking_no="TP000000001",
            declared_value="100.00",
            cover={"insurer": "testcover", "insured_value": "100.00"},
        ),
        TEST_ACTOR,
        "api",
    )
    db.session.commit()


def test_the_first_plugin_to_load_a_code_owns_it(start, tmp_path):
    folder = tmp_path / "plugins"
    shutil.copytree(FAKE_PLUGINS, folder)
    start(folder)
    assert owners() == {("carrier", "testpost"): "plugins/testpost", ("insurer", "testcover"): "plugins/testcover"}


def test_a_newcomer_loading_first_does_not_take_a_code_with_records(start, tmp_path):
    folder = tmp_path / "plugins"
    shutil.copytree(FAKE_PLUGINS, folder)
    place_order(start(folder))

    (folder / "aaa_impostor").mkdir()  # loads before "testpost" by name
    (folder / "aaa_impostor" / "__init__.py").write_text(IMPOSTOR)
    reg = start(folder).extensions["coverdesk_plugins"]

    assert reg.carriers["testpost"].origin == "plugins/testpost" and reg.carrier("testpost").name == "Test Post"
    assert [(f.origin, f.message) for f in reg.failures] == [
        (
            "plugins/aaa_impostor",
            "carrier code 'testpost' belongs to plugins/testpost, which has records in the database; not taken over",
        )
    ]


def test_an_owner_that_fails_to_load_leaves_its_records_read_only_not_to_a_newcomer(start, tmp_path):
    folder = tmp_path / "plugins"
    shutil.copytree(FAKE_PLUGINS, folder)
    place_order(start(folder))
    restarted = tmp_path / "restarted" / "plugins"  # a new process imports the changed files afresh
    shutil.copytree(folder, restarted)
    (restarted / "testpost" / "__init__.py").write_text("raise ImportError('vendor SDK missing')\n")
    (restarted / "aaa_impostor").mkdir()
    (restarted / "aaa_impostor" / "__init__.py").write_text(IMPOSTOR)

    app = start(restarted)
    reg = app.extensions["coverdesk_plugins"]
    assert "testpost" not in reg.carriers
    impostor = next(f.message for f in reg.failures if f.origin == "plugins/aaa_impostor")
    assert "belongs to plugins/testpost, which has records in the database and is not loaded" in impostor
    assert owners()[("carrier", "testpost")] == "plugins/testpost"

    client = app.test_client()
    Auth(client, make_user).login()  # in this app's context: the suite's app fixture is not used here
    page = client.get("/orders/PRG-2026-0001")
    assert page.status_code == 200
    assert "The carrier &#39;testpost&#39; is not loaded (see the Plugins page)" in page.get_data(as_text=True)


def test_a_code_without_records_may_pass_to_another_plugin(start, tmp_path):
    folder = tmp_path / "plugins"
    shutil.copytree(FAKE_PLUGINS, folder)
    start(folder)
    shutil.rmtree(folder / "testpost")
    (folder / "replacement").mkdir()
    (folder / "replacement" / "__init__.py").write_text(IMPOSTOR)

    reg = start(folder).extensions["coverdesk_plugins"]
    assert reg.carriers["testpost"].origin == "plugins/replacement" and not reg.failures
    assert owners()[("carrier", "testpost")] == "plugins/replacement"
