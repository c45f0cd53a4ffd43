"""Web forms for claims; the rules are the service's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional


class CreateClaimForm(FlaskForm):
    lost_share = DecimalField(
        _l("Share of the contents lost or damaged (%)"),
        default=100,
        places=0,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
    )


class AcceptForm(FlaskForm):
    reference = StringField(_l("Insurer's case reference"))
    accepted_on = DateField(_l("Accepted on"), validators=[InputRequired()])


class PayForm(FlaskForm):
    amount = StringField(_l("Amount paid"), render_kw={"inputmode": "decimal"})
    paid_on = DateField(_l("Paid on"), validators=[InputRequired()])
    reference = StringField(_l("Payment reference"), validators=[Optional()])
    #: An amount other than the one claimed is refused until whoever records it confirms it.
    accept_difference = BooleanField(_l("The amount differs from the claim: record it as paid"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))
