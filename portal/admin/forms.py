"""Admin forms. They carry the CSRF token and the choices; the rules are the services'."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange


class CalendarForm(FlaskForm):
    """A year's official working-day calendar: typed in, or as a CSV file (``date,kind,name``)."""

    calendar = SelectField(_l("Calendar"), validators=[DataRequired()])
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    source = TextAreaField(_l("Official notice"), validators=[DataRequired(), Length(max=2000)])
    holidays = TextAreaField(_l("Holidays (one date or range a line, then its name)"), validators=[Length(max=20000)])
    workdays = TextAreaField(_l("Make-up working days (weekend days worked)"), validators=[Length(max=20000)])
    file = FileField(_l("…or a CSV file (date,kind,name)"))
