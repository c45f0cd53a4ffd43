"""Small helpers the blueprints share."""

from __future__ import annotations

from flask_login import current_user
from flask_wtf import FlaskForm

from .audit.services import Actor


def staff_actor() -> Actor:
    """The logged-in staff member, as the audit trail names them."""
    return Actor("user", str(current_user.id), current_user.username)


def form_errors(form: FlaskForm) -> str:
    """A form's errors in one line, each with its field; an empty form error means the CSRF token expired."""
    return (
        "; ".join(f"{field.replace('_', ' ')}: {', '.join(errors)}" for field, errors in form.errors.items())
        or "The form expired; please try again."
    )
