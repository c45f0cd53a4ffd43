"""Harbour Post loss letters: sample PDFs in the postal inquiry service's prose layout, read back as the portal reads uploads."""

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from portal.money import Money
from portal.plugin_engine import load_plugins
from portal.plugin_testing import read_pdf_letter, render_pdf, scanned_pdf

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "letters"
CARRIER = load_plugins(Path(__file__).resolve().parents[2], use_entry_points=False).carrier("harbourpost")
#: The plugin's own letters module, as the engine imported it.
LETTERS_MODULE = sys.modules[type(CARRIER).__module__.rsplit(".", 1)[0] + ".letters"]

#: name -> fields of the sample letter (see letters.sample_letter_html); broken ones included.
LETTERS = {
    "lost": {},
    "damaged": {"result": "The item was delivered in a damaged condition; the damage was noted on delivery.",
                "liability": Money(Decimal("30.00"), "USD")},
    "other_parcel": {"tracking_no": "RR987654321CN"},
    "delivered": {"result": "The item was delivered to the addressee on 28 October 2026.", "liability": None},
    "bad_reference": {"reference": "CASE-778"},
    "missing_fields": {"reference": None, "found_on": None, "liability": None},
    "unknown_wording": {"result": "The item is still under investigation abroad.", "found_on": date(2026, 11, 9)},
}


def letter_pdf(name: str) -> bytes:
    return scanned_pdf() if name == "scanned" else render_pdf(LETTERS_MODULE.sample_letter_html(**LETTERS[name]))


@pytest.mark.parametrize("name", [*LETTERS, "scanned"])
def test_letters_read_as_expected(name):
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert read_pdf_letter(CARRIER, letter_pdf(name)) == expected


def test_reference_pattern():
    letter_format = CARRIER.loss_letter_format
    assert letter_format.reference_fits(letter_format.reference_example)
    assert not letter_format.reference_fits("CASE-778")
