"""Claims follow the evidence of their inquiry and the calendars entered, and show their part of\nthe inquiry page."""

from __future__ import annotations

from ..calendars.signals import calendar_entered
from ..clock import to_local
from ..inquiries.signals import evidence_accepted, evidence_sent, inquiry_page
from ..plugin_engine import registry
from ..web import Panel
from .forms import CreateClaimForm
from .services import claim_of, fill_pending_due_dates, note_supplements


def _accepted(inquiry, **_):
    note_supplements(inquiry)


def _sent(inquiry, *, item, **_) -> str | None:
    """Whether the insurer has the item's current version: in the pack of the submitted claim
    (made before it was submitted), or as a supplement sent after."""
    claim, document = claim_of(inquiry), item.current
    if claim is None or claim.submitted_at is None or document is None:
        return None
    if any(supplement.document_id == document.id for supplement in claim.supplements):
        return f"version {len(item.documents)} went to the insurer as a supplement to claim {claim.number}"
    if document.added_at <= claim.submitted_at:
        submitted = to_local(claim.submitted_at).strftime("%Y-%m-%d %H:%M")
        return f"the insurer received version {len(item.documents)} with claim {claim.number} (submitted {submitted})"
    return None


def _calendar_entered(calendar, *, actor, **_):
    fill_pending_due_dates(registry(), actor)


def _inquiry_panel(inquiry, **_) -> Panel:
    # Drawn inside the inquiry's steps card (the claim is the step after "ready for claim").
    return Panel("", {"claim": claim_of(inquiry), "claim_form": CreateClaimForm()})


def connect() -> None:
    evidence_accepted.connect(_accepted, weak=False)
    evidence_sent.connect(_sent, weak=False)
    inquiry_page.connect(_inquiry_panel, weak=False)
    calendar_entered.connect(_calendar_entered, weak=False)
