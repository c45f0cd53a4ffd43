"""One refusal shape and one step helper: what is committed, what is undone, what reaches the user."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.errors import Refused, ValidationFailed, unit_of_work
from portal.extensions import db
from portal.inquiries import services as inquiries
from portal.sellers.models import Seller
from tests.factories import dispatched_order, opened


def sellers() -> int:
    return db.session.scalar(select(func.count()).select_from(Seller))


def test_a_unit_of_work_commits_when_it_ends(app):
    with unit_of_work():
        db.session.add(Seller(code="S1", name="One", email="one@example.com"))
    db.session.close()  # read back through a new transaction

    assert sellers() == 1


def test_a_refusal_undoes_the_whole_unit(app):
    with pytest.raises(Refused, match="no such thing"), unit_of_work():
        db.session.add(Seller(code="S1", name="One", email="one@example.com"))
        db.session.flush()
        raise Refused("code", "no such thing")

    assert sellers() == 0


def test_a_bug_is_undone_and_raised_as_it_is(app):
    with pytest.raises(ZeroDivisionError), unit_of_work():
        db.session.add(Seller(code="S1", name="One", email="one@example.com"))
        db.session.flush()
        _ = 1 / 0

    assert sellers() == 0


def test_every_refusal_has_field_reason_and_conflict():
    refused = inquiries.InquiryRefused("state", "inquiry is closed", conflict=True)
    several = ValidationFailed({"seller.email": "is not an e-mail address", "currency": "is required"})

    assert (refused.field, refused.reason, refused.http_status, refused.errors) == (
        "state",
        "inquiry is closed",
        409,
        {"state": "inquiry is closed"},
    )
    assert several.http_status == 422 and several.errors == {
        "seller.email": "is not an e-mail address",
        "currency": "is required",
    }


def test_a_page_shows_a_refusal_but_never_a_bug_as_the_users_mistake(plugins, auth, client, monkeypatch):
    inquiry = opened(plugins, dispatched_order(plugins))
    auth.login()

    # Closing as delivered before the carrier says so: the service refuses, the page says why.
    page = client.post(
        f"/inquiries/{inquiry.number}/close",
        data={"csrf_token": auth.csrf(f"/inquiries/{inquiry.number}"), "reason": "delivered"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert 'class="flash flash-error"' in page and "record it first, or close the inquiry as withdrawn" in page
    db.session.refresh(inquiry)
    assert inquiry.state == "opened"

    def broken(*args, **kwargs):
        raise ValueError("a bug in the service")

    monkeypatch.setattr(inquiries, "request_trace", broken)
    other = opened(plugins, dispatched_order(plugins, order_no="PRG-2026-0002", tracking_no="4PX3000000000002CN"))
    # Testing propagates a view's exception: the bug reaches the server as a 500, not a flash.
    with pytest.raises(ValueError, match="a bug in the service"):
        client.post(
            f"/inquiries/{other.number}/trace",
            data={"csrf_token": auth.csrf(f"/inquiries/{other.number}"), "trace_reference": "TR-1"},
        )
