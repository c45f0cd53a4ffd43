from pathlib import Path

from portal.plugin_testing import load_plugins

PLUGINS_DIR = Path(__file__).resolve().parents[1]


def test_every_plugin_in_the_folder_loads_without_failures():
    """Each package in ``plugins/`` loads and provides at least one carrier or insurer, with the
    source of its rules; adding a plugin adds a package here and changes no test."""
    registry = load_plugins(PLUGINS_DIR, use_entry_points=False)
    assert registry.failures == []
    packages = {f"plugins/{p.name}" for p in PLUGINS_DIR.iterdir() if (p / "__init__.py").is_file()}
    assert {loaded.origin for loaded in [*registry.carriers.values(), *registry.insurers.values()]} == packages
    assert all(p.source for p in [*registry.all_carriers(), *registry.all_insurers()])
