"""Sellers are registered by the ordering system; the latest name and e-mail it sends win, and
the latest postal address and phone it sends (an order without them leaves them as they were)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from ..audit.services import Actor, event_row, record, record_many
from ..clock import utcnow
from ..extensions import db
from .models import Seller


@dataclass(frozen=True)
class SellerInput:
    """A seller as the ordering system names it (checked by the order's validation)."""

    code: str
    name: str
    email: str
    address: str = ""  # postal address, lines joined by newlines; "" when not sent
    phone: str = ""

    def changes(self, seller: Seller) -> tuple[dict, dict]:
        """``(before, after)`` of the details this input would change on ``seller``."""
        after = {"name": self.name, "email": self.email}
        after |= {"address": self.address} if self.address else {}
        after |= {"phone": self.phone} if self.phone else {}
        before = {key: getattr(seller, key) for key in after}
        changed = [key for key in after if before[key] != after[key]]
        return {key: before[key] for key in changed}, {key: after[key] for key in changed}

    def details(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "email": self.email,
            "address": self.address or None,
            "phone": self.phone or None,
        }


def ensure_seller(data: SellerInput, actor: Actor) -> Seller:
    """Return the seller with ``data.code``, registering it or updating its details.

    Orders for a new seller may arrive at the same moment: the insert runs in a savepoint, and the
    one that loses the race to the unique code reads the winner's row instead of failing."""
    seller = db.session.scalar(select(Seller).where(Seller.code == data.code))
    if seller is None:
        try:
            with db.session.begin_nested():
                seller = Seller(**data.details())
                db.session.add(seller)
                db.session.flush()
                record(
                    actor,
                    "seller.registered",
                    "seller",
                    seller.id,
                    after=data.details(),
                    summary=f"seller {data.code} registered",
                )
            return seller
        except IntegrityError:
            seller = db.session.scalar(select(Seller).where(Seller.code == data.code))
            if seller is None:
                raise
    before, after = data.changes(seller)
    if after:
        for key, value in after.items():
            setattr(seller, key, value)
        record(
            actor,
            "seller.updated",
            "seller",
            seller.id,
            before=before,
            after=after,
            summary=f"seller {data.code} details updated",
        )
    return seller


def ensure_sellers(inputs: dict[str, SellerInput], actor: Actor) -> dict[str, int]:
    """Bulk form of :func:`ensure_seller`: returns seller ids by code."""
    ids: dict[str, int] = {}
    codes = list(inputs)
    existing = {}
    for start in range(0, len(codes), 500):
        for seller in db.session.scalars(select(Seller).where(Seller.code.in_(codes[start : start + 500]))):
            existing[seller.code] = seller
    new_rows = []
    for code, data in inputs.items():
        seller = existing.get(code)
        if seller is None:
            new_rows.append({**data.details(), "created_at": utcnow()})
            continue
        if data.changes(seller)[1]:
            ensure_seller(data, actor)  # rare: details changed; audited one by one
        ids[code] = seller.id
    if new_rows:
        # ON CONFLICT DO NOTHING: an order posted through the API may register the same new seller
        # while this batch is written; its row is then read back like any existing one.
        table, connection = Seller.__table__, db.session.connection()
        dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
        created = dict(
            connection.execute(
                dialect_insert(table)
                .on_conflict_do_nothing(index_elements=["code"])
                .returning(table.c.code, table.c.id),
                new_rows,
            ).all()
        )
        ids.update(created)
        raced = [row["code"] for row in new_rows if row["code"] not in created]
        if raced:
            for seller in db.session.scalars(select(Seller).where(Seller.code.in_(raced))):
                ensure_seller(inputs[seller.code], actor)
                ids[seller.code] = seller.id
        record_many(
            event_row(
                actor,
                "seller.registered",
                "seller",
                seller_id,
                after=inputs[code].details(),
                summary=f"seller {code} registered",
            )
            for code, seller_id in created.items()
        )
    return ids
