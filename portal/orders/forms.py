"""Web forms for orders. They carry the CSRF token and the choices; the rules are the service's."""

from __future__ import annotations

import pycountry
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..money import typed_amount
from ..plugin_api import GOODS_CATEGORIES
from ..plugin_engine import PluginRegistry
from ..templating import country_name

COMMON_CURRENCIES = ("USD", "CNY", "EUR", "GBP", "HKD", "JPY", "AUD", "CAD")


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _countries() -> list[SelectChoice]:
    names = ((c.alpha_2, f"{country_name(c.alpha_2)} ({c.alpha_2})") for c in pycountry.countries)
    return choices(sorted(names, key=lambda item: item[1]))


class OrderForm(FlaskForm):
    order_no = StringField(_l("Order number"))
    seller_code = StringField(_l("Seller code"))
    seller_name = StringField(_l("Seller name"))
    seller_email = StringField(_l("Seller e-mail"))
    seller_address = TextAreaField(_l("Seller's postal address (optional)"), render_kw={"rows": 3})
    seller_phone = StringField(_l("Seller's phone (optional)"), render_kw={"inputmode": "tel", "autocomplete": "off"})
    recipient_name = StringField(_l("Recipient's name (optional)"))
    recipient_address = TextAreaField(_l("Recipient's postal address (optional)"), render_kw={"rows": 3})
    shipping = SelectField(_l("Carrier and service"))
    tracking_no = StringField(_l("Tracking number"))
    destination_country = SelectField(_l("Destination"))
    declared_value = StringField(_l("Declared value"), render_kw={"inputmode": "decimal"})
    currency = SelectField(_l("Currency"), choices=choices((c, c) for c in COMMON_CURRENCIES))
    contents = TextAreaField(_l("Contents"))
    category = SelectField(
        _l("Goods category"), choices=choices((code, _l(name)) for code, name in GOODS_CATEGORIES.items())
    )
    dispatched_at = StringField(
        _l("Dispatched at (optional, warehouse time)"),
        validators=[Optional()],
        render_kw={"placeholder": "YYYY-MM-DD HH:MM"},
    )
    cover_insurer = SelectField(_l("Insurer"), choices=[])
    cover_insured_value = StringField(_l("Insured value"), render_kw={"inputmode": "decimal"})

    #: Service field path -> form field, to show service errors where they belong.
    FIELD_FOR = {
        "seller.code": "seller_code",
        "seller.name": "seller_name",
        "seller.email": "seller_email",
        "seller.address": "seller_address",
        "seller.phone": "seller_phone",
        "recipient.name": "recipient_name",
        "recipient.address": "recipient_address",
        "recipient": "recipient_name",
        "carrier": "shipping",
        "service": "shipping",
        "cover.insurer": "cover_insurer",
        "cover.insured_value": "cover_insured_value",
        "cover": "cover_insurer",
        "seller": "seller_code",
    }

    def fill_choices(self, plugins: PluginRegistry) -> OrderForm:
        self.shipping.choices = [SelectChoice("", _("Choose carrier and service…"))] + [
            SelectChoice(f"{carrier.code}:{service.code}", service.name, optgroup=carrier.name)
            for carrier in plugins.all_carriers()
            for service in carrier.services
        ]
        self.destination_country.choices = [SelectChoice("", _("Choose the destination…"))] + _countries()
        self.cover_insurer.choices = choices([("", _("No cover"))] + [(i.code, i.name) for i in plugins.all_insurers()])
        return self

    def payload(self) -> dict:
        carrier, _sep, service = (self.shipping.data or "").partition(":")
        payload = {
            "order_no": self.order_no.data,
            "seller": {
                "code": self.seller_code.data,
                "name": self.seller_name.data,
                "email": self.seller_email.data,
                "address": self.seller_address.data or "",
                "phone": self.seller_phone.data or "",
            },
            "recipient": {"name": self.recipient_name.data or "", "address": self.recipient_address.data or ""},
            "carrier": carrier,
            "service": service,
            "tracking_no": self.tracking_no.data,
            "destination_country": self.destination_country.data,
            "declared_value": typed_amount(self.declared_value.data, self.currency.data),
            "currency": self.currency.data,
            "contents": self.contents.data,
            "category": self.category.data,
            "dispatched_at": (self.dispatched_at.data or "").strip().replace(" ", "T"),
        }
        if self.cover_insurer.data or (self.cover_insured_value.data or "").strip():
            payload["cover"] = {
                "insurer": self.cover_insurer.data,
                "insured_value": typed_amount(self.cover_insured_value.data, self.currency.data),
            }
        return payload

    def show_errors(self, errors: dict[str, str]) -> None:
        for path, reason in errors.items():
            field = getattr(self, self.FIELD_FOR.get(path, path), None)
            if field is None:
                self.form_errors.append(f"{path}: {reason}")
            else:
                field.errors = list(field.errors or []) + [reason]


class CoverForm(FlaskForm):
    insurer = SelectField(_l("Insurer"), choices=[])
    insured_value = StringField(_l("Insured value"), render_kw={"inputmode": "decimal"})

    def fill_choices(self, plugins: PluginRegistry) -> CoverForm:
        self.insurer.choices = choices((i.code, i.name) for i in plugins.all_insurers())
        return self


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file to import."))])
