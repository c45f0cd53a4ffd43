"""Claims follow the evidence of their inquiry, and show their part of the inquiry page."""

from __future__ import annotations

from ..inquiries.signals import evidence_accepted, inquiry_page
from ..web import Panel
from .forms import CreateClaimForm
from .services import claim_of, note_supplements


def _accepted(inquiry, **_):
    note_supplements(inquiry)


def _inquiry_panel(inquiry, **_) -> Panel:
    # Drawn inside the inquiry's steps card (the claim is the step after "ready for claim").
    return Panel("", {"claim": claim_of(inquiry), "claim_form": CreateClaimForm()})


def connect() -> None:
    evidence_accepted.connect(_accepted, weak=False)
    inquiry_page.connect(_inquiry_panel, weak=False)
