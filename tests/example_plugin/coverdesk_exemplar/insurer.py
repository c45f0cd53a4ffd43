"""Exemplar Mutual's rules. Replace the example terms with the insurer's published ones and name them in
``source``; a new version of the terms is a new ``InsurerTerms`` with its effective date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.plugin_api import InsurerPlugin, InsurerTerms, Money, QuoteRequest, Text

#: Per cent of the insured value, per version of the terms.
RATES = {date(2026, 1, 1): Decimal("1.5")}


class ExemplarInsurer(InsurerPlugin):
    contract = "1.4"
    code = "exemplar"
    name = Text("Exemplar Mutual", "范例互助保险")
    #: Every text for people in English and Simplified Chinese (contract 1.4); the kit checks it.
    languages = ("en", "zh_CN")
    certificate_prefix = "EXEM"
    # Source: claims-rules.md X1 (XCover's rate).
    source = (
        "Example distribution of the plugin guide: XCover's cross-border rate of 1.50 %; "
        "the limits, minimum and exclusions are invented."
    )
    payout_working_days = 3
    calendar = "CN"
    terms_history = (
        InsurerTerms(
            effective_from=date(2026, 1, 1),
            max_insured_value={"USD": Decimal("5000")},
            minimum_premium={"USD": Decimal("2.00")},
            excluded_destinations=frozenset({"KP"}),
            excluded_categories=frozenset({"cash"}),
        ),
    )

    def describe_rates(self, terms: InsurerTerms) -> tuple[str, ...]:
        rate = RATES[terms.effective_from]
        return (Text(f"{rate} % of the insured value", f"保额的 {rate}%"),)

    def premium(self, terms: InsurerTerms, request: QuoteRequest) -> tuple[Money, str]:
        rate = RATES[terms.effective_from]
        value = request.insured_value.format()
        return request.insured_value.scaled(rate / 100), Text(f"{rate} % of {value}", f"{value} 的 {rate}%")
