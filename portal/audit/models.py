from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..db_types import UTCDateTime
from ..extensions import db


class AuditEvent(db.Model):
    """One state change: who did what to which record, with the values before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))  # user, api, cli, system
    actor_ref: Mapped[str] = mapped_column(String(64))  # user id, token id, OS user
    actor_label: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))  # e.g. "order.created"
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(String(300), default="")
    #: Place in the hash chain, and the SHA-256 over the previous event's hash and this event's
    #: canonical content (portal.audit.chain).
    chain_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChain(db.Model):
    """The head of the hash chain: one row, updated in the transaction that appends events, so
    two writers append one after the other and the chain never forks."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    events: Mapped[int] = mapped_column(BigInteger, default=0)
