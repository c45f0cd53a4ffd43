"""docs/plugin-reference.md is generated from the contract and equal to it: every public name,
every member of the base classes (with an example), every value field is documented."""

from __future__ import annotations

import dataclasses
import re

from portal import PROJECT_ROOT, plugin_api
from portal.plugin_api import pack, values
from portal.plugin_reference import EXAMPLES, generate

REFERENCE = PROJECT_ROOT / "docs" / "plugin-reference.md"
GUIDE = PROJECT_ROOT / "docs" / "plugins.md"


def test_the_reference_is_the_generated_one():
    assert REFERENCE.read_text(encoding="utf-8") == generate(), (
        "docs/plugin-reference.md is stale: run `python -m portal.plugin_reference > docs/plugin-reference.md`"
    )


def test_every_public_name_and_value_field_is_in_it():
    text = REFERENCE.read_text(encoding="utf-8")
    missing = [name for name in plugin_api.__all__ if not re.search(rf"`{name}\b", text) and name not in ("hookspec",)]
    assert missing == []
    for module in (values, pack):
        for cls in vars(module).values():
            if dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__:
                section = text.split(f"### `{cls.__name__}`", 1)[1].split("###", 1)[0]
                for item in dataclasses.fields(cls):
                    assert f"| `{item.name}` |" in section, (cls.__name__, item.name)


def test_examples_name_real_members_only():
    members = {
        f"{cls.__name__}.{name}"
        for cls in (plugin_api.CarrierPlugin, plugin_api.InsurerPlugin)
        for name in [*vars(cls), *vars(cls).get("__annotations__", {})]
        if not name.startswith("_")
    }
    assert set(EXAMPLES) == members


def test_the_guide_links_the_reference_and_names_every_hook_and_command():
    guide = GUIDE.read_text(encoding="utf-8")
    assert "(plugin-reference.md)" in guide
    for hook in ("coverdesk_carriers", "coverdesk_insurers"):
        assert hook in guide
    for command in ("coverdesk plugins new carrier", "coverdesk plugins --strict", "ContractKit", "pip install -e"):
        assert command in guide
