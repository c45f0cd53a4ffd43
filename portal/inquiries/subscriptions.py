"""The inquiry panel on the order page: the open inquiry, past ones, or the form to open one."""

from __future__ import annotations

from ..orders.signals import order_page
from ..plugin_api import INQUIRY_KINDS
from ..plugin_engine import registry
from ..web import Panel
from .forms import OpenInquiryForm
from .services import earliest_trace_day, inquiries_of


def _order_panel(order, **_) -> Panel:
    inquiries = inquiries_of(order)
    return Panel(
        "inquiries/_order_panel.html",
        {
            "inquiry": inquiries[0] if inquiries else None,
            "past_inquiries": [i for i in inquiries if not i.is_open],
            "inquiry_form": OpenInquiryForm() if order.cover is not None else None,
            "inquiry_kinds": INQUIRY_KINDS,
            "trace_from": earliest_trace_day(registry(), order),
        },
        position=10,
    )


def connect() -> None:
    order_page.connect(_order_panel, weak=False)
