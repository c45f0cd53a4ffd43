"""4PX loss letters: sample PDFs in 4PX's bilingual layout, read back as the portal reads uploads."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from portal.plugin_api import Money
from portal.plugin_testing import LetterSamples

#: name -> fields of the sample letter (see letters.sample_letter_html); broken ones included.
SAMPLES = LetterSamples(
    Path(__file__).resolve().parents[1],
    "fourpx",
    {
        "lost": {},
        "damaged": {"outcome": "包裹破损 / Damaged", "liability": Money(Decimal("64.50"), "USD")},
        "other_parcel": {"tracking_no": "4PX3009999999999CN"},
        "delivered": {"outcome": "已签收 / Delivered", "liability": None},
        "bad_reference": {"reference": "CASE-778"},
        "missing_fields": {"reference": None, "found_on": None, "liability": None},
        "unknown_wording": {"outcome": "待定 / Pending review", "found_on": date(2026, 11, 9)},
    },
)


@pytest.mark.parametrize("name", SAMPLES.names)
def test_letters_read_as_expected(name):
    assert SAMPLES.read(name) == SAMPLES.expected(name)


def test_reference_pattern():
    letter_format = SAMPLES.carrier.loss_letter_format
    assert letter_format.reference_fits(letter_format.reference_example)
    assert not letter_format.reference_fits("CASE-778")
