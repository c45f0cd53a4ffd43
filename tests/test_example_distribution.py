"""The example plugin distribution (tests/example_plugin, installed by `make test`): loaded
through its `coverdesk.plugins` entry point like any installed plugin, shown with its distribution
and version, and held to the contract kit."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution

import pytest

from portal.plugin_engine import load_plugins
from portal.plugin_testing import ContractKit

DISTRIBUTION = "coverdesk-exemplar"


def test_the_example_is_installed():
    try:
        distribution(DISTRIBUTION)
    except PackageNotFoundError:
        pytest.fail(f"{DISTRIBUTION} is not installed: run `make test` (it installs tests/example_plugin)")


def test_it_loads_through_its_entry_point_with_its_version():
    registry = load_plugins(None, use_entry_points=True, only={DISTRIBUTION})
    assert registry.failures == []
    loaded = registry.insurers["exemplar"]
    assert loaded.origin == f"entry point exemplar ({DISTRIBUTION})"
    assert loaded.distribution == f"{DISTRIBUTION} {distribution(DISTRIBUTION).version}"
    assert loaded.raw.name == "Exemplar Mutual"


def test_the_portal_shows_it_beside_the_folder_plugins(app_config, monkeypatch):
    from portal.app import create_app
    from portal.cli import cli
    from portal.extensions import db

    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    app = create_app({**app_config, "LOAD_ENTRY_POINT_PLUGINS": True})
    result = app.test_cli_runner().invoke(cli, ["plugins", "--strict"])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "exemplar" in line)
    assert "Exemplar Mutual" in line and f"entry point exemplar ({DISTRIBUTION}) [{DISTRIBUTION} 0.1.0]" in line


class TestTheExampleKeepsTheContract(ContractKit):
    plugin = DISTRIBUTION
