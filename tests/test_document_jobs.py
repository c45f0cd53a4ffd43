"""Documents are jobs, on both databases: opening an inquiry (page or API) and asking for a pack
answer at once and show the document as being made; the page polls until the worker swaps it in;
asking twice before it is made is one job and one version; a pack that cannot be made is shown
with its reason and made once the cause is mended."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.claims import services as claims
from portal.claims.models import ClaimPack
from portal.extensions import db
from portal.inquiries import services as inquiries
from portal.inquiries.models import EvidenceDocument, Inquiry
from portal.jobs.models import JobRun
from portal.storage import file_store
from tests.factories import TEST_ACTOR, dispatched_order, ready_inquiry
from tests.jobs_support import drain, waiting

# Jobs make new versions of the generated documents, which must differ: rendered for real.
pytestmark = pytest.mark.documents

GENERATED = ("delivery_record", "delivery_certificate", "proof_of_insured_value")
POLLING = 'hx-trigger="every 2s"'


def _row(html: str, kind: str) -> str:
    start = html.index(f'id="evidence-{kind}"')
    return html[start : html.index("</tr>", start)]


def _open_from_the_page(auth, client, order) -> Inquiry:
    auth.login()
    token = auth.csrf(f"/orders/{order.order_no}")
    response = client.post(
        f"/orders/{order.order_no}/inquiries",
        data={"csrf_token": token, "kind": "not_arrived", "channel": "email", "message": "Where is it?"},
    )
    assert response.status_code == 303
    return db.session.scalar(select(Inquiry).where(Inquiry.order_id == order.id))


def test_opening_an_inquiry_answers_at_once_and_the_documents_follow(plugins, auth, client):
    order = dispatched_order(plugins)
    inquiry = _open_from_the_page(auth, client, order)
    assert db.session.scalar(select(func.count()).select_from(EvidenceDocument)) == 0  # nothing rendered yet
    page = client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True)
    for kind in GENERATED:
        assert "being made" in _row(page, kind) and 'data-state="missing"' in _row(page, kind)
    assert POLLING in page and f'hx-get="/inquiries/{inquiry.number}/checklist"' in page
    assert waiting() == 3

    assert drain() == 3  # the worker
    polled = client.get(f"/inquiries/{inquiry.number}/checklist", headers={"HX-Request": "true"})
    html = polled.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card" id="checklist"')
    assert POLLING not in html and "being made" not in html  # polling stops with the swap
    for kind in GENERATED:
        row = _row(html, kind)
        assert 'data-state="received"' in row and f"{inquiry.number}-{kind.replace('_', '-')}.pdf" in row
    documents = db.session.scalars(select(EvidenceDocument)).all()
    assert len(documents) == 3
    for document in documents:
        assert file_store().read(document.sha256).startswith(b"%PDF-")
        assert document.added_by == "agent.one"  # made for the agent who asked


def test_generate_again_twice_before_it_is_made_is_one_job_and_one_version(plugins, auth, client):
    order = dispatched_order(plugins)
    inquiry = _open_from_the_page(auth, client, order)
    drain()
    token = auth.csrf(f"/inquiries/{inquiry.number}")
    for _ in range(2):  # a double click
        response = client.post(
            f"/inquiries/{inquiry.number}/regenerate/delivery_record",
            data={"csrf_token": token, "confirm": "yes"},  # as hx-confirm sends it (hx-vals)
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200 and "being made" in _row(response.get_data(as_text=True), "delivery_record")
    assert waiting() == 1
    drain()
    item = inquiries.item_of(db.session.get(Inquiry, inquiry.id), "delivery_record")
    db.session.refresh(item)
    assert len(item.documents) == 2
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 4


def test_the_api_opens_at_once_and_the_documents_follow(plugins, api):
    order = dispatched_order(plugins)
    created = api.post(f"/api/v1/orders/{order.order_no}/inquiries", json={"kind": "not_arrived", "message": "?"})
    assert created.status_code == 201
    states = {item["kind"]: item["state"] for item in created.get_json()["evidence"]}
    assert all(states[kind] == "missing" for kind in GENERATED)
    drain()
    after = api.get(f"/api/v1/orders/{order.order_no}").get_json()
    states = {item["kind"]: item["state"] for item in after["inquiry"]["evidence"]}
    assert all(states[kind] == "received" for kind in GENERATED), states


def test_a_pack_is_a_job_and_one_that_cannot_be_made_says_why(plugins, auth, client):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    db.session.commit()
    invoice = inquiries.item_of(claim.inquiry, "commercial_invoice").current
    path = file_store().path(invoice.sha256)
    good = path.read_bytes()
    path.write_bytes(b"%PDF-1.7 garbage")  # the stored invoice is damaged
    auth.login()
    token = auth.csrf(f"/claims/{claim.number}")
    for _ in range(2):
        asked = client.post(f"/claims/{claim.number}/pack", data={"csrf_token": token}, follow_redirects=True)
        html = asked.get_data(as_text=True)
        assert "The submission pack is being made" in html and "being made</span>" in html and POLLING in html
    assert waiting() == 1  # asked twice: one job
    drain()
    page = client.get(f"/claims/{claim.number}/packs", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "could not be made" in page and "the PDF cannot be read" in page and "invoice.pdf" in page
    assert POLLING not in page
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "claim-pack"))
    assert (run.state, run.attempts) == ("failed", 1)  # the same file fails the same way: no retries

    path.write_bytes(good)  # mended; asking again retries the job
    client.post(f"/claims/{claim.number}/pack", data={"csrf_token": token})
    drain()
    page = client.get(f"/claims/{claim.number}/packs", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "could not be made" not in page and f"/claims/{claim.number}/packs/1" in page
    assert 'id="submit-claim"' in page and 'hx-swap-oob="true"' in page  # the submit button wakes up
    (pack,) = db.session.scalars(select(ClaimPack)).all()
    assert file_store().read(pack.sha256).startswith(b"%PDF-") and pack.generated_by == "agent.one"
