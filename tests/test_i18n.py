"""The interface's two languages: who sees which, the switch, and what stays English."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.cli import cli
from portal.config import load_config
from portal.extensions import db
from portal.i18n_cli import untranslated
from tests.factories import PASSWORD, csrf_from


def login_as(client, username: str, **headers) -> None:
    token = csrf_from(client.get("/login", headers=headers).get_data(as_text=True))
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}, headers=headers
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize(
    ("accept", "lang", "word"),
    [
        (None, "zh-CN", "登录"),
        ("zh-CN,zh;q=0.9", "zh-CN", "登录"),
        ("en-US,en;q=0.8", "en", "Log in"),
        ("fr", "zh-CN", "登录"),
    ],
)
def test_login_page_speaks_the_browsers_language_else_the_warehouses(app, client, accept, lang, word):
    app.config["LANGUAGE"] = "zh_CN"  # the warehouse's default, as COVERDESK_LANGUAGE leaves it
    page = client.get("/login", headers={"Accept-Language": accept} if accept else {}).get_data(as_text=True)

    assert f'<html lang="{lang}">' in page
    assert f">{word}</button>" in page


def test_first_login_keeps_the_browsers_language_and_later_browsers_do_not_change_it(app, client, make_user):
    make_user("li.na")
    login_as(client, "li.na", **{"Accept-Language": "zh-CN"})

    assert user("li.na").language == "zh_CN"
    page = client.get("/queue", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "工作队列" in page


def test_the_switch_keeps_the_choice_on_the_account_with_an_audit_event(app, client, make_user):
    make_user("li.na")
    login_as(client, "li.na", **{"Accept-Language": "en"})
    page = client.get("/queue").get_data(as_text=True)
    assert ">Work queue</a>" in page

    response = client.post(
        "/language", data={"language": "zh_CN", "next": "/orders/?q=PRG", "csrf_token": csrf_from(page)}
    )

    assert response.status_code == 303 and response.headers["Location"] == "/orders/?q=PRG"
    assert user("li.na").language == "zh_CN"
    assert '<html lang="zh-CN">' in client.get("/orders/").get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.language"))
    assert event.after == {"language": "zh_CN"} and event.before == {"language": "en"}


def test_a_choice_on_the_login_page_becomes_the_accounts(app, client, make_user):
    make_user("zhou.min")
    page = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    client.post("/language", data={"language": "en", "next": "/login", "csrf_token": csrf_from(page)})

    assert ">Log in</button>" in client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    login_as(client, "zhou.min", **{"Accept-Language": "zh-CN"})
    assert user("zhou.min").language == "en"


@pytest.mark.parametrize("bad", ["fr", "", "zh_TW"])
def test_the_switch_refuses_a_language_the_desk_does_not_have(app, client, make_user, bad):
    make_user("li.na")
    login_as(client, "li.na", **{"Accept-Language": "en"})
    page = client.get("/queue").get_data(as_text=True)

    client.post("/language", data={"language": bad, "next": "/queue", "csrf_token": csrf_from(page)})

    assert user("li.na").language == "en"


def test_the_switch_does_not_send_anyone_off_the_site(app, client):
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/language", data={"language": "en", "next": "//evil.example/", "csrf_token": csrf_from(page)}
    )

    assert response.headers["Location"] == "/queue"


def test_the_api_speaks_english_whatever_the_caller_asks_for(app, client, api_token):
    app.config["LANGUAGE"] = "zh_CN"
    headers = {"Authorization": f"Bearer {api_token}", "Accept-Language": "zh-CN"}
    response = client.post("/api/v1/orders", json={}, headers=headers)

    assert response.status_code == 422
    assert "required" in response.get_data(as_text=True)


def test_users_create_takes_a_language_and_refuses_one_the_desk_does_not_have(app, runner, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")

    made = runner.invoke(cli, ["users", "create", "wang.fang", "--language", "en", "--password", PASSWORD])
    refused = runner.invoke(cli, ["users", "create", "wu.lei", "--language", "fr", "--password", PASSWORD])

    assert made.exit_code == 0, made.output
    assert user("wang.fang").language == "en"
    assert refused.exit_code != 0 and "fr" in refused.output and user("wu.lei") is None


def test_the_warehouse_language_is_read_and_checked(tmp_path, monkeypatch):
    assert load_config(tmp_path)["LANGUAGE"] == "zh_CN"
    monkeypatch.setenv("COVERDESK_LANGUAGE", "en")
    assert load_config(tmp_path)["LANGUAGE"] == "en"
    monkeypatch.setenv("COVERDESK_LANGUAGE", "klingon")
    with pytest.raises(RuntimeError, match="COVERDESK_LANGUAGE: 'klingon'"):
        load_config(tmp_path)


def test_every_string_in_the_catalog_has_its_chinese_translation():
    missing = untranslated()

    assert missing == {"zh_CN": []}, "\n".join(missing["zh_CN"][:50])
