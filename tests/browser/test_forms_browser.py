"""Pages stay true and forms forgive, in Chromium: the harness catches every CSP violation; a refused
amount comes back as typed with its field marked; a write-off asks first; a disabled button says why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.advances import services as advances
from portal.advances.models import LedgerEntry
from portal.claims import services as claims
from portal.extensions import db
from tests.factories import PASSWORD, SUPERVISOR, TEST_ACTOR, ready_inquiry

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()


def test_the_harness_reports_a_csp_violation(page, browser_problems, make_user):
    """The listener every page gets: an inline style (what htmx's indicator styles were) is caught."""
    make_user("li.na")
    log_in(page, "li.na")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')")
    for _ in range(50):
        if any(problem.startswith("CSP violation at ") for problem in browser_problems.problems):
            break
        page.wait_for_timeout(100)
    caught = list(browser_problems.problems)
    browser_problems.problems.clear()  # the violation was this test's own doing
    # Chromium logs it to the console too; the event says what was blocked, and where.
    [event] = [problem for problem in caught if problem.startswith("CSP violation at ")]
    assert "style-src-attr blocked inline" in event and "/queue" in event, caught
    assert all(problem.startswith(("CSP violation at ", "console error")) for problem in caught), caught


def test_a_refused_amount_stays_as_typed_and_a_write_off_asks_first(
    page, new_context, browser_problems, plugins, make_user
):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    make_user("li.na", "agent")
    make_user("chen.wei", "supervisor")
    db.session.commit()

    log_in(page, "li.na")
    page.goto(f"/claims/{claim.number}")
    # No pack yet: the submit button is disabled and says why beside it.
    submit = page.get_by_role("button", name="Submitted to the insurer")
    expect(submit).to_be_disabled()
    expect(page.locator("#submit-claim-why")).to_have_text("Make the submission pack first (above).")

    browser_problems.allow(422, f"/claims/{claim.number}/advance/request")
    box = page.locator("#advance")
    box.get_by_label("Amount").fill("1,85.00")
    box.get_by_role("button", name="Request an advance").click()
    amount = page.locator("#advance").get_by_label("Amount")
    expect(amount).to_have_value("1,85.00")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#advance-amount-error")).to_contain_text("is not an amount as the portal writes them")
    expect(page.locator("#flashes")).to_contain_text("is not an amount")
    # Typed the way the page shows amounts: taken.
    amount.fill("USD 1,500.00")
    page.locator("#advance").get_by_role("button", name="Request an advance").click()
    expect(page.locator("#flashes")).to_contain_text("request recorded")
    expect(page.locator("#advance")).to_contain_text("USD\u00a01,500.00")

    advance = advances.advance_of(claim)
    advances.approve(advance, SUPERVISOR)  # li.na (AGENT) asked, chen.wei approves and pays
    advances.pay(advance, "BANK-1", SUPERVISOR)
    db.session.commit()

    supervisor = new_context().new_page()
    log_in(supervisor, "chen.wei")
    supervisor.goto(f"/claims/{claim.number}")
    supervisor.locator("#write-off-amount").fill("500")
    supervisor.locator("#write-off-reason").fill("the seller closed their account")
    supervisor.locator("#advance").get_by_role("button", name="Write off").click()
    # Asked first, with what was typed; nothing is booked until the answer.
    expect(
        supervisor.get_by_role("heading", name=f"Write off USD\u00a0500.00 on claim {claim.number}?")
    ).to_be_visible()
    assert db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "write_off")) is None
    supervisor.get_by_role("button", name="Yes, write off USD\u00a0500.00").click()
    expect(supervisor.locator("#flashes")).to_contain_text("write off recorded")
    db.session.expire_all()
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "write_off"))
    assert entry.memo == "the seller closed their account"
    assert advances.exposure(claim) == Decimal("1000.00")
