"""Jinja filters: money, local times and the names behind codes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache

import pycountry
from flask import Flask, request, url_for
from markupsafe import Markup

from .clock import to_local
from .money import show_amount
from .plugin_api import GOODS_CATEGORIES, zone_label


def money(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else show_amount(amount, currency)


def localtime(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if moment is None else to_local(moment).strftime(fmt)


@lru_cache(maxsize=300)
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code or "")
    return getattr(country, "common_name", None) or getattr(country, "name", code)


def csrf_field(form) -> Markup | str:
    """A form's CSRF token without an id: a page has many forms, and an id is once per page (empty
    when the app does not check CSRF tokens, as in some tests)."""
    token = getattr(form, "csrf_token", None)
    return token(id=False) if token is not None else ""


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money, localtime=localtime, country=country_name, category=lambda code: GOODS_CATEGORIES.get(code, code)
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
