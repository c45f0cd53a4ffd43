"""Parcel cover: quoting through the insurer plugin and buying it for an order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import Actor, record
from ..clock import to_local, utcnow
from ..errors import Refused
from ..extensions import db
from ..money import Money
from ..plugin_api import Quote, QuoteRequest, Refusal
from ..plugin_engine import PluginRegistry
from .models import Cover
from .signals import cover_bought

#: A refusal names a ``QuoteRequest`` field; this is the order field (API path) it stands for.
ORDER_FIELD_OF = {
    "insured_value": "cover.insured_value",
    "insurer": "cover.insurer",
    "declared_value": "declared_value",
    "currency": "currency",
    "destination_country": "destination_country",
    "category": "category",
    "carrier_code": "carrier",
    "service_code": "service",
}


def order_field(refusal_field: str | None) -> str:
    return ORDER_FIELD_OF.get(refusal_field or "", "cover")


class CoverRefused(Refused):
    """Cover cannot be bought; ``code`` is the insurer's refusal reason (``other`` for the core's own)."""

    def __init__(self, field: str, reason: str, code: str = "other"):
        super().__init__(field, reason)
        self.code = code


@dataclass(frozen=True)
class CoverTerms:
    """What a quote looks like once the core's own rules have been applied too."""

    insurer_code: str
    insured_value: Money
    quote: Quote


def insured_value_problem(insured: Money, declared: Money) -> str | None:
    """The core's one rule on how much may be insured: at most the declared value."""
    if insured > declared:
        return _("%(insured)s is more than the declared value %(declared)s", insured=insured, declared=declared)
    return None


def quote(
    plugins: PluginRegistry,
    *,
    insurer_code: str,
    insured_value: Money,
    declared_value: Money,
    destination_country: str,
    category: str,
    carrier_code: str,
    service_code: str,
    on: datetime | None = None,
) -> Quote | Refusal:
    """Ask the insurer plugin for a premium. Core rules (value, currency) come first."""
    insurer = plugins.insurer(insurer_code)
    if insurer is None:
        return Refusal("other", f"unknown insurer {insurer_code!r}", "insurer")
    if insured_value.currency != declared_value.currency:
        return Refusal("currency_not_covered", "cover is bought in the order's currency", "currency")
    too_much = insured_value_problem(insured_value, declared_value)
    if too_much:
        return Refusal("other", f"insured value {too_much}", "insured_value")
    moment = on or utcnow()
    return insurer.quote(
        QuoteRequest(
            insured_value=insured_value,
            declared_value=declared_value,
            destination_country=destination_country,
            category=category,
            carrier_code=carrier_code,
            service_code=service_code,
            on=to_local(moment).date(),
        )
    )


def terms_for_order(
    plugins: PluginRegistry,
    *,
    insurer_code: str,
    insured_value: Money,
    declared_value: Money,
    destination_country: str,
    category: str,
    carrier_code: str,
    service_code: str,
    dispatched_at: datetime | None,
    now: datetime,
) -> CoverTerms:
    """Check that cover may be bought now and price it, or raise ``CoverRefused``."""
    if dispatched_at is not None and dispatched_at <= now:
        raise CoverRefused(
            "cover",
            _(
                "the parcel was dispatched on %(when)s; cover must be bought before dispatch",
                when=to_local(dispatched_at).strftime("%Y-%m-%d %H:%M"),
            ),
            "dispatched",
        )
    result = quote(
        plugins,
        insurer_code=insurer_code,
        insured_value=insured_value,
        declared_value=declared_value,
        destination_country=destination_country,
        category=category,
        carrier_code=carrier_code,
        service_code=service_code,
        on=now,
    )
    if isinstance(result, Refusal):
        raise CoverRefused(result.field or "cover", result.message, result.reason)
    if result.premium.currency != insured_value.currency:
        raise CoverRefused(
            "cover",
            _(
                "insurer %(code)s quoted in %(quoted)s, not %(currency)s",
                code=insurer_code,
                quoted=result.premium.currency,
                currency=insured_value.currency,
            ),
        )
    return CoverTerms(insurer_code, insured_value, result)


def certificate_no(prefix: str, order_id: int, bought_at: datetime) -> str:
    """Certificate numbers follow the insurer's prefix, the year and the order: LFM-2026-00001234."""
    return f"{prefix}-{bought_at:%Y}-{order_id:08d}"


def cover_values(order_id: int, terms: CoverTerms, bought_at: datetime) -> dict:
    """The row of a new cover, for both the single and the bulk path."""
    return {
        "order_id": order_id,
        "insurer_code": terms.insurer_code,
        "insured_value": terms.insured_value.amount,
        "currency": terms.insured_value.currency,
        "premium": terms.quote.premium.amount,
        "certificate_no": certificate_no(terms.quote.certificate_prefix, order_id, bought_at),
        "rate_description": terms.quote.rate_description[:300],
        "terms_effective": terms.quote.terms_effective,
        "bought_at": bought_at,
    }


def cover_summary(values: dict) -> dict:
    """What the audit trail keeps of a cover, ready for JSON."""
    return {
        "insurer_code": values["insurer_code"],
        "insured_value": str(values["insured_value"]),
        "currency": values["currency"],
        "premium": str(values["premium"]),
        "certificate_no": values["certificate_no"],
    }


def buy_cover(
    plugins: PluginRegistry,
    order,
    *,
    insurer_code: str,
    insured_value: Money,
    actor: Actor,
    now: datetime | None = None,
) -> Cover:
    """Buy cover for an existing order (before dispatch, one cover per order)."""
    now = now or utcnow()
    if order.cover is not None or db.session.scalar(select(Cover.id).where(Cover.order_id == order.id)):
        raise CoverRefused(
            "cover",
            _(
                "order %(order_no)s already has cover %(certificate)s",
                order_no=order.order_no,
                certificate=order.cover.certificate_no,
            ),
        )
    too_much = insured_value_problem(insured_value, order.declared)
    if too_much:
        raise CoverRefused("insured_value", too_much)
    terms = terms_for_order(
        plugins,
        insurer_code=insurer_code,
        insured_value=insured_value,
        declared_value=order.declared,
        destination_country=order.destination_country,
        category=order.category,
        carrier_code=order.carrier_code,
        service_code=order.service_code,
        dispatched_at=order.dispatched_at,
        now=now,
    )
    values = cover_values(order.id, terms, now)
    cover = Cover(**values)
    db.session.add(cover)
    db.session.flush()
    order.cover = cover
    cover_bought.send(None, order_ids=[order.id])
    record(
        actor,
        "cover.bought",
        "order",
        order.id,
        before=None,
        after=cover_summary(values),
        summary=f"cover {values['certificate_no']} bought with {insurer_code}, premium "
        f"{values['premium']} {values['currency']}",
    )
    return cover


def bought_after_dispatch(cover: Cover | None, dispatched_at: datetime | None) -> str | None:
    """Why the cover is in doubt when the dispatch scan came later than the cover was bought but
    is dated before it (the insurer refuses cover bought after dispatch); None when it is not."""
    if cover is None or dispatched_at is None or dispatched_at >= cover.bought_at:
        return None
    return (
        f"cover bought after dispatch: cover {cover.certificate_no} was bought "
        f"{to_local(cover.bought_at):%Y-%m-%d %H:%M}, the parcel was dispatched {to_local(dispatched_at):%Y-%m-%d %H:%M}"
    )
