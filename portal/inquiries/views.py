"""Pages of an inquiry. Thin: each step is one service call; errors come back as messages that
name the field and the reason."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..audit.services import history
from ..clock import local_today, utcnow
from ..errors import Refused, ValidationFailed, flash_refusal, unit_of_work
from ..extensions import db
from ..money import MoneyError, read_amount
from ..orders.services import find_by_number as find_order
from ..plugin_api import CARRIER_OUTCOMES, EVIDENCE_KINDS, INQUIRY_KINDS
from ..plugin_engine import PluginProblem, registry, require_loaded
from ..storage import file_store
from ..uploads import ACCEPTED, download_name
from ..web import (
    confirmation,
    confirmed,
    expired,
    form_errors,
    keep_invalid,
    keep_refused,
    page_form,
    panels,
    staff_actor,
)
from . import services
from .checklist import Checklist
from .forms import AnswerForm, CloseForm, DisputeForm, LetterForm, OpenInquiryForm, ReviewForm, TraceForm, UploadForm
from .models import CHANNELS, EVIDENCE_STATE_LABELS, GRACE_START_LABELS, EvidenceDocument, EvidenceItem
from .signals import inquiry_page
from .validation import parse_dispute, parse_inquiry

bp = Blueprint("inquiries", __name__)


@bp.before_request
def _read_only_without_its_plugins():
    """An inquiry whose carrier or insurer is not loaded opens read-only: nothing changes it."""
    number = (request.view_args or {}).get("number")
    if request.method == "POST" and number and (inquiry := services.find_by_number(number)) is not None:
        require_loaded(inquiry.order)


def _inquiry_or_404(number: str):
    inquiry = services.find_by_number(number)
    if inquiry is None:
        abort(404)
    return inquiry


def evidence_label(kind: str) -> str:
    """An evidence kind as the reader's language names it (the contract's words, in the catalog)."""
    return str(EVIDENCE_KINDS[kind]) if kind in EVIDENCE_KINDS else kind


def _back(inquiry):
    return redirect(url_for("inquiries.detail", number=inquiry.number), code=303)


@bp.post("/orders/<order_no>/inquiries")
def open_for_order(order_no: str):
    order = find_order(order_no)
    if order is None:
        abort(404)
    form = OpenInquiryForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return redirect(url_for("orders.detail", order_no=order_no), code=303)
    try:
        with unit_of_work():
            data = parse_inquiry(form.payload(), local_today(), default_channel="email")
            inquiry = services.open_inquiry(registry(), order, data, staff_actor(), make_documents=False)
            services.request_documents(inquiry, staff_actor(), utcnow())  # made by the job workers
    except Refused as exc:
        flash_refusal(exc)
        return redirect(url_for("orders.detail", order_no=order_no), code=303)
    flash(_("Inquiry %(number)s opened.", number=inquiry.number), "success")
    return _back(inquiry)


@bp.get("/inquiries/<number>")
def detail(number: str):
    return _render_detail(_inquiry_or_404(number))


def _render_detail(inquiry, status: int = 200):
    """The inquiry page; after a refused post the refused form shows what was typed, its fields
    marked (``portal.web.keep_refused``)."""
    plugins = registry()
    config = current_app.config
    trace, trace_problem = None, ""
    try:
        trace = services.trace_request(
            plugins,
            inquiry,
            sender_name=config["WAREHOUSE_NAME"],
            sender_email=config["WAREHOUSE_EMAIL"],
            today=local_today(),
        )
    except PluginProblem as exc:  # the inquiry still opens, with the reason
        trace_problem = str(exc)
    context = _page_context(inquiry)
    return render_template("inquiries/detail.html", trace=trace, trace_problem=trace_problem, **context), status


def _page_context(inquiry) -> dict:
    """Everything on the inquiry page but the trace request: for the page, and for the parts an
    in-place action sends again."""
    return {
        "order": inquiry.order,
        "trace_form": page_form("trace", TraceForm),
        "answer_form": page_form("answer", AnswerForm),
        "close_form": page_form("close", CloseForm),
        "dispute_form": page_form("dispute", DisputeForm),
        "events": history("inquiry", [inquiry.id]),
        "inquiry_kinds": INQUIRY_KINDS,
        "channels": CHANNELS,
        "outcomes": CARRIER_OUTCOMES,
        "trace_pdf": _trace_pdf_context(inquiry),
        **_checklist_context(inquiry),
        **panels(inquiry_page, inquiry),
    }


def _checklist_context(inquiry) -> dict:
    today = local_today()
    letter = next((item for item in inquiry.items if item.kind == "loss_letter"), None)
    checklist = Checklist(inquiry, today)
    jobs = services.document_jobs(inquiry)
    return {
        "inquiry": inquiry,
        "jobs": jobs,
        "making": any(run.state in ("queued", "running", "retrying") for run in jobs.values()),
        "today": today,
        "grace_starts": GRACE_START_LABELS,
        "labels": EVIDENCE_KINDS,
        "reasons": services.item_reasons(registry(), inquiry),  # in the reader's language
        "upload_form": UploadForm(),
        "review_form": ReviewForm(),
        "missing": checklist.before_claim,
        "still_needed": checklist.missing,
        "complete": checklist.complete,
        "carrier": registry().carrier(inquiry.order.carrier_code),
        "letter": letter,
        "letter_form": _letter_form(inquiry, letter),
        "sent": services.sent_to_insurer(inquiry),
    }


def _letter_form(inquiry, letter: EvidenceItem | None) -> LetterForm | None:
    """The letter's fields: as confirmed, else as read from the newest letter."""
    if letter is None or letter.current is None:
        return None
    kept = g.get("kept_forms", {}).get("letter")
    if kept is not None:
        return kept  # refused: as typed, the fields marked
    form = LetterForm(formdata=None)
    if inquiry.letter_confirmed_by:
        form.case_reference.data, form.tracking_no.data = inquiry.letter_reference, inquiry.letter_tracking_no
        form.outcome.data, form.found_on.data = inquiry.letter_outcome, inquiry.letter_found_on
        form.liability.data = str(inquiry.letter_liability) if inquiry.letter_liability is not None else ""
        form.currency.data = inquiry.letter_liability_currency or inquiry.order.currency
        return form
    fields = (letter.current.extracted or {}).get("fields", {})
    form.case_reference.data, form.tracking_no.data = fields.get("case_reference"), fields.get("tracking_no")
    form.outcome.data = fields.get("outcome") or "lost"
    from datetime import date

    form.found_on.data = date.fromisoformat(fields["found_on"]) if fields.get("found_on") else None
    form.liability.data = fields.get("liability") or ""
    form.currency.data = fields.get("liability_currency") or inquiry.order.currency
    return form


def _checklist_response(inquiry):
    """htmx swaps the checklist in place, and with it (out of band) every part of the page that
    follows the evidence: state, panels, next step, history and the status region with the
    confirmation or refusal. Without JavaScript the whole page comes back."""
    if request.headers.get("HX-Request"):
        db.session.expire_all()  # a refused step rolled back; a job may have added a version
        return render_template("inquiries/_in_place.html", **_page_context(inquiry))
    return _back(inquiry)


@bp.post("/inquiries/<number>/evidence/<kind>")
def upload(number: str, kind: str):
    inquiry = _inquiry_or_404(number)
    form = UploadForm()
    if not form.validate_on_submit():
        problem = "; ".join(str(error) for error in form.file.errors) or _("the form expired, try again")
        flash(_("%(field)s: %(reason)s", field=evidence_label(kind), reason=problem), "error")
        return _checklist_response(inquiry)
    try:
        with unit_of_work():
            document = services.attach(
                inquiry, kind, services.checked_file(form.file.data), staff_actor(), source="upload", plugins=registry()
            )
    except Refused as exc:
        flash_refusal(exc)
        return _checklist_response(inquiry)
    flash(_("%(document)s: %(file)s received.", document=evidence_label(kind), file=document.original_name), "success")
    return _checklist_response(inquiry)


@bp.post("/inquiries/<number>/evidence/<kind>/review")
def review(number: str, kind: str):
    inquiry = _inquiry_or_404(number)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.review_item(
                    inquiry,
                    kind,
                    form.decision.data or "",
                    staff_actor(),
                    reason=form.reason.data or "",
                    until=form.until.data,
                )
        except Refused as exc:
            flash_refusal(exc)
        else:
            done = {"accept": "accepted", "reject": "rejected", "defer": "deferred"}.get(form.decision.data or "", "")
            item = services.item_of(inquiry, kind)
            label = evidence_label(kind)
            if done == "deferred" and item.due_on:
                flash(_("%(document)s: deferred until %(day)s.", document=label, day=item.due_on), "success")
            else:
                state = _(EVIDENCE_STATE_LABELS.get(done or item.state, done or item.state))
                flash(_("%(document)s: %(state)s.", document=label, state=state), "success")
    else:
        flash(form_errors(form), "error")
    return _checklist_response(inquiry)


@bp.post("/inquiries/<number>/<step>")
def step(number: str, step: str):
    """The lifecycle steps: trace, answer, ready, close, dispute, letter."""
    inquiry = _inquiry_or_404(number)
    actor = staff_actor()
    forms = {
        "trace": TraceForm,
        "answer": AnswerForm,
        "ready": ReviewForm,
        "close": CloseForm,
        "dispute": DisputeForm,
        "letter": LetterForm,
    }
    if step not in forms:
        abort(404)
    form = forms[step]()
    if not form.validate_on_submit():
        if expired(form) or step == "ready":
            flash(form_errors(form), "error")
            return _checklist_response(inquiry) if step == "letter" else _back(inquiry)
        keep_invalid(step, form)
        return _checklist_response(inquiry) if step == "letter" else _render_detail(inquiry, 422)
    try:
        with unit_of_work():
            if step == "trace":
                services.request_trace(inquiry, form.trace_reference.data or "", actor)
            elif step == "answer":
                services.record_answer(inquiry, form.outcome.data, actor)
            elif step == "ready":
                services.mark_ready(inquiry, actor)
            elif step == "close":
                services.close(inquiry, form.reason.data, actor)
            elif step == "dispute":
                errors: dict[str, str] = {}
                dispute = parse_dispute(
                    {
                        "platform": form.platform.data,
                        "id": form.dispute_id.data,
                        "opened_on": form.opened_on.data,
                        "respond_by": form.respond_by.data,
                    },
                    errors,
                    "",
                )
                if errors:
                    raise ValidationFailed(errors)
                services.set_dispute(inquiry, dispute, actor)
            else:
                try:
                    liability = (
                        read_amount(form.liability.data, form.currency.data)
                        if (form.liability.data or "").strip()
                        else None
                    )
                except MoneyError as exc:
                    raise ValidationFailed({"liability": str(exc)}) from None
                problems = services.confirm_letter(
                    registry(),
                    inquiry,
                    case_reference=form.case_reference.data or "",
                    tracking_no=form.tracking_no.data or "",
                    outcome=form.outcome.data,
                    found_on=form.found_on.data,
                    liability=services.amount_or_none(
                        str(liability) if liability is not None else "", form.currency.data
                    ),
                    actor=actor,
                )
                for problem in problems:
                    flash(_("Loss letter: %(problem)s", problem=problem), "warning")
    except Refused as exc:
        if step == "ready":
            flash_refusal(exc)
            return _back(inquiry)
        keep_refused(step, form, exc, {"id": "dispute_id"})  # the page again, the form as typed with its field marked
        return _checklist_response(inquiry) if step == "letter" else _render_detail(inquiry, exc.http_status)
    if step == "letter":
        flash(_("Loss letter confirmed."), "success")
        return _checklist_response(inquiry)
    flash(_("Inquiry %(number)s: %(state)s.", number=inquiry.number, state=inquiry.state_label), "success")
    return _back(inquiry)


@bp.get("/inquiries/<number>/documents/<int:document_id>")
def document(number: str, document_id: int):
    """A stored document, for logged-in staff only (the app's login check covers this path)."""

    inquiry = _inquiry_or_404(number)
    found = db.session.get(EvidenceDocument, document_id)
    if found is None or found.item.inquiry_id != inquiry.id:
        abort(404)
    inline = request.args.get("inline") == "1"
    return send_file(
        file_store().path(found.sha256),
        mimetype=found.media_type,
        as_attachment=not inline,
        download_name=download_name(found.original_name, ACCEPTED.get(found.media_type, "bin")),
        max_age=0,
        etag=found.sha256,
    )


def _trace_pdf_context(inquiry) -> dict:
    from ..jobs.views import made_file_section

    return made_file_section(
        services.trace_pdf_subject(inquiry),
        section_id="trace-pdf",
        title=_("Printable PDF"),
        poll_url=url_for("inquiries.trace_request_status", number=inquiry.number),
        ask_url=url_for("inquiries.trace_request_make", number=inquiry.number),
        file_url=lambda run: url_for("inquiries.trace_request_pdf", number=inquiry.number, run_id=run.id),
        ask_label=_("Make the PDF"),
    )


@bp.post("/inquiries/<number>/trace-request")
def trace_request_make(number: str):
    """Ask for the trace request's PDF: made by a job; the section answers at once and polls."""
    inquiry = _inquiry_or_404(number)
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
    else:
        with unit_of_work():
            services.request_trace_pdf(inquiry, staff_actor(), utcnow())
    if request.headers.get("HX-Request"):
        return render_template("jobs/_made_file.html", **_trace_pdf_context(inquiry))
    return redirect(url_for("inquiries.detail", number=inquiry.number, _anchor="trace-pdf"), code=303)


@bp.get("/inquiries/<number>/trace-request")
def trace_request_status(number: str):
    """The PDF's section alone: htmx polls it while the PDF is being made."""
    return render_template("jobs/_made_file.html", **_trace_pdf_context(_inquiry_or_404(number)))


@bp.get("/inquiries/<number>/trace-request/<int:run_id>.pdf")
def trace_request_pdf(number: str, run_id: int):
    from ..jobs.services import result_of
    from ..jobs.views import send_made_file

    run = result_of(services.trace_pdf_subject(_inquiry_or_404(number)), run_id)
    if run is None:
        abort(404)
    return send_made_file(run)


@bp.get("/inquiries/<number>/checklist")
def checklist(number: str):
    """The checklist alone: htmx polls it while documents are being made."""
    return render_template("inquiries/_checklist.html", **_checklist_context(_inquiry_or_404(number)))


@bp.post("/inquiries/<number>/regenerate/<kind>")
def regenerate(number: str, kind: str):
    """A fresh version of a generated document (after new tracking events, say): asked first, and
    never once the insurer has received the current one."""
    inquiry = _inquiry_or_404(number)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _checklist_response(inquiry)
    try:
        with unit_of_work():
            item, consequence = services.regeneration(inquiry, kind)
            if not confirmed():
                label = evidence_label(kind).lower()
                return confirmation(
                    _("Generate the %(document)s again?", document=label),
                    consequence,
                    yes=_("Yes, generate the %(document)s again", document=label),
                    back=url_for("inquiries.detail", number=inquiry.number, _anchor="checklist"),
                )
            services.regenerate(inquiry, kind, staff_actor(), utcnow())
    except Refused as exc:
        flash_refusal(exc)
        return _checklist_response(inquiry)
    flash(_("%(document)s: a new version is being made.", document=evidence_label(kind)), "success")
    return _checklist_response(inquiry)
