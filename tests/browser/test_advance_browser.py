"""The four eyes on an advance: the agent requests it and cannot approve it; a supervisor
approves; it is paid once, even when the payment is sent twice."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.advances.models import LedgerEntry
from portal.claims import services as claims
from portal.extensions import db
from tests.factories import PASSWORD, TEST_ACTOR, ready_inquiry

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()  # let the login land first


def test_agent_requests_supervisor_approves_paid_once(page, new_context, plugins, make_user):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    db.session.commit()
    make_user("li.na", "agent")
    make_user("chen.wei", "supervisor")

    log_in(page, "li.na")
    page.goto(f"/claims/{claim.number}")
    advance = page.locator("#advance")
    advance.get_by_label("Amount").fill("1500.00")
    advance.get_by_role("button", name="Request an advance").click()
    expect(page.locator("#advance")).to_contain_text("Waiting for a supervisor's approval.")
    expect(page.locator("#advance").get_by_role("button", name="Approve")).to_have_count(0)

    supervisor = new_context().new_page()
    log_in(supervisor, "chen.wei")
    supervisor.goto("/advances")
    supervisor.get_by_role("link", name=claim.number).click()
    supervisor.locator("#advance").get_by_role("button", name="Approve").click()
    expect(supervisor.locator("#advance .badge")).to_have_text("approved")
    supervisor.locator("#advance").get_by_label("Payment reference").fill("WIRE-2026-1124")
    # The payment form sent twice (a resent form from a stale page): one payout.
    status = (
        supervisor.locator("#advance form")
        .filter(has_text="Mark paid")
        .evaluate(
            "form => fetch(form.action, {method: 'POST', body: new FormData(form)}).then(response => response.status)"
        )
    )
    assert status == 200  # paid, and redirected to the claim page
    supervisor.locator("#advance").get_by_role("button", name="Mark paid").click()
    expect(supervisor.locator(".flash-info")).to_contain_text("was already paid with reference WIRE-2026-1124")
    expect(supervisor.locator("#advance .badge")).to_have_text("paid")
    expect(supervisor.locator("#advance")).to_contain_text("WIRE-2026-1124")
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "advance_paid")) == 1
    )


def test_a_supervisor_has_a_sellers_statement_made_while_the_page_waits(page, plugins, make_user, job_worker):
    from decimal import Decimal

    from portal.advances import services as advances
    from tests.factories import AGENT, SUPERVISOR

    make_user("li.na", "agent")
    make_user("chen.wei", "supervisor")
    make_user("wang.fang", "supervisor")
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    advance = advances.request_advance(plugins, claim, Decimal("1500.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", SUPERVISOR)
    db.session.commit()
    log_in(page, "chen.wei")
    page.goto("/advances/exposure")
    page.get_by_role("link", name="statement").click()
    section = page.locator("#statement-pdf")
    section.get_by_role("button", name="Make the statement").click()
    # The job worker makes it while the section polls; the file is swapped in.
    with page.expect_download() as download:
        section.get_by_role("link", name=re.compile(r"^statement-PRG001-.*\.pdf$")).click()
    assert download.value.suggested_filename.startswith("statement-PRG001-")
    assert download.value.path().read_bytes().startswith(b"%PDF-")
    expect(section).not_to_have_attribute("aria-busy", "true")
