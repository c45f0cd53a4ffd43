from decimal import Decimal
from typing import NamedTuple

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..audit.services import history
from ..clock import local_today, utcnow, warehouse_zone
from ..cover.services import CoverRefused, buy_cover, quote
from ..errors import Refused, flash_refusal, unit_of_work
from ..extensions import db
from ..money import Money, MoneyError, check_currency, portal_locale, read_amount, show_amount
from ..plugin_api import Refusal
from ..plugin_engine import registry
from ..templating import code_label, country_name
from ..web import panels, render_listing, row_links, shipping_names, staff_actor
from .forms import CoverForm, ImportForm, OrderForm
from .importer import COLUMNS, ImportFileError, request_import, retry_import
from .models import OrderImport, order_state
from .search import MIN_SUBSTRING
from .services import OrderConflict, create_order, find_by_number, search_orders
from .signals import order_page, orders_listed

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.get("/")
def index():
    query = request.args.get("q", "").strip()
    page = request.args.get("page", 1, type=int)
    sort = "quiet" if request.args.get("sort") == "quiet" else ""
    result = search_orders(db.session, query, page, current_app.config["ORDERS_PER_PAGE"], sort)
    cases: dict = {}
    for _sender, found in orders_listed.send(
        None, order_ids=[order.id for order in result.orders], today=local_today()
    ):
        cases.update(found or {})
    context = {
        "result": result,
        "query": query,
        "sort": sort,
        "lines": _lines(registry(), result.orders, cases, utcnow()),
        "min_substring": MIN_SUBSTRING,
    }
    # Active search swaps only the table; a plain GET (no JavaScript) gets the whole page.
    return render_listing("orders/index.html", "orders/_rows.html", "order-rows", **context)


class _Line(NamedTuple):
    href: str
    order_no: str
    seller_name: str
    seller_code: str
    shipping: str
    tracking_no: str
    country: str  # the destination's code, named in ``country_name``
    country_name: str
    declared: str
    insured: str  # empty without cover
    state: str
    state_label: str
    case: object  # the order's Case, or None
    case_label: str  # its stage, in the page's language
    quiet_for: str  # "12 d" for parcels still on their way, else empty
    created: str  # warehouse time


def _lines(plugins, orders, cases: dict, now) -> list[_Line]:
    """What each row shows, written here in one pass (as the work queue does): filters, a
    ``url_for``, plugin look-ups and translations per row had been a third of a search's time."""
    zone, locale = warehouse_zone(), portal_locale()
    link, shipping = row_links("orders.detail", "order_no"), shipping_names(plugins)
    days = _("%(days)s d")  # translated once, filled in per row
    countries: dict[str, str] = {}
    states = {state: code_label(state) for state in ("awaiting_dispatch", "dispatched")}
    stages = {case.stage: case.label for case in cases.values()}  # a label per stage, not per row
    lines = []
    for row in orders:
        country = row.destination_country
        if country not in countries:
            countries[country] = country_name(country)
        news = row.last_event_at or row.dispatched_at
        state = order_state(row.dispatched_at)
        case = cases.get(row.id)
        lines.append(
            _Line(
                link(row.order_no),
                row.order_no,
                row.seller_name,
                row.seller_code,
                shipping(row.carrier_code, row.service_code),
                row.tracking_no,
                country,
                countries[country],
                show_amount(row.declared_value, row.currency, locale),
                "" if row.insured_value is None else show_amount(row.insured_value, row.insured_currency, locale),
                state,
                states[state],
                case,
                stages[case.stage] if case else "",
                days % {"days": (now - news).days} if news and row.stalled_from else "",
                f"{row.created_at.astimezone(zone):%Y-%m-%d %H:%M}",
            )
        )
    return lines


@bp.route("/new", methods=["GET", "POST"])
def new():
    plugins = registry()
    form = OrderForm().fill_choices(plugins)
    if request.method == "GET":
        form.currency.data = form.currency.data or "USD"
    if form.validate_on_submit():
        try:
            with unit_of_work():
                result = create_order(plugins, form.payload(), staff_actor(), source="web")
        except OrderConflict as exc:
            form.order_no.errors = [str(exc)]
        except Refused as exc:
            form.show_errors(exc.errors)
        else:
            if result.created:
                order = result.order
                if order.cover:
                    message = _(
                        "Order %(order_no)s created with cover %(certificate)s.",
                        order_no=order.order_no,
                        certificate=order.cover.certificate_no,
                    )
                else:
                    message = _("Order %(order_no)s created.", order_no=order.order_no)
                flash(message, "success")
            else:
                flash(
                    _("Order %(order_no)s was already recorded with these details.", order_no=result.order.order_no),
                    "info",
                )
            return redirect(url_for("orders.detail", order_no=result.order.order_no), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("orders/new.html", form=form), status


@bp.get("/quote")
def quote_preview():
    """The premium (or the insurer's refusal) for the new-order form, refreshed by htmx."""
    plugins = registry()
    form = OrderForm(formdata=request.args, meta={"csrf": False}).fill_choices(plugins)
    carrier, _sep, service = (form.shipping.data or "").partition(":")
    result, problem = None, None
    if form.cover_insurer.data:
        try:
            currency = check_currency(form.currency.data)
            declared = Money(read_amount(form.declared_value.data, currency), currency)
            insured = Money(read_amount(form.cover_insured_value.data, currency), currency)
        except MoneyError as exc:
            problem = _("Enter the declared and insured values: %(reason)s.", reason=exc)
        else:
            result = quote(
                plugins,
                insurer_code=form.cover_insurer.data,
                insured_value=insured,
                declared_value=declared,
                destination_country=form.destination_country.data or "",
                category=form.category.data or "",
                carrier_code=carrier,
                service_code=service,
            )
    return render_template("orders/_quote.html", result=result, problem=problem, refused=isinstance(result, Refusal))


@bp.get("/<order_no>")
def detail(order_no: str):
    order = find_by_number(order_no)
    if order is None:
        abort(404)
    plugins = registry()
    carrier = plugins.carrier(order.carrier_code)
    liability = carrier.liability_cap(order.service_code, order.declared, order.created_at.date()) if carrier else None
    cover_form = CoverForm().fill_choices(plugins) if order.cover is None and order.dispatched_at is None else None
    today = local_today()
    return render_template(
        "orders/detail.html",
        order=order,
        carrier=carrier,
        liability=liability,
        insurer=plugins.insurer(order.cover.insurer_code) if order.cover else None,
        events=history("order", [order.id]),
        cover_form=cover_form,
        today=today,
        **panels(order_page, order, today=today),
    )


@bp.post("/<order_no>/cover")
def add_cover(order_no: str):
    order = find_by_number(order_no)
    if order is None:
        abort(404)
    plugins = registry()
    form = CoverForm().fill_choices(plugins)
    if form.validate_on_submit():
        try:
            amount = read_amount(form.insured_value.data, order.currency)
            with unit_of_work():
                cover = buy_cover(
                    plugins,
                    order,
                    insurer_code=form.insurer.data,
                    insured_value=Money(Decimal(amount), order.currency),
                    actor=staff_actor(),
                )
        except MoneyError as exc:
            flash(_("Insured value %(reason)s.", reason=exc), "error")
        except CoverRefused as exc:
            flash(_("Cover refused: %(reason)s", reason=exc), "error")
        else:
            flash(
                _(
                    "Cover %(certificate)s bought; premium %(premium)s.",
                    certificate=cover.certificate_no,
                    premium=show_amount(cover.premium, cover.currency),
                ),
                "success",
            )
    else:
        flash(_("The form expired; please try again."), "error")
    return redirect(url_for("orders.detail", order_no=order.order_no), code=303)


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    """Upload a CSV of orders; a job imports it while its page shows the progress, then the report."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            with unit_of_work():
                row = request_import(upload.filename or "orders.csv", upload.read(), staff_actor(), utcnow())
        except ImportFileError as exc:
            form.file.errors = [str(exc)]
        else:
            return redirect(url_for("orders.import_detail", import_id=row.id), code=303)
    recent = db.session.scalars(select(OrderImport).order_by(OrderImport.id.desc()).limit(10)).all()
    return render_template("orders/import.html", form=form, columns=COLUMNS, recent=recent)


def _import_or_404(import_id: int) -> OrderImport:
    row = db.session.get(OrderImport, import_id)
    if row is None:
        abort(404)
    return row


def _import_context(row: OrderImport) -> dict:
    from ..jobs.services import latest_run

    return {"row": row, "job": latest_run(f"order-import:{row.id}"), "retry_form": FlaskForm()}


@bp.get("/import/<int:import_id>")
def import_detail(import_id: int):
    return render_template("orders/import_detail.html", **_import_context(_import_or_404(import_id)))


@bp.get("/import/<int:import_id>/status")
def import_status(import_id: int):
    """The progress and report panel alone: htmx polls it while the import runs."""
    return render_template("orders/_import_status.html", **_import_context(_import_or_404(import_id)))


@bp.post("/import/<int:import_id>/retry")
def import_retry(import_id: int):
    """An import whose job gave up, tried again (orders it made already are not made twice)."""
    row = _import_or_404(import_id)
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
    else:
        try:
            with unit_of_work():
                retry_import(row, staff_actor(), utcnow())
        except Refused as exc:
            flash_refusal(exc)
    return redirect(url_for("orders.import_detail", import_id=row.id), code=303)
