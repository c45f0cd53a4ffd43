"""Small helpers the blueprints share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from blinker import Signal
from flask import flash, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup

from .audit.services import Actor
from .errors import Refused, flash_refusal
from .i18n import CONTRACT_LANGUAGE, current_language


def staff_actor() -> Actor:
    """The logged-in staff member, as the audit trail names them."""
    return Actor("user", str(current_user.id), current_user.username)


def form_errors(form: FlaskForm) -> str:
    """A form's errors in one line, each with its field; an empty form error means the CSRF token expired."""
    return "; ".join(
        f"{_field_name(form, field)}: {', '.join(str(error) for error in errors)}"
        for field, errors in form.errors.items()
    ) or _("The form expired; please try again.")


def _field_name(form: FlaskForm, name: str) -> str:
    """How an error names its field: English keeps the short field name it always had; another
    language the field's own (translated) label, so the whole message reads in that language."""
    field_ = form._fields.get(name)
    if field_ is None or current_language() == CONTRACT_LANGUAGE:
        return name.replace("_", " ")
    return str(field_.label.text)


def page_form(key: str, form_class: type[FlaskForm]) -> FlaskForm:
    """The form ``key`` of a page (``"pay"``, ``"advance-request"``): the one a refused post kept
    (what was typed, each field the refusal names marked), else an empty one (never filled from
    another form's post on the same page)."""
    kept = g.get("kept_forms", {}).get(key)
    return kept if kept is not None else form_class(formdata=None)


def keep_refused(key: str, form: FlaskForm, exc: Refused, aliases: dict[str, str] | None = None) -> None:
    """A refused post: keep ``form`` as typed for the page shown again, with the refusal's reason
    beside each field it names (``aria-invalid``, see ``_macros.field``); the refusal is also
    flashed (the page's one status region announces it)."""
    for name, reason in exc.errors.items():
        field_ = form._fields.get((aliases or {}).get(name, name))
        if field_ is not None and name != "csrf_token":
            prefix = f"{name.replace('_', ' ')}: "
            field_.errors = [*(field_.errors or []), reason.removeprefix(prefix)]
    g.setdefault("kept_forms", {})[key] = form
    flash_refusal(exc)


def expired(form: FlaskForm) -> bool:
    """Whether the form was refused for its CSRF token (expired, or missing), not for what was typed."""
    token = getattr(form, "csrf_token", None)
    return bool(token is not None and token.errors)


def keep_invalid(key: str, form: FlaskForm) -> None:
    """A post whose form did not validate: kept as typed (its fields marked by WTForms), one flash."""
    g.setdefault("kept_forms", {})[key] = form
    flash(form_errors(form), "error")


def confirmed() -> bool:
    """Whether a post that undoes work was confirmed (the confirmation page's button, or htmx's
    hx-confirm, sends ``confirm=yes``)."""
    return request.form.get("confirm") == "yes"


def confirmation(question: str, consequence: str, *, yes: str, back: str, keep: tuple[str, ...] = ()) -> str:
    """The page that asks first, posting the same form again with ``confirm=yes`` and the fields in
    ``keep`` as typed."""
    fields = [(name, value) for name in keep for value in request.form.getlist(name)]
    return render_template(
        "confirm.html",
        question=question,
        consequence=consequence,
        yes=yes,
        back=back,
        action=request.path,
        fields=fields,
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


def row_links(endpoint: str, key: str) -> Callable[[str], str]:
    """Links to ``endpoint`` for a page of rows, each given its ``key`` value: one ``url_for`` a
    page, then the value quoted in (a ``url_for`` per row had been a tenth of a list's time)."""
    prefix = url_for(endpoint, **{key: "~"})[:-1]
    return lambda value: prefix + quote(value, safe="")


def shipping_names(plugins) -> Callable[[str, str], str]:
    """ "Carrier · service" as staff read them, for a page of rows: each pair asked of the carrier
    plugins once; a code no loaded plugin knows is shown as it is."""
    names: dict[tuple[str, str], str] = {}

    def name(carrier_code: str, service_code: str) -> str:
        key = (carrier_code, service_code)
        if key not in names:
            carrier = plugins.carrier(carrier_code)
            service = carrier.service(service_code) if carrier else None
            names[key] = f"{carrier.name if carrier else carrier_code} · {service.name if service else service_code}"
        return names[key]

    return name
