"""Finding orders by what staff type: any part of an order number, a tracking number (a seller
quotes its last digits), a seller's code or name; case-insensitive, Chinese included.

Three characters or more match anywhere in those fields, through an index made for it (migration
0014): on PostgreSQL ``pg_trgm`` GIN indexes serving ``ILIKE '%…%'``; on SQLite FTS5 tables
with the ``trigram`` tokenizer (``orders_search``, ``sellers_search``), kept up to date by
triggers on ``orders`` and ``sellers``, so every writer (the services, the bulk import, a
migration) keeps them true. A trigram index cannot look up one or two characters: those match
the start of an order number, tracking number, seller code or name (B-tree indexes), and the
page says to type at least three characters to search within.

What is typed is matched literally: ``%`` and ``_`` are characters, not LIKE wildcards.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, column, literal, or_, select, table, text, union_all
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Session

from ..sellers.models import Seller
from .models import Order

#: Shorter queries match the start of a field only (a trigram index needs three characters).
MIN_SUBSTRING = 3
#: Up to this many matching orders, the search hands the database their ids (sorting a few
#: thousand rows by id is cheaper than walking the newest orders testing each); beyond it the
#: matches are dense enough that walking the newest orders finds a page at once.
SEARCH_IDS = 2000
#: Up to this many matching sellers, their ids; beyond it, the sellers' condition as a subquery.
SELLER_IDS = 500
#: Up to this many matching sellers, the orders list reads their newest orders off the seller
#: index; beyond it, the newest orders testing their seller.
SELLERS_BY_INDEX = 20

#: The database objects of the search that the models do not describe (the schema test and
#: autogenerate leave them alone; ``tests/test_search.py`` checks they exist): SQLite's FTS5
#: virtual tables, their shadow tables and triggers; PostgreSQL's trigram GIN indexes, which
#: need an operator class from an extension and which SQLite has no form of.
SQLITE_TABLES = ("orders_search", "sellers_search")
FTS5_SHADOWS = ("_data", "_idx", "_docsize", "_config", "_content")
SQLITE_TRIGGERS = (
    "orders_search_insert",
    "orders_search_delete",
    "orders_search_update",
    "sellers_search_insert",
    "sellers_search_delete",
    "sellers_search_update",
)
POSTGRES_INDEXES = ("ix_orders_order_no_trgm", "ix_orders_tracking_no_trgm", "ix_sellers_search_trgm")


def is_search_object(name: str | None) -> bool:
    """Whether a table or index is one of the search's own (not described by the models)."""
    if not name:
        return False
    if name in POSTGRES_INDEXES:
        return True
    return any(name == table or name in {table + shadow for shadow in FTS5_SHADOWS} for table in SQLITE_TABLES)


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: autogenerate and the schema test leave the search's own
    objects alone (found in the database, absent from the models by design)."""
    return not (reflected and compare_to is None and is_search_object(name))


def like_pattern(query: str) -> str:
    """``%query%`` with LIKE's own characters escaped (escape character ``\\``)."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(query: str) -> str:
    """``query`` as one FTS5 phrase: any characters, matched as typed (quotes doubled)."""
    return '"' + query.replace('"', '""') + '"'


@dataclass(frozen=True)
class Match:
    """What ``query`` matches: the orders' and the sellers' ids when there are few, else the
    conditions that find them (``None`` ids), so a caller can filter its own table by them."""

    order_ids: list[int] | None
    order_clauses: list  # conditions on Order, OR-ed; used when order_ids is None
    order_select: Select  # the matching orders' ids, for another table; used when order_ids is None
    seller_ids: list[int] | None
    seller_select: Select | None  # used when seller_ids is None

    @property
    def narrow(self) -> bool:
        return self.order_ids is not None and self.seller_ids is not None

    def conditions(self, order_id=None, seller_id=None) -> list:
        """Conditions (to be OR-ed) on a table with an order id and a seller id column (the
        orders' own by default); never empty: nothing matching gives a false condition."""
        order_id = Order.id if order_id is None else order_id
        seller_id = Order.seller_id if seller_id is None else seller_id
        found = []
        if self.order_ids is None:
            found += self.order_clauses if order_id is Order.id else [order_id.in_(self.order_select)]
        elif self.order_ids:
            found.append(order_id.in_(self.order_ids))
        if seller_id is Order.seller_id:
            # Many sellers' orders are many: the newest orders, read in their index's order,
            # find a page among them at once, where reading each seller's orders and sorting
            # them all cost 0.1-1.4 s at 1,000,000 orders (84-1,100 sellers). "+ 0" keeps the
            # database off the seller index. (``order_conditions`` reads a few sellers' newest.)
            seller_id = seller_id + 0
        if self.seller_ids is None:
            found.append(seller_id.in_(self.seller_select))
        elif self.seller_ids:
            found.append(seller_id.in_(self.seller_ids))
        return found or [sa_false()]


def match(session: Session, query: str) -> Match:
    """The orders and sellers ``query`` matches, as the module describes."""
    query = (query or "").strip()
    if len(query) < MIN_SUBSTRING:
        clauses = _prefix_conditions(query)
        matching = _orders(clauses)
    else:
        pattern = like_pattern(query)
        clauses = [Order.order_no.ilike(pattern, escape="\\"), Order.tracking_no.ilike(pattern, escape="\\")]
        matching = _matching_orders(session, query)
    # Both look-ups in one statement (a tag tells their ids apart): a round trip less.
    orders_part = matching.limit(SEARCH_IDS + 1).subquery()
    sellers_part = seller_ids_matching(session, query, SELLER_IDS + 1).subquery()
    ids, sellers = [], []
    for seller, found_id in session.execute(
        union_all(
            select(literal(0).label("seller"), orders_part.c[0].label("id")),
            select(literal(1), sellers_part.c[0]),
        )
    ):
        (sellers if seller else ids).append(found_id)
    many_sellers = len(sellers) > SELLER_IDS
    return Match(
        ids if len(ids) <= SEARCH_IDS else None,
        clauses,
        matching,
        None if many_sellers else sellers,
        seller_ids_matching(session, query) if many_sellers else None,
    )


def order_conditions(session: Session, query: str, newest: int | None = None) -> list:
    """Conditions on ``Order`` (to be OR-ed) matching ``query`` as the module describes.

    ``newest``: the caller lists orders newest first and needs this many; then the orders of a
    few matching sellers are read newest first off the seller index, each seller's on its own,
    and join the matching orders' ids, where the database had read all of their orders to sort
    them."""
    found = match(session, query)
    if newest and found.narrow and len(found.seller_ids) <= SELLERS_BY_INDEX:
        if not found.seller_ids:
            return [Order.id.in_(found.order_ids)] if found.order_ids else [sa_false()]
        # Inside the caller's statement (a round trip less): each seller's newest orders,
        # then the matching orders by id.
        parts = _newest_of_sellers(found.seller_ids, newest)
        if found.order_ids:
            parts.append(select(Order.id, Order.created_at).where(Order.id.in_(found.order_ids)))
        merged = union_all(*parts).subquery()
        # Only the newest of them: the caller then reads and joins a page's worth of orders.
        newest_ids = select(merged.c.id).order_by(merged.c.created_at.desc(), merged.c.id.desc()).limit(newest)
        return [Order.id.in_(newest_ids)]
    return found.conditions()


def _newest_of_sellers(seller_ids: list[int], newest: int) -> list[Select]:
    """The ids of each seller's ``newest`` orders, each read off the seller index on its own.
    Asked for all the sellers' newest at once, both databases read every order of every seller
    and sorted them (15 ms for 11 sellers' 5,500 orders on PostgreSQL)."""
    each = [
        select(Order.id, Order.created_at)
        .where(Order.seller_id == seller_id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(newest)
        .subquery()
        for seller_id in seller_ids
    ]
    return [select(part.c.id, part.c.created_at) for part in each]


def _orders(clauses: list) -> Select:
    return select(Order.id).where(or_(*clauses))


def _prefix_conditions(query: str) -> list:
    """The start of an order or tracking number: a range instead of LIKE 'x%', so the plain
    B-tree index is used on SQLite and PostgreSQL alike."""
    upper = query.upper()
    conditions = [
        Order.order_no.between(query, query + "\uffff"),
        Order.tracking_no.between(upper, upper + "\uffff"),
    ]
    if upper != query:
        conditions.append(Order.order_no.between(upper, upper + "\uffff"))
    return conditions


def _matching_orders(session: Session, query: str) -> Select:
    """The ids of the orders whose number or tracking number holds ``query`` (3 characters or
    more), through the trigram index."""
    if session.get_bind().dialect.name == "sqlite":
        fts = table("orders_search", column("rowid"))
        return select(fts.c.rowid).where(
            text("orders_search MATCH :order_phrase").bindparams(order_phrase=fts_phrase(query))
        )
    pattern = like_pattern(query)
    return select(Order.id).where(
        or_(Order.order_no.ilike(pattern, escape="\\"), Order.tracking_no.ilike(pattern, escape="\\"))
    )


def seller_ids_matching(session: Session, query: str, limit: int | None = None):
    """A select of the ids of sellers whose code or name holds ``query`` (or starts with it,
    for one or two characters), at most ``limit`` of them."""
    statement = _seller_ids(session, query)
    return statement if limit is None else statement.limit(limit)


def _seller_ids(session: Session, query: str):
    if len(query) < MIN_SUBSTRING:
        upper = query.upper()
        condition = or_(
            Seller.code.between(query, query + "\uffff"),
            Seller.code.between(upper, upper + "\uffff"),
            Seller.name.between(query, query + "\uffff"),
        )
        return select(Seller.id).where(condition)
    if session.get_bind().dialect.name == "sqlite":
        fts = table("sellers_search", column("rowid"))
        return select(fts.c.rowid).where(
            text("sellers_search MATCH :seller_phrase").bindparams(seller_phrase=fts_phrase(query))
        )
    pattern = like_pattern(query)
    return select(Seller.id).where(
        or_(Seller.code.ilike(pattern, escape="\\"), Seller.name.ilike(pattern, escape="\\"))
    )
