"""Advances follow the claims they were paid against (a rejection, the insurer's payment), and show\ntheir panel on the claim page."""

from __future__ import annotations

from flask_login import current_user

from ..audit.services import history
from ..claims.signals import claim_changed, claim_page, claim_paid, claim_rejected
from ..plugin_engine import registry
from ..web import Panel, page_form
from . import ledger
from .finishing import finish_if_settled
from .forms import AmountForm, PayForm, ReasonForm
from .services import advance_of, on_claim_rejected, refusal, settle_insurer_payment
from .signals import advance_changed, ledger_booked


def _rejected(claim, *, actor, **_):
    on_claim_rejected(claim, actor)


def _maybe_finished(claim, *, actor=None, **_):
    finish_if_settled(claim, actor)


def _advance_changed(advance, *, actor=None, **_):
    finish_if_settled(advance.claim, actor)


def _paid(claim, *, payment, actor, accept_difference, **_):
    settle_insurer_payment(claim, payment, actor, accept_difference=accept_difference)


def _claim_panel(claim, *, today, **_) -> Panel:
    advance = advance_of(claim)
    balances = ledger.balances(claim_id=claim.id, currency=claim.currency)
    return Panel(
        "advances/_claim_panel.html",
        {
            "advance": advance,
            "advance_refusal": refusal(registry(), claim, today),
            "balances": {
                account: balances[(account, claim.currency)]
                for account in ("advances", "seller_receivable", "seller_payable", "write_offs")
            },
            "request_form": page_form("advance-request", AmountForm),
            "recovery_form": page_form("advance-recovery", AmountForm),
            "decline_form": page_form("advance-decline", ReasonForm),
            "advance_pay_form": page_form("advance-pay", PayForm),
            "writeoff_form": page_form("advance-write-off", ReasonForm),
            "is_supervisor": current_user.has_role("supervisor"),
            "me": current_user.id,
            "panel_events": history("advance", [advance.id]) if advance else [],
        },
    )


def connect() -> None:
    claim_rejected.connect(_rejected, weak=False)
    claim_page.connect(_claim_panel, weak=False)
    # A case ends after whichever of these comes last (each check is idempotent).
    for signal in (claim_changed, ledger_booked):
        signal.connect(_maybe_finished, weak=False)
    advance_changed.connect(_advance_changed, weak=False)
    claim_paid.connect(_paid, weak=False)
