"""Exemplar Mutual: the contract kit, and the premium rule."""

from datetime import date
from decimal import Decimal

from exemplar_under_test import PLUGIN

from portal.plugin_api import Money, Quote, QuoteRequest
from portal.plugin_testing import ContractKit, load_plugin


class TestContract(ContractKit):
    plugin = PLUGIN


def test_the_premium_is_the_rate_of_the_insured_value_with_a_minimum():
    insurer = load_plugin(PLUGIN).insurers[0]
    usd = lambda amount: Money(Decimal(amount), "USD")  # noqa: E731

    def quote(value):
        return insurer.quote(QuoteRequest(usd(value), usd(value), "US", "general", "any", "any", date(2026, 6, 1)))

    assert isinstance(quote("1000.00"), Quote) and quote("1000.00").premium == usd("15.00")
    assert quote("100.00").premium == usd("2.00")  # the minimum premium
