"""Every staff page, in the states that show the most forms, on both databases: ids are unique,
every ``<label for>`` points to a field that exists (and to that label's own field), and every
``aria-describedby`` names an element of the page."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser

from portal.advances import services as advances
from portal.extensions import db
from tests.factories import AGENT, SUPERVISOR, Auth

FIELDS = {"input", "select", "textarea", "button", "output", "meter", "progress"}


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.fields: set[str] = set()
        self.label_for: list[str] = []
        self.described_by: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids[attrs["id"]] += 1
            if tag in FIELDS and attrs.get("type") != "hidden":
                self.fields.add(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.label_for.append(attrs["for"])
        for name in (attrs.get("aria-describedby") or "").split():
            self.described_by.append(name)


def problems_of(path: str, html: str) -> list[str]:
    page = Ids()
    page.feed(html)
    found = [f"{path}: id {name!r} used {count} times" for name, count in page.ids.items() if count > 1]
    found += [f"{path}: <label for={name!r}> has no field" for name in page.label_for if name not in page.fields]
    found += [f"{path}: two labels for {name!r}" for name, count in Counter(page.label_for).items() if count > 1]
    found += [f"{path}: aria-describedby {name!r} names nothing" for name in page.described_by if name not in page.ids]
    return found


def staff_pages(app) -> list[str]:
    """Every GET page of the portal that answers HTML and takes no path arguments."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and not rule.rule.startswith(("/api", "/static", "/health", "/metrics"))
        and rule.endpoint not in ("auth.logout",)
    )


def test_every_staff_page_has_unique_ids_and_labels_that_point_to_their_field(app, plugins, claim, make_user):
    advance = advances.request_advance(plugins, claim, Decimal("1500.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", SUPERVISOR)
    db.session.commit()
    inquiry, order = claim.inquiry, claim.inquiry.order
    admin = Auth(app.test_client(), make_user)
    admin.login("page.admin", "admin")
    supervisor = Auth(app.test_client(), make_user)
    supervisor.login("chen.wei", "supervisor")
    pages = staff_pages(app) + [
        f"/orders/{order.order_no}",
        f"/inquiries/{inquiry.number}",
        f"/claims/{claim.number}",
    ]
    problems, seen = [], 0
    # The claim page shows different forms in each state; the page is read in each (its state set
    # directly: the page is what is checked here, the steps are tested in test_claims.py).
    for state in ("draft", "submitted", "accepted"):
        claim.state = state
        db.session.commit()
        for who in (admin, supervisor):
            for path in pages if state == "draft" else [f"/claims/{claim.number}"]:
                response = who.client.get(path)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                seen += 1
                problems += problems_of(f"{path} ({state})", response.get_data(as_text=True))
    assert problems == [], "\n".join(problems)
    assert seen >= 20, f"only {seen} pages were read"
