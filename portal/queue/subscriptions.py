"""The queue keeps its items in step with what the features below it announce: it is never
called by them (they do not know the queue exists)."""

from __future__ import annotations

from flask_login import current_user

from ..auth.models import User
from ..claims.signals import claim_changed
from ..clock import utcnow
from ..cover.signals import cover_bought
from ..extensions import db
from ..inquiries.signals import inquiry_changed, inquiry_page
from ..orders.signals import order_page, orders_listed, orders_recorded
from ..tracking.signals import stall_changed
from ..web import Panel
from . import items
from .assignment import workers
from .stages import cases_of


def _stalled(_sender, *, order_ids, **_):
    items.refresh_stalled(order_ids)


def _inquiry(inquiry, **_):
    items.refresh_inquiry(inquiry)


def _claim(claim, **_):
    items.refresh_claim(claim)


def _order_panel(order, *, today, **_) -> Panel:
    return Panel(
        "queue/_case_panel.html", {"case": cases_of(db.session, [order.id], today, utcnow()).get(order.id)}, position=5
    )


def _orders_listed(_sender, *, order_ids, today, **_) -> dict:
    return cases_of(db.session, order_ids, today, utcnow())


def _inquiry_panel(inquiry, **_) -> Panel:
    can_reassign = current_user.has_role("supervisor")
    assignee = db.session.get(User, inquiry.assignee_id) if inquiry.assignee_id else None
    return Panel(
        "queue/_assignment_panel.html",
        {
            "assignee": assignee.username if assignee else "",
            "can_reassign": can_reassign,
            "workers": workers() if can_reassign else [],
        },
    )


def connect() -> None:
    """Subscribe (idempotent: a receiver is connected once however many apps are made)."""
    for signal in (orders_recorded, cover_bought, stall_changed):
        signal.connect(_stalled, weak=False)
    inquiry_changed.connect(_inquiry, weak=False)
    claim_changed.connect(_claim, weak=False)
    order_page.connect(_order_panel, weak=False)
    orders_listed.connect(_orders_listed, weak=False)
    inquiry_page.connect(_inquiry_panel, weak=False)
