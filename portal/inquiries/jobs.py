"""Inquiries' jobs: the documents Coverdesk makes for an inquiry (delivery record, certificate, ...)."""

from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..jobs.services import actor_of, asked_at, handler


@handler("inquiry-document")
def inquiry_document(params: dict, now: datetime) -> str:
    from .models import EvidenceItem
    from .services import generate_document

    item = db.session.get(EvidenceItem, params["item_id"])
    if item is None:
        raise LookupError(f"evidence item {params['item_id']} no longer exists")
    document = generate_document(item, actor_of(params, "documents"), asked_at(params, now))
    return f"{item.inquiry.number}: {item.kind.replace('_', ' ')} ({document.size} bytes)"
