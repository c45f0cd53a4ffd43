from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from ..i18n import LANGUAGES
from .passwords import MAX_LENGTH


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    code = StringField(
        "Code from your app, or a recovery code",
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new = PasswordField(
        "New password (at least 12 characters; a few words are good)",
        validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("new", message="the two new passwords differ")]
    )


class PasswordForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=200)])


class ResetForm(FlaskForm):
    new = PasswordField("New password", validators=[Length(max=MAX_LENGTH)], render_kw={"autocomplete": "new-password"})


class LanguageForm(FlaskForm):
    # Each language is named in itself, as language menus do, so anyone finds their own.
    language = SelectField(
        "Language", choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()], validators=[DataRequired()]
    )
    next = HiddenField()
