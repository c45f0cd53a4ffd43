"""Web forms for tracking: a scan by hand and a carrier's file. The rules are the service's."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from ..plugin_api import HANDOVERS, TRACKING_STATUSES


class ScanForm(FlaskForm):
    occurred_at = DateTimeLocalField("When (warehouse time)", format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    status = SelectField(
        "Status", choices=[SelectChoice(s, s.replace("_", " ")) for s in TRACKING_STATUSES], default="in_transit"
    )
    handover = SelectField(
        "Handover", choices=[SelectChoice("", "none"), *(SelectChoice(h, h) for h in HANDOVERS)], default=""
    )
    location = StringField("Where", validators=[Length(max=120)])
    description = StringField("What the scan says", validators=[Length(max=300)])
    why = TextAreaField("Why it is added by hand", validators=[Length(max=500)])


class TrackingFileForm(FlaskForm):
    carrier = SelectField("Carrier")
    file = FileField("Carrier's tracking file", validators=[FileRequired("Choose the carrier's tracking file.")])
