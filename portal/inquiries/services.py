"""Inquiries: the lifecycle of a seller's query, its evidence checklist and its documents.

Every step is checked here (the views and the API only translate), recorded in the audit trail
in the same transaction, and mirrored on the work queue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import documents
from ..audit.services import Actor, record
from ..clock import to_local, utcnow, warehouse_zone
from ..documents import render_pdf
from ..errors import Refused
from ..extensions import db
from ..i18n import N_
from ..money import Money
from ..orders.models import Order
from ..pdf_text import PdfUnreadable, extract_text
from ..plugin_api import (
    CARRIER_OUTCOMES,
    EVIDENCE_KINDS,
    GENERATED_EVIDENCE,
    EvidenceRequirement,
    HandoverScan,
    LossLetterReading,
    TraceDetails,
    TraceRequestDocument,
    join_texts,
)
from ..plugin_engine import PluginFailed, PluginProblem, PluginRegistry
from ..storage import file_store
from ..tracking.services import timeline
from ..uploads import check_upload
from .checklist import CLAIMABLE_OUTCOMES, Checklist
from .generated import generated_pdf
from .models import CLOSE_REASONS, FINISH_REASONS, STATE_LABELS, EvidenceDocument, EvidenceItem, Inquiry
from .signals import evidence_accepted, inquiry_changed
from .validation import DisputeInput, InquiryInput


class InquiryRefused(Refused):
    """A step the rules do not allow on an inquiry; ``available_on`` says when a step too early opens."""

    def __init__(self, field: str, reason: str, *, conflict: bool = False, available_on: date | None = None):
        super().__init__(field, reason, conflict=conflict, **({"available_on": available_on} if available_on else {}))
        self.available_on = available_on


#: Each step as a refusal names it ("cannot request a trace").
STEP_LABELS = {
    "request_trace": N_("request trace"),
    "record_answer": N_("record answer"),
    "mark_ready": N_("mark ready"),
    "close": N_("close"),
}

#: Which state each step leads from and to.
TRANSITIONS = {
    "request_trace": ({"opened"}, "trace_requested"),
    "record_answer": ({"trace_requested"}, "carrier_answered"),
    "mark_ready": ({"carrier_answered"}, "ready_for_claim"),
    "close": ({"opened", "trace_requested", "carrier_answered", "ready_for_claim"}, "closed"),
}


def _step(inquiry: Inquiry, step: str) -> str:
    sources, target = TRANSITIONS[step]
    if inquiry.state not in sources:
        raise InquiryRefused(
            "state",
            _(
                "inquiry %(number)s is %(state)s: cannot %(step)s",
                number=inquiry.number,
                state=_(STATE_LABELS.get(inquiry.state, inquiry.state)),
                step=_(STEP_LABELS[step]) if step in STEP_LABELS else step.replace("_", " "),
            ),
            conflict=True,
        )
    return target


def _audit(actor: Actor, inquiry: Inquiry, action: str, summary: str, before=None, after=None) -> None:
    record(
        actor,
        f"inquiry.{action}",
        "inquiry",
        inquiry.id,
        before=before,
        after=after,
        summary=f"{inquiry.number}: {summary}",
    )


# --- opening -----------------------------------------------------------------------------


def earliest_trace_day(plugins: PluginRegistry, order: Order) -> date | None:
    """The first day a trace may be opened (the carrier's rule, counted from dispatch)."""
    carrier = plugins.carrier(order.carrier_code)
    if order.dispatched_at is None or carrier is None:
        return None
    window = carrier.trace_window(order.service_code, order.destination_country)
    return to_local(order.dispatched_at).date() + timedelta(days=window.earliest_day)


def open_inquiry_of(order: Order) -> Inquiry | None:
    return db.session.scalar(select(Inquiry).where(Inquiry.order_id == order.id, Inquiry.state != "closed"))


def latest_inquiry(order: Order) -> Inquiry | None:
    """The open inquiry, or else the last closed one."""
    return db.session.scalar(
        select(Inquiry)
        .where(Inquiry.order_id == order.id)
        .order_by((Inquiry.state == "closed"), Inquiry.id.desc())
        .limit(1)
    )


def inquiries_of(order: Order) -> list[Inquiry]:
    return list(
        db.session.scalars(select(Inquiry).where(Inquiry.order_id == order.id).order_by(Inquiry.id.desc())).unique()
    )


def find_by_number(number: str) -> Inquiry | None:
    return db.session.scalar(select(Inquiry).where(Inquiry.number == number))


def check_can_open(plugins: PluginRegistry, order: Order, today: date) -> None:
    """Refuse an inquiry the rules do not allow yet, saying when it becomes possible."""
    if order.cover is None:
        raise InquiryRefused(
            "order",
            _("order %(order)s has no cover: Coverdesk works inquiries of covered parcels", order=order.order_no),
        )
    # An inquiry follows its carrier's and insurer's rules: none is opened without them.
    plugins.require_carrier(order.carrier_code)
    plugins.require_insurer(order.cover.insurer_code)
    if open_inquiry_of(order) is not None:
        raise InquiryRefused(
            "order",
            _(
                "order %(order)s already has an open inquiry %(inquiry)s",
                order=order.order_no,
                inquiry=open_inquiry_of(order).number,
            ),
            conflict=True,
        )
    if order.dispatched_at is None:
        raise InquiryRefused("order", _("order %(order)s has not been dispatched yet", order=order.order_no))
    if order.tracking_status == "delivered":
        return  # a parcel that arrived damaged or incomplete needs no trace wait
    earliest = earliest_trace_day(plugins, order)
    if earliest is not None and today < earliest:
        carrier = plugins.carrier(order.carrier_code)
        raise InquiryRefused(
            "order",
            _(
                "%(carrier)s accepts a trace for this parcel from %(day)s (dispatched %(dispatched)s)",
                carrier=carrier.name,
                day=earliest.isoformat(),
                dispatched=to_local(order.dispatched_at).date().isoformat(),
            ),
            available_on=earliest,
        )


def requirements(plugins: PluginRegistry, order: Order, kind: str, on: date) -> list[EvidenceRequirement]:
    """The insurer's list for this kind of inquiry, plus what the carrier adds; a kind both
    name is mandatory if either says so, and keeps the insurer's grace rule."""
    insurer = plugins.insurer(order.cover.insurer_code)
    carrier = plugins.carrier(order.carrier_code)
    merged: dict[str, EvidenceRequirement] = {}
    for requirement in [
        *(insurer.evidence_required(kind, on) if insurer else ()),
        *(carrier.evidence_required(kind, order.service_code) if carrier else ()),
    ]:
        earlier = merged.get(requirement.kind)
        if earlier is None:
            merged[requirement.kind] = requirement
        else:
            merged[requirement.kind] = EvidenceRequirement(
                earlier.kind,
                join_texts((earlier.why, requirement.why)),  # both languages, not the page's
                earlier.mandatory or requirement.mandatory,
                earlier.grace,
            )
    return list(merged.values())


def item_reasons(plugins: PluginRegistry, inquiry: Inquiry) -> dict[str, str]:
    """Why each item is needed, as its plugins word it now (a ``Text``: the reader's language),
    where that is still the reason the item was opened with (kept in English); items whose rule
    changed since, or whose plugin cannot be asked, keep their stored words."""
    try:
        current = {r.kind: r.why for r in requirements(plugins, inquiry.order, inquiry.kind, inquiry.asked_on)}
    except PluginProblem:
        return {}
    return {item.kind: current[item.kind] for item in inquiry.items if current.get(item.kind, "")[:400] == item.why}


def open_inquiry(
    plugins: PluginRegistry,
    order: Order,
    data: InquiryInput,
    actor: Actor,
    now: datetime | None = None,
    *,
    make_documents: bool = True,
) -> Inquiry:
    """Open an inquiry from a seller's query, with its checklist and the generated documents
    (made here, or with ``make_documents=False`` left to the caller to ask the job workers for:
    see :func:`request_documents`).

    Raises ``InquiryRefused`` (nothing written) when the rules do not allow it.
    """
    now = now or utcnow()
    check_can_open(plugins, order, to_local(now).date())
    try:
        with db.session.begin_nested():
            inquiry = Inquiry(
                order=order,
                kind=data.kind,
                channel=data.channel,
                asked_on=data.asked_on,
                seller_message=data.seller_message,
                opened_at=now,
                opened_by=actor.label[:120],
                state="opened",
            )
            _apply_dispute(inquiry, data.dispute)
            db.session.add(inquiry)
            db.session.flush()
            inquiry.number = f"INQ-{to_local(now):%Y}-{inquiry.id:06d}"
            for position, requirement in enumerate(requirements(plugins, order, data.kind, data.asked_on)):
                inquiry.items.append(
                    EvidenceItem(
                        position=position,
                        kind=requirement.kind,
                        why=requirement.why[:400],
                        mandatory=requirement.mandatory,
                        generated=requirement.kind in GENERATED_EVIDENCE,
                        grace_days=requirement.grace.days if requirement.grace else None,
                        grace_from=requirement.grace.counted_from if requirement.grace else None,
                        state="missing",
                        changed_at=now,
                    )
                )
            _update_deadlines(inquiry)
            db.session.flush()
            _audit(
                actor,
                inquiry,
                "opened",
                f"{data.kind.replace('_', ' ')} inquiry opened from {data.channel}",
                after={
                    "kind": data.kind,
                    "channel": data.channel,
                    "asked_on": data.asked_on,
                    "items": [item.kind for item in inquiry.items],
                },
            )
            for item in inquiry.items:
                if item.generated and make_documents:
                    generate_document(item, actor, now)
            inquiry_changed.send(inquiry)
    except IntegrityError:
        # Someone else opened one for this order a moment ago (the partial unique index).
        raise InquiryRefused(
            "order", _("order %(order)s already has an open inquiry", order=order.order_no), conflict=True
        ) from None
    return inquiry


def _apply_dispute(inquiry: Inquiry, dispute: DisputeInput | None) -> None:
    inquiry.dispute_platform = dispute.platform if dispute else None
    inquiry.dispute_id = dispute.dispute_id if dispute else None
    inquiry.dispute_opened_on = dispute.opened_on if dispute else None
    inquiry.dispute_respond_by = dispute.respond_by if dispute else None


def set_dispute(inquiry: Inquiry, dispute: DisputeInput | None, actor: Actor) -> None:
    if not inquiry.is_open:
        raise InquiryRefused("state", f"inquiry {inquiry.number} is closed", conflict=True)
    before = _dispute_of(inquiry)
    _apply_dispute(inquiry, dispute)
    _audit(
        actor,
        inquiry,
        "dispute_recorded",
        f"dispute {dispute.platform} {dispute.dispute_id}, respond by {dispute.respond_by}"
        if dispute
        else "dispute removed",
        before=before,
        after=_dispute_of(inquiry),
    )
    inquiry_changed.send(inquiry)


def _dispute_of(inquiry: Inquiry) -> dict:
    return {
        "platform": inquiry.dispute_platform,
        "id": inquiry.dispute_id,
        "opened_on": inquiry.dispute_opened_on,
        "respond_by": inquiry.dispute_respond_by,
    }


# --- the lifecycle -----------------------------------------------------------------------


def request_trace(inquiry: Inquiry, reference: str, actor: Actor, now: datetime | None = None) -> None:
    reference = reference.strip()
    if not reference:
        raise InquiryRefused("trace_reference", _("the carrier's reference for the trace is required"))
    if len(reference) > 64:
        raise InquiryRefused("trace_reference", _("must be at most %(count)s characters", count=64))
    inquiry.state = _step(inquiry, "request_trace")
    inquiry.trace_reference, inquiry.trace_requested_at = reference, now or utcnow()
    _update_deadlines(inquiry)
    _audit(
        actor,
        inquiry,
        "trace_requested",
        f"trace requested, carrier reference {reference}",
        after={"trace_reference": reference},
    )
    inquiry_changed.send(inquiry)


def record_answer(inquiry: Inquiry, outcome: str, actor: Actor, now: datetime | None = None) -> None:
    if outcome not in CARRIER_OUTCOMES:
        raise InquiryRefused("outcome", f"must be one of {', '.join(CARRIER_OUTCOMES)}")
    inquiry.state = _step(inquiry, "record_answer")
    inquiry.carrier_outcome, inquiry.carrier_answered_at = outcome, now or utcnow()
    _update_deadlines(inquiry)
    _audit(
        actor,
        inquiry,
        "carrier_answered",
        f"carrier answered: {CARRIER_OUTCOMES[outcome].lower()}",
        after={"carrier_outcome": outcome},
    )
    inquiry_changed.send(inquiry)


def mark_ready(inquiry: Inquiry, actor: Actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    target = _step(inquiry, "mark_ready")
    problems = Checklist(inquiry, to_local(now).date()).before_claim
    if problems:
        raise InquiryRefused(
            "state", _("not ready for a claim: %(problems)s", problems="; ".join(problems)), conflict=True
        )
    inquiry.state = target
    _audit(actor, inquiry, "ready_for_claim", "evidence complete: ready for a claim")
    inquiry_changed.send(inquiry)


def close(inquiry: Inquiry, reason: str, actor: Actor, now: datetime | None = None) -> None:
    if reason not in CLOSE_REASONS:
        raise InquiryRefused("reason", f"must be one of {', '.join(CLOSE_REASONS)}")
    target = _step(inquiry, "close")
    if reason in ("delivered", "returned") and inquiry.carrier_outcome != reason:
        raise InquiryRefused(
            "reason",
            _(
                "the carrier's answer is not '%(reason)s': record it first, or close the inquiry as withdrawn",
                reason=reason,
            ),
            conflict=True,
        )
    inquiry.state, inquiry.closed_reason, inquiry.closed_at = target, reason, now or utcnow()
    _audit(actor, inquiry, "closed", f"closed: {CLOSE_REASONS[reason].lower()}", after={"closed_reason": reason})
    inquiry_changed.send(inquiry)


def finish(inquiry: Inquiry, reason: str, actor: Actor, now: datetime | None = None) -> bool:
    """End a case whose money is settled (called by the feature that knows the money, never by
    an agent). Idempotent: an inquiry already closed stays as it is and ``False`` is returned."""
    if reason not in FINISH_REASONS:
        raise InquiryRefused("reason", f"must be one of {', '.join(FINISH_REASONS)}")
    if not inquiry.is_open:
        return False
    before = inquiry.state
    inquiry.state, inquiry.closed_reason, inquiry.closed_at = "closed", reason, now or utcnow()
    _audit(
        actor,
        inquiry,
        "finished",
        f"finished: {FINISH_REASONS[reason].lower()}",
        before={"state": before},
        after={"state": "closed", "closed_reason": reason},
    )
    inquiry_changed.send(inquiry)
    return True


def reopen(inquiry: Inquiry, why: str, actor: Actor) -> bool:
    """Undo :func:`finish` when the money it relied on is open again (a settlement reversed):
    the case is back to ready for claim and on the queue. Cases an agent closed stay closed."""
    if inquiry.is_open or inquiry.closed_reason not in FINISH_REASONS:
        return False
    other = db.session.scalar(
        select(Inquiry.number).where(
            Inquiry.order_id == inquiry.order_id, Inquiry.id != inquiry.id, Inquiry.state != "closed"
        )
    )
    if other is not None:  # one open inquiry per order (and the partial unique index says so too)
        raise InquiryRefused(
            "order", _("%(other)s is open on the same order; close it first", other=other), conflict=True
        )
    before = {"state": inquiry.state, "closed_reason": inquiry.closed_reason}
    inquiry.state, inquiry.closed_reason, inquiry.closed_at = "ready_for_claim", None, None
    _audit(actor, inquiry, "reopened", f"reopened: {why}", before=before, after={"state": "ready_for_claim"})
    inquiry_changed.send(inquiry)
    return True


# --- evidence ----------------------------------------------------------------------------


def _grace_start(inquiry: Inquiry, counted_from: str | None) -> datetime | None:
    return {
        "inquiry_opened": inquiry.opened_at,
        "trace_requested": inquiry.trace_requested_at,
        "carrier_answered": inquiry.carrier_answered_at,
    }.get(counted_from or "")


def _update_deadlines(inquiry: Inquiry) -> None:
    """Grace deadlines become known once the event they count from has happened."""
    for item in inquiry.items:
        start = _grace_start(inquiry, item.grace_from)
        if item.grace_days is not None and start is not None:
            item.due_on = to_local(start).date() + timedelta(days=item.grace_days)


def item_of(inquiry: Inquiry, kind: str) -> EvidenceItem:
    for item in inquiry.items:
        if item.kind == kind:
            return item
    needed = ", ".join(item.kind for item in inquiry.items)
    raise InquiryRefused(
        "kind",
        _(
            "inquiry %(number)s does not need %(kind)r (it needs: %(needed)s)",
            number=inquiry.number,
            kind=kind,
            needed=needed,
        ),
    )


def _set_state(item: EvidenceItem, state: str, actor: Actor, now: datetime, reason: str = "") -> dict:
    before = {"state": item.state, "reason": item.reason}
    item.state, item.reason, item.changed_by, item.changed_at = state, reason, actor.label[:120], now
    return before


def review_item(
    inquiry: Inquiry,
    kind: str,
    decision: str,
    actor: Actor,
    *,
    reason: str = "",
    until: date | None = None,
    now: datetime | None = None,
) -> EvidenceItem:
    """Accept, reject (with a reason) or defer (until a date within the grace period) an item."""
    now = now or utcnow()
    if not inquiry.is_open:
        raise InquiryRefused("state", f"inquiry {inquiry.number} is closed", conflict=True)
    item = item_of(inquiry, kind)
    label = str(EVIDENCE_KINDS[kind]) if kind in EVIDENCE_KINDS else kind
    reason = reason.strip()[:300]
    if (decision, item.state) in (("accept", "accepted"), ("reject", "rejected")) and item.reason == reason:
        return item  # the same decision posted twice changes nothing
    if decision == "accept":
        if item.current is None:
            raise InquiryRefused("kind", _("%(document)s: nothing received to accept", document=label))
        if kind == "loss_letter" and not inquiry.letter_confirmed_by:
            raise InquiryRefused("kind", _("%(document)s: confirm the letter's fields first", document=label))
        before, state = _set_state(item, "accepted", actor, now), "accepted"
    elif decision == "reject":
        if not reason:
            raise InquiryRefused("reason", _("say why the document is rejected"))
        before, state = _set_state(item, "rejected", actor, now, reason), "rejected"
    elif decision == "defer":
        if item.grace_days is None:
            raise InquiryRefused(
                "until", _("%(document)s: the insurer wants it with the claim (no grace period)", document=label)
            )
        until = until or item.due_on
        if until is None:
            raise InquiryRefused("until", _("%(document)s: give the date it is expected", document=label))
        if item.due_on is not None and until > item.due_on:
            raise InquiryRefused(
                "until", _("%(document)s: the grace period ends on %(day)s", document=label, day=item.due_on)
            )
        if until < to_local(now).date():
            raise InquiryRefused("until", _("%(day)s has passed", day=until))
        before, state = _set_state(item, "deferred", actor, now, f"expected by {until}"), "deferred"
    else:
        raise InquiryRefused("decision", _("must be accept, reject or defer"))
    _audit(
        actor,
        inquiry,
        f"evidence_{state}",
        f"{label} {state}" + (f": {reason}" if reason else ""),
        before={"kind": kind, **before},
        after={"kind": kind, "state": state, "reason": item.reason},
    )
    inquiry_changed.send(inquiry)
    if state == "accepted":
        evidence_accepted.send(inquiry)
    return item


@dataclass(frozen=True)
class IncomingFile:
    """A checked file ready to attach (see ``portal.uploads``)."""

    data: bytes
    sha256: str
    media_type: str
    original_name: str


def checked_file(upload) -> IncomingFile:
    """An uploaded file (Werkzeug ``FileStorage``) checked by content: type, size, image safety.
    Raises ``portal.uploads.UploadRefused`` naming the file and the reason."""
    from flask import current_app

    data = upload.read()
    checked = check_upload(
        data,
        upload.filename or "",
        current_app.config["UPLOAD_MAX_BYTES"],
        current_app.config["UPLOAD_MAX_PIXELS"],
        current_app.config["MAX_DOCUMENT_PAGES"],
    )
    return IncomingFile(data, checked.sha256, checked.media_type, checked.display_name)


def attach(
    inquiry: Inquiry,
    kind: str,
    file: IncomingFile,
    actor: Actor,
    *,
    source: str,
    plugins: PluginRegistry | None = None,
    now: datetime | None = None,
) -> EvidenceDocument:
    """Add a document version to an item: the file is stored (atomically, by content) before the
    row is written; the same file again on the same item is recognised and not added twice."""

    now = now or utcnow()
    if not inquiry.is_open:
        raise InquiryRefused("state", f"inquiry {inquiry.number} is closed", conflict=True)
    item = item_of(inquiry, kind)
    if item.generated and source != "generated":
        raise InquiryRefused(
            "kind", _("%(document)s is generated by Coverdesk, not uploaded", document=str(EVIDENCE_KINDS[kind]))
        )
    if item.current is not None and item.current.sha256 == file.sha256:
        return item.current  # the same file sent twice
    file_store().put(file.data)
    document = EvidenceDocument(
        sha256=file.sha256,
        size=len(file.data),
        media_type=file.media_type,
        original_name=file.original_name[:255],
        source=source,
        added_at=now,
        added_by=actor.label[:120],
    )
    if kind == "loss_letter" and plugins is not None:
        document.extracted = read_letter(plugins, inquiry, file)
    replaced = item.current
    item.documents.insert(0, document)
    before = _set_state(item, "received", actor, now)
    _audit(
        actor,
        inquiry,
        "evidence_received",
        f"{EVIDENCE_KINDS.get(kind, kind)} {'replaced' if replaced else 'received'}: {document.original_name}",
        before={"kind": kind, **before, "sha256": replaced.sha256 if replaced else None},
        after={"kind": kind, "state": "received", "sha256": file.sha256, "source": source},
    )
    inquiry_changed.send(inquiry)
    return document


def generate_document(item: EvidenceItem, actor: Actor, now: datetime) -> EvidenceDocument:
    """Make one of the portal's own documents from its data and attach it as a new version."""

    inquiry = item.inquiry
    data = generated_pdf(item.kind, inquiry.order, issued_at=now, reference=inquiry.number)
    name = f"{inquiry.number}-{item.kind.replace('_', '-')}.pdf"
    file = IncomingFile(data, hashlib.sha256(data).hexdigest(), "application/pdf", name)
    return attach(inquiry, item.kind, file, actor, source="generated", now=now)


def request_documents(inquiry: Inquiry, actor: Actor, now: datetime, kinds: set[str] | None = None) -> list:
    """Ask the job workers for a new version of the generated documents (all, or ``kinds``).

    One job per item and version: asking again before it is made (a double click, the same API
    call twice) is the same job, never a second document."""
    from ..jobs.services import request_job

    runs = []
    for item in inquiry.items:
        if item.generated and (kinds is None or item.kind in kinds):
            runs.append(
                request_job(
                    "inquiry-document",
                    f"inquiry-document:{item.id}:v{len(item.documents) + 1}",
                    # Issued when asked: a job run again makes the same bytes, hence the same file.
                    {"item_id": item.id, "actor": [actor.kind, actor.ref, actor.label], "at": now.isoformat()},
                    now,
                    subject=f"inquiry:{inquiry.id}",
                    requested_by=actor.label,
                )
            )
    return runs


def regeneration(inquiry: Inquiry, kind: str) -> tuple[EvidenceItem, str]:
    """The generated item ``kind`` and what making it again does (for the confirmation), or
    ``InquiryRefused`` when it may not be made again: not generated by Coverdesk, or the insurer
    already received its current version (that version stays, accepted, with the reason)."""
    item = item_of(inquiry, kind)
    label = str(EVIDENCE_KINDS[kind]) if kind in EVIDENCE_KINDS else kind
    if not item.generated:
        raise InquiryRefused("kind", _("%(document)s is not generated by Coverdesk", document=label))
    if not inquiry.is_open:
        raise InquiryRefused("state", f"inquiry {inquiry.number} is closed", conflict=True)
    sent = sent_to_insurer(inquiry, [item]).get(item.id)
    if sent:
        raise InquiryRefused(
            "kind",
            _(
                "%(document)s is not made again: %(sent)s; the version the insurer has stays %(state)s",
                document=label,
                sent=sent,
                state=item.state_label,
            ),
            conflict=True,
        )
    if item.current is None:
        return item, _("%(document)s will be made.", document=label)
    if item.state == "accepted":
        consequence = _(
            "A new version of the %(document)s replaces version %(version)s, which was accepted by %(name)s: "
            "the new version must be reviewed again.",
            document=label.lower(),
            version=len(item.documents),
            name=item.changed_by or _("staff"),
        )
    else:
        consequence = _(
            "A new version of the %(document)s replaces version %(version)s.",
            document=label.lower(),
            version=len(item.documents),
        )
    return item, consequence


def sent_to_insurer(inquiry: Inquiry, items: list[EvidenceItem] | None = None) -> dict[int, str]:
    """The generated items whose current version the insurer already has (item id -> why), asked
    of the features above (a submitted claim's pack, its supplements)."""
    from .signals import evidence_sent

    found = {}
    for item in items if items is not None else inquiry.items:
        if item.generated and item.current is not None:
            reasons = [reason for _, reason in evidence_sent.send(inquiry, item=item) if reason]
            if reasons:
                found[item.id] = reasons[0]
    return found


def regenerate(inquiry: Inquiry, kind: str, actor: Actor, now: datetime) -> list:
    """Make a generated document again (after new tracking events, say), unless the insurer
    already has it (see :func:`regeneration`)."""
    item, _ = regeneration(inquiry, kind)
    return request_documents(inquiry, actor, now, {item.kind})


def document_jobs(inquiry: Inquiry) -> dict[int, object]:
    """The latest document job of each generated item (item id -> job), for the checklist."""
    from ..jobs.services import runs_for

    return {run.params.get("item_id"): run for run in runs_for(f"inquiry:{inquiry.id}")}


# --- loss letters ------------------------------------------------------------------------


#: A loss letter's fields as the problems name them.
LETTER_FIELDS = {
    "case_reference": N_("case reference"),
    "tracking_no": N_("tracking number"),
    "outcome": N_("outcome"),
    "found_on": N_("found on"),
    "liability": N_("liability"),
}


def letter_problems(plugins: PluginRegistry, inquiry: Inquiry, reading: LossLetterReading) -> list[str]:
    """What in a letter does not fit this inquiry: flagged for the agent, never silently fixed."""
    carrier = plugins.carrier(inquiry.order.carrier_code)
    problems = []
    if reading.tracking_no and reading.tracking_no.replace(" ", "").upper() != inquiry.order.tracking_no.upper():
        problems.append(
            _(
                "the letter is about tracking number %(letter)s, not %(order)s",
                letter=reading.tracking_no,
                order=inquiry.order.tracking_no,
            )
        )
    if reading.outcome and reading.outcome not in CLAIMABLE_OUTCOMES:
        problems.append(
            _(
                "the letter says %(outcome)s, not lost or damaged",
                outcome=str(CARRIER_OUTCOMES[reading.outcome]).lower()
                if reading.outcome in CARRIER_OUTCOMES
                else reading.outcome,
            )
        )
    elif reading.outcome is None and reading.outcome_text:
        problems.append(_("the outcome %(text)r is not one Coverdesk knows", text=reading.outcome_text))
    letter_format = carrier.loss_letter_format if carrier else None
    if reading.case_reference and letter_format and not letter_format.reference_fits(reading.case_reference):
        problems.append(
            _(
                "reference %(reference)s does not fit %(carrier)s's pattern (e.g. %(example)s)",
                reference=reading.case_reference,
                carrier=carrier.name,
                example=letter_format.reference_example,
            )
        )
    problems.extend(
        _("%(field)s not found in the letter", field=_(LETTER_FIELDS.get(field, field.replace("_", " "))))
        for field in reading.missing
    )
    return problems


def read_letter(plugins: PluginRegistry, inquiry: Inquiry, file: IncomingFile) -> dict:
    """The fields read from an uploaded letter and what does not fit, kept with the document."""

    carrier = plugins.carrier(inquiry.order.carrier_code)
    if file.media_type != "application/pdf":
        return {"fields": {}, "problems": [_("an image of a letter: enter the fields by hand")]}
    try:
        text = extract_text(file.data)
    except PdfUnreadable as exc:
        return {"fields": {}, "problems": [str(exc)]}
    if not text.strip():
        return {"fields": {}, "problems": [_("no text found (a scanned letter?): enter the fields by hand")]}
    try:
        reading = carrier.read_loss_letter(text) if carrier else LossLetterReading()
    except PluginFailed as exc:  # the upload is kept; the agent enters the fields by hand
        return {"fields": {}, "problems": [str(exc)]}
    return {"fields": reading_fields(reading), "problems": letter_problems(plugins, inquiry, reading)}


def reading_fields(reading: LossLetterReading) -> dict:
    return {
        "case_reference": reading.case_reference,
        "tracking_no": reading.tracking_no,
        "outcome": reading.outcome,
        "outcome_text": reading.outcome_text,
        "found_on": reading.found_on.isoformat() if reading.found_on else None,
        "liability": str(reading.liability.amount) if reading.liability else None,
        "liability_currency": reading.liability.currency if reading.liability else None,
    }


def confirm_letter(
    plugins: PluginRegistry,
    inquiry: Inquiry,
    *,
    case_reference: str,
    tracking_no: str,
    outcome: str,
    found_on: date | None,
    liability: Money | None,
    actor: Actor,
) -> list[str]:
    """The agent confirms or corrects the letter's fields; returns what still does not fit."""
    if outcome not in CARRIER_OUTCOMES:
        raise InquiryRefused("outcome", f"must be one of {', '.join(CARRIER_OUTCOMES)}")
    item = item_of(inquiry, "loss_letter")
    if item.current is None:
        raise InquiryRefused("kind", _("upload the carrier's letter first"))
    before = {
        "reference": inquiry.letter_reference,
        "tracking_no": inquiry.letter_tracking_no,
        "outcome": inquiry.letter_outcome,
        "found_on": inquiry.letter_found_on,
        "liability": inquiry.letter_liability,
        "currency": inquiry.letter_liability_currency,
    }
    inquiry.letter_reference, inquiry.letter_tracking_no = case_reference.strip(), tracking_no.strip()
    inquiry.letter_outcome, inquiry.letter_found_on = outcome, found_on
    inquiry.letter_liability = liability.amount if liability else None
    inquiry.letter_liability_currency = liability.currency if liability else None
    inquiry.letter_confirmed_by = actor.label[:120]
    problems = letter_problems(
        plugins,
        inquiry,
        LossLetterReading(
            inquiry.letter_reference or None, inquiry.letter_tracking_no or None, outcome, "", found_on, liability
        ),
    )
    _audit(
        actor,
        inquiry,
        "letter_confirmed",
        "loss letter fields confirmed" + (f" ({len(problems)} to check)" if problems else ""),
        before=before,
        after={
            "reference": inquiry.letter_reference,
            "tracking_no": inquiry.letter_tracking_no,
            "outcome": outcome,
            "found_on": found_on,
            "liability": inquiry.letter_liability,
            "currency": inquiry.letter_liability_currency,
            "problems": problems,
        },
    )
    return problems


# --- the trace request -------------------------------------------------------------------


def trace_request(
    plugins: PluginRegistry, inquiry: Inquiry, *, sender_name: str, sender_email: str, today: date
) -> TraceRequestDocument:
    """The trace request in the carrier's own format, filled from the order and its scans."""
    order = inquiry.order
    carrier = plugins.require_carrier(order.carrier_code)
    events = timeline(order)
    last = events[-1] if events else None
    details = TraceDetails(
        order_no=order.order_no,
        tracking_no=order.tracking_no,
        service_code=order.service_code,
        destination_country=order.destination_country,
        declared_value=order.declared,
        contents=order.contents,
        inquiry_kind=inquiry.kind,
        seller_name=order.seller.name,
        sender_name=sender_name,
        sender_email=sender_email,
        requested_on=today,
        dispatched_at=order.dispatched_at,
        handovers=tuple(HandoverScan(e.handover, e.occurred_at, e.location) for e in events if e.handover),
        last_event_at=last.occurred_at if last else None,
        last_event_description=(last.description or last.code or "") if last else "",
        last_event_location=last.location if last else "",
        seller_message=inquiry.seller_message,
        service_name=service.name if (service := carrier.service(order.service_code)) else order.service_code,
        timezone=warehouse_zone().key,
        seller_address=order.seller.address or "",
        seller_phone=order.seller.phone or "",
        recipient_name=order.recipient_name or "",
        recipient_address=order.recipient_address or "",
    )
    with documents.in_language(tuple(carrier.document_languages)):  # the carrier's language, not the agent's
        return carrier.trace_request(details)


def trace_request_pdf(document: TraceRequestDocument) -> bytes:
    return render_pdf(document.html)


def trace_pdf_subject(inquiry: Inquiry) -> str:
    return f"trace-request:{inquiry.id}"


def request_trace_pdf(inquiry: Inquiry, actor: Actor, now: datetime):
    """Ask the job workers for the trace request's printable PDF (the carrier renders it): asking
    again before it is made, or retrying one that failed, is the same job and one file."""
    from ..jobs.services import next_version_key, request_job

    subject = trace_pdf_subject(inquiry)
    return request_job(
        "trace-request",
        next_version_key(subject),
        # Dated as asked: a job run again renders the same letter, hence the same file.
        {"inquiry_id": inquiry.id, "actor": [actor.kind, actor.ref, actor.label], "at": now.isoformat()},
        now,
        subject=subject,
        requested_by=actor.label,
    )


def amount_or_none(text: str, currency: str) -> Money | None:
    text = (text or "").strip()
    return Money(Decimal(text), currency) if text else None
