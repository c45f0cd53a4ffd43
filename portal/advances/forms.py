"""Web forms for advances and the ledger; the rules are the service's."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional


class AmountForm(FlaskForm):
    amount = StringField("Amount", render_kw={"inputmode": "decimal"})
    reference = StringField("Reference", validators=[Optional()])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason")
    amount = StringField("Amount", validators=[Optional()], render_kw={"inputmode": "decimal"})


class PayForm(FlaskForm):
    reference = StringField("Payment reference")
