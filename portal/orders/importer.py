"""CSV import of orders: the API's fields, flattened; one report line per bad row.

Rows are checked with the same rules as the API, then written in batches with bulk inserts.
A batch is one transaction and holds whole rows only (order, cover and audit together), so a row
is never half-written; re-importing a file skips the orders already there.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, Iterator, TextIO

from sqlalchemy import insert, select

from ..audit.services import Actor, event_row, record_many
from ..clock import utcnow
from ..cover.models import Cover
from ..cover.services import cover_summary, cover_values
from ..extensions import db
from ..plugin_engine import PluginRegistry
from ..sellers.services import ensure_sellers
from .models import Order
from .services import order_summary, order_values, price_cover
from .validation import OrderInput, ValidationFailed, parse_order

COLUMNS = (
    "order_no", "seller_code", "seller_name", "seller_email", "carrier", "service", "tracking_no",
    "destination_country", "declared_value", "currency", "contents", "category", "dispatched_at",
    "cover_insurer", "cover_insured_value",
)
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c not in ("dispatched_at", "cover_insurer", "cover_insured_value"))
#: API field path -> CSV column, so errors name the column the person sees.
API_TO_COLUMN = {"seller.code": "seller_code", "seller.name": "seller_name", "seller.email": "seller_email",
                 "cover.insurer": "cover_insurer", "cover.insured_value": "cover_insured_value",
                 "seller": "seller_code", "cover": "cover_insurer"}
BATCH_SIZE = 5000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, header)."""


@dataclass
class RowError:
    line: int
    field: str
    reason: str
    order_no: str = ""

    def __str__(self) -> str:
        who = f" (order {self.order_no})" if self.order_no else ""
        return f"line {self.line}{who}: {self.field}: {self.reason}"


@dataclass
class ImportReport:
    created: int = 0
    with_cover: int = 0
    already_present: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.already_present + len({e.line for e in self.errors})


def row_to_payload(row: dict[str, str]) -> dict:
    """A CSV row in the API's shape; empty cover columns mean no cover."""
    payload = {key: row.get(key, "") for key in COLUMNS if not key.startswith(("seller_", "cover_"))}
    payload["seller"] = {"code": row.get("seller_code", ""), "name": row.get("seller_name", ""),
                         "email": row.get("seller_email", "")}
    insurer, insured = (row.get("cover_insurer") or "").strip(), (row.get("cover_insured_value") or "").strip()
    if insurer or insured:
        payload["cover"] = {"insurer": insurer, "insured_value": insured}
    return payload


def read_rows(stream: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row); refuse a file without the required columns."""
    reader = csv.DictReader(stream)
    try:
        header = reader.fieldnames
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise ImportFileError(f"line 1: {exc}") from None
    if not header:
        raise ImportFileError("the file is empty; the first line must name the columns")
    header = [name.strip().lstrip("\ufeff") for name in header]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(f"line 1: missing column(s) {', '.join(missing)}")
    doubled = sorted({c for c in header if header.count(c) > 1})
    if doubled:
        raise ImportFileError(f"line 1: column(s) named twice: {', '.join(doubled)}")
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise ImportFileError(f"line 1: unknown column(s) {', '.join(unknown)}; expected {', '.join(COLUMNS)}")
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                yield line, {"__error__": f"has {len(header) + len(row[None])} fields; the header has {len(header)}"}
                continue
            if not any((value or "").strip() for value in row.values()):
                continue  # blank line
            yield line, row
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"after line {line}: the file is not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise ImportFileError(f"line {line + 1}: {exc}") from None


def import_orders(plugins: PluginRegistry, stream: TextIO, actor: Actor, *, source: str = "csv",
                  progress: Callable[[int], None] | None = None, now: datetime | None = None) -> ImportReport:
    """Import every good row of ``stream`` and report each bad one. Commits batch by batch.

    ``progress`` is called with the number of rows handled since its last call.
    """
    report = ImportReport()
    seen: dict[str, tuple[int, str]] = {}  # order_no -> (line, fingerprint) within this file
    repeats: list[tuple[int, str, int]] = []  # exact repeats: (line, order_no, line of the first)
    batch: list[tuple[int, OrderInput]] = []
    handled = 0

    def flush() -> None:
        nonlocal batch, handled
        if batch:
            _write_batch(plugins, batch, actor, source, now or utcnow(), report)
        if progress:
            progress(handled)
        batch, handled = [], 0

    for line, row in read_rows(stream):
        handled += 1
        if "__error__" in row:
            report.errors.append(RowError(line, "row", row["__error__"]))
            continue
        try:
            data = parse_order(row_to_payload(row), plugins)
        except ValidationFailed as exc:
            order_no = (row.get("order_no") or "").strip()
            report.errors.extend(RowError(line, API_TO_COLUMN.get(f, f), reason, order_no)
                                 for f, reason in exc.errors.items())
            continue
        first = seen.get(data.order_no)
        if first is None:
            seen[data.order_no] = (line, data.fingerprint)
            batch.append((line, data))
            if len(batch) >= BATCH_SIZE:
                flush()
        elif first[1] == data.fingerprint:
            repeats.append((line, data.order_no, first[0]))
        else:
            report.errors.append(RowError(line, "order_no", f"repeats line {first[0]} with different details",
                                          data.order_no))
    flush()
    # An exact repeat is harmless only if the row it repeats was imported (or already there).
    failed_lines = {error.line for error in report.errors}
    for line, order_no, first_line in repeats:
        if first_line in failed_lines:
            report.errors.append(RowError(line, "order_no", f"repeats line {first_line}, which was not imported",
                                          order_no))
        else:
            report.already_present += 1
    return report


def import_text(plugins: PluginRegistry, text: str, actor: Actor, **kwargs) -> ImportReport:
    return import_orders(plugins, io.StringIO(text, newline=""), actor, **kwargs)


def _write_batch(plugins: PluginRegistry, batch: list[tuple[int, OrderInput]], actor: Actor, source: str,
                 now: datetime, report: ImportReport) -> None:
    numbers = [data.order_no for _, data in batch]
    stored: dict[str, str] = {}
    for start in range(0, len(numbers), 1000):
        chunk = numbers[start:start + 1000]
        stored.update(db.session.execute(select(Order.order_no, Order.fingerprint)
                                         .where(Order.order_no.in_(chunk))).all())
    fresh: list[tuple[int, OrderInput, object]] = []
    for line, data in batch:
        if data.order_no in stored:
            if stored[data.order_no] == data.fingerprint:
                report.already_present += 1
            else:
                report.errors.append(RowError(line, "order_no", "already exists with different details", data.order_no))
            continue
        try:
            terms = price_cover(plugins, data, now)
        except ValidationFailed as exc:
            report.errors.extend(RowError(line, API_TO_COLUMN.get(f, f), reason, data.order_no)
                                 for f, reason in exc.errors.items())
            continue
        fresh.append((line, data, terms))
    if not fresh:
        return
    try:
        seller_ids = ensure_sellers({data.seller.code: data.seller for _, data, _ in fresh}, actor)
        rows = [order_values(data, seller_ids[data.seller.code], source, now) for _, data, _ in fresh]
        ids = dict(db.session.execute(insert(Order).returning(Order.order_no, Order.id), rows).all())
        covers, events = [], []
        for (line, data, terms), values in zip(fresh, rows):
            order_id = ids[data.order_no]
            after = order_summary(values)
            if terms is not None:
                cover_row = cover_values(order_id, terms, now)
                covers.append(cover_row)
                after["cover"] = cover_summary(cover_row)
            events.append(event_row(actor, "order.created", "order", order_id, after=after, when=now,
                                    summary=f"order {data.order_no} imported from {source}"))
        if covers:
            db.session.connection().execute(insert(Cover.__table__), covers)
        record_many(events)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    report.created += len(rows)
    report.with_cover += len(covers)


def report_lines(report: ImportReport) -> Iterable[str]:
    yield (f"{report.created} orders created ({report.with_cover} with cover), "
           f"{report.already_present} already present, {len(report.errors)} problems")
    for error in report.errors:
        yield str(error)
