from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from portal.plugin_api import Money, Quote, QuoteRequest, Refusal
from portal.plugin_engine import load_plugins

PLUGINS_DIR = Path(__file__).resolve().parents[2]
V1, V2 = date(2025, 1, 1), date(2026, 7, 1)
ON = date(2026, 3, 1)


@pytest.fixture(scope="module")
def insurer():
    return load_plugins(PLUGINS_DIR, use_entry_points=False).insurer("lanternfish")


def ask(amount, currency="USD", *, on=ON, destination="DE", category="general"):
    value = Money(Decimal(amount), currency)
    return QuoteRequest(value, value, destination, category, "harbourpost", "registered_air", on)


def test_identity(insurer):
    assert (insurer.name, insurer.certificate_prefix) == ("Lanternfish Mutual", "LFM")
    assert [t.effective_from for t in insurer.terms_history] == [V1, V2]
    assert all(t.currencies == ("USD",) for t in insurer.terms_history)
    assert "Pirate Ship/InsureShield" in insurer.source and "Shipsurance" in insurer.source


@pytest.mark.parametrize(
    "amount, premium, description",
    [
        ("0.01", "1.35", "USD 1.35 per USD 100 × 1 unit"),
        ("100.00", "1.35", "USD 1.35 per USD 100 × 1 unit"),
        ("100.01", "2.70", "USD 1.35 per USD 100 × 2 units"),
        ("1000.00", "13.50", "USD 1.35 per USD 100 × 10 units"),
        ("1000.01", "14.60", "USD 1.35 per USD 100 × 10 units + USD 1.10 per USD 100 × 1 unit"),
        ("1300.00", "16.80", "USD 1.35 per USD 100 × 10 units + USD 1.10 per USD 100 × 3 units"),
        ("5000.00", "57.50", "USD 1.35 per USD 100 × 10 units + USD 1.10 per USD 100 × 40 units"),
    ],
)
def test_premium_at_band_boundaries(insurer, amount, premium, description):
    assert insurer.premium(insurer.terms(ON), ask(amount)) == (Money(Decimal(premium), "USD"), description)


def test_quote_above_the_minimum(insurer):
    assert insurer.quote(ask("1000.01")) == Quote(
        Money(Decimal("14.60"), "USD"),
        "USD 1.35 per USD 100 × 10 units + USD 1.10 per USD 100 × 1 unit",
        V1,
        "LFM",
    )


@pytest.mark.parametrize("amount", ["0.01", "100.00"])
def test_minimum_premium(insurer, amount):
    quote = insurer.quote(ask(amount))
    assert quote.premium == Money(Decimal("2.00"), "USD")
    assert quote.rate_description == "USD 1.35 per USD 100 × 1 unit; minimum premium 2.00 USD applies"


def test_two_units_are_over_the_minimum(insurer):
    assert insurer.quote(ask("200.00")).premium == Money(Decimal("2.70"), "USD")


@pytest.mark.parametrize(
    "req, reason, field",
    [
        (ask("100.00", "EUR"), "currency_not_covered", "currency"),
        (ask("100.00", "CNY"), "currency_not_covered", "currency"),
        (ask("5000.01"), "value_over_maximum", "insured_value"),
        *[
            (ask("100.00", destination=c), "destination_excluded", "destination_country")
            for c in ("AF", "BR", "CU", "IR", "NG", "VE", "KP", "SY")
        ],
        *[
            (ask("100.00", category=c), "category_excluded", "category")
            for c in ("cash", "precious_metals", "jewelry", "art")
        ],
    ],
)
def test_refusals(insurer, req, reason, field):
    refusal = insurer.quote(req)
    assert isinstance(refusal, Refusal)
    assert (refusal.reason, refusal.field) == (reason, field)


@pytest.mark.parametrize("category", ["electronics", "batteries", "liquids", "food"])
def test_other_categories_are_covered(insurer, category):
    assert isinstance(insurer.quote(ask("100.00", category=category)), Quote)


def test_new_terms_from_2026_07_01(insurer):
    before = insurer.quote(ask("1000.00", on=date(2026, 6, 30)))
    after = insurer.quote(ask("1000.00", on=V2))
    assert (before.terms_effective, before.premium) == (V1, Money(Decimal("13.50"), "USD"))
    assert (after.terms_effective, after.premium) == (V2, Money(Decimal("13.90"), "USD"))
    assert after.rate_description == "USD 1.39 per USD 100 × 10 units"


def test_second_band_unchanged_in_2026(insurer):
    assert insurer.quote(ask("1000.01", on=V2)).premium == Money(Decimal("15.00"), "USD")
