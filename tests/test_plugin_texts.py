"""What plugins show people: no internal references (our notes' clause ids, the notes file), and
services by their names. Over every plugin the portal loaded, third-party ones included."""

from __future__ import annotations

import pytest

from portal.plugin_testing import INTERNAL_REFERENCE, user_facing_texts


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Shows the acceptance scan: no acceptance scan, no cover (PS1, S1).", "(PS1, S1)"),
        ("Photos of the damaged goods and packaging (X3).", "(X3)"),
        ("Proves the handover (PS1 acceptance scan).", "(PS1 acceptance scan)"),
        ("4PX claims pages (claims-rules.md C1): capped", "(claims-rules.md C1)"),
        ("as the notes say, claims-rules.md", "claims-rules"),
        ("Fictional line (see §2)", "§"),
        ("S10 tracking numbers (UPU standard S10); liability (USPS IMM 934)", None),
        ("must be 4PX, 13 digits and CN (e.g. 4PX3001234567890CN)", None),
        ("capped at USD 100 (or the declared value if lower)", None),
    ],
)
def test_the_pattern_tells_internal_references_from_public_sources(text, found):
    match = INTERNAL_REFERENCE.search(text)
    assert (match.group() if match else None) == found


def test_no_loaded_plugin_shows_people_an_internal_reference(app):
    from portal.plugin_engine import registry

    plugins = registry()
    loaded = [entry.raw for entry in (*plugins.carriers.values(), *plugins.insurers.values())]
    assert {"fourpx", "harbourpost", "lotusline", "swiftwing", "lanternfish", "jadeharbour"} <= {p.code for p in loaded}
    found = []
    for plugin in loaded:
        texts = user_facing_texts(plugin)
        assert len(texts) > 5 and all(isinstance(text, str) for _, text in texts), plugin.code
        found += [
            f"{plugin.code} {where}: {match.group()!r}"
            for where, text in texts
            for match in INTERNAL_REFERENCE.finditer(text)
        ]
    assert found == []
