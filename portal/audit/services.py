"""The audit trail: every service that changes state calls :func:`record` in its transaction."""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ..bulk import bulk_insert
from ..clock import utcnow
from ..extensions import db
from .chain import seal
from .models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user, an API integration, a CLI operator or the system itself."""

    kind: str  # "user", "api", "cli", "system"
    ref: str
    label: str

    @classmethod
    def cli(cls) -> Actor:
        try:
            who = getpass.getuser()
        except Exception:  # no login name in some containers
            who = "unknown"
        return cls("cli", who, f"{who} (command line)")

    @classmethod
    def system(cls, what: str = "system") -> Actor:
        return cls("system", what, what)


def jsonable(value: Any) -> Any:
    """Audit values as JSON: Decimals and dates become text so nothing is rounded."""
    kind = value.__class__
    if kind is str or kind is int or value is None:
        return value
    if kind is dict:
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


def event_row(
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id,
    *,
    before=None,
    after=None,
    summary: str = "",
    when: datetime | None = None,
) -> dict:
    return {
        "occurred_at": when or utcnow(),
        "actor_kind": actor.kind,
        "actor_ref": str(actor.ref),
        "actor_label": actor.label[:120],
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "before": jsonable(before),
        "after": jsonable(after),
        "summary": summary[:300],
    }


def record(
    actor: Actor, action: str, entity_type: str, entity_id, *, before=None, after=None, summary: str = ""
) -> AuditEvent:
    """Add one audit event to the current transaction (committed with the change it describes)."""
    event = AuditEvent(**event_row(actor, action, entity_type, entity_id, before=before, after=after, summary=summary))
    db.session.add(event)
    return event


def record_many(rows: Iterable[dict]) -> None:
    """Bulk form of :func:`record` for imports; rows come from :func:`event_row`."""
    rows = list(rows)
    if rows:
        connection = db.session.connection()
        seal(connection, rows)
        bulk_insert(connection, AuditEvent.__table__, rows)


def history(entity_type: str, entity_ids: Iterable) -> list[AuditEvent]:
    """Events about the given records, newest first (by when they happened, then as recorded)."""
    ids = [str(entity_id) for entity_id in entity_ids]
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id.in_(ids))
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        )
    )


def in_time_order(*histories: list[AuditEvent]) -> list[AuditEvent]:
    """Several records' histories as one, newest first: a page that shows a claim with its
    advance tells one story, not two lists one after the other."""
    events = [event for events in histories for event in events]
    return sorted(events, key=lambda event: (event.occurred_at, event.id), reverse=True)
