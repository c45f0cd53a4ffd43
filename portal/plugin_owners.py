"""Which plugin owns each carrier and insurer code in this database.

The first plugin to load a code owns it. Once orders (carrier codes) or covers (insurer codes)
name the code, no other plugin may take it over: a newcomer declaring it is skipped and named,
whatever the loading order, and if the owner itself is not loaded the code stays unloaded (its
records open read-only) rather than pass to a stranger.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from .db_types import UTCDateTime
from .extensions import db
from .plugin_engine import PluginRegistry

log = logging.getLogger(__name__)


class PluginOwner(db.Model):
    __tablename__ = "plugin_owners"

    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # carrier or insurer
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    origin: Mapped[str] = mapped_column(sa.String(300))  # as the engine names it: plugins/<folder>, entry point ...
    since: Mapped[datetime] = mapped_column(UTCDateTime())


def _has_records(kind: str, code: str) -> sa.Exists:
    table, column = ("orders", "carrier_code") if kind == "carrier" else ("covers", "insurer_code")
    records = db.metadata.tables[table]
    return sa.select(records.c.id).where(records.c[column] == code).exists()


def owners_with_records() -> dict[tuple[str, str], str]:
    """``(kind, code) -> origin`` for each owned code that records name; empty before the
    database is migrated (``coverdesk db upgrade`` itself starts the app)."""
    try:
        with db.engine.connect() as connection:
            rows = connection.execute(sa.select(PluginOwner.kind, PluginOwner.code, PluginOwner.origin)).all()
            return {
                (kind, code): origin
                for kind, code, origin in rows
                if connection.scalar(sa.select(_has_records(kind, code)))
            }
    except SQLAlchemyError as exc:
        log.debug("plugin owners not read: %s", exc)
        return {}


def record_owners(reg: PluginRegistry, now: datetime) -> None:
    """Note the origin of every loaded code not yet owned, or owned by another origin while no
    record names it (the owner was replaced before it was used). A race between two starting
    processes is harmless: both would write the same row."""
    loaded = {
        (kind, code): entry.origin
        for kind, table in (("carrier", reg.carriers), ("insurer", reg.insurers))
        for code, entry in table.items()
    }
    try:
        with db.engine.begin() as connection:
            known = {
                (k, c): o
                for k, c, o in connection.execute(sa.select(PluginOwner.kind, PluginOwner.code, PluginOwner.origin))
            }
            for (kind, code), origin in loaded.items():
                if known.get((kind, code)) == origin:
                    continue
                if (kind, code) in known:
                    connection.execute(
                        sa.update(PluginOwner)
                        .where(PluginOwner.kind == kind, PluginOwner.code == code, ~_has_records(kind, code))
                        .values(origin=origin, since=now)
                    )
                else:
                    connection.execute(sa.insert(PluginOwner).values(kind=kind, code=code, origin=origin, since=now))
    except SQLAlchemyError as exc:
        log.debug("plugin owners not recorded: %s", exc)
