from typing import NamedTuple
from urllib.parse import quote

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from ..clock import to_local, utcnow, warehouse_zone
from ..extensions import db
from ..money import format_amount
from ..plugin_engine import registry
from ..templating import country_name
from .services import QueueFilters, queue_page
from .stages import Case, cases_of, stalled_case, watch_case

bp = Blueprint("queue", __name__)


@bp.get("/queue")
def index():
    args = request.args
    filters = QueueFilters(
        **{
            key: (args.get(key) or "").strip()
            for key in ("carrier", "insurer", "destination", "seller", "q", "assigned", "sort")
        }
    )
    now = utcnow()
    result = queue_page(
        db.session,
        filters,
        now,
        args.get("page", 1, type=int),
        current_app.config["QUEUE_PER_PAGE"],
        user_id=current_user.id,
    )
    plugins = registry()
    context = {
        "result": result,
        "filters": filters,
        "plugins": plugins,
        "now": now,
        "today": to_local(now).date(),
        "watch_days": current_app.config["QUIET_WATCH_DAYS"],
        "lines": _lines(plugins, result.items, now, to_local(now).date()),
    }
    # Filters and search swap only the list; a plain GET (no JavaScript) gets the whole page.
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "queue-rows":
        return render_template("queue/_rows.html", **context)
    return render_template("queue/index.html", **context)


class _Line(NamedTuple):
    href: str
    insured: str
    shipping: str
    country: str
    days: int
    since: str
    last_news: str
    status: str
    case: Case
    quiet_days: int | None
    stall_on: str  # the carrier's own stall date, warehouse time
    stall_reason: str  # the carrier plugin's words for its threshold (e.g. peak season)


def _lines(plugins, items, now, today) -> list[_Line]:
    """What each row shows, written here in one pass: filters, url_for and plugin look-ups per
    row had been most of a queue request's time."""
    zone = warehouse_zone()
    order_url = url_for("orders.detail", order_no="~")[:-1]  # one url_for for the page
    shipping = {}
    cases = cases_of(db.session, [item.order_id for item in items if item.kind != "stalled"], today)
    lines = []
    for item in items:
        order = item.order
        key = (order.carrier_code, order.service_code)
        if key not in shipping:  # "carrier · service", asked of the carrier plugins once a pair
            carrier = plugins.carrier(key[0])
            service = carrier.service(key[1]) if carrier else None
            shipping[key] = f"{carrier.name if carrier else key[0]} · {service.name if service else key[1]}"
        news = order.last_event_at or order.dispatched_at
        carrier = plugins.carrier(order.carrier_code)
        quiet = item.quiet_since or news
        reason = ""
        if item.kind == "watch" and carrier is not None and quiet is not None:
            reason = carrier.stall_reason(order.service_code, order.destination_country, quiet.astimezone(zone).date())
        lines.append(
            _Line(
                order_url + quote(order.order_no, safe=""),
                format_amount(item.insured_value, item.currency),
                shipping[key],
                country_name(order.destination_country),
                item.days_waiting(now),
                f"{item.since.astimezone(zone):%Y-%m-%d %H:%M}",
                f"{news.astimezone(zone):%Y-%m-%d %H:%M}" if news else "",
                (order.tracking_status or "unmapped").replace("_", " "),
                cases.get(item.order_id) or (watch_case() if item.kind == "watch" else stalled_case()),
                (now - quiet).days if quiet else None,
                f"{order.stalled_from.astimezone(zone):%Y-%m-%d}" if order.stalled_from else "",
                reason,
            )
        )
    return lines
