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
    return load_plugins(PLUGINS_DIR, use_entry_points=False).carrier("harbourpost")


def usd(amount):
    return Money(Decimal(amount), "USD")


def test_identity_and_services(carrier):
    assert (carrier.name, carrier.kind) == ("Harbour Post", "postal")
    assert [s.code for s in carrier.services] == ["registered_air", "ems", "surface_parcel"]
    assert "USPS IMM 934" in carrier.source and "Fictional" in carrier.source


@pytest.mark.parametrize(
    "service, tracking_no",
    [
        ("registered_air", "RR123456785CN"),  # 204 % 11 = 6 -> 5
        ("registered_air", "RA473124829GB"),  # 200 % 11 = 2 -> 9
        ("registered_air", "RR000000080CN"),  # 56 % 11 = 1 -> 10 -> 0
        ("ems", "EA000000005CN"),  # 0 % 11 = 0 -> 11 -> 5
        ("surface_parcel", "CP000000014US"),  # 7 % 11 = 7 -> 4
    ],
)
def test_valid_s10_numbers(carrier, service, tracking_no):
    assert carrier.check_tracking_no(service, tracking_no) is None


@pytest.mark.parametrize(
    "service, tracking_no, expected",
    [
        ("registered_air", "RR123456784CN", "check digit 4 is wrong"),
        ("registered_air", "RR000000085CN", "check digit 5 is wrong"),  # 10 maps to 0, not 5
        ("registered_air", "rr123456785cn", "must be an S10 number"),
        ("registered_air", "RR12345678CN", "must be an S10 number"),
        ("registered_air", "RR1234567855CN", "must be an S10 number"),
        ("registered_air", "EA123456785CN", "start with R"),
        ("ems", "RR123456785CN", "start with E"),
        ("surface_parcel", "RR123456785CN", "start with C"),
        ("registered_air", "RR123456785XX", "XX is not an ISO 3166"),
        ("courier", "RR123456785CN", "no service 'courier'"),
    ],
)
def test_invalid_tracking_numbers(carrier, service, tracking_no, expected):
    assert expected in carrier.check_tracking_no(service, tracking_no)


def test_tracking_url(carrier):
    assert carrier.tracking_url("RR123456785CN") == "https://track.harbourpost.example/items/RR123456785CN"
    assert carrier.tracking_url("a/b?c") == "https://track.harbourpost.example/items/a%2Fb%3Fc"


@pytest.mark.parametrize("service", ["registered_air", "surface_parcel"])
@pytest.mark.parametrize(
    "declared", [usd("1.00"), usd("47.32"), usd("47.33"), usd("47.34"), usd("5000.00"), Money(Decimal("900.00"), "CNY")]
)
def test_registered_cap_is_usd_47_33_whatever_the_declared_value(carrier, service, declared):
    assert carrier.liability_cap(service, declared, ON) == usd("47.33")


@pytest.mark.parametrize(
    "declared, cap",
    [
        (usd("99.99"), usd("99.99")),
        (usd("100.00"), usd("100.00")),
        (usd("100.01"), usd("100.00")),
        (Money(Decimal("300.00"), "CNY"), usd("100.00")),
    ],
)
def test_ems_cap(carrier, declared, cap):
    assert carrier.liability_cap("ems", declared, ON) == cap


def test_no_cap_for_unknown_service(carrier):
    assert carrier.liability_cap("courier", usd("10.00"), ON) is None
