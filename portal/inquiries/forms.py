"""Web forms for inquiries. They carry the CSRF token and the choices; the rules are the service's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..orders.forms import COMMON_CURRENCIES, choices
from ..plugin_api import CARRIER_OUTCOMES, INQUIRY_KINDS
from .models import CHANNELS, CLOSE_REASONS


def translated(labels: dict[str, str]):
    """Choices whose labels are shown in the reader's language (the values stay codes): the
    feature's own labels through the catalog; the contract's bilingual ``Text`` labels, which the
    catalog does not hold, come back from it unchanged and print themselves in that language."""
    return choices((code, _l(label)) for code, label in labels.items())


class OpenInquiryForm(FlaskForm):
    kind = SelectField(_l("The seller reports"), choices=translated(INQUIRY_KINDS))
    channel = SelectField(_l("Asked by"), choices=translated(CHANNELS), default="email")
    asked_on = DateField(_l("Asked on"), validators=[Optional()])
    message = TextAreaField(_l("Seller's message"))
    dispute_platform = StringField(
        _l("Marketplace"), validators=[Optional()], render_kw={"placeholder": _l("e.g. Amazon")}
    )
    dispute_id = StringField(_l("Dispute id"), validators=[Optional()])
    dispute_opened_on = DateField(_l("Dispute opened on"), validators=[Optional()])
    dispute_respond_by = DateField(_l("Respond by"), validators=[Optional()])

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
    platform = StringField(_l("Marketplace"))
    dispute_id = StringField(_l("Dispute id"))
    opened_on = DateField(_l("Opened on"), validators=[Optional()])
    respond_by = DateField(_l("Respond by"), validators=[Optional()])


class TraceForm(FlaskForm):
    trace_reference = StringField(_l("Carrier's trace reference"))


class AnswerForm(FlaskForm):
    outcome = SelectField(_l("The carrier says"), choices=translated(CARRIER_OUTCOMES))


class CloseForm(FlaskForm):
    reason = SelectField(_l("Close as"), choices=translated(CLOSE_REASONS), default="withdrawn")


class UploadForm(FlaskForm):
    file = FileField(_l("Document"), validators=[FileRequired(_l("choose a file"))])


class ReviewForm(FlaskForm):
    decision = HiddenField()
    reason = StringField(_l("Reason"), validators=[Optional()])
    until = DateField(_l("Expected by"), validators=[Optional()])


class LetterForm(FlaskForm):
    case_reference = StringField(_l("Carrier's case reference"))
    tracking_no = StringField(_l("Tracking number in the letter"))
    outcome = SelectField(_l("Outcome"), choices=translated(CARRIER_OUTCOMES))
    found_on = DateField(_l("Date of the finding"), validators=[Optional()])
    liability = StringField(_l("Carrier's liability"), validators=[Optional()], render_kw={"inputmode": "decimal"})
    currency = SelectField(_l("Currency"), choices=choices((c, c) for c in COMMON_CURRENCIES))
