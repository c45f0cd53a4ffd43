from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from portal.plugin_api import Money, Quote, QuoteRequest, Refusal
from portal.plugin_engine import load_plugins

PLUGINS_DIR = Path(__file__).resolve().parents[2]
V1, V2 = date(2025, 4, 1), date(2026, 4, 1)
ON = date(2025, 10, 1)


@pytest.fixture(scope="module")
def insurer():
    return load_plugins(PLUGINS_DIR, use_entry_points=False).insurer("jadeharbour")


def ask(amount, currency="CNY", *, on=ON, destination="DE", category="general", carrier="fourpx", service="express"):
    value = Money(Decimal(amount), currency)
    return QuoteRequest(value, value, destination, category, carrier, service, on)


def money(amount, currency="CNY"):
    return Money(Decimal(amount), currency)


def test_identity(insurer):
    assert (insurer.name, insurer.certificate_prefix) == ("Jade Harbour Insurance", "JHI")
    assert [t.effective_from for t in insurer.terms_history] == [V1, V2]
    assert all(t.currencies == ("CNY", "EUR", "USD") for t in insurer.terms_history)
    assert "XCover" in insurer.source


@pytest.mark.parametrize(
    "amount, currency, premium, description",
    [
        ("1000.00", "CNY", "15.00", "1.5 % of CNY 1000.00"),
        ("1000.01", "CNY", "15.00", "1.5 % of CNY 1000.00 + 1.2 % of CNY 0.01"),
        ("5000.00", "CNY", "63.00", "1.5 % of CNY 1000.00 + 1.2 % of CNY 4000.00"),
        ("5000.01", "CNY", "63.00", "1.5 % of CNY 1000.00 + 1.2 % of CNY 4000.00 + 1.0 % of CNY 0.01"),
        ("50000.00", "CNY", "513.00", "1.5 % of CNY 1000.00 + 1.2 % of CNY 4000.00 + 1.0 % of CNY 45000.00"),
        ("1234.56", "USD", "17.81", "1.5 % of USD 1000.00 + 1.2 % of USD 234.56"),  # 17.81472
        ("7000.00", "USD", "83.00", "1.5 % of USD 1000.00 + 1.2 % of USD 4000.00 + 1.0 % of USD 2000.00"),
        ("6500.00", "EUR", "78.00", "1.5 % of EUR 1000.00 + 1.2 % of EUR 4000.00 + 1.0 % of EUR 1500.00"),
        ("3.00", "USD", "0.05", "1.5 % of USD 3.00"),  # 0.045 rounds half-up
    ],
)
def test_premium_at_tier_boundaries(insurer, amount, currency, premium, description):
    assert insurer.premium(insurer.terms(ON), ask(amount, currency)) == (money(premium, currency), description)


def test_quote(insurer):
    assert insurer.quote(ask("2000.00")) == Quote(
        money("27.00"), "1.5 % of CNY 1000.00 + 1.2 % of CNY 1000.00", V1, "JHI"
    )


@pytest.mark.parametrize(
    "amount, currency, premium, applied",
    [
        ("300.00", "CNY", "5.00", True),  # 4.50
        ("333.34", "CNY", "5.00", False),  # 5.0001, not below the minimum
        ("400.00", "CNY", "6.00", False),
        ("50.00", "USD", "1.00", True),  # 0.75
        ("50.00", "EUR", "1.00", True),
        ("100.00", "EUR", "1.50", False),
    ],
)
def test_minimum_premium_per_currency(insurer, amount, currency, premium, applied):
    quote = insurer.quote(ask(amount, currency))
    assert quote.premium == money(premium, currency)
    assert quote.rate_description.endswith(f"minimum premium {premium} {currency} applies") == applied


@pytest.mark.parametrize(
    "req, reason, field",
    [
        (ask("100.00", "GBP"), "currency_not_covered", "currency"),
        (ask("50000.01", "CNY"), "value_over_maximum", "insured_value"),
        (ask("7000.01", "USD"), "value_over_maximum", "insured_value"),
        (ask("6500.01", "EUR"), "value_over_maximum", "insured_value"),
        *[
            (ask("100.00", destination=c), "destination_excluded", "destination_country")
            for c in ("RU", "BY", "IR", "KP", "SY", "CU")
        ],
        *[
            (ask("100.00", category=c), "category_excluded", "category")
            for c in ("batteries", "liquids", "cash", "food")
        ],
        (ask("100.00", carrier="harbourpost", service="surface_parcel"), "service_not_covered", "service_code"),
        (ask("100.00", carrier="othercarrier", service="surface_parcel"), "service_not_covered", "service_code"),
    ],
)
def test_refusals(insurer, req, reason, field):
    refusal = insurer.quote(req)
    assert isinstance(refusal, Refusal)
    assert (refusal.reason, refusal.field) == (reason, field)


@pytest.mark.parametrize(
    "req",
    [
        ask("50000.00", "CNY"),
        ask("100.00", destination="BR"),
        ask("100.00", category="jewelry"),
        ask("100.00", carrier="harbourpost", service="registered_air"),
    ],
)
def test_covered_where_lanternfish_is_not_or_at_the_limit(insurer, req):
    assert isinstance(insurer.quote(req), Quote)


def test_new_terms_from_2026_04_01(insurer):
    before = insurer.quote(ask("2000.00", on=date(2026, 3, 31)))
    after = insurer.quote(ask("2000.00", on=V2))
    assert (before.terms_effective, before.premium) == (V1, money("27.00"))
    assert (after.terms_effective, after.premium) == (V2, money("28.00"))
    assert after.rate_description == "1.6 % of CNY 1000.00 + 1.2 % of CNY 1000.00"
