from typing import NamedTuple

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.models import User
from ..clock import to_local, utcnow, warehouse_zone
from ..errors import Refused, flash_refusal, unit_of_work
from ..extensions import db
from ..inquiries.services import find_by_number
from ..money import portal_locale, show_amount
from ..orders.search import MIN_SUBSTRING
from ..plugin_engine import PluginFailed, registry
from ..templating import code_label, country_name
from ..web import render_listing, row_links, shipping_names, staff_actor
from .assignment import reassign, take
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
        "min_substring": MIN_SUBSTRING,
        "lines": _lines(plugins, result.items, now, to_local(now).date()),
    }
    # Filters and search swap only the list; a plain GET (no JavaScript) gets the whole page.
    return render_listing("queue/index.html", "queue/_rows.html", "queue-rows", **context)


def _back(number: str):
    """Back to the page the form was on: the inquiry's or the queue (never a URL from the form)."""
    if request.form.get("back") == "inquiry":
        return redirect(url_for("inquiries.detail", number=number), code=303)
    return redirect(url_for("queue.index", **{k: v for k, v in request.args.items() if v}), code=303)


@bp.post("/queue/cases/<number>/take")
def take_case(number: str):
    inquiry = find_by_number(number) or abort(404)
    try:
        with unit_of_work():
            take(inquiry, current_user, staff_actor())
    except Refused as exc:
        flash_refusal(exc)
    else:
        flash(_("You have taken %(number)s.", number=number), "success")
    return _back(number)


@bp.post("/queue/cases/<number>/assign")
def assign_case(number: str):
    inquiry = find_by_number(number) or abort(404)
    username = request.form.get("assignee", "")
    try:
        with unit_of_work():
            reassign(inquiry, username, staff_actor(), by_supervisor=current_user.has_role("supervisor"))
    except Refused as exc:
        flash_refusal(exc)
    else:
        if username:
            flash(_("%(number)s assigned to %(name)s.", number=number, name=username), "success")
        else:
            flash(_("%(number)s is unassigned.", number=number), "success")
    return _back(number)


class _Line(NamedTuple):
    href: str
    insured: str
    shipping: str
    country: str
    last_news: str
    status: str
    case: Case
    stall_reason: str  # the carrier plugin's words for its threshold (e.g. peak season)
    assignee: str  # username, empty for no one
    case_label: str  # the case's stage, in the page's language
    quiet_for: str  # "12 d", empty when the parcel is not on its way
    waiting: str  # a parcel's badge: "quiet 12 d" (to watch) or "stalled 3 d"
    waiting_since: str  # "carrier's stall date …" (to watch) or "since …" (stalled)


def _lines(plugins, items, now, today) -> list[_Line]:
    """What each row shows, written here in one pass: filters, url_for and plugin look-ups per
    row had been most of a queue request's time."""
    zone = warehouse_zone()
    link, shipping = row_links("orders.detail", "order_no"), shipping_names(plugins)
    # Each row's words, translated once a page (a translation per cell had been a fifth of the page).
    days_text, quiet_text, stalled_text, stall_date_text, since_text = (
        _("%(days)s d"),
        _("quiet %(days)s d"),
        _("stalled %(days)s d"),
        _("carrier's stall date %(day)s"),
        _("since %(day)s"),
    )
    statuses: dict[str | None, str] = {}
    countries: dict[str, str] = {}
    stages: dict[str, str] = {}
    parcel_cases = {"watch": watch_case(), "stalled": stalled_case()}
    reasons: dict[tuple, str] = {}
    locale = portal_locale()
    cases = cases_of(db.session, [item.order_id for item in items if item.kind not in ("stalled", "watch")], today)
    assignee_ids = {item.assignee_id for item in items if item.assignee_id}
    names = (
        {
            row.id: row.username
            for row in db.session.execute(select(User.id, User.username).where(User.id.in_(assignee_ids)))
        }
        if assignee_ids
        else {}
    )
    lines = []
    for item in items:
        order = item.order
        news = order.last_event_at or order.dispatched_at
        carrier = plugins.carrier(order.carrier_code)
        quiet = item.quiet_since or news
        reason = ""
        if item.kind == "watch" and carrier is not None and quiet is not None:
            asked = (order.carrier_code, order.service_code, order.destination_country, quiet.astimezone(zone).date())
            if asked not in reasons:  # the plugin asked once a carrier, service, destination and day
                try:
                    reasons[asked] = carrier.stall_reason(*asked[1:])
                except PluginFailed:  # already reported by the guard; the row shows without the reason
                    reasons[asked] = _("the carrier's plugin failed to say why")
            reason = reasons[asked]
        status = order.tracking_status
        if status not in statuses:
            statuses[status] = code_label(status) if status else _("unmapped")
        country = order.destination_country
        if country not in countries:
            countries[country] = country_name(country)
        case = cases.get(item.order_id) or parcel_cases["watch" if item.kind == "watch" else "stalled"]
        if case.stage not in stages:
            stages[case.stage] = case.label
        quiet_days = (now - quiet).days if quiet else None
        since = f"{item.since.astimezone(zone):%Y-%m-%d %H:%M}"
        stall_on = f"{order.stalled_from.astimezone(zone):%Y-%m-%d}" if order.stalled_from else ""
        watched = item.kind == "watch"
        lines.append(
            _Line(
                link(order.order_no),
                show_amount(item.insured_value, item.currency, locale),
                shipping(order.carrier_code, order.service_code),
                countries[country],
                f"{news.astimezone(zone):%Y-%m-%d %H:%M}" if news else "",
                statuses[status],
                case,
                reason,
                names.get(item.assignee_id, ""),
                stages[case.stage],
                "" if quiet_days is None else days_text % {"days": quiet_days},
                quiet_text % {"days": quiet_days} if watched else stalled_text % {"days": item.days_waiting(now)},
                stall_date_text % {"day": stall_on} if watched else since_text % {"day": since},
            )
        )
    return lines
