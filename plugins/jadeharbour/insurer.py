"""Jade Harbour Insurance: a fictional Shenzhen insurer pricing cover as a percentage of value.

Neither the name nor the terms belong to a real insurer. The percentage pricing is modelled on
XCover's 1.50 % for cross-border parcels (claims-rules.md X1), made cheaper for larger covers.

* Currencies: CNY, USD and EUR, each priced in its own units; nothing is converted.
* Premium: tiered percentages applied marginally, to the part of the insured value in each tier:
  the first 1,000, 1,000 to 5,000, and above 5,000. The tier limits are the same numbers in
  every currency, for simplicity; rounded half-up to the cent once, at the end.
* Terms of 2025-04-01: 1.5 %, 1.2 %, 1.0 %. Terms of 2026-04-01: the first tier rises to 1.6 %.
* Maximum insured value CNY 50,000 / USD 7,000 / EUR 6,500; minimum premium CNY 5 / USD 1 / EUR 1.
* Excluded destinations: RU, BY, IR, KP, SY and CU (sanctions); excluded categories: batteries
  and liquids (air-transport restrictions), cash, and food (perishable).
* Surface services (``surface_parcel`` of any carrier) are refused: their transit outlasts the
  cover.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portal.plugin_api import (
    ClaimAmountRequest,
    EvidenceRequirement,
    FilingWindow,
    InsurerPlugin,
    InsurerTerms,
    Money,
    PackLayout,
    Quote,
    QuoteRequest,
    Refusal,
    Text,
    quantize,
)

from . import claims, evidence

MAX_INSURED_VALUE = {"CNY": Decimal("50000.00"), "USD": Decimal("7000.00"), "EUR": Decimal("6500.00")}
MINIMUM_PREMIUM = {"CNY": Decimal("5.00"), "USD": Decimal("1.00"), "EUR": Decimal("1.00")}
EXCLUDED_DESTINATIONS = frozenset({"RU", "BY", "IR", "KP", "SY", "CU"})
EXCLUDED_CATEGORIES = frozenset({"batteries", "liquids", "cash", "food"})
#: Service codes refused whatever the carrier.
EXCLUDED_SERVICES = frozenset({"surface_parcel"})


@dataclass(frozen=True)
class Tier:
    """``percent`` of the part of the insured value up to ``up_to`` (``None``: no limit)."""

    up_to: Decimal | None
    percent: Decimal


def _terms(effective_from: date, notes: Text) -> InsurerTerms:
    return InsurerTerms(
        effective_from=effective_from,
        max_insured_value=dict(MAX_INSURED_VALUE),
        minimum_premium=dict(MINIMUM_PREMIUM),
        excluded_destinations=EXCLUDED_DESTINATIONS,
        excluded_categories=EXCLUDED_CATEGORIES,
        notes=notes,
    )


#: (terms, tiers) per version, oldest first.
VERSIONS = (
    (
        _terms(
            date(2025, 4, 1),
            Text(
                "1.5 % of the first 1,000, 1.2 % up to 5,000, 1.0 % above",
                "首 1,000 按 1.5%，至 5,000 按 1.2%，以上按 1.0%",
            ),
        ),
        (Tier(Decimal(1000), Decimal("1.5")), Tier(Decimal(5000), Decimal("1.2")), Tier(None, Decimal("1.0"))),
    ),
    (
        _terms(
            date(2026, 4, 1),
            Text(
                "1.6 % of the first 1,000, 1.2 % up to 5,000, 1.0 % above",
                "首 1,000 按 1.6%，至 5,000 按 1.2%，以上按 1.0%",
            ),
        ),
        (Tier(Decimal(1000), Decimal("1.6")), Tier(Decimal(5000), Decimal("1.2")), Tier(None, Decimal("1.0"))),
    ),
)
TIERS = {terms.effective_from: tiers for terms, tiers in VERSIONS}


class JadeHarbourInsurer(InsurerPlugin):
    contract = "1.4"
    code = "jadeharbour"
    name = Text("Jade Harbour Insurance", "翠港保险")
    languages = ("en", "zh_CN")
    certificate_prefix = "JHI"
    terms_history = tuple(terms for terms, _ in VERSIONS)
    # Source: claims-rules.md X1 (XCover's rate).
    source = (
        "Fictional Shenzhen insurer. Percentage pricing modelled on XCover's 1.50 % cross-border "
        "rate; tiers, limits and exclusions are invented."
    )

    def quote(self, request: QuoteRequest) -> Quote | Refusal:
        if request.service_code in EXCLUDED_SERVICES:
            return Refusal(
                "service_not_covered",
                Text(
                    "{name} does not cover surface services ({code}): transit outlasts the cover",
                    "{name}不承保水陆路服务（{code}）：运输时间超过保险期限",
                ).format(name=self.name, code=request.service_code),
                "service_code",
            )
        return super().quote(request)

    # --- claims (contract 1.2): see claims.py ---------------------------------------------------

    calendar = "CN"

    def filing_window(self, inquiry_kind: str) -> FilingWindow:
        return claims.WINDOWS.get(inquiry_kind, claims.WINDOWS["not_arrived"])

    def deductible(self, request: ClaimAmountRequest, amount: Money) -> Money:
        return claims.deductible(request, amount)

    def pack_layout(self) -> PackLayout:
        return claims.PACK

    def evidence_required(self, inquiry_kind: str, on: date) -> tuple[EvidenceRequirement, ...]:
        """See ``evidence.py``: one version of the list so far, whatever ``on``."""
        return evidence.evidence_required(inquiry_kind)

    def describe_rates(self, terms: InsurerTerms) -> tuple[str, ...]:
        lines, lower = [], Decimal(0)
        for tier in TIERS[terms.effective_from]:
            line = (
                Text("{percent} % of the value above {lower}", "{lower} 以上部分按 {percent}%")
                if tier.up_to is None
                else Text("{percent} % of the value from {lower} to {upper}", "{lower} 至 {upper} 部分按 {percent}%")
            )
            lines.append(line.format(percent=tier.percent, lower=lower, upper=tier.up_to))
            lower = tier.up_to if tier.up_to is not None else lower
        return tuple(lines)

    def premium(self, terms: InsurerTerms, request: QuoteRequest) -> tuple[Money, str]:
        """Each tier's percentage of the part of the value inside that tier."""
        value, currency = request.insured_value.amount, request.insured_value.currency
        total, lower, parts = Decimal(0), Decimal(0), []
        for tier in TIERS[terms.effective_from]:
            upper = value if tier.up_to is None else min(value, tier.up_to)
            if upper <= lower:
                break
            total += (upper - lower) * tier.percent / 100
            part = Text("{percent} % of {currency} {amount}", "{currency} {amount} 的 {percent}%")
            parts.append(part.format(percent=tier.percent, currency=currency, amount=quantize(upper - lower, currency)))
            lower = upper
        return Money.of(total, currency), Text(" + ".join(p.en for p in parts), " + ".join(p.zh_CN for p in parts))
