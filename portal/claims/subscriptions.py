"""Claims follow the evidence of their inquiry and the calendars entered, and show their part of\nthe inquiry page."""

from __future__ import annotations

from ..calendars.signals import calendar_entered
from ..inquiries.signals import evidence_accepted, inquiry_page
from ..plugin_engine import registry
from ..web import Panel
from .forms import CreateClaimForm
from .services import claim_of, fill_pending_due_dates, note_supplements


def _accepted(inquiry, **_):
    note_supplements(inquiry)


def _calendar_entered(calendar, *, actor, **_):
    fill_pending_due_dates(registry(), actor)


def _inquiry_panel(inquiry, **_) -> Panel:
    # Drawn inside the inquiry's steps card (the claim is the step after "ready for claim").
    return Panel("", {"claim": claim_of(inquiry), "claim_form": CreateClaimForm()})


def connect() -> None:
    evidence_accepted.connect(_accepted, weak=False)
    inquiry_page.connect(_inquiry_panel, weak=False)
    calendar_entered.connect(_calendar_entered, weak=False)
