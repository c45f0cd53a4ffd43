"""A fake insurer with fixed, round rules: 1 % of the insured value, at least USD 1, up to USD 1,000."""

from datetime import date
from decimal import Decimal

from portal.plugin_api import InsurerPlugin, InsurerTerms, hookimpl


class TestCover(InsurerPlugin):
    contract = "1.3"
    code = "testcover"
    name = "Test Cover"
    certificate_prefix = "TCV"
    calendar = "US"
    source = "Fictional, for the core's tests."
    terms_history = (InsurerTerms(date(2020, 1, 1), {"USD": Decimal("1000.00")}, {"USD": Decimal("1.00")}),)

    def describe_rates(self, terms):
        return ("1 % of the insured value",)

    def premium(self, terms, request):
        return request.insured_value.scaled(Decimal("0.01")), "1 % of the insured value"


@hookimpl
def coverdesk_insurers():
    return [TestCover()]
