"""Advances' jobs: the seller statement's PDF."""

from __future__ import annotations

from datetime import date, datetime

from ..clock import to_local
from ..extensions import db
from ..jobs.services import GiveUp, JobFile, asked_at, handler


@handler("seller-statement")
def seller_statement(params: dict, now: datetime) -> JobFile:
    from ..sellers.models import Seller
    from .reports import statement_pdf

    seller = db.session.get(Seller, params["seller_id"])
    if seller is None:
        raise GiveUp(f"seller {params['seller_id']} no longer exists")
    start, end = date.fromisoformat(params["from"]), date.fromisoformat(params["to"])
    pdf = statement_pdf(seller, start, end, to_local(asked_at(params, now)).date())
    return JobFile(
        f"{seller.code}: statement {start} to {end} ({len(pdf)} bytes)",
        pdf,
        f"statement-{seller.code}-{start}-{end}.pdf",
    )
