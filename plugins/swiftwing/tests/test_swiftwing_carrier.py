from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from portal.plugin_api import Money
from portal.plugin_engine import load_plugins

PLUGINS_DIR = Path(__file__).resolve().parents[2]
ON = date(2026, 3, 1)


@pytest.fixture(scope="module")
def carrier():
    return load_plugins(PLUGINS_DIR, use_entry_points=False).carrier("swiftwing")


def usd(amount):
    return Money(Decimal(amount), "USD")


def test_identity_and_services(carrier):
    assert (carrier.name, carrier.kind) == ("Swiftwing Express", "express")
    assert [s.code for s in carrier.services] == ["express_worldwide", "economy_express"]
    assert carrier.source.startswith("Fictional")


@pytest.mark.parametrize("service", ["express_worldwide", "economy_express"])
def test_ten_digit_waybills(carrier, service):
    assert carrier.check_tracking_no(service, "1234567890") is None
    assert carrier.check_tracking_no(service, "0000000000") is None


@pytest.mark.parametrize("tracking_no", ["123456789", "12345678901", "12345678A0", "RR123456785CN", " 1234567890"])
def test_bad_waybills(carrier, tracking_no):
    assert carrier.check_tracking_no("express_worldwide", tracking_no) == "must be a 10-digit waybill number"


def test_unknown_service_is_refused(carrier):
    assert "no service 'ems'" in carrier.check_tracking_no("ems", "1234567890")
    assert carrier.liability_cap("ems", usd("10.00"), ON) is None


def test_tracking_url(carrier):
    assert carrier.tracking_url("1234567890") == "https://track.swiftwing.example/shipments/1234567890"


@pytest.mark.parametrize("service", ["express_worldwide", "economy_express"])
@pytest.mark.parametrize(
    "declared, cap",
    [
        (usd("0.01"), usd("0.01")),
        (usd("99.99"), usd("99.99")),
        (usd("100.00"), usd("100.00")),
        (usd("100.01"), usd("100.00")),
        (usd("2500.00"), usd("100.00")),
        (Money(Decimal("50.00"), "EUR"), usd("100.00")),
    ],
)
def test_liability_cap(carrier, service, declared, cap):
    assert carrier.liability_cap(service, declared, ON) == cap
