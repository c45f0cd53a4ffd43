"""`coverdesk plugins new`: a carrier or insurer, in the plugins folder or as its own distribution,
that loads and passes its own tests (the contract kit included) before anyone edits it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from portal import PROJECT_ROOT
from portal.app import create_app
from portal.cli import cli
from portal.extensions import db
from portal.plugin_engine import load_plugins


@pytest.fixture
def new(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    folder = tmp_path / "plugins"
    folder.mkdir()
    app = create_app({**app_config, "PLUGINS_DIR": str(folder)})

    def run(*args):
        return app.test_cli_runner().invoke(cli, ["plugins", "new", *args])

    run.folder = folder
    yield run
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def pytest_in(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_new_carrier_and_insurer_load_and_pass_their_own_tests(new):
    carrier = new("carrier", "acme_post", "--name", "Acme Post")
    insurer = new("insurer", "acme_cover")
    assert carrier.exit_code == 0 and insurer.exit_code == 0, carrier.output + insurer.output
    assert f"wrote {new.folder / 'acme_post' / 'carrier.py'}" in carrier.output

    registry = load_plugins(new.folder, use_entry_points=False)
    assert registry.failures == []
    assert registry.carrier("acme_post").name == "Acme Post" and registry.insurer("acme_cover").name == "Acme Cover"

    result = pytest_in(new.folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "skipped" not in result.stdout and "failed" not in result.stdout

    # What it writes keeps the project's own lint and format rules.
    ruff = [str(Path(sys.executable).parent / "ruff"), "--config", str(PROJECT_ROOT / "pyproject.toml")]
    for command in (["check"], ["format", "--check"]):
        checked = subprocess.run([*ruff[:1], *command, *ruff[1:], str(new.folder)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_new_distribution_declares_its_entry_point_and_passes_its_tests(new, tmp_path):
    result = new("carrier", "acme_line", "--dist", str(tmp_path / "dists"))
    assert result.exit_code == 0, result.output
    root = tmp_path / "dists" / "coverdesk-acme_line"
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["name"] == "coverdesk-acme_line"
    assert project["project"]["entry-points"]["coverdesk.plugins"] == {"acme_line": "coverdesk_acme_line"}
    assert "fixtures/*" in project["tool"]["setuptools"]["package-data"]["coverdesk_acme_line"]
    run = pytest_in(root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "skipped" not in run.stdout


def test_nothing_is_overwritten_and_a_bad_code_is_refused(new):
    assert new("carrier", "acme_post").exit_code == 0
    carrier_py = new.folder / "acme_post" / "carrier.py"
    carrier_py.write_text("# edited by its author\n")
    again = new("carrier", "acme_post")
    assert again.exit_code == 1 and "already exists; nothing was written" in again.output
    assert carrier_py.read_text() == "# edited by its author\n"
    bad = new("insurer", "Acme Cover!")
    assert bad.exit_code == 1 and "code 'Acme Cover!' must be lower-case letters" in bad.output
    assert sorted(p.name for p in new.folder.iterdir()) == ["acme_post"]
