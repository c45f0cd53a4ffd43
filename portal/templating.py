"""Jinja filters: money, local times and the names behind codes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache

import pycountry
from babel import Locale
from flask import Flask, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from .clock import to_local
from .i18n import CONTRACT_LANGUAGE, N_, current_language
from .money import show_amount
from .plugin_api import GOODS_CATEGORIES, Text, zone_label


def money(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else show_amount(amount, currency)


def localtime(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if moment is None else to_local(moment).strftime(fmt)


def country_name(code: str) -> str:
    """A country in the page's language: Babel's (CLDR) name in Chinese, pycountry's in English."""
    return _country_name(code or "", current_language())


def country_names(code: str) -> Text:
    """A country in both languages, for bilingual documents (``named`` prints it so)."""
    return Text(_country_name(code or "", CONTRACT_LANGUAGE), _country_name(code or "", "zh_CN"))


@lru_cache(maxsize=1000)
def _country_name(code: str, language: str) -> str:
    if language != CONTRACT_LANGUAGE:
        name = Locale.parse(language).territories.get(code)
        if name:
            return name
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or getattr(country, "name", code)


#: The words the database keeps as codes (states, tracking statuses and reasons), as staff read
#: them; the code itself stays in attributes, URLs and the API.
CODE_LABELS = {
    # an order
    "awaiting_dispatch": N_("awaiting dispatch"),
    "dispatched": N_("dispatched"),
    # an import or a job
    "queued": N_("queued"),
    "running": N_("running"),
    "retrying": N_("retrying"),
    "done": N_("done"),
    "failed": N_("failed"),
    # tracking statuses
    "info_received": N_("info received"),
    "in_transit": N_("in transit"),
    "out_for_delivery": N_("out for delivery"),
    "delivery_failed": N_("delivery failed"),
    "available_for_pickup": N_("available for pickup"),
    "delivered": N_("delivered"),
    "exception": N_("exception"),
    "returned": N_("returned"),
    # tracking reasons
    "lost": N_("lost"),
    "damaged": N_("damaged"),
    "being_researched": N_("being researched"),
    "customs": N_("customs"),
    "address_issue": N_("address issue"),
    "refused": N_("refused"),
    "delayed": N_("delayed"),
    "weather": N_("weather"),
    "returned_to_sender": N_("returned to sender"),
    # the warehouse's own scans
    "pickup": N_("picked up from seller"),
    "intake": N_("processing-centre intake"),
    "dispatch": N_("dispatched to carrier"),
}


def code_label(code: str | None) -> str:
    """A state, status or reason code in the page's language; an unknown code as it is, readable."""
    if not code:
        return ""
    label = CODE_LABELS.get(code)
    return _(label) if label else code.replace("_", " ")


def category_name(code: str) -> str:
    """A goods category in the page's language; an unknown code as it is."""
    return str(GOODS_CATEGORIES[code]) if code in GOODS_CATEGORIES else code


def csrf_field(form) -> Markup | str:
    """A form's CSRF token without an id: a page has many forms, and an id is once per page (empty
    when the app does not check CSRF tokens, as in some tests)."""
    token = getattr(form, "csrf_token", None)
    return token(id=False) if token is not None else ""


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money, localtime=localtime, country=country_name, category=category_name, label=code_label
    )
    page_urls: dict[tuple, str] = {}

    def page_url(endpoint: str, **values) -> str:
        """``url_for`` for the links every page repeats (the top bar, stylesheet, script): the
        same on every request where the desk is mounted, so each is built once per mount point
        (a dozen ``url_for`` calls had been a fifth of the base template's time)."""
        key = (request.script_root, endpoint, *sorted(values.items()))
        url = page_urls.get(key)
        if url is None:
            url = page_urls[key] = url_for(endpoint, **values)
        return url

    app.jinja_env.globals.update(
        timezone=lambda: app.config["TIMEZONE"],
        # "Asia/Shanghai (UTC+08:00)": how printed pages name the zone their times are in.
        timezone_label=lambda moment=None: zone_label(app.config["TIMEZONE"], moment),
        page_url=page_url,
        csrf_field=csrf_field,
    )
