from flask import Blueprint, current_app, render_template, request

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
    context = {"result": result, "filters": filters, "plugins": registry(), "now": now, "today": to_local(now).date()}
    # Filters and search swap only the list; a plain GET (no JavaScript) gets the whole page.
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "queue-rows":
        return render_template("queue/_rows.html", **context)
    return render_template("queue/index.html", **context)
