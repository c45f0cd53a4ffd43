"""Lanternfish Mutual: a fictional insurer that prices cover per whole USD 100, in USD only.

Neither the name nor the terms belong to a real insurer. They are modelled on published
per-USD-100 pricing: Pirate Ship / InsureShield charge USD 1.35 per USD 100 internationally, in
whole USD 100 steps (not prorated), up to USD 5,000 (claims-rules.md PS1, PS2); ParcelGuard
charges USD 1.39 per USD 100 internationally (P1).

* Premium: every started USD 100 of insured value is one unit. Units 1-10 (cover up to
  USD 1,000) cost the first band's rate, every further unit the second band's; the bands apply
  marginally, so crossing USD 1,000 never lowers the price of the first 10 units.
* Terms of 2025-01-01: USD 1.35 and USD 1.10 per unit. Terms of 2026-07-01: the first band
  rises to USD 1.39, ParcelGuard's international rate (P1). Both: minimum premium USD 2.00,
  maximum insured value USD 5,000 (PS1).
* Excluded destinations: Shipsurance's list (S1: AF, BR, CU, IR, NG, VE) plus KP and SY, which
  were under comprehensive US sanctions when the first terms were written.
* Excluded categories: cash, precious metals and jewellery, as EasyPost's cover excludes coins,
  bullion, loose stones, jewellery and negotiable documents (E5); art is our own addition.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from portal.plugin_api import (
    EvidenceRequirement,
    FilingWindow,
    InsurerPlugin,
    InsurerTerms,
    Money,
    PackLayout,
    QuoteRequest,
    Text,
)

from . import claims, evidence

CURRENCY = "USD"
UNIT = Decimal("100")

EXCLUDED_DESTINATIONS = frozenset({"AF", "BR", "CU", "IR", "NG", "VE", "KP", "SY"})
EXCLUDED_CATEGORIES = frozenset({"cash", "precious_metals", "jewelry", "art"})


@dataclass(frozen=True)
class Band:
    """``units`` whole USD 100 units at ``rate`` USD each; ``units=None`` covers the rest."""

    units: int | None
    rate: Decimal


def _terms(effective_from: date, notes: Text) -> InsurerTerms:
    return InsurerTerms(
        effective_from=effective_from,
        max_insured_value={CURRENCY: Decimal("5000.00")},
        minimum_premium={CURRENCY: Decimal("2.00")},
        excluded_destinations=EXCLUDED_DESTINATIONS,
        excluded_categories=EXCLUDED_CATEGORIES,
        notes=notes,
    )


#: (terms, rate bands) per version, oldest first.
VERSIONS = (
    (
        _terms(
            date(2025, 1, 1),
            Text(
                "USD 1.35 per USD 100 up to USD 1,000, USD 1.10 per USD 100 above",
                "USD 1,000 以内每 USD 100 收 USD 1.35，以上每 USD 100 收 USD 1.10",
            ),
        ),
        (Band(10, Decimal("1.35")), Band(None, Decimal("1.10"))),
    ),
    (
        _terms(
            date(2026, 7, 1),
            Text(
                "USD 1.39 per USD 100 up to USD 1,000, USD 1.10 per USD 100 above",
                "USD 1,000 以内每 USD 100 收 USD 1.39，以上每 USD 100 收 USD 1.10",
            ),
        ),
        (Band(10, Decimal("1.39")), Band(None, Decimal("1.10"))),
    ),
)
BANDS = {terms.effective_from: bands for terms, bands in VERSIONS}


class LanternfishInsurer(InsurerPlugin):
    contract = "1.4"
    code = "lanternfish"
    name = Text("Lanternfish Mutual", "灯笼鱼互助保险")
    #: Texts for staff in both languages; its submission pack stays English (its claims desk reads English).
    languages = ("en", "zh_CN")
    document_languages = ("en",)
    certificate_prefix = "LFM"
    terms_history = tuple(terms for terms, _ in VERSIONS)
    # Sources: claims-rules.md PS1, PS2 (Pirate Ship/InsureShield), P1 (ParcelGuard), S1 (Shipsurance).
    source = (
        "Fictional insurer. Per-USD-100 pricing in whole steps and USD 5,000 limit modelled on "
        "Pirate Ship/InsureShield and ParcelGuard; destination "
        "exclusions from Shipsurance plus KP and SY."
    )

    # --- claims (contract 1.2): see claims.py ---------------------------------------------------

    calendar = "US"

    def filing_window(self, inquiry_kind: str) -> FilingWindow:
        return claims.WINDOWS.get(inquiry_kind, claims.WINDOWS["not_arrived"])

    def pack_layout(self) -> PackLayout:
        return claims.PACK

    def evidence_required(self, inquiry_kind: str, on: date) -> tuple[EvidenceRequirement, ...]:
        """See ``evidence.py``: one version of the list so far, whatever ``on``."""
        return evidence.evidence_required(inquiry_kind)

    def describe_rates(self, terms: InsurerTerms) -> tuple[str, ...]:
        lines, first = [], 1
        for band in BANDS[terms.effective_from]:
            line = (
                Text(
                    "{c} {rate} per started {c} {unit}, units {first} to {last}",
                    "每起算 {c} {unit} 收 {c} {rate}，第 {first} 至第 {last} 单位",
                )
                if band.units
                else Text(
                    "{c} {rate} per started {c} {unit}, unit {first} onwards",
                    "每起算 {c} {unit} 收 {c} {rate}，第 {first} 单位起",
                )
            )
            last = first + band.units - 1 if band.units else None
            lines.append(line.format(c=CURRENCY, rate=band.rate, unit=UNIT, first=first, last=last))
            first += band.units or 0
        return tuple(lines)

    def premium(self, terms: InsurerTerms, request: QuoteRequest) -> tuple[Money, str]:
        """Each started USD 100 is a unit, priced at the rate of the band it falls in."""
        remaining = int((request.insured_value.amount / UNIT).to_integral_value(rounding=ROUND_CEILING))
        total, parts = Decimal(0), []
        for band in BANDS[terms.effective_from]:
            units = remaining if band.units is None else min(remaining, band.units)
            if units:
                total += units * band.rate
                en = f"{CURRENCY} {band.rate} per {CURRENCY} {UNIT} × {units} unit{'s' if units > 1 else ''}"
                parts.append(Text(en, f"每 {CURRENCY} {UNIT} 收 {CURRENCY} {band.rate} × {units} 单位"))
            remaining -= units
        return Money.of(total, CURRENCY), Text(" + ".join(p.en for p in parts), " + ".join(p.zh_CN for p in parts))
