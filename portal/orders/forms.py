"""Web forms for orders. They carry the CSRF token and the choices; the rules are the service's."""

from __future__ import annotations

import pycountry
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..money import typed_amount
from ..plugin_api import GOODS_CATEGORIES
from ..plugin_engine import PluginRegistry

COMMON_CURRENCIES = ("USD", "CNY", "EUR", "GBP", "HKD", "JPY", "AUD", "CAD")


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _countries() -> list[SelectChoice]:
    names = ((c.alpha_2, f"{getattr(c, 'common_name', c.name)} ({c.alpha_2})") for c in pycountry.countries)
    return choices(sorted(names, key=lambda item: item[1]))


class OrderForm(FlaskForm):
    order_no = StringField("Order number")
    seller_code = StringField("Seller code")
    seller_name = StringField("Seller name")
    seller_email = StringField("Seller e-mail")
    seller_address = TextAreaField("Seller's postal address (optional)", render_kw={"rows": 3})
    seller_phone = StringField("Seller's phone (optional)", render_kw={"inputmode": "tel", "autocomplete": "off"})
    recipient_name = StringField("Recipient's name (optional)")
    recipient_address = TextAreaField("Recipient's postal address (optional)", render_kw={"rows": 3})
    shipping = SelectField("Carrier and service")
    tracking_no = StringField("Tracking number")
    destination_country = SelectField("Destination")
    declared_value = StringField("Declared value", render_kw={"inputmode": "decimal"})
    currency = SelectField("Currency", choices=choices((c, c) for c in COMMON_CURRENCIES))
    contents = TextAreaField("Contents")
    category = SelectField("Goods category", choices=choices(GOODS_CATEGORIES.items()))
    dispatched_at = StringField(
        "Dispatched at (optional, warehouse time)",
        validators=[Optional()],
        render_kw={"placeholder": "YYYY-MM-DD HH:MM"},
    )
    cover_insurer = SelectField("Insurer", choices=[])
    cover_insured_value = StringField("Insured value", render_kw={"inputmode": "decimal"})

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
        self.shipping.choices = [SelectChoice("", "Choose carrier and service…")] + [
            SelectChoice(f"{carrier.code}:{service.code}", service.name, optgroup=carrier.name)
            for carrier in plugins.all_carriers()
            for service in carrier.services
        ]
        self.destination_country.choices = [SelectChoice("", "Choose the destination…")] + _countries()
        self.cover_insurer.choices = choices([("", "No cover")] + [(i.code, i.name) for i in plugins.all_insurers()])
        return self

    def payload(self) -> dict:
        carrier, _, service = (self.shipping.data or "").partition(":")
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
    insurer = SelectField("Insurer", choices=[])
    insured_value = StringField("Insured value", render_kw={"inputmode": "decimal"})

    def fill_choices(self, plugins: PluginRegistry) -> CoverForm:
        self.insurer.choices = choices((i.code, i.name) for i in plugins.all_insurers())
        return self


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])
