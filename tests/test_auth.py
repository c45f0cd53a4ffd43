"""Staff sessions: login required everywhere, CSRF on every form, logout really ends the session."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.auth.services import AccountError, create_user
from portal.extensions import db
from tests.factories import PASSWORD, TEST_ACTOR

PAGES = ["/", "/orders/", "/orders/new", "/orders/import", "/admin/plugins", "/orders/NOPE-1"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_but_login_requires_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_page_is_public_and_sets_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_user, auth):
    make_user("li.na")
    token = auth.csrf("/login")
    response = client.post("/login", data={"username": "li.na", "password": "wrong-password", "csrf_token": token})
    assert response.status_code == 401
    assert "Wrong user name or password" in response.get_data(as_text=True)
    response = client.post("/login", data={"username": "nobody", "password": "wrong-password", "csrf_token": token})
    assert "Wrong user name or password" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user("li.na")
    response = client.post("/login", data={"username": "li.na", "password": PASSWORD})
    assert response.status_code == 400  # Flask-WTF's CSRF failure
    assert client.get("/orders/").status_code == 302


def test_login_redirects_only_within_the_site(client, make_user, auth):
    make_user("li.na")
    token = auth.csrf("/login")
    response = client.post(
        "/login?next=https://evil.example/steal", data={"username": "li.na", "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/queue"


def test_logout_invalidates_copies_of_the_session_cookie(app, auth, client):
    auth.login("li.na")
    stolen = client.get_cookie("session").value
    assert client.get("/orders/").status_code == 200

    token = auth.csrf("/orders/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302

    other = app.test_client()
    other.set_cookie("session", stolen)
    response = other.get("/orders/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_disabled_user_is_logged_out(auth, client):
    auth.login("li.na")
    user = db.session.scalar(select(User).where(User.username == "li.na"))
    user.active = False
    db.session.commit()
    assert client.get("/orders/").status_code == 302


def test_passwords_are_hashed_and_users_audited(app):
    user = create_user("Chen.Wei", "Chen Wei", "supervisor", "a long passphrase", TEST_ACTOR)
    db.session.commit()
    assert user.username == "chen.wei"
    assert "a long passphrase" not in user.password_hash and user.password_hash.startswith("scrypt:")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert event.after == {"username": "chen.wei", "role": "supervisor"}
    assert event.actor_label == "test suite"


@pytest.mark.parametrize(
    "username, role, password, message",
    [
        ("x y", "agent", "long enough password", "username:"),
        ("li.na", "boss", "long enough password", "role: must be one of agent, supervisor, admin"),
        ("li.na", "agent", "short", "password: at least 12 characters"),
    ],
)
def test_account_input_is_checked(app, username, role, password, message):
    with pytest.raises(AccountError, match=message):
        create_user(username, "Someone", role, password, TEST_ACTOR)


def test_role_ranks(app, make_user):
    agent, supervisor, admin = make_user("a.gent"), make_user("s.upervisor", "supervisor"), make_user("a.dmin", "admin")
    assert agent.has_role("agent") and not agent.has_role("supervisor")
    assert supervisor.has_role("agent") and supervisor.has_role("supervisor") and not supervisor.has_role("admin")
    assert admin.has_role("supervisor")
