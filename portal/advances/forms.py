"""Web forms for advances and the ledger; the rules are the service's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional


class AmountForm(FlaskForm):
    amount = StringField(_l("Amount"), render_kw={"inputmode": "decimal"})
    reference = StringField(_l("Reference"), validators=[Optional()])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))
    amount = StringField(_l("Amount"), validators=[Optional()], render_kw={"inputmode": "decimal"})


class PayForm(FlaskForm):
    reference = StringField(_l("Payment reference"))
