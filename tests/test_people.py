"""People: failed logins throttled and locked out (good ones never), the password policy, change,
reset and disable, the TOTP second factor with recovery codes, audit events for logins and refused
access, the idle timeout and the session's headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth import services as accounts
from portal.auth.models import User
from portal.auth.passwords import password_problem
from portal.extensions import db
from tests.factories import PASSWORD, Auth, csrf_from

MOMENT = datetime(2026, 11, 24, 9, 30, 15, tzinfo=UTC)  # the clock the second factor sees


def _login(client, username: str, password: str, path: str = "/login"):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"username": username, "password": password, "csrf_token": token})


def _actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_failed_logins_lock_the_name_out_and_good_logins_are_never_slowed(app, make_user):
    make_user("li.na")
    make_user("zhou.min")
    attacker = app.test_client()
    for _ in range(5):
        assert _login(attacker, "li.na", "wrong password here").status_code == 401
    locked = _login(attacker, "li.na", PASSWORD)  # even the right password, now
    assert locked.status_code == 429 and "locked" in locked.get_data(as_text=True)
    assert "Retry-After" in locked.headers
    colleague = app.test_client()
    for _ in range(25):  # a colleague logging in and out all day long
        assert _login(colleague, "zhou.min", PASSWORD).status_code == 302
        colleague.post("/logout", data={"csrf_token": csrf_from(colleague.get("/account").get_data(as_text=True))})
    actions = _actions()
    assert actions.count("login.failed") == 5 and "login.locked_out" in actions
    assert actions.count("login.succeeded") == 25 and actions.count("logout") == 25


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("aaaaaaaaaa", "at least 12 characters"),
        ("aaaaaaaaaaaa", "repeats too few characters"),
        ("leavemealone", "most common passwords"),
        ("123456QWERTY", "most common passwords"),
        ("li.na is my password", "user name"),
        ("x" * 129, "at most 128 characters"),
    ],
)
def test_the_password_policy_refuses_short_common_and_personal_passwords(password, problem):
    assert problem in password_problem(password, "li.na")


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "我的密码是三只小猫咪和一只狗",
        "the quick brown fox jumps over the lazy dog while the cat sleeps!",
    ],
)
def test_the_password_policy_takes_long_passphrases_without_composition_rules(password):
    assert password_problem(password, "li.na") is None


def test_changing_the_password_ends_the_other_sessions(app, auth, client, make_user):
    auth.login("li.na")
    other = app.test_client()
    assert _login(other, "li.na", PASSWORD).status_code == 302
    token = auth.csrf("/account")
    form = {
        "csrf_token": token,
        "current": "not it at all",
        "new": "new passphrase 2026",
        "confirm": "new passphrase 2026",
    }
    assert client.post("/account/password", data=form).status_code == 422
    form["current"] = PASSWORD
    assert client.post("/account/password", data=form).status_code == 303
    assert client.get("/queue").status_code == 200  # this session goes on
    assert other.get("/queue").status_code == 302  # the other one ended
    assert _login(app.test_client(), "li.na", "new passphrase 2026").status_code == 302
    assert "user.password_changed" in _actions()


def test_an_admin_resets_and_disables_accounts_and_an_agent_cannot(app, auth, client, make_user):
    make_user("li.na")
    agent = Auth(app.test_client(), make_user)
    agent.login("zhou.min")
    refused = agent.client.post("/admin/users/li.na/disable", data={"csrf_token": agent.csrf("/account")})
    assert refused.status_code == 403
    assert agent.client.get("/admin/plugins").status_code == 403
    victim = app.test_client()
    assert _login(victim, "li.na", PASSWORD).status_code == 302
    auth.login("root.admin", "admin")
    token = auth.csrf("/admin/users")
    assert client.post("/admin/users/li.na/disable", data={"csrf_token": token}).status_code == 303
    assert victim.get("/queue").status_code == 302  # the disabled user's session ended at once
    assert _login(app.test_client(), "li.na", PASSWORD).status_code == 401
    client.post("/admin/users/li.na/enable", data={"csrf_token": token})
    client.post("/admin/users/li.na/reset", data={"csrf_token": token, "new": "temporary pass 4711"})
    fresh = app.test_client()
    assert _login(fresh, "li.na", "temporary pass 4711").headers["Location"] == "/account"
    assert fresh.get("/queue").headers["Location"] == "/account"  # the reset password must be changed first
    actions = _actions()
    for action in ("access.refused", "user.disabled", "user.enabled", "user.password_reset"):
        assert action in actions, action


def test_the_cli_resets_disables_and_enables(app, runner, make_user, monkeypatch):
    from portal.cli import cli

    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    make_user("li.na")
    assert runner.invoke(cli, ["users", "disable", "li.na"]).output == "disabled li.na\n"
    assert db.session.scalar(select(User.active).where(User.username == "li.na")) is False
    assert runner.invoke(cli, ["users", "enable", "li.na"]).exit_code == 0
    result = runner.invoke(cli, ["users", "reset-password", "li.na", "--password", "password"])
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    result = runner.invoke(cli, ["users", "reset-password", "li.na", "--password", "a fresh start 2026"])
    assert result.exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(select(User.must_change_password).where(User.username == "li.na")) is True
    assert runner.invoke(cli, ["users", "disable", "nobody"]).exit_code == 1


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(accounts, "utcnow", lambda: MOMENT)
    return MOMENT


def test_totp_enrolment_login_replay_and_recovery_codes(app, auth, client, make_user, frozen_clock):
    auth.login("chen.wei", "supervisor")
    page = client.get("/account/2fa").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    totp = pyotp.TOTP(secret)
    token = csrf_from(page)
    assert client.post("/account/2fa", data={"csrf_token": token, "code": "000000"}).status_code == 422
    page = client.post("/account/2fa", data={"csrf_token": token, "code": totp.at(MOMENT)}).get_data(as_text=True)
    codes = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", page)
    assert len(codes) == 10

    browser = app.test_client()
    answer = _login(browser, "chen.wei", PASSWORD)
    assert answer.headers["Location"].startswith("/login/code")
    assert browser.get("/queue").status_code == 302  # the password alone is not a login
    code_token = csrf_from(browser.get("/login/code").get_data(as_text=True))
    assert browser.post("/login/code", data={"csrf_token": code_token, "code": "123456"}).status_code == 401
    later = totp.at(MOMENT.timestamp() + 30)
    assert browser.post("/login/code", data={"csrf_token": code_token, "code": totp.at(MOMENT)}).status_code == 401
    # the code used at enrolment is not taken again; the next one is
    monkey_next = MOMENT.replace(second=45)
    accounts.utcnow = lambda: monkey_next  # noqa: B023 - the fixture restores it
    assert browser.post("/login/code", data={"csrf_token": code_token, "code": later}).status_code == 302
    assert browser.get("/queue").status_code == 200

    thief = app.test_client()
    _login(thief, "chen.wei", PASSWORD)
    code_token = csrf_from(thief.get("/login/code").get_data(as_text=True))
    assert thief.post("/login/code", data={"csrf_token": code_token, "code": codes[0]}).status_code == 302
    again = app.test_client()
    _login(again, "chen.wei", PASSWORD)
    code_token = csrf_from(again.get("/login/code").get_data(as_text=True))
    assert again.post("/login/code", data={"csrf_token": code_token, "code": codes[0]}).status_code == 401
    actions = _actions()
    assert "user.second_factor_enabled" in actions and "login.second_factor_failed" in actions


def test_the_second_factor_is_required_of_supervisors_when_production_says_so(app, auth, client, make_user):
    app.config["REQUIRE_2FA"] = True
    auth.login("chen.wei", "supervisor")
    assert client.get("/queue").headers["Location"] == "/account/2fa"
    assert client.get("/account/2fa").status_code == 200
    agent = Auth(app.test_client(), make_user)
    agent.login("li.na")
    assert agent.client.get("/queue").status_code == 200


def test_an_idle_session_ends(app, auth, client):
    auth.login("li.na")
    assert client.get("/queue").status_code == 200
    with client.session_transaction() as session:
        session["seen"] -= app.config["IDLE_MINUTES"] * 60 + 1
    response = client.get("/queue")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/orders/").status_code == 302
    assert "logout.idle" in _actions()


def test_authenticated_answers_are_not_stored_and_secure_cookies_are_host_only(app_config, make_user):
    from portal.app import create_app

    secure = create_app(
        {**app_config, "SESSION_COOKIE_SECURE": True, "SECURE_COOKIES": True, "SESSION_COOKIE_NAME": "__Host-session"}
    )
    client = secure.test_client()
    with secure.app_context():
        accounts.create_user("li.na", "Li Na", "agent", PASSWORD, accounts.Actor.system())
        db.session.commit()
        page = client.get("/login", base_url="https://localhost")
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        answer = _login_https(client)
        cookie = answer.headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Path=/" in cookie
        assert "Domain" not in cookie and "HttpOnly" in cookie
        queue = client.get("/queue", base_url="https://localhost")
        assert queue.status_code == 200 and queue.headers["Cache-Control"] == "no-store"
        db.session.remove()
        db.engine.dispose()


def _login_https(client):
    token = csrf_from(client.get("/login", base_url="https://localhost").get_data(as_text=True))
    return client.post(
        "/login",
        base_url="https://localhost",
        data={"username": "li.na", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "https://localhost/login"},
    )


def test_the_server_does_not_name_its_version(live_server):
    import urllib.request

    with urllib.request.urlopen(f"{live_server}/login") as answer:
        assert answer.headers["Server"] == "Coverdesk"
        assert answer.headers["Cache-Control"] == "no-store"


REDIS_URL = "redis://127.0.0.1:6379/2"


def test_the_lockout_is_shared_through_redis_when_configured(app_config, make_user):
    """Several web workers share their counts through Redis (COVERDESK_REDIS_URL)."""
    import os
    import uuid

    import redis

    from portal.app import create_app
    from portal.extensions import limiter

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is not reachable: {exc}")
        pytest.xfail(f"no Redis at {REDIS_URL} on this machine")  # CI has one; a laptop may not
    name = f"li.{uuid.uuid4().hex[:8]}"
    workers = [create_app({**app_config, "RATELIMIT_STORAGE_URI": REDIS_URL}) for _ in range(2)]
    try:
        with workers[0].app_context():
            accounts.create_user(name, "Li Na", "agent", PASSWORD, accounts.Actor.system())
            db.session.commit()
            db.session.remove()
        answers = []
        for attempt in range(6):  # alternating between the two workers
            worker = workers[attempt % 2]
            with worker.app_context():
                answers.append(_login(worker.test_client(), name, "wrong password here").status_code)
                db.session.remove()
        assert answers == [401, 401, 401, 401, 401, 429]
        assert any(name.encode() in key for key in redis.Redis.from_url(REDIS_URL).keys("*coverdesk*"))
    finally:
        limiter.reset()
        for worker in workers:
            with worker.app_context():
                db.session.remove()
                db.engine.dispose()


def test_api_tokens_have_their_own_limit_and_the_default_is_generous(app, api, client):
    from portal.auth.services import create_token

    assert app.config["API_RATE_LIMIT"] == "6000 per minute"
    app.config["API_RATE_LIMIT"] = "3 per minute"
    assert [api.get("/api/v1/insurers").status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = api.get("/api/v1/insurers")
    assert "3 per 1 minute" in limited.get_json()["error"] and "Retry-After" in limited.headers
    _, other = create_token("another-integration", accounts.Actor.system())
    db.session.commit()
    assert client.get("/api/v1/insurers", headers={"Authorization": f"Bearer {other}"}).status_code == 200
