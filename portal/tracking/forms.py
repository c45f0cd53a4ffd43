"""Web forms for tracking: a scan by hand and a carrier's file. The rules are the service's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from ..plugin_api import HANDOVERS, TRACKING_STATUSES
from ..templating import CODE_LABELS

#: The warehouse's own scans, by their short names (the timeline says what each one did).
HANDOVER_NAMES = {"pickup": _l("pickup"), "intake": _l("intake"), "dispatch": _l("dispatch")}


class ScanForm(FlaskForm):
    occurred_at = DateTimeLocalField(_l("When (warehouse time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    status = SelectField(
        _l("Status"), choices=[SelectChoice(s, _l(CODE_LABELS[s])) for s in TRACKING_STATUSES], default="in_transit"
    )
    handover = SelectField(
        _l("Handover"),
        choices=[SelectChoice("", _l("none")), *(SelectChoice(h, HANDOVER_NAMES.get(h, h)) for h in HANDOVERS)],
        default="",
    )
    location = StringField(_l("Where"), validators=[Length(max=120)])
    description = StringField(_l("What the scan says"), validators=[Length(max=300)])
    why = TextAreaField(_l("Why it is added by hand"), validators=[Length(max=500)])


class TrackingFileForm(FlaskForm):
    carrier = SelectField(_l("Carrier"))
    file = FileField(
        _l("Carrier's tracking file"), validators=[FileRequired(_l("Choose the carrier's tracking file."))]
    )
