"""CSV import of orders: the API's fields, flattened; one report line per bad row.

Rows are checked with the same rules as the API, then written in batches with bulk inserts.
A batch is one transaction and holds whole rows only (order, cover and audit together), so a row
is never half-written; re-importing a file skips the orders already there.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import sqlite3
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import TextIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from ..audit.services import Actor, event_row, record_many
from ..bulk import bulk_insert
from ..clock import set_default_zone, utcnow
from ..cover.models import Cover
from ..cover.services import certificate_no, cover_summary, cover_values
from ..errors import Refused, ValidationFailed, unit_of_work
from ..extensions import db
from ..plugin_engine import PluginFailed, PluginRegistry, load_plugins
from ..sellers.services import SellerInput, ensure_sellers
from .models import Order, OrderImport
from .services import order_summary, order_values, price_cover
from .signals import orders_recorded
from .validation import parse_order

COLUMNS = (
    "order_no",
    "seller_code",
    "seller_name",
    "seller_email",
    "carrier",
    "service",
    "tracking_no",
    "destination_country",
    "declared_value",
    "currency",
    "contents",
    "category",
    "dispatched_at",
    "cover_insurer",
    "cover_insured_value",
    "seller_address",
    "seller_phone",
    "recipient_name",
    "recipient_address",
)
#: Columns a file may leave out: an order without them has no dispatch time, cover or addresses.
OPTIONAL_COLUMNS = (
    "dispatched_at",
    "cover_insurer",
    "cover_insured_value",
    "seller_address",
    "seller_phone",
    "recipient_name",
    "recipient_address",
)
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)
#: API field path -> CSV column, so errors name the column the person sees.
API_TO_COLUMN = {
    "seller.code": "seller_code",
    "seller.name": "seller_name",
    "seller.email": "seller_email",
    "seller.address": "seller_address",
    "seller.phone": "seller_phone",
    "recipient.name": "recipient_name",
    "recipient.address": "recipient_address",
    "recipient": "recipient_name",
    "cover.insurer": "cover_insurer",
    "cover.insured_value": "cover_insured_value",
    "seller": "seller_code",
    "cover": "cover_insurer",
}
BATCH_SIZE = 5000


class ImportFileError(Refused):
    """The file as a whole cannot be read (encoding, header)."""

    def __init__(self, reason: str):
        super().__init__("file", reason)


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
    payload = {key: row.get(key, "") for key in COLUMNS if not key.startswith(("seller_", "cover_", "recipient_"))}
    payload["seller"] = {
        "code": row.get("seller_code", ""),
        "name": row.get("seller_name", ""),
        "email": row.get("seller_email", ""),
        "address": row.get("seller_address") or "",
        "phone": row.get("seller_phone") or "",
    }
    payload["recipient"] = {"name": row.get("recipient_name") or "", "address": row.get("recipient_address") or ""}
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
        raise ImportFileError(
            _("the file is not UTF-8 text (%(reason)s at byte %(byte)s)", reason=exc.reason, byte=exc.start)
        ) from None
    except csv.Error as exc:
        raise ImportFileError(_("line %(line)s: %(reason)s", line=1, reason=exc)) from None
    if not header:
        raise ImportFileError(_("the file is empty; the first line must name the columns"))
    header = [name.strip().lstrip("\ufeff") for name in header]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(_("line 1: missing column(s) %(columns)s", columns=", ".join(missing)))
    doubled = sorted({c for c in header if header.count(c) > 1})
    if doubled:
        raise ImportFileError(_("line 1: column(s) named twice: %(columns)s", columns=", ".join(doubled)))
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise ImportFileError(
            _(
                "line 1: unknown column(s) %(columns)s; expected %(expected)s",
                columns=", ".join(unknown),
                expected=", ".join(COLUMNS),
            )
        )
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                yield (
                    line,
                    {
                        "__error__": _(
                            "has %(fields)s fields; the header has %(columns)s",
                            fields=len(header) + len(row[None]),
                            columns=len(header),
                        )
                    },
                )
                continue
            if not any((value or "").strip() for value in row.values()):
                continue  # blank line
            yield line, row
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("after line %(line)s: the file is not UTF-8 text (%(reason)s)", line=line, reason=exc.reason)
        ) from None
    except csv.Error as exc:
        raise ImportFileError(_("line %(line)s: %(reason)s", line=line + 1, reason=exc)) from None


@dataclass
class Prepared:
    """One row checked and priced, as plain values ready to be written (or its problems).

    Plain dicts and strings, because a worker process sends these back and pickling them is cheap.
    """

    line: int
    order_no: str
    fingerprint: str = ""
    seller: SellerInput | None = None
    order: dict | None = None  # the orders row, without seller_id
    cover: dict | None = None  # the covers row, without order_id and certificate_no
    certificate_prefix: str = ""
    audit_after: dict | None = None
    errors: dict[str, str] | None = None  # parse problems, by column
    price_errors: dict[str, str] | None = None  # refusals; they count only if the order is new


def prepare_chunk(
    chunk: list[tuple[int, dict[str, str]]], plugins: PluginRegistry, now: datetime, source: str
) -> list[Prepared]:
    """Check and price rows; needs no database, so it may run in another process."""
    prepared = []
    for line, row in chunk:
        if "__error__" in row:
            prepared.append(Prepared(line, "", errors={"row": row["__error__"]}))
            continue
        try:
            data = parse_order(row_to_payload(row), plugins)
        except ValidationFailed as exc:
            prepared.append(Prepared(line, (row.get("order_no") or "").strip(), errors=_by_column(exc.errors)))
            continue
        except PluginFailed as exc:  # the row is reported with the plugin named; the others go on
            prepared.append(Prepared(line, (row.get("order_no") or "").strip(), errors={"carrier": str(exc)}))
            continue
        item = Prepared(line, data.order_no, data.fingerprint, data.seller)
        try:
            terms = price_cover(plugins, data, now)
        except ValidationFailed as exc:
            item.price_errors = _by_column(exc.errors)
            prepared.append(item)
            continue
        except PluginFailed as exc:
            item.price_errors = {"cover_insurer": str(exc)}
            prepared.append(item)
            continue
        item.order = order_values(data, None, source, now, plugins)
        item.audit_after = order_summary(item.order)
        if terms is not None:
            item.cover = cover_values(0, terms, now)
            item.certificate_prefix = terms.quote.certificate_prefix
            item.audit_after["cover"] = cover_summary(item.cover)
        prepared.append(item)
    return prepared


def _latest_sellers(inputs) -> dict[str, SellerInput]:
    """Each seller as the batch's last row names it; an address or phone from an earlier row
    stays when a later row leaves it out (as for orders one by one)."""
    latest: dict[str, SellerInput] = {}
    for seller in inputs:
        before = latest.get(seller.code)
        if before is not None and not (seller.address and seller.phone):
            seller = replace(seller, address=seller.address or before.address, phone=seller.phone or before.phone)
        latest[seller.code] = seller
    return latest


def _by_column(errors: dict[str, str]) -> dict[str, str]:
    return {API_TO_COLUMN.get(field, field): reason for field, reason in errors.items()}


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- checking in a second process ----------------------------------------------------------------
# Checking and pricing a row costs about as much as writing it, so big imports (the CLI) let a
# worker process prepare the next batch while this one writes. The worker loads the plugins itself.

_worker_plugins: PluginRegistry | None = None


def _init_worker(plugins_dir: str, use_entry_points: bool, timezone: str, owners: dict) -> None:
    global _worker_plugins

    set_default_zone(timezone)
    _worker_plugins = load_plugins(plugins_dir, use_entry_points=use_entry_points, owners=owners)


def _prepare_in_worker(chunk, now, source):
    # Sent back as plain tuples: pickling the dataclasses cost the worker more than the pricing.
    return [_to_wire(item) for item in prepare_chunk(chunk, _worker_plugins, now, source)]


def _to_wire(item: Prepared) -> tuple:
    values = [getattr(item, name) for name in _WIRE]
    if item.seller is not None:
        seller = item.seller
        values[3] = (seller.code, seller.name, seller.email, seller.address, seller.phone)
    return tuple(values)


def _from_worker(rows) -> list[Prepared]:
    return [Prepared(*row[:3], row[3] and SellerInput(*row[3]), *row[4:]) for row in rows]


_WIRE = tuple(item.name for item in fields(Prepared))


@contextmanager
def _preparer(plugins: PluginRegistry, now: datetime, source: str, processes: int):
    """Yield a function turning chunks of rows into prepared chunks, in order."""
    if processes < 1:
        yield lambda chunks: (prepare_chunk(chunk, plugins, now, source) for chunk in chunks)
        return
    config = current_app.config
    executor = ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(config["PLUGINS_DIR"], config["LOAD_ENTRY_POINT_PLUGINS"], config["TIMEZONE"], plugins.owners),
    )

    def run(chunks):
        pending = deque()
        for chunk in chunks:  # read ahead by a few chunks only, so a huge file never sits in memory
            pending.append(executor.submit(_prepare_in_worker, chunk, now, source))
            if len(pending) > processes + 1:
                yield _from_worker(pending.popleft().result())
        while pending:
            yield _from_worker(pending.popleft().result())

    try:
        yield run
    finally:
        executor.shutdown(cancel_futures=True)


def import_orders(
    plugins: PluginRegistry,
    stream: TextIO,
    actor: Actor,
    *,
    source: str = "csv",
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    processes: int = 0,
) -> ImportReport:
    """Import every good row of ``stream`` and report each bad one. Commits batch by batch.

    ``progress`` is called with the number of rows handled since its last call. With
    ``processes`` > 0, rows are checked in that many worker processes while batches are written.
    """
    now = now or utcnow()
    report = ImportReport()
    late: list[RowError] = []  # repeats of rows that were not imported, reported after the rest
    with _preparer(plugins, now, source, processes) as prepare, _SeenInFile() as seen:
        for prepared in prepare(_chunks(read_rows(stream), BATCH_SIZE)):
            valid = [item for item in prepared if not item.errors]
            earlier = seen.lookup([item.order_no for item in valid])
            here: dict[str, tuple[int, str]] = {}  # first lines in this chunk: order_no -> (line, fingerprint)
            repeats = []  # exact repeats: (line, order_no, line of the first)
            batch = []
            for item in prepared:
                if item.errors:
                    report.errors.extend(
                        RowError(item.line, column, reason, item.order_no) for column, reason in item.errors.items()
                    )
                    continue
                first = here.get(item.order_no) or earlier.get(item.order_no)
                if first is None:
                    here[item.order_no] = (item.line, item.fingerprint)
                    batch.append(item)
                elif first[1] == item.fingerprint:
                    repeats.append((item.line, item.order_no, first[0]))
                else:
                    report.errors.append(
                        RowError(
                            item.line,
                            "order_no",
                            _("repeats line %(line)s with different details", line=first[0]),
                            item.order_no,
                        )
                    )
            errors_before = len(report.errors)
            if batch:
                _write_batch(batch, actor, source, now, report)
            failed = {error.line for error in report.errors[errors_before:]}
            seen.add(
                (order_no, line, fingerprint, line not in failed) for order_no, (line, fingerprint) in here.items()
            )
            # An exact repeat is harmless only if the row it repeats was imported (or already there).
            for line, order_no, first_line in repeats:
                imported = first_line not in failed if order_no in here else earlier[order_no][2]
                if imported:
                    report.already_present += 1
                else:
                    late.append(
                        RowError(
                            line,
                            "order_no",
                            _("repeats line %(line)s, which was not imported", line=first_line),
                            order_no,
                        )
                    )
            if progress:
                progress(len(prepared))
    report.errors.extend(late)
    return report


class _SeenInFile:
    """The order numbers met so far in the file being imported, with the line that first had each,
    its fingerprint and whether that row was imported: in a temporary SQLite file, so memory stays
    flat however long the file (a dictionary of them took 294 MB at 1,000,000 orders)."""

    def __enter__(self):
        self._folder = tempfile.TemporaryDirectory(prefix="coverdesk-import-")
        self._db = sqlite3.connect(os.path.join(self._folder.name, "seen.db"))
        # A scratch file thrown away at the end: no journal, no syncing.
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE seen (order_no TEXT PRIMARY KEY, line INTEGER, fingerprint TEXT, imported INTEGER)"
            " WITHOUT ROWID;"
        )
        return self

    def __exit__(self, *exc_info):
        self._db.close()
        self._folder.cleanup()

    def lookup(self, order_nos: list[str]) -> dict[str, tuple[int, str, bool]]:
        found = {}
        for start in range(0, len(order_nos), 500):
            keys = order_nos[start : start + 500]
            query = f"SELECT order_no, line, fingerprint, imported FROM seen WHERE order_no IN ({','.join('?' * len(keys))})"
            found.update((row[0], (row[1], row[2], bool(row[3]))) for row in self._db.execute(query, keys))
        return found

    def add(self, rows: Iterable[tuple[str, int, str, bool]]) -> None:
        self._db.executemany("INSERT INTO seen VALUES (?, ?, ?, ?)", rows)


def import_text(plugins: PluginRegistry, text: str, actor: Actor, **kwargs) -> ImportReport:
    return import_orders(plugins, io.StringIO(text, newline=""), actor, **kwargs)


def _write_batch(batch: list[Prepared], actor: Actor, source: str, now: datetime, report: ImportReport) -> None:
    # Core statements throughout: the ORM's bulk path costs more per row than SQLite's writing.
    connection, table = db.session.connection(), Order.__table__
    stored = _lookup(connection, table.c.order_no, table.c.fingerprint, [item.order_no for item in batch])
    fresh: list[Prepared] = []
    for item in batch:
        if item.order_no in stored:
            if stored[item.order_no] == item.fingerprint:
                report.already_present += 1
            else:
                report.errors.append(
                    RowError(item.line, "order_no", _("already exists with different details"), item.order_no)
                )
        elif item.price_errors:
            report.errors.extend(
                RowError(item.line, column, reason, item.order_no) for column, reason in item.price_errors.items()
            )
        else:
            fresh.append(item)
    if not fresh:
        return
    with unit_of_work():  # one transaction per batch
        seller_ids = ensure_sellers(_latest_sellers(item.seller for item in fresh), actor)
        rows = []
        for item in fresh:
            item.order["seller_id"] = seller_ids[item.seller.code]
            rows.append(item.order)
        bulk_insert(connection, table, rows)
        ids = _ids_by_number(connection, table, [row["order_no"] for row in rows])
        covers, events = [], []
        for item in fresh:
            order_id = ids[item.order_no]
            if item.cover is not None:
                item.cover["order_id"] = order_id
                item.cover["certificate_no"] = certificate_no(item.certificate_prefix, order_id, now)
                item.audit_after["cover"]["certificate_no"] = item.cover["certificate_no"]
                covers.append(item.cover)
            events.append(
                event_row(
                    actor,
                    "order.created",
                    "order",
                    order_id,
                    after=item.audit_after,
                    when=now,
                    summary=f"order {item.order_no} imported from {source}",
                )
            )
        if covers:
            bulk_insert(connection, Cover.__table__, covers)
            # Parcels imported as dispatched may stall; the others cannot make an item yet.
            orders_recorded.send(
                None, order_ids=[item.cover["order_id"] for item in fresh if item.cover and item.order["stalled_from"]]
            )
        record_many(events)
    report.created += len(rows)
    report.with_cover += len(covers)


def _lookup(connection, key_column, value_column, keys: list[str]) -> dict:
    """{key: value} for the keys that exist, asked a thousand at a time (one statement, compiled once)."""
    found = {}
    statement = select(key_column, value_column).where(key_column.in_(bindparam("keys", expanding=True)))
    for start in range(0, len(keys), 1000):
        found.update(connection.execute(statement, {"keys": keys[start : start + 1000]}).all())
    return found


def _ids_by_number(connection, table, numbers: list[str]) -> dict[str, int]:
    # A bulk insert plus a look-up beats INSERT ... RETURNING, which PostgreSQL cannot COPY.
    return _lookup(connection, table.c.order_no, table.c.id, numbers)


def report_lines(report: ImportReport) -> Iterable[str]:
    yield (
        f"{report.created} orders created ({report.with_cover} with cover), "
        f"{report.already_present} already present, {len(report.errors)} problems"
    )
    for error in report.errors:
        yield str(error)


# --- from the browser: the file is kept, a job imports it -----------------------------------------

#: Problems kept on an import's row for its page; the command line prints all of them.
SHOWN_PROBLEMS = 500


def request_import(filename: str, content: bytes, actor: Actor, now: datetime) -> OrderImport:
    """Keep an uploaded CSV and ask a job to import it (the page follows its progress). A file
    that cannot be read at all (encoding, header) is refused here, at once, naming why."""
    from ..jobs.services import request_file_import

    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("%(name)s is not UTF-8 text (byte %(byte)s)", name=filename, byte=exc.start)) from None
    next(read_rows(io.StringIO(text, newline="")), None)  # the header's refusals
    return request_file_import("order-import", OrderImport, filename, content, actor, now)


def retry_import(row: OrderImport, actor: Actor, now: datetime):
    """The import's job, given up, queued again (audited as any job retried; the caller commits)."""
    from ..jobs.services import JobError, latest_run, retry

    run = latest_run(f"order-import:{row.id}")
    if run is None:
        raise JobError("import", f"{row.filename}: no job to retry")
    return retry(run.id, actor, now)


def run_stored_import(plugins: PluginRegistry, row: OrderImport, actor: Actor, now: datetime) -> ImportReport | None:
    """The job's work: import the stored file batch by batch, committing each batch and the
    progress, then the report. Run again (a retry, a second delivery) it creates nothing twice:
    orders already there are counted as present. None when the file as a whole was refused."""
    from ..storage import file_store

    with file_store().open(row.sha256) as counting:
        total = max(sum(1 for _ in counting) - 1, 0)
    row.state, row.total, row.processed = "running", total, 0
    db.session.commit()

    def progress(seen: int) -> None:
        row.processed = min(row.processed + seen, total)
        db.session.commit()

    with file_store().open(row.sha256) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as stream:
        try:
            report = import_orders(plugins, stream, actor, source="csv", progress=progress, now=now)
        except ImportFileError as exc:
            row.state, row.failure, row.finished_at = "failed", str(exc), utcnow()
            return None
    row.state, row.finished_at, row.processed = "done", utcnow(), total
    row.created, row.with_cover, row.already_present = report.created, report.with_cover, report.already_present
    row.problem_count = len(report.errors)
    row.problems = [[e.line, e.order_no, e.field, e.reason] for e in report.errors[:SHOWN_PROBLEMS]]
    return report
