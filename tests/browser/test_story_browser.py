"""The seller's whole story, in Chromium only (no API, no CLI, no service called by the test): an
agent enters a new order with cover, adds the carrier's scans, sees the parcel go quiet on the
queue, takes the case, traces it, gathers the evidence, files the claim with the insurer's pack
and asks for an advance; a supervisor (another login) approves and pays it; the insurer's payment
settles it, and the finished case leaves the queue.

The app's clock is pinned (``pinned_clock``) and moved forward between the steps, as the weeks of
the story pass; the job worker makes the documents. It runs at 1366 and at 390 px; any console
error or CSP violation fails it, the page may never scroll sideways, and every step leaves a
screenshot (see the ``artefacts`` fixture)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.money import Money
from tests.browser.support import upload_evidence
from tests.factories import PASSWORD, POSTGRES_URL, loss_letter_pdf, pdf, png_file, translator

pytestmark = pytest.mark.browser

#: Monday 1 June 2026, 10:00 in Shenzhen: out of 4PX's peak season, in a year the calendars know.
ENTERED = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
ORDER_NO = "PRG-2026-0617"
TRACKING_NO = "4PX3000000061701CN"


def amount_of(text: str) -> str:
    """'USD 1,750.00' (as the pages show money) → '1750.00' (as a form takes it)."""
    return re.search(r"\d[\d,]*\.\d{2}", text).group(0).replace(",", "")


class Story:
    """The pages of one width, with a screenshot and a layout check after each step."""

    def __init__(self, width: int, folder):
        self.width = width
        self.folder = folder
        self.steps = 0

    def step(self, page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"step {name!r} at {self.width} px scrolls sideways: {width}"
        self.steps += 1
        # caret="initial": hiding the caret leaves an empty style="" on every input, which htmx's settle
        # step then copies with setAttribute, a CSP violation of the test's own making.
        path = self.folder / f"{self.width}-{self.steps:02d}-{name}.png"
        page.screenshot(path=path, full_page=True, caret="initial")


def log_in(page: Page, username: str, t) -> None:
    page.goto("/login")
    page.get_by_label(t("User name")).fill(username)
    page.get_by_label(t("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Log in")).click()
    expect(page.get_by_role("heading", name=t("Work queue"), level=1)).to_be_visible()
    page.wait_for_load_state("load")


def add_scan(page: Page, t, when: str, handover: str, status: str, where: str, says: str) -> None:
    panel = page.locator("#timeline")
    panel.get_by_text(t("Add a scan by hand")).click()
    panel.get_by_label(t("When (warehouse time)")).fill(when)
    panel.get_by_label(t("Status")).select_option(status)
    panel.get_by_label(t("Handover")).select_option(handover)
    panel.get_by_label(t("Where")).fill(where)
    panel.get_by_label(t("What the scan says")).fill(says)
    panel.get_by_label(t("Why it is added by hand")).fill("Read from the carrier's scan sheet")
    panel.get_by_role("button", name=t("Add the scan")).click()
    expect(page.get_by_text(t("Order %(order_no)s: scan added by hand.", order_no=ORDER_NO))).to_be_visible()


#: English at 1366 px on both databases; at a phone's width, in English and in Chinese, on SQLite
#: (what changes there is the page, not the database; tests/browser/test_narrow_screens.py opens
#: every page in both languages at both widths).
STORIES = [
    ("sqlite", 1366, "en"),
    *([("postgresql", 1366, "en")] if POSTGRES_URL else []),
    ("sqlite", 390, "en"),
    ("sqlite", 390, "zh_CN"),
]


@pytest.mark.parametrize(("database_url", "width", "language"), STORIES, indirect=["database_url"])
def test_the_sellers_whole_story_in_the_browser(
    width, language, strict_context, pinned_clock, job_worker, make_user, plugins, artefacts, tmp_path
):
    viewport = {"width": width, "height": 900 if width > 500 else 844}
    browser_locale = {"en": "en-GB", "zh_CN": "zh-CN"}[language]  # each login takes its browser's language
    t = translator(language)
    story = Story(width, artefacts)
    make_user("li.na", "agent")
    make_user("chen.wei", "supervisor")
    pinned_clock.move_to(ENTERED)
    page = strict_context(viewport=viewport, locale=browser_locale).new_page()
    log_in(page, "li.na", t)

    # 1. The order, with cover bought before dispatch, entered in the New order form.
    page.locator("header.topbar").get_by_role("link", name=t("New order")).click()
    page.get_by_label(t("Seller code")).fill("PRG001")
    page.get_by_label(t("Seller name")).fill("Pearl River Gadgets")
    page.get_by_label(t("Seller e-mail")).fill("ops@pearlriver.example")
    page.get_by_label(t("Order number")).fill(ORDER_NO)
    page.get_by_label(t("Tracking number")).fill(TRACKING_NO)
    page.get_by_label(t("Carrier and service")).select_option("fourpx:fourpx_c")
    page.get_by_label(t("Destination")).select_option("US")
    page.get_by_label(t("Declared value")).fill("1850.00")
    page.get_by_label(t("Currency")).select_option("USD")
    page.get_by_label(t("Goods category")).select_option("electronics")
    page.get_by_label(t("Contents")).fill("Drone with 4K camera")
    page.get_by_label(t("Insurer"), exact=True).select_option("lanternfish")
    page.get_by_label(t("Insured value")).press_sequentially("1850.00")
    expect(page.locator("#quote")).to_contain_text(t("Premium"))
    story.step(page, "new-order-with-cover")
    page.get_by_role("button", name=t("Create order")).click()
    expect(page.get_by_role("heading", name=re.compile(ORDER_NO))).to_be_visible()
    expect(page.locator("body")).to_contain_text(plugins.insurer("lanternfish").name.in_language(language))
    story.step(page, "order-entered")

    # 2. Picked up at the door, taken in at the processing centre, handed to 4PX the same night.
    pinned_clock.move_to(ENTERED + timedelta(hours=16))
    add_scan(page, t, "2026-06-01T14:10", "pickup", "in_transit", "Shenzhen, Longhua", "Picked up at the seller's door")
    add_scan(page, t, "2026-06-01T19:40", "intake", "in_transit", "Shenzhen processing centre", "Scanned in")
    add_scan(page, t, "2026-06-01T23:30", "dispatch", "in_transit", "Shenzhen, 4PX hub", "Handed over to 4PX")
    pinned_clock.move_to(ENTERED + timedelta(days=2))
    add_scan(page, t, "2026-06-02T21:05", "", "in_transit", "Shenzhen Bao'an Airport", "Departed the country of origin")
    expect(page.locator("#timeline tbody tr")).to_have_count(4)
    story.step(page, "carrier-scans")

    # 3. Then nothing: ten days on, the parcel is quiet on the queue.
    pinned_clock.move_to(ENTERED + timedelta(days=10))
    page.locator("header.topbar").get_by_role("link", name=t("Work queue")).click()
    row = page.locator("#queue-rows tbody tr").filter(has_text=ORDER_NO)
    expect(row).to_have_count(1)
    days = [re.escape(t(text, days="@")).replace("@", r"\d+") for text in ("quiet %(days)s d", "stalled %(days)s d")]
    expect(row).to_contain_text(re.compile("|".join(days)))
    story.step(page, "quiet-on-the-queue")

    # 4. Two weeks after dispatch the seller asks: the agent opens an inquiry and takes the case.
    pinned_clock.move_to(ENTERED + timedelta(days=15))
    page.reload()
    row = page.locator("#queue-rows tbody tr").filter(has_text=ORDER_NO)
    expect(row.locator(".badge").first).to_contain_text(re.compile(days[1]))
    row.get_by_role("link", name=ORDER_NO).click()
    section = page.locator("#inquiry")
    section.get_by_label(t("The seller reports")).select_option("not_arrived")
    section.get_by_label(t("Seller's message")).fill("My buyer on Amazon says the drone never came.")
    section.get_by_role("button", name=t("Open inquiry")).click()
    expect(page).to_have_url(re.compile(r"/inquiries/INQ-\d{4}-\d{6}$"))
    inquiry_no = page.url.rsplit("/", 1)[-1]
    for kind in ("delivery_record", "delivery_certificate", "proof_of_insured_value"):
        expect(page.locator(f"#evidence-{kind}")).to_have_attribute("data-state", "received")
    story.step(page, "inquiry-opened")
    page.locator("header.topbar").get_by_role("link", name=t("Work queue")).click()
    case_row = page.locator("#queue-rows tbody tr").filter(has_text=inquiry_no)
    case_row.get_by_role("button", name=t("Take")).click()
    expect(page.get_by_text(t("You have taken %(number)s.", number=inquiry_no))).to_be_visible()
    story.step(page, "case-taken")
    page.locator("#queue-rows tbody tr").filter(has_text=inquiry_no).get_by_role("link", name=inquiry_no).click()

    # 5. The trace request in 4PX's form, then 4PX's answer.
    page.get_by_label(t("Carrier's trace reference")).fill("4PX-TRACE-61701")
    page.get_by_role("button", name=t("Trace requested")).click()
    expect(page.locator(".page-head .badge")).to_contain_text(t("trace requested"))
    story.step(page, "trace-requested")
    pinned_clock.move_to(ENTERED + timedelta(days=18))
    page.get_by_label(t("The carrier says")).select_option("lost")
    page.get_by_role("button", name=t("Record the carrier's answer")).click()
    expect(page.locator(".page-head .badge")).to_contain_text(t("carrier answered"))
    story.step(page, "carrier-answered")

    # 6. The evidence: the buyer's dispute, the invoice, the post office's certificate and 4PX's loss
    # letter, each accepted.
    letter = tmp_path / "4px-loss-letter.pdf"
    letter.write_bytes(
        loss_letter_pdf(
            plugins,
            reference="4PXCS20260619000417",
            tracking_no=TRACKING_NO,
            found_on=date(2026, 6, 18),
            liability=Money.of("100.00", "USD"),
        )
    )
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(pdf(f"<h1>Invoice {ORDER_NO}</h1><p>Drone with 4K camera, USD 1,850.00</p>"))
    upload_evidence(page, "dispute_screenshots", t=t, path=png_file(tmp_path / "amazon-dispute.png", (240, 240, 240)))
    upload_evidence(page, "commercial_invoice", t=t, path=str(invoice))
    upload_evidence(
        page, "recipient_statement", t=t, path=png_file(tmp_path / "post-office-certificate.png", (200, 220, 240))
    )
    upload_evidence(page, "loss_letter", t=t, path=str(letter))
    letter_box = page.locator("#loss-letter")
    expect(letter_box.get_by_label(t("Carrier's case reference"))).to_have_value("4PXCS20260619000417")
    letter_box.get_by_role("button", name=t("Confirm the letter")).click()
    expect(page.locator("#loss-letter")).to_contain_text(t("Confirmed by %(name)s.", name="li.na"))
    for kind in (
        "delivery_record",
        "delivery_certificate",
        "proof_of_insured_value",
        "commercial_invoice",
        "dispute_screenshots",
        "recipient_statement",
        "loss_letter",
    ):
        page.locator(f"#evidence-{kind}").get_by_role("button", name=t("Accept")).click()
        expect(page.locator(f"#evidence-{kind}")).to_have_attribute("data-state", "accepted")
    expect(page.locator("#checklist-status")).to_have_text(t("complete"))
    story.step(page, "evidence-complete")

    # 7. The claim and the insurer's pack, made by the job worker, submitted.
    page.reload()
    page.get_by_role("button", name=t("Ready for claim")).click()
    page.get_by_role("button", name=t("Draft the claim")).click()
    expect(page).to_have_url(re.compile(r"/claims/CLM-\d{4}-\d{6}$"))
    claim_no = page.url.rsplit("/", 1)[-1]
    page.get_by_role("button", name=t("Make the pack")).click()
    expect(page.locator("#packs tbody tr")).to_have_count(1)
    story.step(page, "pack-made")
    page.get_by_role("button", name=t("Submitted to the insurer")).click()
    expect(page.locator(".page-head .badge").first).to_have_text(t("submitted"))
    story.step(page, "claim-submitted")

    # 8. Lanternfish accepts (it pays within 3 US working days); the agent asks for an advance.
    pinned_clock.move_to(ENTERED + timedelta(days=21))
    page.get_by_label(t("Insurer's case reference")).fill("LF-2026-88417")
    page.get_by_label(t("Accepted on")).fill("2026-06-22")
    page.get_by_role("button", name=t("Accepted")).click()
    expect(page.locator(".page-head .badge").first).to_have_text(t("accepted"))
    expect(page.locator("#claim-step")).to_be_visible()
    claimed = amount_of(page.locator(f"dt:text-is('{t('Amount claimed')}') + dd strong").inner_text())
    advance = page.locator("#advance")
    # By name: the claim's payment form above has a field named "amount" too (one id for two fields).
    advance.locator("input[name=amount]").fill(claimed)
    advance.get_by_role("button", name=t("Request an advance")).click()
    expect(page.locator("#advance")).to_contain_text(t("Waiting for a supervisor's approval."))
    story.step(page, "advance-requested")

    # 9. A supervisor, in a session of their own, approves and pays it.
    supervisor = strict_context(viewport=viewport, locale=browser_locale).new_page()
    log_in(supervisor, "chen.wei", t)
    supervisor.locator("header.topbar").get_by_role("link", name=t("Advances")).click()
    story.step(supervisor, "advances-to-approve")
    supervisor.get_by_role("link", name=claim_no).click()
    supervisor.locator("#advance").get_by_role("button", name=t("Approve")).click()
    expect(supervisor.locator("#advance .badge")).to_have_text(t("approved"))
    supervisor.locator("#advance input[name=reference]").fill("WIRE-2026-0622")
    supervisor.locator("#advance").get_by_role("button", name=t("Mark paid")).click()
    expect(supervisor.locator("#advance .badge")).to_have_text(t("paid"))
    story.step(supervisor, "advance-paid")

    # 10. The insurer pays the claim: the same step settles the advance and finishes the case.
    pinned_clock.move_to(ENTERED + timedelta(days=23))
    page.reload()
    payment = page.locator("#claim-step")
    payment.locator("input[name=amount]").fill(claimed)
    payment.locator("input[name=paid_on]").fill("2026-06-24")
    payment.locator("input[name=reference]").fill("LF-PAY-88417")
    payment.get_by_role("button", name=t("Paid"), exact=True).click()
    expect(page.locator(".page-head .badge").first).to_have_text(t("paid"))
    ledger = page.locator("#advance")
    expect(ledger.locator(f"dt:text-is('{t('Awaiting the insurer')}') + dd")).to_contain_text("0.00")
    expect(ledger.locator(f"dt:text-is('{t('To recover from the seller')}') + dd")).to_contain_text("0.00")
    story.step(page, "insurer-paid-advance-settled")

    page.get_by_role("link", name=inquiry_no).click()
    expect(page.locator(".page-head .badge")).to_have_text(t("closed"))
    expect(page.locator(f"dt:text-is('{t('Closed')}') + dd")).to_contain_text(t("Claim paid and advance settled"))
    story.step(page, "case-finished")
    page.locator("header.topbar").get_by_role("link", name=t("Work queue")).click()
    expect(page.locator("#queue-rows")).not_to_contain_text(ORDER_NO)
    expect(page.locator("#queue-rows")).not_to_contain_text(inquiry_no)
    story.step(page, "off-the-queue")
    assert story.steps == 17
