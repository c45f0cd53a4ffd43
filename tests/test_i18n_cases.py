"""Issue 11 for the case pages (inquiry, claim, advance, history) and the desk's own documents: a
staff member who reads Chinese sees Chinese labels, states and refusals; one who reads English
sees the pages as before; the evidence documents and the seller statement carry both languages,
whoever made them, and read back with their Chinese intact."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from portal.advances import reports
from portal.advances import services as advances
from portal.auth.models import User
from portal.extensions import db
from portal.inquiries.generated import generated_pdf
from portal.sellers.models import Seller
from tests.factories import AGENT, SUPERVISOR, dispatched_order, post

ISSUED = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)


def speaks(username: str, language: str) -> None:
    user = db.session.scalar(select(User).where(User.username == username))
    user.language = language
    db.session.commit()


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_inquiry_page_in_chinese_names_states_and_evidence_in_chinese(auth, client, claim):
    auth.login("li.na", "agent")
    speaks("li.na", "zh_CN")
    inquiry = claim.inquiry

    page = client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True)

    assert '<html lang="zh-CN">' in page
    assert f"查件工单 {inquiry.number}" in page
    for chinese in (
        "可索赔",
        "证明材料",
        "已接受",
        "卖家咨询",
        "承运商答复",
        "确认丢失",
        "历史记录",
        "承运商丢失证明函",
    ):
        assert chinese in page, chinese
    # The codes stay codes where programs read them.
    assert 'data-state="accepted"' in page and 'id="evidence-loss_letter"' in page
    assert "ready for claim" not in page and "Carrier's answer" not in page


def test_the_inquiry_page_in_english_is_unchanged(auth, client, claim):
    auth.login("li.na", "agent")
    speaks("li.na", "en")

    page = client.get(f"/inquiries/{claim.inquiry.number}").get_data(as_text=True)

    assert '<html lang="en">' in page
    for english in (
        f"Inquiry {claim.inquiry.number}",
        "ready for claim",
        "Evidence",
        "Carrier's answer",
        "Confirmed lost",
        "The seller's query",
        "loss confirmation letter",
        "Marketplace dispute",
    ):
        assert english in page, english
    assert "证明材料" not in page and "可索赔" not in page  # (the 4PX trace request is bilingual itself)


def test_claim_and_advance_in_chinese_flash_and_refuse_in_chinese(auth, client, claim):
    auth.login("li.na", "agent")
    speaks("li.na", "zh_CN")

    page = client.get(f"/claims/{claim.number}").get_data(as_text=True)
    assert f"索赔 {claim.number}" in page and "草稿" in page and "索赔材料包" in page
    assert "向卖家垫付" in page and "申请垫付" in page and 'data-state="draft"' in page

    refused = post(auth, client, claim, "request", amount="2000.00")
    assert "超过索赔金额" in refused  # the service's refusal, in the reader's language
    done = post(auth, client, claim, "request", amount="1500.00")
    assert f"索赔 {claim.number}：垫付申请已登记。" in done and "等待主管批准。" in done
    assert "已申请" in done and 'data-state="requested"' in done
    assert "只有主管可以批准或驳回垫付" in post(auth, client, claim, "approve")


def test_the_same_refusal_stays_english_for_an_english_reader(auth, client, claim):
    auth.login("li.na", "agent")
    speaks("li.na", "en")

    refused = post(auth, client, claim, "request", amount="2000.00")

    assert "more than the amount claimed" in refused and "超过" not in refused


def test_the_supervisors_advance_pages_in_chinese(plugins, auth, client, claim):
    advance = advances.request_advance(plugins, claim, Decimal("1500.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", SUPERVISOR)
    db.session.commit()
    auth.login("chen.wei", "supervisor")
    speaks("chen.wei", "zh_CN")

    exposure = client.get("/advances/exposure").get_data(as_text=True)
    assert '<html lang="zh-CN">' in exposure
    assert "风险敞口" in exposure and "0–7 天" in exposure and "按账龄" in exposure and "未结垫付（1）" in exposure
    approvals = client.get("/advances").get_data(as_text=True)
    assert "没有待审批或待支付的垫付。" in approvals
    sla = client.get("/claims/sla").get_data(as_text=True)
    assert "<h1>赔付时效</h1>" in sla and "没有逾期的赔付。" in sla
    claim_page = client.get(f"/claims/{claim.number}").get_data(as_text=True)
    assert "台账" in claim_page and "待保险公司赔付" in claim_page and 'data-state="paid"' in claim_page


@pytest.mark.documents
@pytest.mark.parametrize(
    ("kind", "chinese", "english"),
    [
        ("delivery_record", "交寄记录", "Delivery record"),
        ("delivery_certificate", "交寄证明", "Delivery certificate"),
        ("proof_of_insured_value", "保额证明", "Proof of insured value"),
    ],
)
def test_each_generated_document_is_bilingual_and_the_same_whoever_makes_it(app, plugins, kind, chinese, english):
    order = dispatched_order(plugins)

    made = {}
    for language in ("zh_CN", "en"):
        with force_locale(language):  # the agent's language does not show in the document
            made[language] = generated_pdf(kind, order, issued_at=ISSUED, reference="INQ-2026-000042")

    # Compared by digest: pytest's diff of two unequal PDFs' bytes takes many minutes.
    assert hashlib.sha256(made["zh_CN"]).hexdigest() == hashlib.sha256(made["en"]).hexdigest()
    text = text_of(made["en"])
    assert f"{chinese} / {english}" in text
    for label in (
        "订单 / Order",
        "跟踪号 / Tracking number",
        "申报价值 / Declared value",
        "第 1 页，共 1 页 / Page 1 of 1",
    ):
        assert label in text, label
    assert "INQ-2026-000042" in text and order.order_no in text


@pytest.mark.documents
def test_the_documents_translate_their_labels_and_sentences(app, plugins):
    order = dispatched_order(plugins)

    certificate = text_of(generated_pdf("delivery_certificate", order, issued_at=ISSUED, reference="INQ-1"))
    proof = text_of(generated_pdf("proof_of_insured_value", order, issued_at=ISSUED, reference="INQ-1"))

    assert "兹证明" in certificate and "certifies that the parcel below was handed over to" in certificate
    assert "已交寄承运商 / Dispatched to the carrier" in certificate and "交接 / Handover" in certificate
    assert "保额 / Insured value" in proof and "保费 / Premium" in proof and "下列包裹已向" in proof


def test_the_seller_statement_is_bilingual(plugins, claim):
    advance = advances.request_advance(plugins, claim, Decimal("1500.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", SUPERVISOR)
    db.session.commit()
    seller = db.session.get(Seller, claim.inquiry.order.seller_id)
    start, end = date(2000, 1, 1), date(2100, 1, 1)  # every entry, whatever day the test runs

    made = {}
    for language in ("zh_CN", "en"):
        with force_locale(language):
            made[language] = reports.statement_pdf(seller, start, end, issued=date(2026, 12, 2))

    # Compared by digest: pytest's diff of two unequal PDFs' bytes takes many minutes.
    assert hashlib.sha256(made["zh_CN"]).hexdigest() == hashlib.sha256(made["en"]).hexdigest()
    text = text_of(made["en"])
    for label in (
        "垫付对账单 / Statement of advances",
        "已付垫付款 / Advance paid",
        "USD 净额 / Net USD",
        "记账时间 / Booked",
    ):
        assert label in text, label
    assert claim.number in text


def test_a_refused_dispute_names_the_field_in_chinese(auth, client, claim):
    auth.login("li.na", "agent")
    speaks("li.na", "zh_CN")
    number = claim.inquiry.number
    token = auth.csrf(f"/inquiries/{number}")

    response = client.post(
        f"/inquiries/{number}/dispute",
        data={"csrf_token": token, "platform": "eBay", "dispute_id": "", "respond_by": "2026-12-20"},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "登记纠纷时必填" in page and "is required for a dispute" not in page
