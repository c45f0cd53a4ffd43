"""What an insurer's submission-pack template gets: a frozen view of the claim in plain values and
:class:`Money`, never database rows, so every name a template uses is documented here and a
misspelt one fails (templates render with strict undefined) in the plugin's own test.

Times are tz-aware UTC (the ``localtime`` filter shows them in the warehouse's zone); ``date``
fields are days in the warehouse's zone; amounts are :class:`Money` (the ``money`` filter writes
them as ``US$1,850.00``). Template filters: ``money``, ``localtime`` (optional strftime format)
and ``utc``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal

from .money import Money
from .times import utc
from .values import PackLayout


@dataclass(frozen=True)
class PackClaim:
    """The claim being packed."""

    number: str  # e.g. "CLM-2026-000042"
    claimed_amount: Money  # what the insurer's rule gave, after the deductible
    amount_rule: str  # how it was worked out, e.g. "insured value US$1,850.00"
    kind: str  # a key of INQUIRY_KINDS: not_arrived, damaged, partly_missing
    kind_label: str  # e.g. "Not arrived"


@dataclass(frozen=True)
class PackOrder:
    """The parcel's order as the seller placed it."""

    order_no: str
    tracking_no: str
    carrier_code: str
    carrier_name: str  # the carrier plugin's name, or its code when it is not loaded
    service_code: str
    destination_country: str  # ISO 3166-1 alpha-2
    contents: str
    category: str  # a key of GOODS_CATEGORIES
    declared_value: Money
    dispatched_at: datetime | None  # UTC; None before the dispatch scan
    service_name: str = ""  # the service as people know it (the carrier's Service.name); show this, not the code
    recipient_name: str = ""  # the consignee; "" for orders entered without one
    recipient_address: str = ""  # the consignee's postal address, lines joined by newlines


@dataclass(frozen=True)
class PackCover:
    """The cover bought for the parcel."""

    certificate_no: str  # e.g. "LFM-2026-00000042"
    insured_value: Money  # the cover's currency, the order's too
    premium: Money
    bought_at: datetime  # UTC


@dataclass(frozen=True)
class PackSeller:
    """The seller who shipped it."""

    code: str  # the seller's code in the ordering system
    name: str
    email: str  # "" when unknown
    address: str = ""  # postal address (the claimant's), lines joined by newlines; "" when unknown
    phone: str = ""  # "" when unknown


@dataclass(frozen=True)
class PackInquiry:
    """The inquiry the claim follows from."""

    number: str  # e.g. "INQ-2026-000017"
    kind: str  # a key of INQUIRY_KINDS
    asked_on: date  # when the seller asked (warehouse zone)
    opened_at: datetime  # UTC
    trace_reference: str  # the carrier's reference for the trace, "" before it was requested
    carrier_outcome: str | None  # a key of CARRIER_OUTCOMES, None before the carrier answered
    letter_reference: str  # the loss letter's case reference as confirmed, "" without one
    carrier_liability: Money | None  # what the carrier's letter says it pays, None when silent


@dataclass(frozen=True)
class PackEvent:
    """One tracking event, oldest first in ``timeline``."""

    occurred_at: datetime  # UTC
    status: str | None  # one of TRACKING_STATUSES; None when the carrier's code is unmapped
    reason: str | None  # one of TRACKING_REASONS, or None
    code: str | None  # the carrier's raw code, as received
    description: str  # the carrier's text
    location: str  # as the carrier names it
    handover: str | None  # pickup, intake or dispatch for the warehouse's own scans

    @property
    def wording(self) -> str:
        """The carrier's own words for the event: its text, or its code when it sent only that."""
        return self.description or self.code or ""


@dataclass(frozen=True)
class PackIndexEntry:
    """One evidence item, in checklist order: what it is and where the pack holds it."""

    label: str  # e.g. "Carrier's loss confirmation letter"
    kind: str  # a key of EVIDENCE_KINDS
    state: str  # missing, received, accepted, rejected, deferred
    state_text: str  # e.g. "deferred: due by 2026-12-01"
    where: str  # e.g. "appended, pages 4-5", "image 2", "not included"


@dataclass(frozen=True)
class PackImage:
    """An image evidence item (screenshot, photo), embedded in the pack."""

    src: str  # a data: URL (the pack loads nothing from files or the network)
    caption: str


@dataclass(frozen=True)
class PackContext:
    """Everything a pack template may name, at its top level by these field names."""

    claim: PackClaim
    order: PackOrder
    cover: PackCover
    seller: PackSeller
    inquiry: PackInquiry
    timeline: tuple[PackEvent, ...]  # oldest first
    index: tuple[PackIndexEntry, ...]  # checklist order
    images: tuple[PackImage, ...]  # in index order
    generated_at: datetime  # UTC; also the PDF's creation date
    insurer_name: str  # the insurer plugin's name
    carrier_name: str  # the carrier plugin's name, or its code when it is not loaded
    warehouse: str  # the warehouse's name, as configured
    inquiry_kind: str  # the claim's kind as words, e.g. "Not arrived"
    carrier_liability: Money | None  # the same as inquiry.carrier_liability
    timezone: str = "UTC"  # the zone ``localtime`` shows times in, e.g. "Asia/Shanghai (UTC+08:00)"

    def template_names(self) -> dict:
        """The names a template sees: each field, its value as it is (no copies of rows)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def sample_pack_context(currency: str = "USD", *, generated_at: datetime | None = None) -> PackContext:
    """A complete, plausible claim for rendering a layout without a database (the test kit and
    the engine's load check render every pack template with it)."""

    def money(amount: str) -> Money:
        return Money(Decimal(amount), currency)

    moment = generated_at or datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    return PackContext(
        claim=PackClaim("CLM-2026-000042", money("1850.00"), "insured value 1,850.00", "not_arrived", "Not arrived"),
        order=PackOrder(
            "PRG-2026-0917",
            "4PX3001234567890CN",
            "fourpx",
            "4PX",
            "fourpx_c",
            "US",
            "Drone with 4K camera",
            "electronics",
            money("1850.00"),
            datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
            "4PX-C",
            "Jordan Avery",
            "1200 Harbor Blvd, Apt 4B\nOakland, CA 94607\nUnited States",
        ),
        cover=PackCover("LFM-2026-00000042", money("1850.00"), money("25.02"), datetime(2026, 11, 1, 9, 0, tzinfo=UTC)),
        seller=PackSeller(
            "PRG001",
            "Pearl River Gadgets",
            "ops@pearlriver.example",
            "Room 1203, Block B, Tian'an Cyber Park\nFutian District, Shenzhen 518040\nChina",
            "+86 755 2345 6789",
        ),
        inquiry=PackInquiry(
            "INQ-2026-000017",
            "not_arrived",
            date(2026, 11, 16),
            datetime(2026, 11, 16, 3, 0, tzinfo=UTC),
            "4PX-T-20261116-01",
            "lost",
            "4PXCS20261103000123",
            money("100.00"),
        ),
        timeline=(
            PackEvent(
                datetime(2026, 11, 1, 10, 15, tzinfo=UTC),
                "info_received",
                None,
                None,
                "Picked up",
                "Shenzhen",
                "pickup",
            ),
            PackEvent(
                datetime(2026, 11, 2, 8, 0, tzinfo=UTC), "in_transit", None, "DEP", "Departed", "Shenzhen", "dispatch"
            ),
            PackEvent(datetime(2026, 11, 4, 6, 30, tzinfo=UTC), None, None, "X9", "Held at hub", "Hong Kong", None),
        ),
        index=(
            PackIndexEntry("Delivery record", "delivery_record", "accepted", "accepted", "appended, page 3"),
            PackIndexEntry(
                "Carrier's loss confirmation letter",
                "loss_letter",
                "deferred",
                "deferred: due by 2026-12-07",
                "not included",
            ),
            PackIndexEntry(
                "Marketplace dispute or refund screenshots", "dispute_screenshots", "accepted", "accepted", "image 1"
            ),
        ),
        images=(PackImage(_ONE_PIXEL_PNG, "Marketplace dispute or refund screenshots (dispute.png)"),),
        generated_at=moment,
        insurer_name="Sample Insurer",
        carrier_name="4PX",
        warehouse="Coverdesk warehouse",
        inquiry_kind="Not arrived",
        carrier_liability=money("100.00"),
        timezone="UTC",
    )


def _money(value: Money | None) -> str:
    return "" if value is None else value.format()


def _utc_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime(fmt)


def pack_environment(localtime: Callable[..., str] | None = None):
    """The Jinja environment pack templates run in: sandboxed, HTML-escaped, strict about
    undefined names, with the ``money``, ``localtime`` and ``utc`` filters. The portal passes its
    ``localtime`` (the warehouse's zone); without one, times are shown in UTC."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    env.filters.update(money=_money, localtime=localtime or _utc_time, utc=utc)
    return env


def render_pack_body(layout: PackLayout, context: PackContext, *, localtime: Callable[..., str] | None = None) -> str:
    """The HTML body of a pack: ``layout.template`` rendered with ``context``'s names. A name the
    view model does not have raises ``jinja2.UndefinedError`` naming it."""
    env = pack_environment(localtime)
    template = env.template_class.from_code(env, _compiled(layout.template, localtime), env.make_globals(None))
    return template.render(context.template_names())


@functools.lru_cache(maxsize=32)
def _compiled(source: str, localtime: Callable[..., str] | None):
    """A layout's template compiled once per process: compiling takes tens of milliseconds and
    every app checks each insurer's layout when it loads the plugins. The code depends only on
    the source and the filters (``localtime`` may change how it is called); a syntax error is
    raised each time, never cached."""
    return pack_environment(localtime).compile(source)


_ONE_PIXEL_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

__all__ = [
    "PackClaim",
    "PackContext",
    "PackCover",
    "PackEvent",
    "PackImage",
    "PackIndexEntry",
    "PackInquiry",
    "PackOrder",
    "PackSeller",
    "pack_environment",
    "render_pack_body",
    "sample_pack_context",
]
