"""Separation of duties on the money steps, enforced by the server: a supervisor who did not
request an advance pays it (a forged form post by anyone else is refused), the payee is frozen at
approval and the bank run pays the frozen payee, exports neutralise formula cells."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import select

from portal.advances import services as advances
from portal.advances.files import approved_unpaid, payment_file
from portal.advances.models import Advance, LedgerEntry
from portal.csv_safety import safe_cell
from portal.extensions import db
from portal.sellers.models import Seller
from tests.factories import AGENT, SUPERVISOR, Auth, order_payload, post


def _approved(plugins, claim):  # noqa: F811
    advance = advances.request_advance(plugins, claim, Decimal("1200.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    db.session.commit()
    return advance


def test_an_agent_even_the_requester_cannot_mark_an_advance_paid_by_posting_the_form(plugins, auth, client, claim):  # noqa: F811
    advance = _approved(plugins, claim)
    auth.login("li.na")  # the agent who requested it
    page = post(auth, client, claim, "pay", reference="MADE-UP-1")
    assert "only a supervisor pays advances" in page
    db.session.expire_all()
    assert db.session.get(Advance, advance.id).state == "approved"
    assert db.session.scalar(select(LedgerEntry.id)) is None


def test_a_supervisor_who_requested_the_advance_cannot_pay_it(app, plugins, auth, client, make_user, claim):  # noqa: F811
    advance = advances.request_advance(plugins, claim, Decimal("1200.00"), "USD", SUPERVISOR)
    advances.approve(advance, advances.Staff(3, SUPERVISOR.actor.__class__("user", "3", "wang.fang"), True))
    db.session.commit()
    auth.login("chen.wei", "supervisor")
    page = post(auth, client, claim, "pay", reference="WIRE-7")
    assert "chen.wei requested" in page and "another supervisor pays it" in page
    other = Auth(app.test_client(), make_user)
    other.login("wang.fang", "supervisor")
    post(other, other.client, claim, "pay", reference="WIRE-7")
    db.session.expire_all()
    assert db.session.get(Advance, advance.id).state == "paid"


def test_the_payee_is_frozen_at_approval_and_the_bank_run_pays_it(plugins, api, claim):  # noqa: F811
    advance = _approved(plugins, claim)
    seller = claim.inquiry.order.seller_id
    # The ordering system sends new details for the seller after the approval.
    body = order_payload(
        order_no="PRG-AFTER-1",
        tracking_no="4PX3000000000777CN",
        seller={"code": "PRG001", "name": '=HYPERLINK("http://evil")', "email": "mallory@evil.example"},
    )
    assert api.post("/api/v1/orders", json=body).status_code == 201
    rows = list(csv.DictReader(io.StringIO(payment_file(approved_unpaid()))))
    assert [(r["seller_name"], r["seller_email"]) for r in rows] == [("Pearl River Gadgets", "ops@pearlriver.example")]
    assert db.session.get(Advance, advance.id).payee_name == "Pearl River Gadgets" and seller


def test_formula_cells_are_neutralised(plugins, claim):  # noqa: F811
    for value in ("=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(value) == "'" + value
    assert safe_cell("Pearl River") == "Pearl River" and safe_cell(Decimal("-1.00")) == Decimal("-1.00")
    seller = db.session.get(Seller, claim.inquiry.order.seller_id)
    seller.name = "=cmd|' /C calc'!A0"  # as the ordering system registered it
    advance = _approved(plugins, claim)
    row = next(csv.DictReader(io.StringIO(payment_file([advance]))))
    assert row["seller_name"] == "'=cmd|' /C calc'!A0"
