"""Orders: creating one (web, API) and finding them. Bulk import lives in ``importer``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..clock import to_local, utcnow
from ..cover.models import Cover
from ..cover.services import CoverRefused, cover_summary, cover_values, order_field, terms_for_order
from ..errors import Refused, ValidationFailed
from ..extensions import db
from ..plugin_engine import PluginRegistry
from ..sellers.models import Seller
from ..sellers.services import ensure_seller
from .models import Order
from .search import order_conditions
from .signals import orders_recorded
from .validation import OrderInput, parse_order


def quiet_deadline(
    plugins: PluginRegistry,
    carrier_code: str,
    service_code: str,
    destination_country: str,
    dispatched_at: datetime | None,
    last_event_at: datetime | None,
) -> datetime | None:
    """The stall moment of a dispatched parcel last heard of at ``last_event_at`` (or dispatch)."""
    carrier = plugins.carrier(carrier_code)
    if dispatched_at is None or carrier is None:
        return None
    quiet_since = max(filter(None, (last_event_at, dispatched_at)))
    days = carrier.stall_after_days(service_code, destination_country, to_local(quiet_since).date())
    return quiet_since + timedelta(days=days)


class OrderConflict(Refused):
    """An order with this number exists with different content."""

    def __init__(self, reason: str):
        super().__init__("order_no", reason, conflict=True)

    @property
    def errors(self) -> dict[str, str]:
        return {}  # the order as a whole clashes with the one recorded; no field of it is wrong


@dataclass(frozen=True)
class OrderResult:
    order: Order
    created: bool  # False when the same order had already been received


def order_values(data: OrderInput, seller_id: int | None, source: str, now: datetime, plugins: PluginRegistry) -> dict:
    return {
        "order_no": data.order_no,
        "seller_id": seller_id,
        "carrier_code": data.carrier,
        "service_code": data.service,
        "tracking_no": data.tracking_no,
        "destination_country": data.destination_country,
        "declared_value": data.declared_value,
        "currency": data.currency,
        "contents": data.contents,
        "category": data.category,
        "recipient_name": data.recipient_name or None,
        "recipient_address": data.recipient_address or None,
        "dispatched_at": data.dispatched_at,
        "created_at": now,
        "source": source,
        "fingerprint": data.fingerprint,
        # A parcel dispatched with no tracking yet can stall too.
        "stalled_from": quiet_deadline(
            plugins, data.carrier, data.service, data.destination_country, data.dispatched_at, None
        ),
    }


def order_summary(values: dict) -> dict:
    """What the audit trail keeps of a new order, ready for JSON (imports write 100,000 of these)."""
    dispatched = values["dispatched_at"]
    return {
        "order_no": values["order_no"],
        "carrier_code": values["carrier_code"],
        "service_code": values["service_code"],
        "tracking_no": values["tracking_no"],
        "destination_country": values["destination_country"],
        "declared_value": str(values["declared_value"]),
        "currency": values["currency"],
        "category": values["category"],
        "dispatched_at": dispatched.isoformat() if dispatched else None,
    } | ({"recipient_name": values["recipient_name"]} if values.get("recipient_name") else {})


def price_cover(plugins: PluginRegistry, data: OrderInput, now: datetime):
    """The cover terms for a new order, or None; refusals become field errors."""
    if data.cover is None:
        return None
    try:
        return terms_for_order(
            plugins,
            insurer_code=data.cover.insurer,
            insured_value=data.cover.insured_value,
            declared_value=data.declared,
            destination_country=data.destination_country,
            category=data.category,
            carrier_code=data.carrier,
            service_code=data.service,
            dispatched_at=data.dispatched_at,
            now=now,
        )
    except CoverRefused as exc:
        raise ValidationFailed({order_field(exc.field): str(exc)}) from None


def find_by_number(order_no: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.order_no == order_no))


def create_order(
    plugins: PluginRegistry, payload: Mapping[str, Any], actor: Actor, source: str, now: datetime | None = None
) -> OrderResult:
    """Create an order (with its cover when asked), all or nothing.

    The same order received again returns the stored one (``created=False``); another order
    under the same number raises ``OrderConflict``; bad input raises ``ValidationFailed``.
    """
    now = now or utcnow()
    data = parse_order(payload, plugins, now)
    existing = find_by_number(data.order_no)
    if existing is not None:
        return _replay(existing, data)
    terms = price_cover(plugins, data, now)
    try:
        with db.session.begin_nested():
            seller = ensure_seller(data.seller, actor)
            values = order_values(data, seller.id, source, now, plugins)
            order = Order(**values)
            db.session.add(order)
            db.session.flush()
            audit_after = order_summary(values)
            if terms is not None:
                cover_row = cover_values(order.id, terms, now)
                db.session.add(Cover(**cover_row))
                audit_after["cover"] = cover_summary(cover_row)
            record(
                actor,
                "order.created",
                "order",
                order.id,
                after=audit_after,
                summary=f"order {data.order_no} created from {source}"
                + (f" with cover {cover_row['certificate_no']}" if terms else ""),
            )
            db.session.flush()
            orders_recorded.send(None, order_ids=[order.id])
    except IntegrityError:
        # Another request created the same order number a moment ago.
        existing = find_by_number(data.order_no)
        if existing is None:
            raise
        return _replay(existing, data)
    db.session.refresh(order)
    return OrderResult(order, True)


def _replay(existing: Order, data: OrderInput) -> OrderResult:
    if existing.fingerprint != data.fingerprint:
        raise OrderConflict(_("order %(order_no)s already exists with different details", order_no=data.order_no))
    return OrderResult(existing, False)


@dataclass(frozen=True)
class OrderPage:
    orders: list  # rows of LISTED_COLUMNS: what the orders list shows, not mapped objects
    page: int
    per_page: int
    has_next: bool


#: What the orders list shows of an order, its seller and its cover, read as plain rows: loading
#: 50 mapped orders with their seller and cover joined had been a third of a search's time.
LISTED_COLUMNS = (
    Order.id,
    Order.order_no,
    Order.carrier_code,
    Order.service_code,
    Order.tracking_no,
    Order.destination_country,
    Order.declared_value,
    Order.currency,
    Order.dispatched_at,
    Order.last_event_at,
    Order.stalled_from,
    Order.created_at,
    Seller.name.label("seller_name"),
    Seller.code.label("seller_code"),
    Cover.insured_value.label("insured_value"),
    Cover.currency.label("insured_currency"),
)


def search_orders(session: Session, query: str = "", page: int = 1, per_page: int = 50, sort: str = "") -> OrderPage:
    """Orders newest first, optionally matching ``query`` (see ``search``: any part of an order
    number, a tracking number, a seller's code or name; one or two characters match their start).
    ``sort="quiet"``: only parcels still on their way, the longest without news first."""
    page = max(page, 1)
    stmt = (
        select(*LISTED_COLUMNS).join(Seller, Seller.id == Order.seller_id).outerjoin(Cover, Cover.order_id == Order.id)
    )
    query = (query or "").strip()
    if query:
        newest = None if sort == "quiet" else page * per_page + 1
        stmt = stmt.where(or_(*order_conditions(session, query, newest)))
    if sort == "quiet":
        stmt = stmt.where(Order.stalled_from.is_not(None), Order.last_event_at.is_not(None))
        stmt = stmt.order_by(Order.last_event_at, Order.id)
    else:
        stmt = stmt.order_by(Order.created_at.desc(), Order.id.desc())
    stmt = stmt.offset((page - 1) * per_page).limit(per_page + 1)
    rows = session.execute(stmt).all()
    return OrderPage(rows[:per_page], page, per_page, len(rows) > per_page)
