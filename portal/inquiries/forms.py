"""Web forms for inquiries. They carry the CSRF token and the choices; the rules are the service's."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..orders.forms import COMMON_CURRENCIES, choices
from ..plugin_api import CARRIER_OUTCOMES, INQUIRY_KINDS
from .models import CHANNELS, CLOSE_REASONS


class OpenInquiryForm(FlaskForm):
    kind = SelectField("The seller reports", choices=choices(INQUIRY_KINDS.items()))
    channel = SelectField("Asked by", choices=choices(CHANNELS.items()), default="email")
    asked_on = DateField("Asked on", validators=[Optional()])
    message = TextAreaField("Seller's message")
    dispute_platform = StringField("Marketplace", validators=[Optional()], render_kw={"placeholder": "e.g. Amazon"})
    dispute_id = StringField("Dispute id", validators=[Optional()])
    dispute_opened_on = DateField("Dispute opened on", validators=[Optional()])
    dispute_respond_by = DateField("Respond by", validators=[Optional()])

    def payload(self) -> dict:
        """The form as the API's JSON body, so both channels go through one check."""
        dispute = {
            "platform": self.dispute_platform.data,
            "id": self.dispute_id.data,
            "opened_on": self.dispute_opened_on.data,
            "respond_by": self.dispute_respond_by.data,
        }
        return {
            "kind": self.kind.data,
            "channel": self.channel.data,
            "asked_on": self.asked_on.data,
            "message": self.message.data,
            "dispute": dispute if any(value for value in dispute.values()) else None,
        }


class DisputeForm(FlaskForm):
    platform = StringField("Marketplace")
    dispute_id = StringField("Dispute id")
    opened_on = DateField("Opened on", validators=[Optional()])
    respond_by = DateField("Respond by", validators=[Optional()])


class TraceForm(FlaskForm):
    trace_reference = StringField("Carrier's trace reference")


class AnswerForm(FlaskForm):
    outcome = SelectField("The carrier says", choices=choices(CARRIER_OUTCOMES.items()))


class CloseForm(FlaskForm):
    reason = SelectField("Close as", choices=choices(CLOSE_REASONS.items()), default="withdrawn")


class UploadForm(FlaskForm):
    file = FileField("Document", validators=[FileRequired("choose a file")])


class ReviewForm(FlaskForm):
    decision = HiddenField()
    reason = StringField("Reason", validators=[Optional()])
    until = DateField("Expected by", validators=[Optional()])


class LetterForm(FlaskForm):
    case_reference = StringField("Carrier's case reference")
    tracking_no = StringField("Tracking number in the letter")
    outcome = SelectField("Outcome", choices=choices(CARRIER_OUTCOMES.items()))
    found_on = DateField("Date of the finding", validators=[Optional()])
    liability = StringField("Carrier's liability", validators=[Optional()], render_kw={"inputmode": "decimal"})
    currency = SelectField("Currency", choices=choices((c, c) for c in COMMON_CURRENCIES))
