"""Advances through the claim page, the supervisor's reports, the bank and insurer files and the API."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import func, select

from portal.advances import services as advances
from portal.advances.models import Advance, LedgerEntry
from portal.extensions import db
from tests.factories import AGENT, SUPERVISOR, csrf_from, post
from tests.jobs_support import drain


def test_agent_requests_a_supervisor_approves_and_a_form_posted_twice_pays_once(auth, client, claim, make_user):
    auth.login("li.na", "agent")
    page = post(auth, client, claim, "request", amount="2000.00")
    assert "more than the amount claimed" in page
    page = post(auth, client, claim, "request", amount="1500.00")
    assert "request recorded" in page and "Waiting for a supervisor" in page
    assert "Approve" not in page.split('id="advance"')[1].split("</section>")[0]
    assert post(auth, client, claim, "approve").count("only a supervisor approves") == 1
    client.post("/logout", data={"csrf_token": auth.csrf("/queue")})
    auth.login("chen.wei", "supervisor")
    page = post(auth, client, claim, "approve")
    assert "approve recorded" in page and "Mark paid" in page
    first = post(auth, client, claim, "pay", reference="BANK-77")
    second = post(auth, client, claim, "pay", reference="BANK-77")
    assert "pay recorded" in first and "was already paid with reference BANK-77" in second
    assert (
        db.session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "advance_paid")) == 1
    )


def test_a_supervisor_cannot_approve_their_own_request(auth, client, claim):
    auth.login("chen.wei", "supervisor")
    post(auth, client, claim, "request", amount="100.00")
    page = post(auth, client, claim, "approve")
    assert "another supervisor decides" in page
    assert db.session.scalar(select(Advance.state)) == "requested"


def test_exposure_report_csv_and_seller_statement(plugins, auth, client, claim):
    advance = advances.request_advance(plugins, claim, Decimal("1500.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", SUPERVISOR)
    advances.book_settlement(claim, Decimal("1000.00"), "USD", SUPERVISOR)
    db.session.commit()
    auth.login("li.na", "agent")
    assert client.get("/advances/exposure").status_code == 403  # supervisors only
    client.post("/logout", data={"csrf_token": auth.csrf("/queue")})
    auth.login("chen.wei", "supervisor")
    html = client.get("/advances/exposure").get_data(as_text=True)
    assert advance.number in html and "0-7 days" in html and "USD\u00a0500.00" in html and "<svg" in html
    csv_text = client.get("/advances/exposure?format=csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("advance,claim,seller_code")
    assert f"{advance.number},{claim.number},PRG001" in csv_text and ",1500.00,500.00," in csv_text
    assert "Nothing awaits approval or payment." in client.get("/advances").get_data(as_text=True)  # paid
    # The statement is made by a job (tests/test_made_files.py follows the page through it).
    assert 'href="/sellers/PRG001/statement"' in html
    page = client.get("/sellers/PRG001/statement").get_data(as_text=True)  # the last 90 days
    asked = client.post("/sellers/PRG001/statement", data={"csrf_token": csrf_from(page)})
    assert asked.status_code == 303
    drain()
    section = client.get("/sellers/PRG001/statement/status").get_data(as_text=True)
    link = re.search(r'href="(/sellers/PRG001/statement/\d+\.pdf)"', section).group(1)
    response = client.get(link)
    reader = PdfReader(io.BytesIO(response.data))
    response.close()
    text = " ".join(reader.pages[0].extract_text().split())
    assert response.mimetype == "application/pdf" and "Statement of advances" in text
    assert "Advance paid" in text and "Insurer settlement" in text and claim.number in text
    assert client.get("/sellers/PRG001/statement?from=2026-12-01&to=2026-11-01").status_code == 400


def test_the_bank_run_and_its_confirmations(plugins, runner, claim, tmp_path):
    from portal.cli import cli

    advance = advances.request_advance(plugins, claim, Decimal("1500.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    db.session.commit()
    out = tmp_path / "run.csv"
    result = runner.invoke(cli, ["advances", "export", "-o", str(out)])
    assert result.exit_code == 0 and "1 advances to pay" in result.output
    assert f"{advance.number},PRG001" in out.read_text()
    confirmations = tmp_path / "bank.csv"
    confirmations.write_text(
        "advance,bank_reference,amount,currency\n"
        f"{advance.number},WIRE-1,1500.00,USD\n"
        "ADV-2026-999999,WIRE-2,10.00,USD\n",
        encoding="utf-8",
    )
    first = runner.invoke(cli, ["advances", "import-payments", str(confirmations)])
    assert "1 booked, 0 already booked, 1 unmatched, 0 mismatched" in first.output and first.exit_code == 1
    again = runner.invoke(cli, ["advances", "import-payments", str(confirmations)])
    assert "0 booked, 1 already booked" in again.output
    db.session.expire_all()
    assert db.session.get(Advance, advance.id).state == "paid"
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1


def test_settlement_reports_book_matches_and_list_the_rest(plugins, runner, claim, tmp_path):
    from datetime import UTC, date, datetime

    from portal.claims import services as claims
    from portal.cli import cli
    from tests.factories import TEST_ACTOR

    advance = advances.request_advance(plugins, claim, Decimal("1500.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", SUPERVISOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR, now=datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    claims.accept(plugins, claim, reference="LFM-C-3", accepted_on=date(2026, 11, 25), actor=TEST_ACTOR)
    db.session.commit()
    report = tmp_path / "settlements.csv"
    paid_on = "2026-11-30"
    report.write_text(
        "claim_reference,amount,currency,date\n"
        f"{claim.number},80.00,EUR,{paid_on}\n"
        "CLM-2026-424242,80.00,USD,2026-11-30\n"
        f"{claim.number},1400.00,USD,{paid_on}\n"
        f"LFM-C-3,1850.00,USD,{paid_on}\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["settlements", "import", str(report)])
    assert "1 booked, 0 already booked, 1 unmatched, 2 mismatched" in result.output, result.output
    assert f"line 2: mismatched: {claim.number}: claim {claim.number} is in USD, the payment in EUR" in result.output
    assert "line 3: unmatched: no claim numbered or referenced 'CLM-2026-424242'" in result.output
    assert "line 4: mismatched: " in result.output and "USD\u00a0450.00 less than claimed" in result.output
    again = runner.invoke(cli, ["settlements", "import", str(report)])
    assert "0 booked, 1 already booked" in again.output
    db.session.expire_all()
    assert advances.exposure(db.session.merge(claim)) == 0


def test_the_api_shows_the_advance(plugins, api, claim):
    from portal.api.openapi import openapi_document
    from tests.factories import assert_documented

    advance = advances.request_advance(plugins, claim, Decimal("700.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-5", SUPERVISOR)
    db.session.commit()
    response = api.get(f"/api/v1/orders/{claim.inquiry.order.order_no}")
    assert_documented(openapi_document(), "/orders/{order_no}", "get", response)
    body = response.get_json()["claim"]["advance"]
    assert (body["number"], body["state"], body["amount"], body["currency"]) == (
        advance.number,
        "paid",
        "700.00",
        "USD",
    )
    assert body["paid_at"].endswith("Z")
