"""Builders the tests share: orders, inquiries ready for a claim, logged-in clients, CSV files.

Tests import these from here, never from another test module or the conftest.
"""

from __future__ import annotations

import contextvars
import csv
import functools
import hashlib
import io
import itertools
import os
import sys
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from openapi_schema_validator import OAS31Validator
from PIL import Image
from sqlalchemy import func, select

from portal import PROJECT_ROOT
from portal.advances import services as advances
from portal.audit.models import AuditEvent
from portal.audit.services import Actor
from portal.clock import local_today, utcnow
from portal.cover.models import Cover
from portal.extensions import db
from portal.inquiries import services
from portal.inquiries import services as inquiries
from portal.inquiries.models import Inquiry
from portal.inquiries.services import IncomingFile
from portal.inquiries.validation import parse_inquiry
from portal.money import Money
from portal.orders.importer import COLUMNS, import_text
from portal.orders.models import Order
from portal.orders.services import create_order
from portal.plugin_testing import render_pdf
from portal.sellers.models import Seller
from portal.tracking.services import IncomingEvent, ingest

PASSWORD = "correct horse battery"
#: The services the suite runs against besides SQLite (CI sets both).
#: The 4PX plugin's raw carrier files, for tests that import tracking.
FOURPX_FIXTURES = PROJECT_ROOT / "plugins" / "fourpx" / "fixtures"

POSTGRES_URL = os.environ.get("COVERDESK_TEST_POSTGRES_URL", "").strip()
#: For a test of what the browser shows (layout, wording) that no database changes: it runs on
#: SQLite only, its database fixture parametrized indirectly (the whole story runs on both).
ONE_DATABASE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
REDIS_URL = os.environ.get("COVERDESK_TEST_REDIS_URL", "").strip()


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a real server would.

    Flask reuses an app context that is already pushed, so ``g`` (and with it Flask-WTF's cached
    CSRF token) and the database session would leak from the test into every request.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


TEST_ACTOR = Actor("system", "tests", "test suite")


class Auth:
    def __init__(self, client, make_user):
        self.client = client
        self.make_user = make_user

    def login(self, username: str = "agent.one", role: str = "agent"):
        from portal.auth.models import User

        if db.session.scalar(sa.select(User.id).where(User.username == username)) is None:
            self.make_user(username, role)
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        response = self.client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def csrf(self, path: str = "/orders/new") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    if marker not in html:
        marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def order_payload(**overrides) -> dict:
    """A valid API order; ``overrides`` replace top-level keys (None removes one)."""
    payload = {
        "order_no": "PRG-2026-0001",
        "seller": {"code": "PRG001", "name": "Pearl River Gadgets", "email": "ops@pearlriver.example"},
        "carrier": "fourpx",
        "service": "fourpx_c",
        "tracking_no": "4PX3000000000001CN",
        "destination_country": "US",
        "declared_value": "1850.00",
        "currency": "USD",
        "contents": "Drone with 4K camera",
        "category": "electronics",
        "cover": {"insurer": "lanternfish", "insured_value": "1850.00"},
    }
    for key, value in overrides.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


GBK_LEAD_BYTE = b"\xc0"  # 蓝 in GBK is C0 B6; 0xC0 never starts a UTF-8 character


def csv_row(n: int, **changes: str) -> dict[str, str]:
    """A valid row for order CSV-000n, with cover by Lanternfish (1850 USD: premium 23.80)."""
    row = {
        "order_no": f"CSV-{n:04d}",
        "seller_code": "PRG001",
        "seller_name": "Pearl River Gadgets",
        "seller_email": "ops@pearlriver.example",
        "carrier": "fourpx",
        "service": "fourpx_c",
        "tracking_no": f"4PX{n:013d}CN",
        "destination_country": "US",
        "declared_value": "1850.00",
        "currency": "USD",
        "contents": "Drone with 4K camera",
        "category": "electronics",
        "dispatched_at": "",
        "cover_insurer": "lanternfish",
        "cover_insured_value": "1850.00",
    }
    return {**row, **changes}


def csv_text(*rows: dict[str, str], columns=COLUMNS) -> str:
    """A CSV file as a spreadsheet writes it: CRLF line ends, fields quoted when needed."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def gbk_file(rows: int = 1) -> bytes:
    """A CSV saved in GBK, as a Chinese Excel does by default: not UTF-8."""
    return csv_text(*(csv_row(n) for n in range(1, rows + 1)), csv_row(rows + 1, contents="蓝牙耳机, 2 pairs")).encode(
        "gbk"
    )


def assert_documented(document: dict, path: str, method: str, response) -> None:
    """The response's status is documented for the operation and its JSON body fits the schema."""
    responses = document["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, f"{method} {path} answered an undocumented {response.status_code}"
    schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    assert response.mimetype == "application/json"
    validator_for(document, schema).validate(response.get_json())


def table_counts() -> dict[str, int]:
    """Rows per table the order path writes to."""
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Seller, Order, Cover, AuditEvent)
    }


def validator_for(document: dict, schema: dict) -> OAS31Validator:
    """A validator of ``schema`` whose ``#/components/...`` references resolve in ``document``: the
    document's components are placed beside the schema, at the root the references start from."""
    return OAS31Validator(
        {**schema, "components": document["components"]}, format_checker=OAS31Validator.FORMAT_CHECKER
    )


AGENT = advances.Staff(1, Actor("user", "1", "li.na"), False)


SUPERVISOR = advances.Staff(2, Actor("user", "2", "chen.wei"), True)


def post(auth, client, claim, step, **data):
    token = auth.csrf(f"/claims/{claim.number}")
    return client.post(
        f"/claims/{claim.number}/advance/{step}", data={"csrf_token": token, **data}, follow_redirects=True
    ).get_data(as_text=True)


SERIAL = itertools.count(1)


def attach(plugins, inquiry, kind, data, name, media_type):
    inquiries.attach(
        inquiry,
        kind,
        IncomingFile(data, hashlib.sha256(data).hexdigest(), media_type, name),
        TEST_ACTOR,
        source="upload",
        plugins=plugins,
    )


def ready_inquiry(
    plugins, *, insurer="lanternfish", category="electronics", days_ago=30, kind="not_arrived", invoice=None
):
    """An inquiry with every document in, checked and accepted: ready for a claim. ``invoice``
    (PDF bytes) replaces the two-page invoice the builder uploads otherwise."""
    cover = {"insurer": insurer, "insured_value": "1850.00"}
    from portal.orders.services import create_order
    from portal.tracking.services import IncomingEvent, ingest

    bought = utcnow() - timedelta(days=days_ago, hours=6)
    n = next(SERIAL)
    order = create_order(
        plugins,
        order_payload(
            order_no=f"CLM-TEST-{n:04d}",
            tracking_no=f"4PX30000000{n:05d}CN",
            category=category,
            cover=cover,
            contents="无人机 Drone with 4K camera",
        ),
        TEST_ACTOR,
        "api",
        now=bought,
    ).order
    ingest(
        plugins,
        order,
        [
            IncomingEvent(
                bought + timedelta(hours=2), None, status="in_transit", location="Shenzhen", handover="dispatch"
            )
        ],
        source="api",
        actor=TEST_ACTOR,
    )
    db.session.commit()
    inquiry = opened(plugins, order, kind=kind)
    inquiries.request_trace(inquiry, "4PX-T-1", TEST_ACTOR)
    inquiries.record_answer(inquiry, "lost" if kind == "not_arrived" else "damaged", TEST_ACTOR)
    uploads = {
        "commercial_invoice": (
            invoice
            or pdf(
                "<h1>Invoice</h1><p>Drone USD 1,850.00</p><p>Second page follows</p>"
                "<p style='page-break-before: always'>Terms</p>"
            ),
            "invoice.pdf",
            "application/pdf",
        ),
        "dispute_screenshots": (png((250, 200, 10)), "screenshot.png", "image/png"),
        "recipient_statement": (png((10, 200, 250)), "post-office.png", "image/png"),
        "loss_letter": (
            loss_letter_pdf(plugins, tracking_no=order.tracking_no),
            "letter.pdf",
            "application/pdf",
        ),
        "damage_photos": (png((200, 10, 10)), "photo.png", "image/png"),
    }
    for item in inquiry.items:
        if item.kind in uploads:
            attach(plugins, inquiry, item.kind, *uploads[item.kind])
    if any(item.kind == "loss_letter" for item in inquiry.items):
        inquiries.confirm_letter(
            plugins,
            inquiry,
            case_reference="4PXCS20261103000123",
            tracking_no=order.tracking_no,
            outcome="lost",
            found_on=date(2026, 11, 3),
            liability=Money(Decimal("100.00"), "USD"),
            actor=TEST_ACTOR,
        )
    for item in inquiry.items:
        if item.current is not None:
            inquiries.review_item(inquiry, item.kind, "accept", TEST_ACTOR)
    inquiries.mark_ready(inquiry, TEST_ACTOR)
    db.session.commit()
    return inquiry


def dispatched_order(plugins, *, days_ago: float = 30, order_no="PRG-2026-0001", cover=True, **overrides):
    """A covered 4PX parcel dispatched ``days_ago`` days ago and quiet since."""
    bought = utcnow() - timedelta(days=days_ago, hours=6)
    payload = order_payload(order_no=order_no, **overrides)
    if not cover:
        payload.pop("cover")
    order = create_order(plugins, payload, TEST_ACTOR, "api", now=bought).order
    ingest(
        plugins,
        order,
        [
            IncomingEvent(
                bought + timedelta(hours=2),
                None,
                status="in_transit",
                description="Handed to line-haul",
                location="Shenzhen",
                handover="dispatch",
            )
        ],
        source="api",
        actor=TEST_ACTOR,
    )
    db.session.commit()
    return order


def opened(plugins, order, **overrides) -> Inquiry:
    inquiry = services.open_inquiry(
        plugins, order, parse_inquiry(query(**overrides), local_today(), default_channel="email"), TEST_ACTOR
    )
    db.session.commit()
    return inquiry


def query(**overrides) -> dict:
    return {"kind": "not_arrived", "message": "The buyer says nothing came.", **overrides}


def send(api, order_no, kind, data, name):
    return api.post(
        f"/api/v1/orders/{order_no}/inquiry/evidence",
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def png(color=(10, 120, 200), size=(120, 90)) -> bytes:
    """A real PNG picture, e.g. a dispute screenshot."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


@functools.cache
def pdf(html: str) -> bytes:
    """``html`` rendered to PDF by WeasyPrint, once per run: the same HTML gives the same bytes,
    and a render takes a tenth of a second or more."""
    return render_pdf(html)


def fourpx_letters(plugins):
    """4PX's letters module (its sample loss letter), as the loaded plugin has it."""
    return sys.modules[plugins.carrier("fourpx").__class__.__module__.rsplit(".", 1)[0] + ".letters"]


def loss_letter_pdf(plugins, **fields) -> bytes:
    """4PX's sample loss letter as a PDF, about ``tracking_no`` (4PX3000000000001CN unless given)."""
    return pdf(fourpx_letters(plugins).sample_letter_html(**{"tracking_no": "4PX3000000000001CN", **fields}))


def png_file(path, color) -> str:
    """A real 320x200 PNG picture written to ``path`` (a screenshot to upload); the path."""
    path.write_bytes(png(color, size=(320, 200)))
    return str(path)


def text_boxes(pdf: bytes) -> list[list[tuple[str, float, float]]]:
    """Per page, each line of text with the band it occupies on paper: ``(text, bottom, top)`` in
    points from the page's bottom edge, as poppler lays the page out (``pdftotext -bbox-layout``:
    every transformation applied, those of form XObjects included, which pypdf's text extraction
    does not follow)."""
    import subprocess
    import xml.etree.ElementTree as ET

    layout = subprocess.run(["pdftotext", "-bbox-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    pages = []
    for page in ET.fromstring(layout).iter("{http://www.w3.org/1999/xhtml}page"):
        height = float(page.get("height"))
        lines = []
        for line in page.iter("{http://www.w3.org/1999/xhtml}line"):
            text = " ".join(word.text or "" for word in line.iter("{http://www.w3.org/1999/xhtml}word"))
            lines.append((text, height - float(line.get("yMax")), height - float(line.get("yMin"))))
        pages.append(lines)
    return pages


def run_import(text: str, plugins, **kwargs):
    return import_text(plugins, text, TEST_ACTOR, **kwargs)


def translator(language: str) -> Callable[..., str]:
    """The desk's words in ``language`` from its compiled catalog, so a test finds a Chinese page's
    button by the English text it is marked with: ``t("Log in")`` is "登录" in zh_CN. A text the
    catalog lacks fails the test (it would otherwise look for English on a Chinese page)."""
    from babel.support import Translations

    from portal.i18n import CONTRACT_LANGUAGE, TRANSLATIONS
    from portal.i18n_cli import catalog_locale

    translations = None
    if language != CONTRACT_LANGUAGE:
        translations = Translations.load(str(TRANSLATIONS), [catalog_locale(language)])
        assert isinstance(translations, Translations), f"no compiled catalog for {language} (make install)"

    def t(text: str, **values) -> str:
        if translations is not None:
            assert text in translations._catalog, f"{text!r} has no {language} translation in the catalog"
            text = translations.gettext(text)
        return text % values if values else text

    return t


def quiet_order(
    plugins,
    number,
    value,
    *,
    quiet_days,
    insurer="lanternfish",
    carrier=("fourpx", "fourpx_c"),
    tracking=None,
    destination="US",
    seller=None,
    cover=True,
):
    """An order bought 60 days ago, dispatched, last heard of ``quiet_days`` ago."""
    bought = utcnow() - timedelta(days=60)
    tracking = tracking or f"4PX3000000000{number[-3:]}CN"
    payload = order_payload(
        order_no=number,
        declared_value=value,
        tracking_no=tracking,
        carrier=carrier[0],
        service=carrier[1],
        destination_country=destination,
        cover={"insurer": insurer, "insured_value": value} if cover else None,
        **({"seller": seller} if seller else {}),
    )
    order = create_order(plugins, payload, TEST_ACTOR, "api", now=bought).order
    ingest(
        plugins,
        order,
        [
            IncomingEvent(bought + timedelta(hours=5), None, status="in_transit", handover="dispatch"),
            IncomingEvent(utcnow() - timedelta(days=quiet_days), None, status="in_transit", location="Hub"),
        ],
        source="api",
        actor=TEST_ACTOR,
    )
    db.session.commit()
    return order


def queue_numbers(client, **params) -> list[str]:
    """The order numbers Q-001 to Q-006 the queue lists, top to bottom (``quiet_order`` makes them)."""
    html = client.get("/queue", query_string=params).get_data(as_text=True)
    rows = html[html.index('<div id="queue-rows">') :]
    found = [
        (rows.index(f">{number}</a>"), number)
        for number in (f"Q-00{n}" for n in range(1, 7))
        if f">{number}</a>" in rows
    ]
    return [number for _, number in sorted(found)]


def order_form(token: str, **overrides) -> dict:
    """The new-order form as an agent fills it in: a Swiftwing parcel to the UK with Jade Harbour
    cover (``cover_insurer=""`` and ``cover_insured_value=""`` leave cover out)."""
    data = {
        "csrf_token": token,
        "order_no": "WEB-0001",
        "seller_code": "HKT203",
        "seller_name": "Harbour Kite Toys",
        "seller_email": "hello@harbourkite.example",
        "shipping": "swiftwing:express_worldwide",
        "tracking_no": "7100000042",
        "destination_country": "GB",
        "declared_value": "640.00",
        "currency": "USD",
        "contents": "Stunt kites, 4 pieces",
        "category": "toys",
        "dispatched_at": "",
        "cover_insurer": "jadeharbour",
        "cover_insured_value": "600.00",
    }
    data.update(overrides)
    return data


def stored_orders() -> dict[str, Order]:
    """Every stored order by its number."""
    return {order.order_no: order for order in db.session.scalars(select(Order)).unique()}


def import_problems(report) -> list[tuple[int, str, str, str]]:
    """(line, column, reason, order number) of each problem an import reports."""
    return [(e.line, e.field, e.reason, e.order_no) for e in report.errors]
