"""Advance pages: request on the claim page, the supervisor's approvals, exposure and statements.
Thin: one service call per step; refusals come back as messages naming the reason."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..auth.access import role_required
from ..claims.services import find_by_number as find_claim
from ..claims.views import render_detail as claim_page
from ..clock import local_today, utcnow
from ..errors import Refused, flash_refusal, unit_of_work
from ..extensions import db
from ..money import Money, MoneyError, read_amount
from ..plugin_engine import registry
from ..sellers.models import Seller
from ..web import confirmation, confirmed, expired, keep_invalid, keep_refused, staff_actor
from . import reports, services
from .forms import AmountForm, PayForm, ReasonForm
from .models import Advance

bp = Blueprint("advances", __name__)


def staff() -> services.Staff:
    return services.Staff(current_user.id, staff_actor(), current_user.has_role("supervisor"))


def _to_claim(number: str):
    return redirect(url_for("claims.detail", number=number, _anchor="advance"), code=303)


def _amount(text: str, currency: str) -> Decimal:
    try:
        return Decimal(read_amount(text, currency))
    except MoneyError as exc:
        raise services.AdvanceRefused("amount", _("amount: %(problem)s", problem=exc)) from None


#: What each step says once done, on the claim page (one sentence each, for the translators).
DONE = {
    "request": _l("Claim %(number)s: request recorded."),
    "approve": _l("Claim %(number)s: approve recorded."),
    "decline": _l("Claim %(number)s: decline recorded."),
    "pay": _l("Claim %(number)s: pay recorded."),
    "recovery": _l("Claim %(number)s: recovery recorded."),
    "write-off": _l("Claim %(number)s: write off recorded."),
}

#: Steps whose refused form comes back as typed (the others have nothing to type but a reason).
KEPT = ("request", "decline", "pay", "recovery", "write-off")


@bp.post("/claims/<number>/advance/<step>")
def claim_step(number: str, step: str):
    """request, approve, decline, pay; recovery and write-off on the claim's ledger (the insurer's
    settlement is booked when its payment is recorded on the claim)."""
    claim = find_claim(number)
    if claim is None:
        abort(404)
    form = {"request": AmountForm, "recovery": AmountForm, "pay": PayForm}.get(step, ReasonForm)()
    if not form.validate_on_submit():
        if expired(form) or step not in KEPT:
            flash(_("The form expired; please try again."), "error")
            return _to_claim(number)
        keep_invalid(f"advance-{step}", form)
        return claim_page(claim, 422)
    who, advance = staff(), services.advance_of(claim)
    try:
        with unit_of_work():
            if step == "request":
                services.request_advance(
                    registry(), claim, _amount(form.amount.data, claim.currency), claim.currency, who
                )
            elif step in ("approve", "decline", "pay") and advance is None:
                raise services.AdvanceRefused("advance", _("claim %(number)s has no advance", number=number))
            elif step == "approve":
                services.approve(advance, who)
            elif step == "decline":
                services.decline(advance, form.reason.data or "", who)
            elif step == "pay":
                if not services.pay(advance, form.reference.data or "", who):
                    flash(
                        _(
                            "%(number)s was already paid with reference %(reference)s.",
                            number=advance.number,
                            reference=advance.payment_reference,
                        ),
                        "info",
                    )
            elif step == "recovery":
                services.recover(
                    claim, _amount(form.amount.data, claim.currency), who, reference=form.reference.data or ""
                )
            elif step == "write-off":
                amount = _amount(form.amount.data, claim.currency)
                services.check_write_off(claim, amount, form.reason.data or "", who)
                if not confirmed():  # a write-off is undone only by a reversing entry: ask first
                    shown = Money(amount, claim.currency).format()
                    return confirmation(
                        _("Write off %(amount)s on claim %(number)s?", amount=shown, number=number),
                        _(
                            "%(amount)s is booked as a loss in the ledger (reason: %(reason)s); "
                            "only a reversing entry corrects it.",
                            amount=shown,
                            reason=form.reason.data.strip(),
                        ),
                        yes=_("Yes, write off %(amount)s", amount=shown),
                        back=url_for("claims.detail", number=number, _anchor="advance"),
                        keep=("amount", "reason"),
                    )
                services.write_off(claim, amount, form.reason.data or "", who)
            else:
                abort(404)
    except Refused as exc:
        if step not in KEPT:
            flash_refusal(exc)
            return _to_claim(number)
        # The claim page again, the refused form as typed with its field marked (the others empty).
        keep_refused(f"advance-{step}", form, exc)
        return claim_page(claim, exc.http_status)
    flash(str(DONE[step]) % {"number": number}, "success")
    return _to_claim(number)


@bp.get("/advances")
@role_required("supervisor")
def index():
    """What awaits a supervisor: advances to decide, and approved ones to pay."""
    waiting = (
        db.session.scalars(
            select(Advance)
            .where(Advance.state.in_(("requested", "approved")))
            .order_by(Advance.state.desc(), Advance.requested_at)
        )
        .unique()
        .all()
    )
    return render_template("advances/index.html", waiting=waiting, me=current_user.id)


@bp.get("/advances/exposure")
@role_required("supervisor")
def exposure():
    today = local_today()
    lines = reports.exposure_lines(today)
    sellers = {
        s.id: s
        for s in db.session.scalars(select(Seller).where(Seller.id.in_({line.advance.seller_id for line in lines})))
    }
    if request.args.get("format") == "csv":
        return Response(
            reports.exposure_csv(lines, sellers),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="exposure-{today}.csv"'},
        )
    return render_template(
        "advances/exposure.html",
        lines=lines,
        sellers=sellers,
        today=today,
        by_bucket=reports.totals_by(lines, lambda line: line.bucket),
        by_insurer=reports.totals_by(lines, lambda line: line.advance.insurer_code),
        by_seller=reports.totals_by(lines, lambda line: sellers[line.advance.seller_id].code),
        by_currency=reports.totals_by(lines, lambda line: "all"),
        bars=reports.chart_bars(lines),
    )


def _seller_or_404(code: str) -> Seller:
    seller = db.session.scalar(select(Seller).where(Seller.code == code))
    if seller is None:
        abort(404)
    return seller


def _period() -> tuple[date, date]:
    values = request.values
    try:
        end = date.fromisoformat(values.get("to") or local_today().isoformat())
        start = date.fromisoformat(values.get("from") or (end - timedelta(days=90)).isoformat())
    except ValueError:
        abort(400, _("from and to are dates like %(example)s", example="2026-11-24"))
    if start > end:
        abort(400, _("from (%(start)s) is after to (%(end)s)", start=start, end=end))
    return start, end


def _statement_context(seller: Seller, start: date, end: date) -> dict:
    from ..jobs.views import made_file_section

    period = {"code": seller.code, "from": start.isoformat(), "to": end.isoformat()}
    return made_file_section(
        reports.statement_subject(seller.id, start, end),
        section_id="statement-pdf",
        title=_("Statement %(start)s to %(end)s", start=start, end=end),
        poll_url=url_for("advances.statement_status", **period),
        ask_url=url_for("advances.statement_make", **period),
        file_url=lambda run: url_for("advances.statement_pdf", code=seller.code, run_id=run.id),
        ask_label=_("Make the statement"),
    )


@bp.get("/sellers/<code>/statement")
@role_required("supervisor")
def statement(code: str):
    """The seller's statement of a period: made as a PDF by a job, the page follows it."""
    seller = _seller_or_404(code)
    start, end = _period()
    return render_template(
        "advances/statement_page.html", seller=seller, start=start, end=end, **_statement_context(seller, start, end)
    )


@bp.post("/sellers/<code>/statement")
@role_required("supervisor")
def statement_make(code: str):
    seller = _seller_or_404(code)
    start, end = _period()
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
    else:
        with unit_of_work():
            reports.request_statement(seller, start, end, staff_actor(), utcnow())
    if request.headers.get("HX-Request"):
        return render_template("jobs/_made_file.html", **_statement_context(seller, start, end))
    return redirect(url_for("advances.statement", code=seller.code, **{"from": start, "to": end}), code=303)


@bp.get("/sellers/<code>/statement/status")
@role_required("supervisor")
def statement_status(code: str):
    """The statement's section alone: htmx polls it while the PDF is being made."""
    seller = _seller_or_404(code)
    start, end = _period()
    return render_template("jobs/_made_file.html", **_statement_context(seller, start, end))


@bp.get("/sellers/<code>/statement/<int:run_id>.pdf")
@role_required("supervisor")
def statement_pdf(code: str, run_id: int):
    from ..jobs.models import JobRun
    from ..jobs.services import result_of
    from ..jobs.views import send_made_file

    seller = _seller_or_404(code)
    run = db.session.get(JobRun, run_id)
    period = (run.params or {}) if run is not None else {}
    if run is None or "from" not in period:
        abort(404)
    subject = reports.statement_subject(seller.id, date.fromisoformat(period["from"]), date.fromisoformat(period["to"]))
    run = result_of(subject, run_id)
    if run is None:
        abort(404)
    return send_made_file(run)
