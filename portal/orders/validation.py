"""Turns an order as received (API JSON, CSV row, web form) into a checked ``OrderInput``.

One set of rules for every channel. Errors are keyed by the API's field path
(``seller.email``, ``cover.insured_value``); each channel shows them under its own names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any

import pycountry
from flask_babel import gettext as _

from ..clock import parse_timestamp, utcnow
from ..cover.services import insured_value_problem
from ..errors import ValidationFailed
from ..money import Money, MoneyError, check_currency, money_reason, parse_amount
from ..plugin_api import GOODS_CATEGORIES
from ..plugin_engine import PluginRegistry
from ..sellers.services import SellerInput

ORDER_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: Literal segments of the order pages' paths (/orders/new, /orders/import, /orders/quote): an
#: order numbered so could never be reached. tests/test_inputs.py keeps this list true to the routes.
RESERVED_ORDER_NOS = frozenset({"new", "import", "quote"})
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SELLER_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
#: A phone number as people write it: digits, spaces, + ( ) - . /, with 5 to 20 digits.
PHONE = re.compile(r"^\+?[0-9 ()./-]+$")
ADDRESS_LIMIT = 500
#: How far a stated dispatch time may lie ahead of our clock (clocks of other systems drift).
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class CoverInput:
    insurer: str
    insured_value: Money


@dataclass(frozen=True)
class OrderInput:
    order_no: str
    seller: SellerInput
    carrier: str
    service: str
    tracking_no: str
    destination_country: str
    declared_value: Decimal
    currency: str
    contents: str
    category: str
    dispatched_at: datetime | None
    cover: CoverInput | None
    recipient_name: str = ""  # the consignee; "" when the order names none
    recipient_address: str = ""  # postal address, lines joined by "\n"

    @property
    def declared(self) -> Money:
        return Money(self.declared_value, self.currency)

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the order's content, the same for the same order from any channel."""
        seller, cover = self.seller, self.cover
        fields = (
            self.order_no,
            seller.code,
            seller.name,
            seller.email,
            self.carrier,
            self.service,
            self.tracking_no,
            self.destination_country,
            str(self.declared_value),
            self.currency,
            self.contents,
            self.category,
            self.dispatched_at.isoformat() if self.dispatched_at else "",
            cover.insurer if cover else "",
            str(cover.insured_value.amount) if cover else "",
        )
        # The addresses count only when given, so an order sent before they existed keeps its fingerprint.
        extra = (seller.address, seller.phone, self.recipient_name, self.recipient_address)
        if any(extra):
            fields += extra
        # Length-prefixed, so no field's content can shift into the next one.
        canonical = "".join(f"{len(field)}:{field};" for field in fields)
        return hashlib.sha256(canonical.encode()).hexdigest()


@lru_cache(maxsize=512)
def _is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def country_error(code: str) -> str | None:
    # The look-up is cached, the words are not: they are in the language of whoever asks.
    if _is_country(code):
        return None
    return _("%(code)s is not an ISO 3166-1 alpha-2 country code", code=code or _("(empty)"))


@lru_cache(maxsize=4096)
def email_error(email: str) -> str | None:
    # Imported on first use: its start-up (20-50 ms, compiling its grammar) is paid only by what
    # checks an e-mail address, not by every command and worker.
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    return None


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value.__class__ is str:  # the common case first: this runs 13 times per imported row
        return value.strip()
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    return ""


def _is_mapping(value: Any) -> bool:
    return value.__class__ is dict or isinstance(value, Mapping)


def parse_order(data: Mapping[str, Any], plugins: PluginRegistry, now: datetime | None = None) -> OrderInput:
    """Check every field of ``data`` (the API's shape) and return the order, or raise
    ``ValidationFailed`` naming every bad field at once. ``now`` (default: the clock) bounds the
    dispatch time."""
    errors: dict[str, str] = {}

    def need(key: str, value: str, limit: int) -> str:
        if not value:
            errors[key] = _("is required")
        elif len(value) > limit:
            errors[key] = _("must be at most %(count)s characters", count=limit)
        elif CONTROL.search(value):
            # The same on both databases (PostgreSQL refuses NUL) and from every channel, CSV included.
            errors[key] = _(
                "control character %(char)s is not allowed",
                char="U+" + format(ord(CONTROL.search(value).group()), "04X"),
            )
        return value

    order_no = need("order_no", _text(data, "order_no"), 64)
    if order_no and "order_no" not in errors and not ORDER_NO.match(order_no):
        errors["order_no"] = _("may hold only letters, digits and . _ -")
    elif order_no.lower() in RESERVED_ORDER_NOS:
        errors["order_no"] = _(
            "'%(order_no)s' is reserved (the name of a page); choose another order number", order_no=order_no
        )

    seller_data = data.get("seller")
    if not _is_mapping(seller_data):
        errors["seller"] = _("is required: an object with code, name and email")
        seller_data = {}
    seller_code = need("seller.code", _text(seller_data, "code"), 32)
    if seller_code and "seller.code" not in errors and not SELLER_CODE.match(seller_code):
        errors["seller.code"] = _("may hold only letters, digits, _ and -")
    seller_name = need("seller.name", _text(seller_data, "name"), 200)
    seller_email = need("seller.email", _text(seller_data, "email"), 254)
    if seller_email and "seller.email" not in errors:
        problem = email_error(seller_email)
        if problem:
            errors["seller.email"] = problem
    seller_address = _address(seller_data, "address", "seller.address", errors)
    seller_phone = _text(seller_data, "phone")
    if seller_phone:
        digits = sum(c.isdigit() for c in seller_phone)
        if len(seller_phone) > 40 or not PHONE.match(seller_phone) or not 5 <= digits <= 20:
            errors["seller.phone"] = _(
                "'%(phone)s' is not a phone number: 5 to 20 digits with spaces, + ( ) - . / (e.g. +86 755 2345 6789)",
                phone=seller_phone[:40],
            )

    recipient_data = data.get("recipient")
    if recipient_data in (None, ""):
        recipient_data = {}
    if not _is_mapping(recipient_data):
        errors["recipient"] = _("must be an object with name and address")
        recipient_data = {}
    recipient_name = _text(recipient_data, "name")
    if len(recipient_name) > 200:
        errors["recipient.name"] = _("must be at most %(count)s characters", count=200)
    elif CONTROL.search(recipient_name) or "\n" in recipient_name or "\r" in recipient_name:
        errors["recipient.name"] = _("must be one line without control characters")
    recipient_address = _address(recipient_data, "address", "recipient.address", errors)
    if recipient_address and not recipient_name and "recipient.name" not in errors:
        errors["recipient.name"] = _("is required with the recipient's address: the consignee the claim names")
    elif recipient_name and not recipient_address and "recipient.address" not in errors:
        errors["recipient.address"] = _("is required with the recipient's name: where the parcel was going")

    carrier_code = need("carrier", _text(data, "carrier").lower(), 32)
    service_code = need("service", _text(data, "service").lower(), 32)
    carrier = plugins.carrier(carrier_code) if carrier_code else None
    if carrier_code and carrier is None:
        known = ", ".join(sorted(plugins.carriers)) or _("none loaded")
        errors["carrier"] = _("unknown carrier '%(code)s' (known: %(known)s)", code=carrier_code, known=known)
    elif carrier and service_code and carrier.service(service_code) is None:
        known = ", ".join(s.code for s in carrier.services)
        errors["service"] = _(
            "%(carrier)s has no service '%(code)s' (services: %(known)s)",
            carrier=carrier.name,
            code=service_code,
            known=known,
        )

    tracking_no = need("tracking_no", re.sub(r"\s+", "", _text(data, "tracking_no")).upper(), 40)
    if tracking_no and carrier and "tracking_no" not in errors and "service" not in errors:
        problem = carrier.check_tracking_no(service_code, tracking_no)
        if problem:
            errors["tracking_no"] = _(
                "%(tracking_no)s: %(problem)s for %(carrier)s",
                tracking_no=tracking_no,
                problem=problem,
                carrier=carrier.name,
            )

    destination = need("destination_country", _text(data, "destination_country").upper(), 2)
    if destination and "destination_country" not in errors:
        problem = country_error(destination)
        if problem:
            errors["destination_country"] = problem

    currency = ""
    try:
        currency = check_currency(_text(data, "currency"))
    except MoneyError as exc:
        errors["currency"] = str(exc)
    declared_value = _amount(data.get("declared_value"), currency, "declared_value", errors)

    contents = need("contents", _text(data, "contents"), 500)
    category = need("category", _text(data, "category").lower(), 32)
    if category and category not in GOODS_CATEGORIES and "category" not in errors:
        errors["category"] = _(
            "unknown category '%(code)s' (categories: %(known)s)", code=category, known=", ".join(GOODS_CATEGORIES)
        )

    dispatched_at = None
    if not isinstance(data.get("dispatched_at"), (str, int, type(None))):
        errors["dispatched_at"] = _("must be an ISO-8601 date and time as text")  # not dropped as if absent
    elif _text(data, "dispatched_at"):
        try:
            dispatched_at = parse_timestamp(_text(data, "dispatched_at"))
            if dispatched_at > (now or utcnow()) + CLOCK_SKEW:
                errors["dispatched_at"] = _("lies in the future")
        except ValueError as exc:
            errors["dispatched_at"] = str(exc)

    cover = None
    cover_data = data.get("cover")
    if cover_data not in (None, "", {}):
        if not _is_mapping(cover_data):
            errors["cover"] = _("must be an object with insurer and insured_value")
        else:
            insurer_code = _text(cover_data, "insurer").lower()
            if not insurer_code:
                errors["cover.insurer"] = _("is required when cover is asked for")
            elif plugins.insurer(insurer_code) is None:
                known = ", ".join(sorted(plugins.insurers)) or _("none loaded")
                errors["cover.insurer"] = _(
                    "unknown insurer '%(code)s' (known: %(known)s)", code=insurer_code, known=known
                )
            insured = _amount(cover_data.get("insured_value"), currency, "cover.insured_value", errors)
            too_much = (
                insured_value_problem(Money(insured, currency), Money(declared_value, currency))
                if insured is not None and declared_value is not None
                else None
            )
            if too_much:
                errors["cover.insured_value"] = too_much
            cover = CoverInput(insurer_code, Money(insured, currency)) if insured is not None else None

    if errors:
        raise ValidationFailed(errors)
    return OrderInput(
        order_no=order_no,
        seller=SellerInput(seller_code, seller_name, seller_email.lower(), seller_address, seller_phone),
        carrier=carrier_code,
        service=service_code,
        tracking_no=tracking_no,
        destination_country=destination,
        declared_value=declared_value,
        currency=currency,
        contents=contents,
        category=category,
        dispatched_at=dispatched_at,
        cover=cover,
        recipient_name=recipient_name,
        recipient_address=recipient_address,
    )


def _address(data: Mapping[str, Any], key: str, field: str, errors: dict[str, str]) -> str:
    """A postal address: its lines trimmed, empty ones dropped, joined by newlines ("" when not
    given). Commas or newlines separate lines as people type them; both are kept as they are."""
    value = data.get(key)
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        errors[field] = _("must be text: the postal address, lines separated by newlines")
        return ""
    lines = [line.strip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    address = "\n".join(line for line in lines if line)
    if len(address) > ADDRESS_LIMIT:
        errors[field] = _("must be at most %(count)s characters", count=ADDRESS_LIMIT)
    elif len(address.splitlines()) > 8:
        errors[field] = _("may have at most %(count)s lines", count=8)
    elif CONTROL.search(address):
        errors[field] = _(
            "control character %(char)s is not allowed", char="U+" + format(ord(CONTROL.search(address).group()), "04X")
        )
    return address


def _amount(raw: Any, currency: str, key: str, errors: dict[str, str]) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        errors[key] = _("is required")
        return None
    if not currency:
        errors.setdefault(key, _("cannot be checked without a valid currency"))
        return None
    try:
        return parse_amount(raw, currency)
    except MoneyError as exc:
        errors[key] = money_reason(exc)
        return None
