"""Forms that forgive (issue 10, point 7): amounts typed the way the portal shows them, read by
Babel in the portal's locale; a refused form comes back as typed with its field marked."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from babel.numbers import format_currency

from portal.advances import services as advances
from portal.advances.models import Advance, LedgerEntry
from portal.claims import services as claims
from portal.extensions import db
from portal.inquiries import services as inquiries
from portal.money import MoneyError, check_locale, read_amount, show_amount
from portal.plugin_api import EVIDENCE_KINDS
from tests.factories import (
    AGENT,
    SUPERVISOR,
    TEST_ACTOR,
    csrf_from,
    dispatched_order,
    opened,
    order_form,
    ready_inquiry,
)
from tests.jobs_support import waiting


@pytest.mark.parametrize(
    ("typed", "locale", "amount"),
    [
        ("1,850.00", "en", "1850.00"),
        ("1850", "en", "1850.00"),
        (" 1850.5 ", "en", "1850.50"),
        ("USD 1,850.00", "en", "1850.00"),
        ("USD\u00a01,850.00", "en", "1850.00"),  # copied from a page
        ("1850.00 USD", "en", "1850.00"),
        ("1,850.00", "zh_CN", "1850.00"),
        ("1 850,00", "fr_FR", "1850.00"),
        ("1\u202f850,00", "fr_FR", "1850.00"),
        ("1 850,00", "ru_RU", "1850.00"),
        ("1.850,00", "de_DE", "1850.00"),
        ("USD 1.850,00", "de_DE", "1850.00"),
    ],
)
def test_amounts_are_read_the_way_the_locale_writes_them(typed, locale, amount):
    assert read_amount(typed, "USD", locale=locale) == Decimal(amount)


@pytest.mark.parametrize(
    ("typed", "locale", "reason"),
    [
        ("1,85.00", "en", "'1,85.00' is not an amount as the portal writes them (like 1,850.00 or 1850)"),
        ("1 850,00", "en", "'1 850,00' is not an amount (write it like 1,850.00 or 1850)"),
        ("1,850.00", "de_DE", "'1,850.00' is not an amount as the portal writes them (like 1.850,00 or 1850)"),
        ("1e5", "en", "'1e5' is not an amount"),
        ("NaN", "en", "'NaN' is not an amount"),
        ("-5", "en", "must not be negative"),
        ("EUR 5.00", "en", "is in EUR, but this amount is in USD"),
        ("0", "en", "must be more than zero"),
        ("1,850.005", "en", "has more than 2 decimal places for USD"),
        ("", "en", "is required"),
    ],
)
def test_what_is_not_an_amount_is_refused_with_the_reason(typed, locale, reason):
    with pytest.raises(MoneyError) as refused:
        read_amount(typed, "USD", locale=locale)
    assert str(refused.value).startswith(reason)


@pytest.mark.parametrize("locale", ["en", "zh_CN", "de_DE", "fr_FR"])
@pytest.mark.parametrize(("amount", "currency"), [("1850.00", "USD"), ("1234567.5", "EUR"), ("1850", "JPY")])
def test_what_the_portal_shows_it_reads_back(locale, amount, currency):
    shown = show_amount(Decimal(amount), currency, locale=check_locale(locale))
    assert read_amount(shown, currency, locale=locale) == Decimal(amount)
    # Babel's own formatting of the same amount is what the page shows.
    assert shown == format_currency(
        Decimal(amount), currency, format="¤¤\u00a0#,##0.00", locale=locale, currency_digits=True
    )


def _field_state(html: str, field_id: str) -> tuple[str, str, str]:
    """(value, aria-invalid, the message beside it) of the input ``field_id``."""
    tag = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', html).group(0)
    value = re.search(r'value="([^"]*)"', tag)
    invalid = re.search(r'aria-invalid="([^"]*)"', tag)
    message = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', html)
    return (
        value.group(1) if value else "",
        invalid.group(1) if invalid else "",
        message.group(1) if message else "",
    )


def _post(client, claim, path, **data):
    token = csrf_from(client.get(f"/claims/{claim.number}").get_data(as_text=True))
    return client.post(f"/claims/{claim.number}/{path}", data={"csrf_token": token, **data})


def test_an_advance_is_requested_in_the_form_the_page_shows_amounts(auth, client, claim):
    auth.login("li.na", "agent")
    response = _post(client, claim, "advance/request", amount="1,500.00")
    assert response.status_code == 303
    advance = db.session.scalar(db.select(Advance))
    assert (advance.amount, advance.currency) == (Decimal("1500.00"), "USD")


def test_a_refused_advance_request_keeps_what_was_typed_and_marks_the_field(auth, client, claim):
    auth.login("li.na", "agent")
    response = _post(client, claim, "advance/request", amount="1,85.00")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    value, invalid, message = _field_state(html, "advance-amount")
    assert (value, invalid) == ("1,85.00", "true")
    assert "is not an amount as the portal writes them" in message
    assert 'aria-describedby="advance-amount-error"' in html
    assert db.session.scalar(db.select(Advance)) is None

    # More than claimed: the service's refusal, the same way.
    response = _post(client, claim, "advance/request", amount="USD 2,000.00")
    value, invalid, message = _field_state(response.get_data(as_text=True), "advance-amount")
    assert response.status_code == 422 and (value, invalid) == ("USD 2,000.00", "true")
    assert "more than the amount claimed" in message


def test_a_refused_write_off_keeps_the_amount_and_the_reason(plugins, auth, client, claim):
    advance = advances.request_advance(plugins, claim, Decimal("1500.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", SUPERVISOR)
    db.session.commit()
    auth.login("chen.wei", "supervisor")
    response = _post(client, claim, "advance/write-off", amount="1 500,00", reason="seller closed")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    value, invalid, message = _field_state(html, "write-off-amount")
    assert (value, invalid) == ("1 500,00", "true") and "write it like 1,850.00" in message
    assert "seller closed</textarea>" in html
    # The other amount fields on the page stay empty and unmarked.
    assert _field_state(html, "recovery-amount") == ("", "", "")


# --- actions that undo work ask first ------------------------------------------------------


def _regenerate(client, inquiry, kind="delivery_record", htmx=False, **data):
    token = csrf_from(client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True))
    return client.post(
        f"/inquiries/{inquiry.number}/regenerate/{kind}",
        data={"csrf_token": token, **data},
        headers={"HX-Request": "true"} if htmx else {},
    )


def test_generating_a_document_again_asks_first_and_says_what_it_undoes(plugins, auth, client):
    inquiry = ready_inquiry(plugins)
    auth.login()
    page = client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True)
    label = EVIDENCE_KINDS["delivery_record"]  # "Delivery record (handover and tracking history)"
    assert f'hx-confirm="Generate the {label.lower()} again? The accepted version will need reviewing again."' in page
    assert 'hx-vals=\'{"confirm": "yes"}\'' in page

    # Without JavaScript: a page that asks, and nothing is asked of the job workers yet.
    asked = _regenerate(client, inquiry)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Generate the {label.lower()} again?" in html
    assert f"A new version of the {label.lower()} replaces version 1, which was accepted by test suite" in html
    assert '<input type="hidden" name="confirm" value="yes">' in html
    assert waiting() == 0

    done = _regenerate(client, inquiry, confirm="yes")
    assert done.status_code == 303 and waiting() == 1
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"{label}: a new version is being made." in page


def test_a_document_the_insurer_received_is_never_made_again(plugins, auth, client, claim):
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR)
    db.session.commit()
    inquiry = claim.inquiry
    auth.login()
    page = client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True)
    row = page.split('id="evidence-delivery_record"')[1].split("</tr>")[0]
    assert 'disabled aria-describedby="sent-delivery_record"' in row
    assert f"Not again: the insurer received version 1 with claim {claim.number}" in row

    refused = _regenerate(client, inquiry, htmx=True, confirm="yes")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and html.lstrip().startswith('<section class="card" id="checklist"')
    assert (
        f"{EVIDENCE_KINDS['delivery_record']} is not made again: the insurer received version 1 with claim {claim.number}"
        in html
        and "the version the insurer has stays accepted" in html
    )
    assert waiting() == 0
    db.session.expire_all()
    item = inquiries.item_of(inquiry, "delivery_record")
    assert item.state == "accepted" and len(item.documents) == 1


def test_a_write_off_asks_first_with_what_was_typed(plugins, auth, client, claim):
    advance = advances.request_advance(plugins, claim, Decimal("1500.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", SUPERVISOR)
    db.session.commit()
    auth.login("chen.wei", "supervisor")
    asked = _post(client, claim, "advance/write-off", amount="1,500.00", reason="seller closed")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Write off USD\u00a01,500.00 on claim" in html
    assert '<input type="hidden" name="amount" value="1,500.00">' in html
    assert '<input type="hidden" name="reason" value="seller closed">' in html
    assert db.session.scalar(db.select(LedgerEntry).where(LedgerEntry.kind == "write_off")) is None

    token = csrf_from(html)
    done = client.post(
        f"/claims/{claim.number}/advance/write-off",
        data={"csrf_token": token, "amount": "1,500.00", "reason": "seller closed", "confirm": "yes"},
    )
    assert done.status_code == 303
    entry = db.session.scalar(db.select(LedgerEntry).where(LedgerEntry.kind == "write_off"))
    assert entry.memo == "seller closed" and advances.exposure(claim) == 0


def test_a_refused_dispute_keeps_what_was_typed_and_marks_the_field(plugins, auth, client):
    inquiry = opened(plugins, dispatched_order(plugins))
    auth.login()
    token = csrf_from(client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True))
    response = client.post(
        f"/inquiries/{inquiry.number}/dispute",
        data={"csrf_token": token, "platform": "eBay", "dispute_id": "EB-5512", "opened_on": "2026-11-20"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _field_state(html, "platform")[0] == "eBay" and _field_state(html, "dispute_id")[0] == "EB-5512"
    value, invalid, message = _field_state(html, "respond_by")
    assert (value, invalid) == ("", "true") and message.startswith("is required for a dispute")
    assert _field_state(html, "opened_on")[0] == "2026-11-20"
    db.session.expire_all()
    assert inquiry.dispute_id is None


def test_an_in_place_action_updates_every_part_of_the_page_that_depends_on_it(plugins, auth, client):
    """Accepting the last document: the checklist, and out of band the state, the next step (ready
    for a claim, enabled), the history (newest first) and the confirmation in the status region."""
    inquiry = ready_inquiry(plugins)
    inquiries.review_item(inquiry, "commercial_invoice", "reject", TEST_ACTOR, reason="blurred")
    inquiry.state = "carrier_answered"  # as before "ready for claim" (the step this test is about)
    db.session.commit()
    auth.login()
    page = client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True)
    assert 'disabled aria-describedby="ready-why"' in page and 'id="flashes"' in page
    token = csrf_from(page)
    response = client.post(
        f"/inquiries/{inquiry.number}/evidence/commercial_invoice/review",
        data={"csrf_token": token, "decision": "accept"},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section class="card" id="checklist"')
    parts = {
        name: html.split(f'id="{name}"', 1)[1].split("\n", 1)[0]
        for name in ("inquiry-state", "inquiry-panels", "next-step-box", "history", "flashes")
    }
    assert all("hx-swap-oob=" in part for part in parts.values()), parts
    assert 'hx-swap-oob="innerHTML"' in parts["flashes"]
    flashes = html.split('id="flashes"', 1)[1]
    assert f"{EVIDENCE_KINDS['commercial_invoice']}: accepted." in flashes
    next_step = html.split('id="next-step-box"', 1)[1].split("</div>", 1)[0]
    assert "Ready for claim</button>" in next_step and "disabled" not in next_step
    history = html.split('id="history"', 1)[1]
    first = history.split("<li>", 2)[1]
    assert f"{EVIDENCE_KINDS['commercial_invoice']} accepted" in first
    times = re.findall(r'<time datetime="([^"]+)"', history)
    assert times == sorted(times, reverse=True) and len(times) > 5
    # The status region is the page's one: once in the answer, with its role.
    assert html.count('id="flashes"') == 1 and 'role="status" aria-live="polite"' in flashes.split(">", 1)[0]


def test_the_claim_page_tells_the_claim_and_its_advance_as_one_history(plugins, auth, client, claim):
    advance = advances.request_advance(plugins, claim, Decimal("1500.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    db.session.commit()
    auth.login("li.na", "agent")
    html = client.get(f"/claims/{claim.number}").get_data(as_text=True)
    history = html.split("<h2>History</h2>", 1)[1]
    times = re.findall(r'<time datetime="([^"]+)"', history)
    assert len(times) >= 3 and times == sorted(times, reverse=True)
    # Newest first across both records: the advance's approval, its request, then the claim drafted.
    assert history.index("approved; pays") < history.index("requested for claim") < history.index("draft claim for")


def test_a_new_order_takes_amounts_as_the_pages_show_them(auth, client):
    from portal.orders.models import Order

    auth.login()
    response = client.post(
        "/orders/new", data=order_form(auth.csrf(), declared_value="1,640.00", cover_insured_value="USD 1,600")
    )
    assert response.status_code == 303
    order = db.session.scalar(db.select(Order))
    assert (order.declared_value, order.cover.insured_value) == (Decimal("1640.00"), Decimal("1600.00"))
    # The quote beside the form reads them the same way.
    quote = client.get(
        "/orders/quote",
        query_string=order_form("", declared_value="1,640.00", cover_insured_value="1,600.00"),
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "Enter the declared and insured values" not in quote and "USD" in quote


def test_the_portal_locale_decides_how_amounts_are_read(app, auth, client, claim):
    app.config["LOCALE"] = "de_DE"
    auth.login("li.na", "agent")
    html = client.get(f"/claims/{claim.number}").get_data(as_text=True)
    assert "USD\u00a01.850,00" in html  # shown the German way…
    response = _post(client, claim, "advance/request", amount="1.500,00")  # …and read back the same way
    assert response.status_code == 303
    assert db.session.scalar(db.select(Advance)).amount == Decimal("1500.00")
