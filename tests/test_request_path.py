"""What every logged-in request pays before its page: the session cookie is re-sent only when
it changes, the top bar's links follow where the desk is mounted,
and a list page is the same whether htmx asks for its list or a browser for the whole page."""

from __future__ import annotations

import re

from portal.auth.sessions import SEEN_STEP
from tests.factories import dispatched_order


def _session_cookie_sent(response) -> bool:
    return any(header.split("=", 1)[0] == "session" for header in response.headers.getlist("Set-Cookie"))


def test_a_logged_in_request_resends_the_session_cookie_only_when_last_seen_is_stale(app, auth, client):
    auth.login("li.na")
    client.get("/queue")
    # Seen a moment ago: nothing in the session changes, so no cookie is signed and sent.
    repeat = client.get("/queue")
    assert repeat.status_code == 200
    assert not _session_cookie_sent(repeat)
    with client.session_transaction() as session:
        before = session["seen"]
        session["seen"] = before - SEEN_STEP
    stale = client.get("/orders/")
    assert stale.status_code == 200 and _session_cookie_sent(stale)
    with client.session_transaction() as session:
        assert session["seen"] >= before  # noted again: the idle timeout counts from now


def test_a_session_idle_for_the_whole_timeout_still_ends_after_quiet_requests(app, auth, client):
    auth.login("li.na")
    for _ in range(3):  # requests within the step leave the stored moment as it was
        assert client.get("/queue").status_code == 200
    with client.session_transaction() as session:
        session["seen"] -= app.config["IDLE_MINUTES"] * 60 + 1
    response = client.get("/queue")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_top_bar_links_follow_the_mount_point_of_each_request(app, auth, client):
    auth.login("li.na")
    plain = client.get("/queue").get_data(as_text=True)
    mounted = client.get("/queue", base_url="http://localhost/desk").get_data(as_text=True)
    again = client.get("/queue").get_data(as_text=True)
    links = re.compile(r"<nav>.*?</nav>", re.S)
    assert 'href="/orders/"' in links.search(plain).group(0)
    assert 'href="/desk/orders/"' in links.search(mounted).group(0)
    assert 'href="/orders/"' not in links.search(mounted).group(0)
    assert links.search(again).group(0) == links.search(plain).group(0)
    assert "/desk/static/css/coverdesk.css" in mounted and '"/static/css/coverdesk.css"' in plain
    # The current page is still marked, whatever was built before.
    assert re.search(r'href="/queue" aria-current="page"', plain)


def test_a_list_page_holds_the_same_list_htmx_swaps_in(app, auth, client, plugins):
    dispatched_order(plugins, order_no="PRG-2026-0001")
    dispatched_order(plugins, order_no="PRG-2026-0002", days_ago=40)
    auth.login("li.na")
    for path, target in (("/queue", "queue-rows"), ("/orders/", "order-rows")):
        whole = client.get(path).get_data(as_text=True)
        part = client.get(path, headers={"HX-Request": "true", "HX-Target": target}).get_data(as_text=True)
        assert part.lstrip().startswith(f'<div id="{target}"')
        assert "<html" not in part and "<html" in whole
        assert "PRG-2026-0001" in part and "PRG-2026-0002" in part
        assert part.strip() in whole  # placed as it is, not escaped
