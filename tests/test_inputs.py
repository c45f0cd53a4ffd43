"""Input never reaches the database unchecked: control characters, numbers beyond the columns,
deep or huge JSON and order numbers that are page names are refused with the field named, the
same on SQLite and PostgreSQL (which refuses NUL in text)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.inputs import MAX_JSON_BYTES
from portal.orders.models import Order
from portal.orders.validation import RESERVED_ORDER_NOS
from tests.factories import order_payload


@pytest.mark.parametrize("path", ["/orders/?q=PRG%00", "/queue?q=a%00b", "/queue?seller=%01", "/orders/?page=1%00"])
def test_control_characters_in_query_parameters_are_refused(auth, client, path):
    auth.login()
    response = client.get(path)
    assert response.status_code == 400
    assert "control character U+00" in response.get_data(as_text=True)


def test_control_characters_in_api_queries_and_json_are_refused_with_the_field(api):
    response = api.get("/api/v1/quote?insurer=lanternfish%00&currency=USD")
    assert response.status_code == 400 and response.get_json()["error"].startswith("insurer: control character U+0000")
    body = order_payload(seller={"code": "PRG001", "name": "Pearl\x00River", "email": "ops@pearlriver.example"})
    response = api.post("/api/v1/orders", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("seller.name: control character U+0000")
    response = api.post("/api/v1/orders", json=order_payload(contents="two\nlines\tand a tab"))
    assert response.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_control_characters_in_form_fields_are_refused(auth, client):
    auth.login()
    token = auth.csrf("/orders/new")
    response = client.post("/orders/new", data={"csrf_token": token, "order_no": "A\x00B", "contents": "x"})
    assert response.status_code == 400 and "order_no: control character U+0000" in response.get_data(as_text=True)


def test_csv_rows_with_control_characters_are_reported_not_stored(plugins):
    from tests.factories import csv_row, csv_text, run_import

    report = run_import(csv_text(csv_row(1, seller_name="Pearl\x00River")), plugins)
    assert report.created == 0
    assert [(e.field, e.reason) for e in report.errors] == [("seller_name", "control character U+0000 is not allowed")]


@pytest.mark.parametrize(
    "path",
    [
        "/claims/CLM-1/packs/99999999999999999999999999",
        f"/claims/CLM-1/packs/{2**63}",
        f"/inquiries/INQ-1/documents/{2**31}",
    ],
)
def test_integers_beyond_the_columns_are_not_found(auth, client, path):
    auth.login()
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999999", "-5", "0"])
def test_page_numbers_are_bounded(auth, client, page):
    auth.login()
    response = client.get(f"/orders/?page={page}")
    assert response.status_code == 400 and "page: must be between 1 and" in response.get_data(as_text=True)
    assert client.get(f"/queue?page={page}").status_code == 400


def test_deep_and_huge_json_is_refused(api):
    deep = "[" * 5000 + "]" * 5000
    response = api.post("/api/v1/orders", data=deep, content_type="application/json")
    assert response.status_code == 400 and "nested deeper than 32 levels" in response.get_json()["error"]
    response = api.post("/api/v1/orders", data='{"a":' * 40 + "1" + "}" * 40, content_type="application/json")
    assert response.status_code == 400
    huge = '{"order_no": "' + "x" * MAX_JSON_BYTES + '"}'
    assert api.post("/api/v1/orders", data=huge, content_type="application/json").status_code == 413


def test_order_numbers_that_are_page_names_are_refused(app, api):
    literal = {
        rule.rule.split("/")[2]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/orders/") and "<" not in rule.rule.split("/")[2] and rule.rule.split("/")[2]
    }
    assert literal == RESERVED_ORDER_NOS
    for order_no in sorted(literal) + ["NEW"]:
        response = api.post("/api/v1/orders", json=order_payload(order_no=order_no))
        assert response.status_code == 422 and "is reserved" in response.get_json()["errors"]["order_no"]
