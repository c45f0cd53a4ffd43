"""The audit trail as a hash chain: each event's hash covers the previous event's hash and its own
canonical content, so changing, removing or reordering any event breaks every hash after it.

Appending is serialised by the chain head, a single row (``audit_chain``) read for update and
written in the same transaction as the events: two writers append one after the other, never from
the same previous hash (on SQLite the write lock does the same). Each event also gets the next
sequence number (``chain_seq``), so a missing event is seen even at the end of the chain.
:func:`verify` walks the chain and names the first event that does not fit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event, inspect, select, text, update
from sqlalchemy.orm import Session

from ..clock import utcnow
from .models import AuditChain, AuditEvent

GENESIS = "0" * 64
CONTENT = (
    "occurred_at",
    "actor_kind",
    "actor_ref",
    "actor_label",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "summary",
)


def _moment(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back UTC without the zone
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_PLAIN = (str, int, float, bool, type(None))


def _is_plain(value, depth: int = 0) -> bool:
    kind = value.__class__
    if kind in _PLAIN:
        return True
    if depth > 8:
        return False
    if kind is dict:
        return all(key.__class__ is str and _is_plain(item, depth + 1) for key, item in value.items())
    if kind is list:
        return all(_is_plain(item, depth + 1) for item in value)
    return False


def _as_stored(value):
    """A value as the JSON column hands it back, cheaply when it is plain already (the usual case)."""
    return value if _is_plain(value) else json.loads(json.dumps(value, default=str))


def canonical(row) -> bytes:
    """An event's content as bytes: sorted keys, no spaces, UTF-8, times in UTC to the microsecond."""
    get = row.get if isinstance(row, dict) else lambda key: getattr(row, key)
    content = {key: get(key) for key in CONTENT}
    content["occurred_at"] = _moment(content["occurred_at"])
    content["summary"] = content["summary"] or ""
    for key in ("before", "after"):  # as the JSON column gives them back (tuples as lists, keys as text)
        content[key] = _as_stored(content[key])
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def link(previous: str, row) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + canonical(row)).hexdigest()


def _lock_head(connection) -> tuple[str, int]:
    """The head, locked until the transaction ends (created at the first event ever)."""
    connection.execute(
        text("INSERT INTO audit_chain (id, last_hash, events) VALUES (1, :genesis, 0) ON CONFLICT (id) DO NOTHING"),
        {"genesis": GENESIS},
    )
    head = connection.execute(
        select(AuditChain.last_hash, AuditChain.events).where(AuditChain.id == 1).with_for_update()
    ).one()
    return head.last_hash, head.events


def seal(connection, rows: list) -> None:
    """Give ``rows`` (dicts or ``AuditEvent`` objects, in the order they are inserted) their
    sequence numbers and hashes, and move the head past them, in the connection's transaction."""
    if not rows:
        return
    previous, count = _lock_head(connection)
    for row in rows:
        count += 1
        if isinstance(row, dict):
            row["chain_seq"], row["hash"] = count, link(previous, row)
            previous = row["hash"]
        else:
            row.chain_seq, row.hash = count, link(previous, row)
            previous = row.hash
    connection.execute(update(AuditChain).where(AuditChain.id == 1).values(last_hash=previous, events=count))


@event.listens_for(Session, "before_flush")
def _seal_new_events(session: Session, _context, _instances) -> None:
    new = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if not new:
        return
    new.sort(key=lambda obj: inspect(obj).insert_order)  # the order they were added: the insert order
    for obj in new:
        if obj.occurred_at is None:
            obj.occurred_at = utcnow()
        if obj.summary is None:
            obj.summary = ""
    seal(session.connection(), new)


@dataclass(frozen=True)
class Verdict:
    checked: int
    broken: str | None  # the first event that does not fit, and why

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(session: Session, batch: int = 5000) -> Verdict:
    """Walk the chain from its start; stop at the first event whose sequence, hash or place is wrong."""
    previous, expected, checked = GENESIS, 1, 0
    rows = session.scalars(
        select(AuditEvent)
        .order_by(AuditEvent.chain_seq.nulls_first(), AuditEvent.id)
        .execution_options(yield_per=batch)
    )
    try:
        for row in rows:
            where = f"event {row.id} ({row.action} at {_moment(row.occurred_at)})"
            if row.chain_seq is None or row.hash is None:
                return Verdict(checked, f"{where} is not in the chain (no sequence number or hash)")
            if row.chain_seq != expected:
                return Verdict(
                    checked, f"{where} has sequence {row.chain_seq}, expected {expected}: events are missing"
                )
            if link(previous, row) != row.hash:
                return Verdict(checked, f"{where}, sequence {row.chain_seq}: its hash does not match its content")
            previous, expected, checked = row.hash, expected + 1, checked + 1
    finally:
        rows.close()
    head = session.execute(select(AuditChain.last_hash, AuditChain.events).where(AuditChain.id == 1)).first()
    head_hash, head_events = (head.last_hash, head.events) if head else (GENESIS, 0)
    if (head_hash, head_events) != (previous, checked):
        return Verdict(
            checked,
            f"the chain head records {head_events} events ending in {head_hash[:12]}…, "
            f"but the trail holds {checked} ending in {previous[:12]}…: events at the end are missing",
        )
    return Verdict(checked, None)
