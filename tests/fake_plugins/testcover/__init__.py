"""A fake insurer with fixed, round rules: 1 % of the insured value, at least USD 1, up to USD 1,000.
It speaks both languages (contract 1.4); its neighbour testpost stays English-only on purpose."""

from datetime import date
from decimal import Decimal

from portal.plugin_api import InsurerPlugin, InsurerTerms, Text, hookimpl

RATE = Text("1 % of the insured value", "保额的 1%")


class TestCover(InsurerPlugin):
    contract = "1.4"
    code = "testcover"
    name = Text("Test Cover", "测试保险")
    languages = ("en", "zh_CN")
    certificate_prefix = "TCV"
    calendar = "US"
    source = "Fictional, for the core's tests."
    terms_history = (InsurerTerms(date(2020, 1, 1), {"USD": Decimal("1000.00")}, {"USD": Decimal("1.00")}),)

    def describe_rates(self, terms):
        return (RATE,)

    def premium(self, terms, request):
        return request.insured_value.scaled(Decimal("0.01")), RATE


@hookimpl
def coverdesk_insurers():
    return [TestCover()]
