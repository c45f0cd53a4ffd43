from flask import Blueprint, current_app, render_template, request, url_for

from ..clock import to_local, utcnow
from ..extensions import db
from ..plugin_engine import registry
from .services import QueueFilters, queue_page

bp = Blueprint("queue", __name__)


@bp.get("/queue")
def index():
    args = request.args
    filters = QueueFilters(
        **{key: (args.get(key) or "").strip() for key in ("carrier", "insurer", "destination", "seller", "q")}
    )
    now = utcnow()
    result = queue_page(db.session, filters, now, args.get("page", 1, type=int), current_app.config["QUEUE_PER_PAGE"])
    plugins = registry()
    context = {
        "result": result,
        "filters": filters,
        "plugins": plugins,
        "now": now,
        "today": to_local(now).date(),
        "shipping": _shipping_names(plugins, result.items),
        # One url_for for the page, not one per row (they were a tenth of the page's time).
        "order_url": url_for("orders.detail", order_no="~")[:-1],
    }
    # Filters and search swap only the list; a plain GET (no JavaScript) gets the whole page.
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "queue-rows":
        return render_template("queue/_rows.html", **context)
    return render_template("queue/index.html", **context)


def _shipping_names(plugins, items) -> dict[tuple[str, str], str]:
    """ "Carrier · service" for each pair on the page, asked of the carrier plugins once each."""
    names = {}
    for item in items:
        key = (item.order.carrier_code, item.order.service_code)
        if key not in names:
            carrier = plugins.carrier(key[0])
            service = carrier.service(key[1]) if carrier else None
            names[key] = f"{carrier.name if carrier else key[0]} · {service.name if service else key[1]}"
    return names
