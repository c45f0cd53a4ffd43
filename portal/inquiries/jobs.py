"""Inquiries' jobs: the documents Coverdesk makes for an inquiry (delivery record, certificate, ...)
and the printable trace request its carrier renders."""

from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..jobs.services import GiveUp, JobFile, actor_of, asked_at, handler


@handler("inquiry-document")
def inquiry_document(params: dict, now: datetime) -> str:
    from .models import EvidenceItem
    from .services import generate_document

    item = db.session.get(EvidenceItem, params["item_id"])
    if item is None:
        raise LookupError(f"evidence item {params['item_id']} no longer exists")
    document = generate_document(item, actor_of(params, "documents"), asked_at(params, now))
    return f"{item.inquiry.number}: {item.kind.replace('_', ' ')} ({document.size} bytes)"


@handler("trace-request")
def trace_request(params: dict, now: datetime) -> JobFile:
    from flask import current_app

    from ..clock import to_local
    from ..plugin_engine import PluginProblem, registry
    from .models import Inquiry
    from .services import trace_request, trace_request_pdf

    inquiry = db.session.get(Inquiry, params["inquiry_id"])
    if inquiry is None:
        raise GiveUp(f"inquiry {params['inquiry_id']} no longer exists")
    config = current_app.config
    try:
        letter = trace_request(
            registry(),
            inquiry,
            sender_name=config["WAREHOUSE_NAME"],
            sender_email=config["WAREHOUSE_EMAIL"],
            today=to_local(asked_at(params, now)).date(),
        )
    except PluginProblem as exc:  # the carrier's plugin is missing or refuses: staff mend it, then retry
        raise GiveUp(f"{inquiry.number}: {exc}") from exc
    pdf = trace_request_pdf(letter)
    return JobFile(f"{inquiry.number}: trace request ({len(pdf)} bytes)", pdf, f"{inquiry.number}-trace-request.pdf")
