"""`coverdesk plugins` and the Plugins page over a fixed set of small fake plugins: origin,
distribution, contract version, failed calls and readable rules; `--strict` fails on a skip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal.app import create_app
from portal.cli import cli
from portal.extensions import db
from tests.factories import Auth, IsolatedClient

FAKE_PLUGINS = Path(__file__).parent / "fake_plugins"


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "plugins"
    shutil.copytree(FAKE_PLUGINS, target)
    return target


@pytest.fixture
def make_app(app_config, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    made = []

    def make(folder: Path):
        app = create_app({**app_config, "PLUGINS_DIR": str(folder)})
        app.test_client_class = IsolatedClient
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def run(app, *args):
    return app.test_cli_runner().invoke(cli, list(args))


def test_plugins_lists_each_plugin_with_origin_and_contract(make_app, folder):
    result = run(make_app(folder), "plugins")

    assert result.exit_code == 0, result.output
    assert [line.split()[:2] + line.split()[-2:] for line in result.stdout.splitlines()] == [
        ["carrier", "testpost", "1.3", "plugins/testpost"],
        ["insurer", "testcover", "1.4", "plugins/testcover"],
    ]
    # The languages each speaks: testpost's texts are English only, testcover's in both.
    lines = dict(zip(("testpost", "testcover"), result.stdout.splitlines(), strict=True))
    assert "languages en (one language)" in lines["testpost"]
    assert "languages en, zh_CN " in lines["testcover"]
    assert "Test Post" in result.stdout and "SKIPPED" not in result.stderr
    assert run(make_app(folder), "plugins", "--strict").exit_code == 0


def test_strict_fails_when_a_plugin_was_skipped(make_app, folder):
    (folder / "broken").mkdir()
    (folder / "broken" / "__init__.py").write_text("import sys\nsys.exit('no licence')\n")
    app = make_app(folder)

    relaxed = run(app, "plugins")
    assert relaxed.exit_code == 0
    assert "SKIPPED  plugins/broken: failed to import: SystemExit: no licence" in relaxed.stderr

    strict = run(app, "plugins", "--strict")
    assert strict.exit_code == 1
    assert "1 plugin(s) skipped (--strict)" in strict.stderr


def test_plugins_rules_prints_thresholds_windows_rates_evidence_and_sla(make_app, folder):
    result = run(make_app(folder), "plugins", "--rules")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Standard (standard), to US: stalled after 5 days without news; trace from day 10 to day 40" in out
    assert "terms from 2020-01-01: USD up to 1000.00 (minimum premium 1.00)" in out
    assert "rates: 1 % of the insured value" in out
    assert (
        "Not arrived: claim from day 7 to day 120; evidence: Delivery record (handover and tracking history), "
        "Delivery certificate (handover to the carrier)," in out
    )
    assert "pays within 3 working days (US calendar)" in out


def test_the_plugins_page_shows_origin_contract_failures_and_rules(make_app, folder, make_user):
    app = make_app(folder)
    with app.app_context():
        client = app.test_client()
        Auth(client, make_user).login("root.admin", "admin")
        loaded = app.extensions["coverdesk_plugins"].carriers["testpost"]
        loaded.failures, loaded.last_failure = 3, "trace_request: KeyError: 'form'"
        page = client.get("/admin/plugins").get_data(as_text=True)

    assert "plugins/testpost" in page and "plugins/testcover" in page
    assert '<td class="mono">1.3</td>' in page
    assert 'data-failures="3"' in page and "last: trace_request: KeyError: &#39;form&#39;" in page
    assert "stalled after 5 days without news; trace from day 10 to day 40 after dispatch" in page
    assert "pays within 3 working days (US calendar)" in page


def test_the_plugins_page_gives_the_rules_in_the_readers_language(make_app, folder, make_user):
    app = make_app(folder)
    with app.app_context():
        client = app.test_client()
        Auth(client, make_user).login("root.admin", "admin")
        client.post(
            "/language", data={"language": "zh_CN", "csrf_token": Auth(client, make_user).csrf("/admin/plugins")}
        )
        page = client.get("/admin/plugins").get_data(as_text=True)

    assert "无轨迹 5 天后视为停滞" in page and "stalled after" not in page
    assert "3 个工作日内赔付（US 日历）" in page
