"""Every staff page's form fields and query parameters fed a table of nasty values, on both
databases, against real records (an order with an inquiry, a claim and a seller): 0 server errors.
Bad input gets 4xx with a message, or is taken as the text it is."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm

from portal.claims import services as claims
from portal.extensions import db
from tests.factories import TEST_ACTOR, Auth, ready_inquiry

NASTY = [
    "",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "A" * 5000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "9" * 40,
    "-1",
    "1e309",
    "NaN",
    "0.001",
    "../../etc/passwd",
    "gpj.exe\u202e",
    "2026-02-30",
    "9999-12-31",
    "😀" * 50,
]
QUERY = ["q", "page", "carrier", "insurer", "destination", "seller", "format", "from", "to", "inline", "next"]


def _form_fields() -> list[str]:
    names, stack = set(), list(FlaskForm.__subclasses__())
    while stack:
        form = stack.pop()
        stack.extend(form.__subclasses__())
        names.update(
            name for name in dir(form) if not name.startswith("_") and hasattr(getattr(form, name), "field_class")
        )
    return sorted(names - {"csrf_token"})


@pytest.mark.slow
def test_every_form_field_and_query_parameter_takes_nasty_values_without_a_server_error(app, plugins, make_user):
    inquiry = ready_inquiry(plugins)
    claim = claims.create_claim(plugins, inquiry, TEST_ACTOR)
    make_user("fuzz.target")
    db.session.commit()
    order_no, claim_no, inquiry_no = inquiry.order.order_no, claim.number, inquiry.number
    values = {
        "number": None,  # per route: the inquiry's or the claim's
        "order_no": order_no,
        "code": "PRG001",
        "username": "fuzz.target",
        "action": "reset",
        "version": 1,
        "document_id": 1,
        "filename": "css/coverdesk.css",
        "run_id": 1,
        "import_id": 1,
        "name": "stalled-scan",
    }
    steps = {"claims.step": "accept", "inquiries.step": "dispute", "advances.claim_step": "request"}
    admin = Auth(app.test_client(), make_user)
    admin.login("fuzz.admin", "admin")
    app.config["WTF_CSRF_ENABLED"] = False  # the fuzz is about the values, not the token
    fields = _form_fields()
    failures, sent = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in ("auth.logout", "static") or rule.rule.startswith("/api/"):
            continue
        args = dict(values)
        args["number"] = claim_no if rule.rule.startswith("/claims/") else inquiry_no
        args["step"] = steps.get(rule.endpoint, "trace")
        args["kind"] = "commercial_invoice" if "evidence" in rule.rule else "delivery_record"
        path = rule.build({name: args[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for value in NASTY:
                if method == "GET":
                    response = admin.client.get(path, query_string=dict.fromkeys(QUERY, value))
                else:
                    response = admin.client.post(path, data=dict.fromkeys(fields, value))
                response.close()
                db.session.remove()
                sent += 1
                if response.status_code >= 500:
                    failures.append(f"{method} {path} with {value[:20]!r}: {response.status_code}")
    assert failures == [], "\n".join(failures)
    print(f"page fuzz: {sent} requests, {len(failures)} server errors")
    assert sent > 500
