"""CSV import of orders: ``portal.orders.importer`` and the web form at /orders/import.

Line numbers count the header as line 1, so the n-th data row is on line n + 1.
"""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.orders import importer
from portal.orders.importer import COLUMNS, OPTIONAL_COLUMNS, ImportFileError, import_orders, report_lines
from portal.orders.services import create_order
from portal.sellers.models import Seller
from tests.factories import (
    GBK_LEAD_BYTE,
    TEST_ACTOR,
    csv_row,
    csv_text,
    gbk_file,
    import_problems,
    order_payload,
    run_import,
    stored_orders,
    table_counts,
)
from tests.jobs_support import drain

OPTIONAL = OPTIONAL_COLUMNS


# --- good rows ------------------------------------------------------------------------------


def test_good_rows_are_imported_with_their_cover(plugins):
    text = csv_text(
        csv_row(1),
        csv_row(
            2, currency="CNY", declared_value="2500.00", cover_insurer="jadeharbour", cover_insured_value="2000.00"
        ),
        csv_row(3, cover_insurer="", cover_insured_value="", dispatched_at="2026-11-20 10:00"),
    )

    report = run_import(text, plugins)

    assert (report.created, report.with_cover, report.already_present, report.errors) == (3, 2, 0, [])
    orders = stored_orders()
    assert sorted(orders) == ["CSV-0001", "CSV-0002", "CSV-0003"]
    # 1850 USD with Lanternfish: 10 x 1.39 + 9 x 1.10; 2000 CNY with Jade Harbour: 1.6 % of 1000 + 1.2 % of 1000.
    assert (str(orders["CSV-0001"].cover.premium), orders["CSV-0001"].cover.currency) == ("23.80", "USD")
    assert (str(orders["CSV-0002"].cover.premium), orders["CSV-0002"].cover.currency) == ("28.00", "CNY")
    assert (
        orders["CSV-0002"].cover.certificate_no == f"JHI-{orders['CSV-0002'].cover.bought_at:%Y}-"
        f"{orders['CSV-0002'].id:08d}"
    )
    assert orders["CSV-0003"].cover is None
    assert orders["CSV-0003"].dispatched_at.isoformat() == "2026-11-20T02:00:00+00:00"  # warehouse time, UTC+8
    assert {order.source for order in orders.values()} == {"csv"}
    assert db.session.scalars(select(Seller.code)).all() == ["PRG001"]


def test_each_imported_order_is_audited(plugins):
    run_import(csv_text(csv_row(1), csv_row(2, cover_insurer="", cover_insured_value="")), plugins)
    orders = stored_orders()

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "order.created").order_by(AuditEvent.entity_id)
    ).all()

    assert [(e.entity_id, e.actor_label, e.summary) for e in events] == [
        (str(orders["CSV-0001"].id), "test suite", "order CSV-0001 imported from csv"),
        (str(orders["CSV-0002"].id), "test suite", "order CSV-0002 imported from csv"),
    ]
    assert events[0].after["cover"]["certificate_no"] == orders["CSV-0001"].cover.certificate_no
    assert "cover" not in events[1].after


def test_empty_cover_columns_or_no_cover_columns_mean_no_cover(plugins):
    with_empty = csv_text(csv_row(1, cover_insurer="", cover_insured_value=""))
    without = csv_text(csv_row(2), columns=[c for c in COLUMNS if c not in OPTIONAL])

    first, second = run_import(with_empty, plugins), run_import(without, plugins)

    assert (first.created, first.with_cover, second.created, second.with_cover) == (1, 0, 1, 0)
    assert [order.cover for order in stored_orders().values()] == [None, None]


def test_quoted_fields_with_commas_quotes_and_chinese_text_survive(plugins):
    text = (
        ",".join(COLUMNS) + "\r\n"
        'CSV-0001,SZ-088,"深圳市明亮电子有限公司, 龙华分公司",sales@mingliang.example,fourpx,fourpx_c,'
        '4PX0000000000001CN,US,120.00,USD,"蓝牙耳机, 2 pairs",electronics,,,\r\n'
        'CSV-0002,SZ-088,"深圳市明亮电子有限公司, 龙华分公司",sales@mingliang.example,fourpx,fourpx_c,'
        '4PX0000000000002CN,US,80.00,USD,"12"" tablet sleeve, ""slim""",apparel,,,\r\n'
    )

    report = run_import(text, plugins)

    assert (report.created, report.errors) == (2, [])
    orders = stored_orders()
    assert orders["CSV-0001"].contents == "蓝牙耳机, 2 pairs"
    assert orders["CSV-0002"].contents == '12" tablet sleeve, "slim"'
    assert orders["CSV-0001"].seller.name == "深圳市明亮电子有限公司, 龙华分公司"


def test_a_byte_order_mark_before_the_header_is_ignored(plugins):
    report = run_import("\ufeff" + csv_text(csv_row(1)), plugins)

    assert (report.created, report.errors) == (1, [])


def test_blank_lines_are_skipped_and_do_not_shift_line_numbers(plugins):
    text = (
        csv_text(csv_row(1))
        + "\r\n"
        + ",,,,,,,,,,,,,,\r\n"
        + csv_text(csv_row(2, seller_email="nope")).split("\r\n", 1)[1]
    )

    report = run_import(text, plugins)

    assert report.created == 1
    assert [(line, column) for line, column, *_ in import_problems(report)] == [(5, "seller_email")]


# --- bad rows -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        pytest.param({"seller_email": "ops.pearlriver.example"}, "seller_email", "@-sign", id="email"),
        pytest.param({"seller_code": ""}, "seller_code", "is required", id="seller-code"),
        pytest.param({"seller_name": ""}, "seller_name", "is required", id="seller-name"),
        pytest.param(
            {"cover_insured_value": "1850.01"},
            "cover_insured_value",
            "1850.01 USD is more than the declared value 1850.00 USD",
            id="insured-over-declared",
        ),
        pytest.param({"cover_insured_value": ""}, "cover_insured_value", "is required", id="insurer-without-value"),
        pytest.param(
            {"cover_insurer": ""}, "cover_insurer", "is required when cover is asked for", id="value-without-insurer"
        ),
        pytest.param({"cover_insurer": "acme"}, "cover_insurer", "unknown insurer 'acme'", id="unknown-insurer"),
        pytest.param(
            {"declared_value": "1850.005"},
            "declared_value",
            "has more than 2 decimal places for USD",
            id="too-many-decimals",
        ),
        pytest.param({"declared_value": "-1850.00"}, "declared_value", "must not be negative", id="negative"),
        pytest.param(
            {"destination_country": "XX"}, "destination_country", "XX is not an ISO 3166-1 alpha-2", id="country"
        ),
        pytest.param({"tracking_no": "RR123456785CN"}, "tracking_no", "must be 4PX, 13 digits and CN", id="tracking"),
        pytest.param({"service": "surface_parcel"}, "service", "4PX has no service 'surface_parcel'", id="service"),
        pytest.param({"category": "weapons"}, "category", "unknown category 'weapons'", id="category"),
        pytest.param(
            {"dispatched_at": "2099-01-01T00:00:00Z", "cover_insurer": "", "cover_insured_value": ""},
            "dispatched_at",
            "lies in the future",
            id="dispatched-in-future",
        ),
    ],
)
def test_bad_row_is_reported_by_line_column_and_reason(plugins, changes, column, reason):
    text = csv_text(csv_row(1), csv_row(2, **changes), csv_row(3))

    report = run_import(text, plugins)

    assert (report.created, report.with_cover, report.already_present) == (2, 2, 0)
    [(line, field, message, order_no)] = import_problems(report)
    assert (line, field, order_no) == (3, column, "CSV-0002")
    assert reason in message
    assert sorted(stored_orders()) == ["CSV-0001", "CSV-0003"]


def test_report_lines_name_the_line_order_column_and_reason(plugins):
    report = run_import(csv_text(csv_row(1), csv_row(2, seller_email="nope", category="weapons")), plugins)

    lines = list(report_lines(report))

    assert lines[0] == "1 orders created (1 with cover), 0 already present, 2 problems"
    assert lines[1].startswith("line 3 (order CSV-0002): seller_email: ")
    assert lines[2].startswith("line 3 (order CSV-0002): category: unknown category 'weapons'")


def test_line_numbers_count_physical_lines_of_multi_line_fields(plugins):
    text = csv_text(csv_row(1, contents="Drone\nwith 4K camera\nand spare rotors"), csv_row(2, currency="ZZZ"))

    report = run_import(text, plugins)

    assert stored_orders()["CSV-0001"].contents == "Drone\nwith 4K camera\nand spare rotors"
    assert {(line, column) for line, column, *_ in import_problems(report)} == {
        (5, "currency"),
        (5, "declared_value"),
        (5, "cover_insured_value"),
    }


def test_row_with_too_many_fields_is_reported(plugins):
    text = csv_text(csv_row(1)) + csv_text(csv_row(2)).split("\r\n", 1)[1].rstrip("\r\n") + ",extra\r\n"

    report = run_import(text, plugins)

    assert report.created == 1
    assert import_problems(report) == [(3, "row", f"has {len(COLUMNS) + 1} fields; the header has {len(COLUMNS)}", "")]


# --- cover refused: the row is not half-written --------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        pytest.param(
            {"destination_country": "BR"},
            "destination_country",
            "Lanternfish Mutual does not cover parcels to BR",
            id="excluded-destination",
        ),
        pytest.param(
            {"category": "jewelry"},
            "category",
            "Lanternfish Mutual does not cover jewellery and watches (jewelry)",
            id="excluded-category",
        ),
        pytest.param(
            {"currency": "EUR"}, "currency", "Lanternfish Mutual does not cover EUR; it covers USD", id="currency"
        ),
        pytest.param(
            {"declared_value": "6000.00", "cover_insured_value": "5000.01"},
            "cover_insured_value",
            "insured value 5000.01 USD is over Lanternfish Mutual's maximum of 5000.00 USD",
            id="over-maximum",
        ),
        pytest.param(
            {
                "carrier": "harbourpost",
                "service": "surface_parcel",
                "tracking_no": "CP123456785CN",
                "cover_insurer": "jadeharbour",
            },
            "service",
            "Jade Harbour Insurance does not cover surface services (surface_parcel)",
            id="surface-parcel",
        ),
        pytest.param(
            {"dispatched_at": "2026-11-01T09:00:00+08:00"},
            "cover_insurer",
            "the parcel was dispatched on 2026-11-01 09:00; cover must be bought before dispatch",
            id="dispatched",
        ),
    ],
)
def test_row_refused_by_the_insurer_is_not_written_at_all(plugins, changes, column, reason):
    text = csv_text(csv_row(1), csv_row(2, seller_code="LONELY", **changes), csv_row(3))

    report = run_import(text, plugins)

    assert (report.created, report.with_cover) == (2, 2)
    [(line, field, message, order_no)] = import_problems(report)
    assert (line, field, order_no) == (3, column, "CSV-0002")
    assert reason in message
    assert sorted(stored_orders()) == ["CSV-0001", "CSV-0003"]  # no CSV-0002 without its cover
    # Nor its seller, nor any audit event about it.
    assert db.session.scalar(select(Seller.id).where(Seller.code == "LONELY")) is None
    assert not [e for e in db.session.scalars(select(AuditEvent)) if "CSV-0002" in e.summary or "LONELY" in e.summary]


# --- re-import and repeated order numbers -----------------------------------------------------------


def test_reimporting_the_same_file_creates_no_duplicates(plugins):
    text = csv_text(csv_row(1), csv_row(2, seller_email="nope"), csv_row(3, cover_insurer="", cover_insured_value=""))
    first = run_import(text, plugins)
    counts = table_counts()

    second = run_import(text, plugins)

    assert (first.created, first.already_present) == (2, 0)
    assert (second.created, second.with_cover, second.already_present) == (0, 0, 2)
    assert import_problems(second) == import_problems(first)  # the bad row is still bad
    assert table_counts() == counts


def test_an_order_received_by_the_api_is_already_present_in_a_csv(plugins):
    create_order(plugins, order_payload(), TEST_ACTOR, source="api")
    db.session.commit()
    same = csv_row(1, order_no="PRG-2026-0001", tracking_no="4PX3000000000001CN")

    report = run_import(csv_text(same), plugins)

    assert (report.created, report.already_present, report.errors) == (0, 1, [])


def test_order_no_repeated_in_the_file_with_other_details_is_an_error(plugins):
    text = csv_text(csv_row(1), csv_row(2), csv_row(1, declared_value="1900.00"), csv_row(2))

    report = run_import(text, plugins)

    assert (report.created, report.already_present) == (2, 1)  # line 5 repeats line 3 exactly
    assert import_problems(report) == [(4, "order_no", "repeats line 2 with different details", "CSV-0001")]
    assert str(stored_orders()["CSV-0001"].declared_value) == "1850.00"


def test_order_no_already_stored_with_other_details_is_an_error(plugins):
    run_import(csv_text(csv_row(1)), plugins)
    counts = table_counts()

    report = run_import(csv_text(csv_row(1, contents="Something else")), plugins)

    assert import_problems(report) == [(2, "order_no", "already exists with different details", "CSV-0001")]
    assert table_counts() == counts
    assert stored_orders()["CSV-0001"].contents == "Drone with 4K camera"


# --- file-level errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            csv_text(csv_row(1), columns=[c for c in COLUMNS if c not in ("currency", "category")]),
            "line 1: missing column(s) currency, category",
            id="missing-columns",
        ),
        pytest.param(
            csv_text(csv_row(1), columns=[*COLUMNS, "colour"]),
            f"line 1: unknown column(s) colour; expected {', '.join(COLUMNS)}",
            id="unknown-column",
        ),
        pytest.param("", "the file is empty; the first line must name the columns", id="empty"),
    ],
)
def test_file_with_a_bad_header_is_refused_as_a_whole(plugins, text, message):
    counts = table_counts()

    with pytest.raises(ImportFileError) as caught:
        run_import(text, plugins)

    assert str(caught.value) == message
    assert table_counts() == counts


def test_file_that_is_not_utf8_is_refused(plugins):
    data = gbk_file()
    counts = table_counts()

    with pytest.raises(ImportFileError) as caught:
        import_orders(plugins, io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=""), TEST_ACTOR)

    assert str(caught.value) == f"the file is not UTF-8 text (invalid start byte at byte {data.index(GBK_LEAD_BYTE)})"
    assert table_counts() == counts


def test_file_that_turns_out_not_utf8_after_many_rows_writes_nothing(plugins):
    data = gbk_file(rows=200)  # the bad bytes lie beyond the first block the reader decodes
    assert data.index(GBK_LEAD_BYTE) > 8192

    with pytest.raises(ImportFileError, match=r"^after line \d+: the file is not UTF-8 text \(invalid start byte\)$"):
        import_orders(plugins, io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=""), TEST_ACTOR)

    assert stored_orders() == {}


# --- batches ------------------------------------------------------------------------------------


@pytest.mark.parametrize("processes", [0, 1], ids=["in-process", "worker-process"])
def test_file_larger_than_a_batch_imports_every_row(plugins, monkeypatch, processes):
    monkeypatch.setattr(importer, "BATCH_SIZE", 3)
    rows = [csv_row(n) for n in range(1, 11)]
    rows[4] = csv_row(5, seller_email="nope")  # invalid: never enters a batch
    rows[6] = csv_row(7, destination_country="BR")  # refused by Lanternfish inside the second batch
    rows.append(csv_row(2))  # line 12 repeats line 3 exactly, two batches later
    text = csv_text(*rows)
    batches = []

    report = run_import(text, plugins, progress=batches.append, processes=processes)

    # Progress counts every row handled, bad ones too, one call per batch of rows read.
    assert batches == [3, 3, 3, 2] and sum(batches) == len(rows)
    assert (report.created, report.with_cover, report.already_present) == (8, 8, 1)
    assert [(line, column) for line, column, *_ in import_problems(report)] == [
        (6, "seller_email"),
        (8, "destination_country"),
    ]
    assert sorted(stored_orders()) == [f"CSV-{n:04d}" for n in (1, 2, 3, 4, 6, 8, 9, 10)]
    assert all(order.cover is not None for order in stored_orders().values())

    again = run_import(text, plugins, processes=processes)
    assert (again.created, again.already_present, len(again.errors)) == (0, 9, 2)


# --- the web form ------------------------------------------------------------------------------


@pytest.fixture
def upload(client, auth):
    auth.login()

    def post(content: bytes, filename: str = "orders.csv"):
        """The form posted; a file taken is imported by the job worker, then its page is shown."""
        token = auth.csrf("/orders/import")
        response = client.post(
            "/orders/import",
            data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
            content_type="multipart/form-data",
        )
        if response.status_code != 303:
            return response
        drain()
        return client.get(response.headers["Location"])

    return post


def report_rows(page: str) -> list[tuple[str, ...]]:
    """(line, order, column, reason) of the report table, unescaped."""
    cells = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", page)
    return [tuple(html.unescape(cell) for cell in row) for row in cells]


def test_web_import_shows_the_report(upload):
    text = csv_text(
        csv_row(1),
        csv_row(2, contents="蓝牙耳机, 2 pairs", cover_insurer="", cover_insured_value=""),
        csv_row(3, seller_email="nope"),
        csv_row(4, destination_country="BR"),
    )

    response = upload(text.encode("utf-8-sig"))  # Excel's "CSV UTF-8" starts with a byte order mark

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    summary = re.sub(r"\s+", " ", re.sub(r"</?strong>", "", page))
    assert "2 orders created (1 with cover), 0 already present, 2 problems." in summary
    rows = report_rows(page)
    assert [row[:3] for row in rows] == [("4", "CSV-0003", "seller_email"), ("5", "CSV-0004", "destination_country")]
    assert rows[1][3] == "Lanternfish Mutual does not cover parcels to BR"
    orders = stored_orders()
    assert sorted(orders) == ["CSV-0001", "CSV-0002"]
    assert orders["CSV-0002"].contents == "蓝牙耳机, 2 pairs"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "order.created"))
    assert (event.actor_kind, event.actor_label) == ("user", "agent.one")


def test_web_import_twice_reports_already_present(upload):
    content = csv_text(csv_row(1), csv_row(2)).encode()
    upload(content)

    page = re.sub(r"\s+", " ", re.sub(r"</?strong>", "", upload(content).get_data(as_text=True)))

    assert "0 orders created (0 with cover), 2 already present, 0 problems." in page
    assert len(stored_orders()) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(gbk_file(), "orders.csv is not UTF-8 text (byte {})", id="not-utf8"),
        pytest.param(
            csv_text(csv_row(1), columns=COLUMNS[1:]).encode(),
            "line 1: missing column(s) order_no",
            id="missing-column",
        ),
    ],
)
def test_web_import_shows_file_level_errors(upload, content, message):
    counts = table_counts()

    response = upload(content)

    assert response.status_code == 200
    errors = [
        html.unescape(e)
        for e in re.findall(r'<p class="error" id="file-error">(.*?)</p>', response.get_data(as_text=True))
    ]
    assert errors == [message.format(content.find(GBK_LEAD_BYTE))]
    assert 'id="import-report"' not in response.get_data(as_text=True)
    assert table_counts() == counts


def test_web_import_needs_a_login_and_a_csrf_token(client, auth):
    content = csv_text(csv_row(1)).encode()

    def post(**fields):
        return client.post(
            "/orders/import",
            data={**fields, "file": (io.BytesIO(content), "orders.csv")},
            content_type="multipart/form-data",
        )

    anonymous = post(csrf_token=auth.csrf("/login"))  # a valid token of the session, but nobody logged in
    auth.login()
    without_token = post()

    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert without_token.status_code == 400
    assert stored_orders() == {}


def test_an_exact_repeat_of_a_refused_row_is_not_counted_as_present(plugins):
    refused = csv_row(1, destination_country="BR")  # Lanternfish excludes Brazil
    report = run_import(csv_text(refused, refused), plugins)

    assert report.already_present == 0 and report.created == 0
    assert import_problems(report)[-1] == (3, "order_no", "repeats line 2, which was not imported", "CSV-0001")
    assert stored_orders() == {}


def test_a_column_named_twice_is_refused(plugins):
    text = "order_no," + ",".join(COLUMNS) + "\n"
    with pytest.raises(ImportFileError, match="line 1: column\\(s\\) named twice: order_no"):
        run_import(text, plugins)


def test_repeats_batches_apart_are_reported_by_line(plugins, monkeypatch):
    """The importer remembers the file's order numbers outside memory; a repeat several batches
    after its first line is still named by line, as one in the same batch is."""
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    refused = csv_row(1, destination_country="BR")  # Lanternfish excludes Brazil
    rows = [refused, csv_row(2), csv_row(3), csv_row(4), refused, csv_row(2, contents="Other goods"), csv_row(3)]

    report = run_import(csv_text(*rows), plugins)

    assert (report.created, report.already_present) == (3, 1)  # line 8 repeats line 4 exactly
    assert [problem[:3] for problem in import_problems(report)] == [
        (2, "destination_country", import_problems(report)[0][2]),
        (7, "order_no", "repeats line 3 with different details"),
        (6, "order_no", "repeats line 2, which was not imported"),
    ]
