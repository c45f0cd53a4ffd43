"""Tracking's panel on the order page."""

from __future__ import annotations

from ..cover.services import bought_after_dispatch
from ..orders.signals import order_page
from ..web import Panel
from .forms import ScanForm
from .services import is_stalled, timeline


def _order_panel(order, **_) -> Panel:
    return Panel(
        "tracking/_order_panel.html",
        {
            "timeline": timeline(order),
            "stalled": is_stalled(order),
            "scan_form": ScanForm(),
            "cover_doubt": bought_after_dispatch(order.cover, order.dispatched_at),
        },
        position=20,
    )


def connect() -> None:
    order_page.connect(_order_panel, weak=False)
