import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from portal.plugin_api import Money
from portal.plugin_engine import load_plugins

PLUGINS_DIR = Path(__file__).resolve().parents[2]
ON = date(2026, 3, 1)
SERVICES = ["fourpx_c", "global_direct", "express"]


@pytest.fixture(scope="module")
def carrier():
    return load_plugins(PLUGINS_DIR, use_entry_points=False).carrier("fourpx")


def usd(amount):
    return Money(Decimal(amount), "USD")


def test_identity_and_services(carrier):
    assert (carrier.name, carrier.kind) == ("4PX", "dedicated_line")
    assert [s.code for s in carrier.services] == SERVICES
    assert "4PX claims pages updated 2024-09-18" in carrier.source


@pytest.mark.parametrize("service", SERVICES)
def test_good_tracking_number(carrier, service):
    assert carrier.check_tracking_no(service, "4PX3001234567890CN") is None


@pytest.mark.parametrize(
    "tracking_no",
    ["4PX300123456789CN", "4PX30012345678901CN", "4px3001234567890cn", "4PX3001234567890US", "RR123456785CN"],
)
def test_bad_tracking_numbers(carrier, tracking_no):
    assert carrier.check_tracking_no("express", tracking_no).startswith("must be 4PX, 13 digits and CN")


def test_unknown_service(carrier):
    assert "no service 'ems'" in carrier.check_tracking_no("ems", "4PX3001234567890CN")
    assert carrier.liability_cap("ems", usd("10.00"), ON) is None


def test_tracking_url(carrier):
    assert carrier.tracking_url("4PX3001234567890CN") == "https://track.4px.com/#/result/0/4PX3001234567890CN"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    "declared, cap",
    [
        (usd("0.01"), usd("0.01")),
        (usd("99.99"), usd("99.99")),
        (usd("100.00"), usd("100.00")),
        (usd("100.01"), usd("100.00")),
        (Money(Decimal("60.00"), "CNY"), usd("100.00")),
    ],
)
def test_liability_cap(carrier, service, declared, cap):
    assert carrier.liability_cap(service, declared, ON) == cap


@pytest.mark.parametrize("on", [date(2024, 9, 17), date(2024, 9, 18)])
def test_first_rules_version_applies_from_and_before_2024_09_18(carrier, on):
    assert carrier.liability_cap("fourpx_c", usd("250.00"), on) == usd("100.00")


def test_a_later_rules_version_takes_over_on_its_effective_date(carrier, monkeypatch):
    module = sys.modules[carrier.__class__.__module__]
    later = module.LiabilityRules(date(2026, 1, 1), usd("150.00"), "a later version, for this test only")
    monkeypatch.setattr(module, "LIABILITY_RULES", (*module.LIABILITY_RULES, later))
    assert carrier.liability_cap("express", usd("250.00"), date(2025, 12, 31)) == usd("100.00")
    assert carrier.liability_cap("express", usd("250.00"), date(2026, 1, 1)) == usd("150.00")
