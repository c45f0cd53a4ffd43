"""Claim pages: filing, the insurer's answers, packs and the payout SLA report. Thin: one service
call per step; refusals come back as messages naming the field and the reason."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..audit.services import history, in_time_order
from ..clock import local_today, utcnow
from ..cover.services import bought_after_dispatch
from ..errors import Refused, flash_refusal, unit_of_work
from ..extensions import db
from ..inquiries.services import find_by_number as find_inquiry
from ..money import MoneyError, read_amount
from ..plugin_engine import registry, require_loaded
from ..storage import file_store
from ..web import expired, form_errors, keep_invalid, keep_refused, page_form, panels, staff_actor
from . import services
from .forms import AcceptForm, CreateClaimForm, PayForm, ReasonForm
from .models import ClaimPack
from .signals import claim_page

bp = Blueprint("claims", __name__)


@bp.before_request
def _read_only_without_its_plugins():
    """A claim whose carrier or insurer is not loaded opens read-only: nothing changes it."""
    number = (request.view_args or {}).get("number")
    if request.method != "POST" or not number:
        return
    if request.path.startswith("/claims/"):
        claim = services.find_by_number(number)
        order = claim.inquiry.order if claim else None
    else:
        inquiry = find_inquiry(number)
        order = inquiry.order if inquiry else None
    if order is not None:
        require_loaded(order)


def _claim_or_404(number: str):
    claim = services.find_by_number(number)
    if claim is None:
        abort(404)
    return claim


def _back(claim):
    return redirect(url_for("claims.detail", number=claim.number), code=303)


@bp.post("/inquiries/<number>/claim")
def create(number: str):
    inquiry = find_inquiry(number)
    if inquiry is None:
        abort(404)
    form = CreateClaimForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return redirect(url_for("inquiries.detail", number=number), code=303)
    try:
        with unit_of_work():
            claim = services.create_claim(registry(), inquiry, staff_actor(), lost_share=form.lost_share.data / 100)
    except Refused as exc:
        flash_refusal(exc)
        return redirect(url_for("inquiries.detail", number=number), code=303)
    flash(
        _(
            "Claim %(number)s drafted for %(amount)s %(currency)s.",
            number=claim.number,
            amount=claim.claimed_amount,
            currency=claim.currency,
        ),
        "success",
    )
    return _back(claim)


@bp.get("/claims/<number>")
def detail(number: str):
    return render_detail(_claim_or_404(number))


def render_detail(claim, status: int = 200):
    """The claim page; after a refused post (status 422 or 409) the refused form shows what was
    typed, its fields marked (``portal.web.keep_refused``), the others empty."""
    today = local_today()
    extra = panels(claim_page, claim, today=today)
    return render_template(
        "claims/detail.html",
        claim=claim,
        inquiry=claim.inquiry,
        order=claim.inquiry.order,
        insurer=registry().insurer(claim.insurer_code),
        today=today,
        accept_form=page_form("accept", AcceptForm),
        pay_form=page_form("pay", PayForm),
        reason_form=ReasonForm(formdata=None),
        more_documents_form=page_form("more-documents", ReasonForm),
        reject_form=page_form("reject", ReasonForm),
        pack_job=services.pack_job(claim),
        cover_doubt=bought_after_dispatch(claim.inquiry.order.cover, claim.inquiry.order.dispatched_at),
        events=in_time_order(history("claim", [claim.id]), extra.pop("panel_events", [])),
        **extra,
    ), status


@bp.post("/claims/<number>/<step>")
def step(number: str, step: str):
    claim = _claim_or_404(number)
    actor, plugins = staff_actor(), registry()
    forms = {
        "pack": ReasonForm,
        "submit": ReasonForm,
        "accept": AcceptForm,
        "pay": PayForm,
        "reject": ReasonForm,
        "more-documents": ReasonForm,
    }
    if step not in forms:
        abort(404)
    form = forms[step]()
    if not form.validate_on_submit():
        if not expired(form) and step in ("accept", "pay", "reject", "more-documents"):
            keep_invalid(step, form)
            return render_detail(claim, 422)
        flash(form_errors(form), "error")
        return _back(claim)
    try:
        with unit_of_work():
            if step == "pack":
                services.request_pack(claim, actor, utcnow())  # made by the job workers
                flash(_("The submission pack is being made; it appears below when it is ready."), "success")
            elif step == "submit":
                services.submit(claim, actor)
            elif step == "accept":
                services.accept(
                    plugins, claim, reference=form.reference.data or "", accepted_on=form.accepted_on.data, actor=actor
                )
            elif step == "pay":
                try:
                    amount = read_amount(form.amount.data, claim.currency)
                except MoneyError as exc:
                    raise services.ClaimRefused("amount", _("amount paid: %(problem)s", problem=exc)) from None
                services.pay(
                    claim,
                    amount=Decimal(amount),
                    paid_on=form.paid_on.data,
                    reference=form.reference.data or "",
                    actor=actor,
                    accept_difference=form.accept_difference.data,
                )
            elif step == "reject":
                services.reject(claim, reason=form.reason.data or "", actor=actor)
            else:
                services.request_documents(claim, what=form.reason.data or "", actor=actor)
    except Refused as exc:
        if step in ("accept", "pay", "reject", "more-documents"):
            keep_refused(step, form, exc)
            return render_detail(claim, exc.http_status)
        flash_refusal(exc)
        return _back(claim)
    if step != "pack":
        flash(_("Claim %(number)s: %(state)s.", number=claim.number, state=claim.state_label), "success")
    return _back(claim)


@bp.get("/claims/<number>/packs")
def packs(number: str):
    """The packs section alone: htmx polls it while a pack is being made."""
    claim = _claim_or_404(number)
    return render_template(
        "claims/_packs.html", claim=claim, pack_job=services.pack_job(claim), reason_form=ReasonForm(), oob=True
    )


@bp.get("/claims/<number>/packs/<int:version>")
def pack(number: str, version: int):
    """A pack version: a download, or shown in the browser (``?inline=1``) to preview and print."""
    claim = _claim_or_404(number)
    found = db.session.scalar(db.select(ClaimPack).where(ClaimPack.claim_id == claim.id, ClaimPack.version == version))
    if found is None:
        abort(404)
    return send_file(
        file_store().path(found.sha256),
        mimetype="application/pdf",
        as_attachment=request.args.get("inline") != "1",
        download_name=f"{claim.number}-pack-v{version}.pdf",
        max_age=0,
        etag=found.sha256,
    )


@bp.get("/claims/sla")
def sla():
    today = local_today()
    return render_template(
        "claims/sla.html", overdue=services.overdue_claims(today), waiting=services.awaiting_payment(today), today=today
    )
