"""The access matrix: every route × method × caller (anonymous, API token, agent, supervisor,
admin) against the table in portal/auth/access.py, on both databases. A route the table does not
name fails the test (and is refused by the app: fail closed)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from portal.auth.access import ACCESS, CALLERS
from portal.extensions import db
from tests.factories import Auth

#: Values for the routes' arguments: objects that do not exist (a 404 still proves the caller got in).
ARGUMENTS = {
    "number": "X-404",
    "order_no": "X-404",
    "code": "X-404",
    "kind": "X-404",
    "step": "X-404",
    "username": "nobody",
    "action": "disable",
    "version": 1,
    "document_id": 1,
    "filename": "css/coverdesk.css",
    "run_id": 999999,
    "import_id": 999999,
    "name": "X-404",
}


def test_every_route_is_in_the_access_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ACCESS) == set(), "routes missing from portal/auth/access.py"
    assert set(ACCESS) - endpoints == set(), "the access table names routes that do not exist"


def test_a_route_missing_from_the_table_is_refused(app, auth, client, monkeypatch):
    monkeypatch.delitem(ACCESS, "claims.sla")
    auth.login("root.admin", "admin")
    assert client.get("/claims/sla").status_code == 403


#: The login pages answer a wrong login with 401 and a code page without a password first with a
#: redirect to /login: that is the page working, not a refusal.
LOGIN_PAGES = {"auth.login", "auth.second_factor"}


def _refused(response, caller: str, endpoint: str) -> bool:
    if endpoint in LOGIN_PAGES:
        return response.status_code == 403
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location", "")
    return (
        response.status_code in (302, 303) and urlsplit(location).path == "/login" and caller in ("anonymous", "token")
    )


@pytest.fixture
def callers(app, make_user, api_token):
    clients = {"anonymous": app.test_client(), "token": app.test_client()}
    for role in ("agent", "supervisor", "admin"):
        login = Auth(app.test_client(), make_user)
        login.login(f"{role}.one", role)
        clients[role] = login.client
    headers = {caller: {} for caller in CALLERS}
    headers["token"] = {"Authorization": f"Bearer {api_token}"}
    return clients, headers


def test_the_access_matrix(app, callers):
    app.config["WTF_CSRF_ENABLED"] = False  # the walk is about who may, not about forms
    clients, headers = callers
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: (rule.endpoint == "auth.logout", rule.rule))
    walked, wrong = 0, []
    for rule in rules:
        path = rule.build({name: ARGUMENTS[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for caller in CALLERS:
                response = clients[caller].open(path, method=method, headers=headers[caller])
                response.close()
                walked += 1
                allowed = caller in ACCESS[rule.endpoint]
                if response.status_code >= 500 or _refused(response, caller, rule.endpoint) == allowed:
                    wrong.append(
                        f"{method} {path} as {caller}: {response.status_code} (table: {allowed and 'allowed' or 'refused'})"
                    )
                db.session.remove()
    assert wrong == [], "\n".join(wrong)
    assert walked >= 5 * len(ACCESS)
