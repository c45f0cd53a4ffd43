from pathlib import Path

from portal.plugin_engine import load_plugins

PLUGINS_DIR = Path(__file__).resolve().parents[1]


def test_all_five_plugins_load_without_failures():
    registry = load_plugins(PLUGINS_DIR, use_entry_points=False)
    assert registry.failures == []
    assert sorted(registry.carriers) == ["fourpx", "harbourpost", "swiftwing"]
    assert sorted(registry.insurers) == ["jadeharbour", "lanternfish"]
    assert {loaded.origin for loaded in [*registry.carriers.values(), *registry.insurers.values()]} == {
        "plugins/fourpx",
        "plugins/harbourpost",
        "plugins/swiftwing",
        "plugins/jadeharbour",
        "plugins/lanternfish",
    }
    assert all(p.source for p in [*registry.all_carriers(), *registry.all_insurers()])
