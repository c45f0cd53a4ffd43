"""The import contracts in pyproject.toml cover every module: a module added to ``portal`` is
forbidden to the contract and to plugins until someone decides otherwise, and every plugin in
``plugins/`` falls under them."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from portal import PROJECT_ROOT

CONTRACTS = {
    c["name"]: c
    for c in tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
}


def core_modules() -> set[str]:
    portal = PROJECT_ROOT / "portal"
    return {
        f"portal.{path.stem}"
        for path in portal.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    } - {"portal.plugin_api"}


def test_the_forbidden_lists_name_every_core_module():
    for name in (
        "The plugin contract imports nothing else from portal",
        "Plugins import nothing from portal but the contract",
    ):
        assert set(CONTRACTS[name]["forbidden_modules"]) == core_modules(), name


def test_the_import_contracts_hold():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", 0 broken." in result.stdout
