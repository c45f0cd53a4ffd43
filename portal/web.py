"""Small helpers the blueprints share."""

from __future__ import annotations

from dataclasses import dataclass, field

from blinker import Signal
from flask import render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup

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


@dataclass(frozen=True)
class Panel:
    """A feature's part of another feature's page: its template and the context it needs."""

    template: str
    context: dict = field(default_factory=dict)
    position: int = 0  # smaller first


def panels(page: Signal, sender, **kwargs) -> dict:
    """The context for a page's panels, from the features that subscribe to its signal (the page's
    feature does not know them); ``panels`` lists their templates in page order."""
    found = sorted((panel for _, panel in page.send(sender, **kwargs) if panel), key=lambda panel: panel.position)
    context: dict = {"panels": [panel.template for panel in found if panel.template]}
    for panel in found:
        context.update(panel.context)
    return context


def render_listing(page: str, listing: str, target: str, **context) -> str:
    """A page whose list htmx swaps on its own (filters, active search): the list alone when htmx
    asks for ``target``, else the whole page with the list in it (``{{ listing }}``).

    The list is rendered once, on its own, and placed in the page as finished HTML. Included in
    the page's block instead, each of its few thousand pieces of text passed up through four
    nested template generators (the include, the block, the page, its base): a fifth of the work
    queue's rendering time."""
    html = render_template(listing, **context)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == target:
        return html
    return render_template(page, listing=Markup(html), **context)
