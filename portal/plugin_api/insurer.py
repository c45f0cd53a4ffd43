"""The base class of insurer plugins: cover, evidence, claims and the pack, with the defaults."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date
from decimal import Decimal
from typing import ClassVar

from .money import Money
from .text import Text
from .values import (
    ChecklistItem,
    ClaimAmount,
    ClaimAmountRequest,
    EvidenceRequirement,
    FilingWindow,
    InsurerTerms,
    PackLayout,
    Quote,
    QuoteRequest,
    Refusal,
)
from .vocabularies import EVIDENCE_KINDS, GOODS_CATEGORIES


class InsurerPlugin(ABC):
    """An insurer: the currencies, limits and premium of its parcel cover.

    Terms change over time, so a plugin keeps a list of :class:`InsurerTerms` with effective
    dates in ``terms_history`` (oldest first); :meth:`terms` picks the one in force.
    """

    #: Contract version this plugin was written for, "major.minor". Required, as for carriers.
    contract: ClassVar[str]
    #: Short stable code used in covers and the API, matching CODE_PATTERN (e.g. "lanternfish").
    code: ClassVar[str]
    #: Name shown to people and printed on certificates.
    name: ClassVar[str]
    #: Prefix of the cover certificate numbers, e.g. "LFM".
    certificate_prefix: ClassVar[str]
    #: Versions of the terms, oldest first.
    terms_history: ClassVar[tuple[InsurerTerms, ...]]
    #: Where the rules come from (published terms), or why the plugin is fictional.
    source: ClassVar[str] = ""

    def terms(self, on: date) -> InsurerTerms:
        """The terms in force on ``on``; before the first version, the first version."""
        current = self.terms_history[0]
        for version in self.terms_history:
            if version.effective_from <= on:
                current = version
        return current

    def quote(self, request: QuoteRequest) -> Quote | Refusal:
        """Price cover for ``request`` or refuse it with the reason.

        The default checks the terms' currency, maximum, destinations and categories and then
        asks :meth:`premium`; override to add rules of your own (call ``super().quote``).
        """
        terms = self.terms(request.on)
        currency = request.insured_value.currency
        if currency not in terms.max_insured_value:
            return Refusal(
                "currency_not_covered",
                Text(
                    "{name} does not cover {currency}; it covers {covered}", "{name}不承保 {currency}，仅承保 {covered}"
                ).format(name=self.name, currency=currency, covered=", ".join(terms.currencies)),
                "currency",
            )
        maximum = Money(terms.max_insured_value[currency], currency)
        if request.insured_value > maximum:
            return Refusal(
                "value_over_maximum",
                Text(
                    "insured value {value} is over {name}'s maximum of {maximum}",
                    "保额 {value} 超过{name}的上限 {maximum}",
                ).format(value=request.insured_value, name=self.name, maximum=maximum),
                "insured_value",
            )
        if request.destination_country in terms.excluded_destinations:
            return Refusal(
                "destination_excluded",
                Text("{name} does not cover parcels to {country}", "{name}不承保寄往 {country} 的包裹").format(
                    name=self.name, country=request.destination_country
                ),
                "destination_country",
            )
        if request.category in terms.excluded_categories:
            label = Text(GOODS_CATEGORIES.get(request.category, request.category))
            return Refusal(
                "category_excluded",
                Text(
                    f"{{name}} does not cover {label.en.lower()} ({{code}})",
                    f"{{name}}不承保{label.zh_CN}（{{code}}）" if label.zh_CN else None,
                ).format(name=self.name, code=request.category),
                "category",
            )
        premium, description = self.premium(terms, request)
        minimum = Money(terms.minimum_premium.get(currency, Decimal(0)), currency)
        if premium < minimum:
            premium = minimum
            description = Text("{rule}; minimum premium {minimum} applies", "{rule}；适用最低保费 {minimum}").format(
                rule=description, minimum=minimum
            )
        return Quote(premium, description, terms.effective_from, self.certificate_prefix)

    @abstractmethod
    def premium(self, terms: InsurerTerms, request: QuoteRequest) -> tuple[Money, str]:
        """The premium before the minimum, and a one-line description of how it was worked out."""

    def evidence_required(self, inquiry_kind: str, on: date) -> tuple[EvidenceRequirement, ...]:
        """The documents this insurer needs for a claim of ``inquiry_kind`` (a key of
        INQUIRY_KINDS) opened on ``on``, each with why and, when it may follow later, its grace rule.

        The default asks for the three documents the portal generates, the carrier's loss letter
        (for parcels not arrived) or photos (damage, missing contents), all mandatory, no grace.
        """
        items = [
            EvidenceRequirement(
                "delivery_record",
                Text("Shows the parcel was handed over and how it travelled.", "证明包裹已交寄及其运输经过。"),
            ),
            EvidenceRequirement(
                "delivery_certificate", Text("Proves the carrier took the parcel.", "证明承运商已收取包裹。")
            ),
            EvidenceRequirement(
                "proof_of_insured_value", Text("Shows the cover and the declared value.", "证明投保情况及申报价值。")
            ),
        ]
        if inquiry_kind == "not_arrived":
            items.append(
                EvidenceRequirement(
                    "loss_letter",
                    Text("The carrier's confirmation that the parcel is lost.", "承运商确认包裹丢失的证明。"),
                )
            )
        else:
            items.append(
                EvidenceRequirement(
                    "damage_photos", Text("Shows the damage or what is missing.", "证明破损情况或短少内件。")
                )
            )
        return tuple(items)

    # --- claims (contract 1.2) ----------------------------------------------------------------

    #: Working days after acceptance within which the insurer pays.
    payout_working_days: ClassVar[int] = 3
    #: The working-day calendar the insurer keeps (see ``portal.plugin_api.workdays``): "CN" for mainland China.
    calendar: ClassVar[str] = "CN"

    def filing_window(self, inquiry_kind: str) -> FilingWindow:
        """The days after dispatch on which a claim of ``inquiry_kind`` may be filed. Default 7-120."""
        return FilingWindow(7, 120)

    def deductible(self, request: ClaimAmountRequest, amount: Money) -> Money:
        """Taken off the claim's ``amount`` (before the deductible); the default is none."""
        return Money(Decimal("0"), amount.currency)

    def claim_amount(self, request: ClaimAmountRequest) -> ClaimAmount:
        """The amount claimed: the insured value, or the declared value if lower, times the share
        lost, less the deductible (never below zero). Override for other rules."""
        base = min(request.insured_value.amount, request.declared_value.amount)
        basis = (
            Text("insured value {}", "保额 {}")
            if base == request.insured_value.amount
            else Text("declared value (lower) {}", "申报价值（较低）{}")
        )
        share = request.lost_share
        amount = Money(base, request.insured_value.currency).scaled(share)
        description = basis.format(Money(base, request.insured_value.currency).format())
        if share != 1:
            description = Text("{} × {:.0%} lost", "{} × 损失 {:.0%}").format(description, share)
        deductible = self.deductible(request, amount)
        if deductible.amount:
            amount = Money(max(amount.amount - deductible.amount, Decimal("0.00")), amount.currency)
            description = Text("{} − deductible {}", "{} − 免赔额 {}").format(description, deductible.format())
        return ClaimAmount(amount, description)

    def advance_refusal(self, items: tuple[ChecklistItem, ...], today: date) -> str | None:
        """Why the claim's materials are not yet complete and sufficient for an advance to the
        seller, or ``None``. The default: every mandatory item accepted and no grace deadline passed."""
        for item in items:
            label = EVIDENCE_KINDS.get(item.kind, item.kind)
            if item.due_on is not None and item.due_on < today and item.state != "accepted":
                return Text("the grace deadline of {label} passed on {day}", "{label}的宽限期已于 {day} 届满").format(
                    label=label, day=item.due_on
                )
            if item.mandatory and item.state != "accepted":
                return Text("{label} is {state}, not accepted", "{label}状态为 {state}，尚未接受").format(
                    label=label, state=item.state
                )
        return None

    def describe_rates(self, terms: InsurerTerms) -> tuple[str, ...]:
        """The premium's rate bands under ``terms``, one readable line each, for the Plugins page
        and ``coverdesk plugins`` (contract 1.3, optional). The default describes none."""
        return ()

    def pack_layout(self) -> PackLayout:
        """The submission pack's template and stylesheet; the default is a plain layout."""
        from .defaults import DEFAULT_LAYOUT

        return DEFAULT_LAYOUT

    # --- languages (contract 1.4) ---------------------------------------------------------------

    #: The languages its texts for people are written in, e.g. ``("en", "zh_CN")`` (contract 1.4):
    #: each is a :class:`Text` with both. ``None``: the portal finds them from the texts; the
    #: contract kit fails a declared language that some text lacks.
    languages: ClassVar[tuple[str, ...] | None] = None
    #: The language of its submission pack, whatever the agent's (contract 1.4): ``("en",)``, or
    #: ``("zh_CN", "en")`` for a bilingual one (first the main one). The portal's own words on it follow.
    document_languages: ClassVar[tuple[str, ...]] = ("en",)
