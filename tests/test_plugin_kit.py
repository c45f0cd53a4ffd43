"""The contract kit over every plugin in the project's plugins folder (each plugin's own tests use
the same kit for itself), and the kit's own parts on small plugins made for the purpose."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from portal import PROJECT_ROOT
from portal.plugin_testing import ContractKit, check_plugin, load_plugin, tracking_fixtures


class TestEveryPluginInTheFolder(ContractKit):
    plugin = PROJECT_ROOT / "plugins"


def test_load_plugin_loads_one_folder_alone(tmp_path):
    for name, code in (("first", "one"), ("second", "two")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(
            textwrap.dedent(
                f"""
                from portal.plugin_api import CarrierPlugin, Service, hookimpl

                class C(CarrierPlugin):
                    contract, code, name, kind = "1.3", "{code}", "Carrier {code}", "express"
                    services = (Service("std", "Standard"),)
                    def tracking_url(self, n):
                        return "https://t.example/" + n

                @hookimpl
                def coverdesk_carriers():
                    return [C()]
                """
            )
        )
    alone = load_plugin(tmp_path / "second")
    assert [c.code for c in alone.carriers] == ["two"] and not alone.insurers and not alone.failures
    assert type(alone.carriers[0]).__name__ == "C"  # the plugin's own object, not the portal's guard
    assert [c.code for c in load_plugin(tmp_path).carriers] == ["one", "two"]


def test_check_plugin_names_the_problem():
    carrier = load_plugin(PROJECT_ROOT / "plugins" / "swiftwing").carriers[0]
    assert check_plugin(carrier) == []
    type(carrier).status_map = {**carrier.status_map, "ZZ": ("teleported", None)}
    try:
        assert check_plugin(carrier) == [
            "carrier swiftwing: status_map maps 'ZZ' to 'teleported', not one of "
            "info_received, in_transit, out_for_delivery, delivery_failed, available_for_pickup, delivered, "
            "exception, returned"
        ]
    finally:
        del type(carrier).status_map["ZZ"]
    assert check_plugin(object()) == ["object is neither a CarrierPlugin nor an InsurerPlugin"]


def test_tracking_fixtures_pair_raw_and_expected():
    pairs = tracking_fixtures(PROJECT_ROOT / "plugins" / "swiftwing")
    assert [raw.name for raw, _ in pairs] == [
        "broken.json",
        "full_journey.json",
        "lost_journey.json",
        "unknown_code.json",
    ]
    assert all(expected.name == raw.name.replace(".json", ".expected.json") for raw, expected in pairs)


def test_the_kit_catches_a_parser_that_raises(tmp_path):
    """The kit's property test fails for a carrier whose parser raises on odd bytes."""
    (tmp_path / "fragile").mkdir()
    (tmp_path / "fragile" / "__init__.py").write_text(
        textwrap.dedent(
            """
            from portal.plugin_api import CarrierPlugin, Service, TrackingFeed, hookimpl

            class Fragile(CarrierPlugin):
                contract, code, name, kind = "1.3", "fragile", "Fragile", "express"
                source = "a test"
                services = (Service("std", "Standard"),)
                def tracking_url(self, n):
                    return "https://t.example/" + n
                def parse_tracking(self, content):
                    content.decode("ascii")
                    return TrackingFeed(())

            @hookimpl
            def coverdesk_carriers():
                return [Fragile()]
            """
        )
    )
    (tmp_path / "test_contract.py").write_text(
        textwrap.dedent(
            """
            from pathlib import Path
            from portal.plugin_testing import ContractKit

            class TestContract(ContractKit):
                plugin = Path(__file__).parent / "fragile"
                examples = 30
            """
        )
    )
    # An outside plugin's own pytest run, in its own folder: the kit comes with the installed core.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "parse_tracking", "test_contract.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout and "UnicodeDecodeError" in result.stdout
