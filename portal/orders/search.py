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

from sqlalchemy import column, func, or_, select, table, text
from sqlalchemy.orm import Session

from ..sellers.models import Seller
from .models import Order

#: Shorter queries match the start of a field only (a trigram index needs three characters).
MIN_SUBSTRING = 3
#: Up to this many matching orders, the search hands the database their ids (sorting a few
#: thousand rows by id is cheaper than walking the newest orders testing each); beyond it the
#: matches are dense enough that walking the newest orders finds a page at once.
SEARCH_IDS = 5000
#: Up to this many matching sellers, their ids; beyond it, the sellers' condition as a subquery.
SELLER_IDS = 500

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


def order_conditions(session: Session, query: str) -> list:
    """Conditions on ``Order`` (to be OR-ed) matching ``query`` as the module describes."""
    query = (query or "").strip()
    if not query:
        return []
    if len(query) < MIN_SUBSTRING:
        conditions = _prefix_conditions(query)
    else:
        ids = _matching_order_ids(session, query, SEARCH_IDS + 1)
        if len(ids) <= SEARCH_IDS:
            conditions = [Order.id.in_(ids)] if ids else []
        else:
            pattern = like_pattern(query)
            conditions = [
                Order.order_no.ilike(pattern, escape="\\"),
                Order.tracking_no.ilike(pattern, escape="\\"),
            ]
    sellers = _seller_condition(session, query)
    if sellers is not None:
        conditions.append(sellers)
    if not conditions:
        conditions.append(Order.id.is_(None))  # nothing matches; still a condition to give
    return conditions


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


def _matching_order_ids(session: Session, query: str, limit: int) -> list[int]:
    if session.get_bind().dialect.name == "sqlite":
        statement = text("SELECT rowid FROM orders_search WHERE orders_search MATCH :phrase LIMIT :limit")
        return list(session.scalars(statement, {"phrase": fts_phrase(query), "limit": limit}))
    pattern = like_pattern(query)
    statement = (
        select(Order.id)
        .where(or_(Order.order_no.ilike(pattern, escape="\\"), Order.tracking_no.ilike(pattern, escape="\\")))
        .limit(limit)
    )
    return list(session.scalars(statement))


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
            func.lower(Seller.code) == query.lower(),
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


def _seller_condition(session: Session, query: str):
    ids = list(session.scalars(seller_ids_matching(session, query, SELLER_IDS + 1)))
    if not ids:
        return None
    if len(ids) <= SELLER_IDS:
        return Order.seller_id.in_(ids)
    return Order.seller_id.in_(seller_ids_matching(session, query))
