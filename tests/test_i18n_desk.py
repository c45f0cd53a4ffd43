"""The desk's own pages in Chinese: the work queue, orders, the new-order form and its refusals,
tracking files and their reports, jobs, staff accounts, calendars and the profile's language
section; codes stay codes in attributes and URLs, amounts are read the same in both languages,
and the English pages keep their words."""

from __future__ import annotations

import html
import io
from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from flask_babel import force_locale
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.money import MoneyError, read_amount
from portal.orders.models import Order
from portal.tracking.models import TrackingImport
from tests.factories import FOURPX_FIXTURES, csrf_from, dispatched_order
from tests.jobs_support import drain


def login_in(auth, language: str, username: str = "li.na", role: str = "agent") -> None:
    """Log in as a staff member who reads the desk in ``language`` (their account's choice)."""
    auth.make_user(username, role)
    user = db.session.scalar(select(User).where(User.username == username))
    user.language = language
    db.session.commit()
    auth.login(username, role)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# Each page with Chinese it must show and the English it must no longer show.
PAGES = [
    ("/queue", ["工作队列", "所有承运商", "按订单号、跟踪号、卖家代码或名称的任意部分搜索"], ["All carriers"]),
    ("/orders/", ["订单", "新建订单", "搜索"], ["Search any part of"]),
    ("/orders/new", ["新建订单", "卖家代码", "申报价值", "创建订单", "选择承运商和服务……"], ["Create order"]),
    ("/orders/import", ["从 CSV 导入订单", "CSV 文件", "导入"], ["Import orders from CSV"]),
    ("/tracking/imports", ["轨迹文件", "承运商轨迹文件", "导入文件"], ["Import the file"]),
    ("/admin/jobs", ["后台任务", "计划任务", "立即运行", "最近的后台任务"], ["Run now", "Latest jobs"]),
    ("/admin/users", ["员工账户", "管理员", "在用", "重置密码"], ["Staff accounts", "Reset password"]),
    ("/admin/calendars", ["工作日历", "录入年份", "官方通知", "录入日历"], ["Enter the calendar"]),
    ("/account", ["我的账户", "语言", "修改密码", "双重验证"], ["Change password"]),
]


@pytest.mark.parametrize(("path", "chinese", "english"), PAGES, ids=[path for path, _, _ in PAGES])
def test_the_desks_pages_speak_chinese_to_a_chinese_reader(auth, client, path, chinese, english):
    login_in(auth, "zh_CN", "wang.fang", "admin")

    page = text_of(client.get(path))

    assert '<html lang="zh-CN">' in page
    for words in chinese:
        assert words in page, words
    for words in english:
        assert words not in page, words


def test_the_queue_in_chinese_names_stages_and_actions_and_keeps_the_codes(plugins, auth, client):
    order = dispatched_order(plugins, days_ago=30)
    login_in(auth, "zh_CN")

    page = text_of(client.get("/queue"))

    assert '<html lang="zh-CN">' in page
    rows = page[page.index('<div id="queue-rows">') :]
    assert "停滞" in rows and "天" in rows and "根据卖家的询问开立查件工单" in rows
    assert "阶段 · 下一步" in rows and "保额" in rows
    assert 'data-stage="stalled"' in rows  # the code itself stays for styles and scripts
    assert f">{order.order_no}</a>" in rows and order.tracking_no in rows  # data is not translated
    assert "Open an inquiry" not in rows


def test_the_queue_in_english_is_unchanged(plugins, auth, client):
    dispatched_order(plugins, days_ago=30)
    login_in(auth, "en")

    rows = text_of(client.get("/queue")).split('<div id="queue-rows">')[1]

    assert "Open an inquiry with the seller's query" in rows and "Stage · next action" in rows
    assert "停滞" not in rows


def test_the_orders_list_and_the_order_page_in_chinese(plugins, auth, client):
    order = dispatched_order(plugins, days_ago=3)
    login_in(auth, "zh_CN")

    listing = text_of(client.get("/orders/"))
    detail = text_of(client.get(f"/orders/{order.order_no}"))

    assert '<html lang="zh-CN">' in listing and '<html lang="zh-CN">' in detail
    assert "申报价值" in listing and "包裹保险" in listing and "已发出" in listing
    assert f'href="/orders/{order.order_no}"' in listing
    assert f"订单 {order.order_no}" in detail
    for words in (
        "包裹",
        "卖家",
        "承运商责任限额",
        "保险凭证",
        "保费",
        "历史记录",
        "运输中",
        "已交承运商",
        "消费电子产品",
    ):
        assert words in detail, words
    assert 'data-state="dispatched"' in detail and order.cover.certificate_no in detail
    assert "Declared value" not in detail and "in transit" not in detail


def test_the_order_page_in_english_is_unchanged(plugins, auth, client):
    order = dispatched_order(plugins, days_ago=3)
    login_in(auth, "en")

    detail = text_of(client.get(f"/orders/{order.order_no}"))

    assert '<html lang="en">' in detail
    for words in ("Declared value", "Carrier liability", "in transit", "dispatched to carrier"):
        assert words in detail, words


def new_order_form(client, **changes) -> dict:
    token = csrf_from(client.get("/orders/new").get_data(as_text=True))
    return {
        "csrf_token": token,
        "order_no": "PRG-2026-0101",
        "seller_code": "PRG001",
        "seller_name": "Pearl River Gadgets",
        "seller_email": "ops@pearlriver.example",
        "shipping": "fourpx:fourpx_c",
        "tracking_no": "4PX3000000000101CN",
        "destination_country": "US",
        "declared_value": "1,850.00",
        "currency": "USD",
        "contents": "Drone with 4K camera",
        "category": "electronics",
        "cover_insurer": "lanternfish",
        "cover_insured_value": "1,850.00",
        **changes,
    }


def test_a_refused_field_of_the_new_order_form_says_why_in_chinese(auth, client):
    login_in(auth, "zh_CN")

    response = client.post("/orders/new", data=new_order_form(client, declared_value="-5", seller_code="PRG 001"))
    page = text_of(response)

    assert response.status_code == 422 and '<html lang="zh-CN">' in page
    assert '<p class="error" id="declared_value-error">不得为负数</p>' in page
    assert '<p class="error" id="seller_code-error">只能包含字母、数字、_ 和 -</p>' in page
    assert "must not be negative" not in page
    assert db.session.scalar(select(Order.id)) is None


def test_the_same_refusal_reads_in_english_for_an_english_reader(auth, client):
    login_in(auth, "en")

    page = text_of(client.post("/orders/new", data=new_order_form(client, declared_value="-5")))

    assert "must not be negative" in page and "不得为负数" not in page


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_an_amount_typed_with_thousands_separators_is_read_the_same_in_both_languages(auth, client, language):
    login_in(auth, language)

    response = client.post("/orders/new", data=new_order_form(client), follow_redirects=True)

    order = db.session.scalar(select(Order))
    assert order is not None, text_of(response)
    assert order.declared_value == Decimal("1850.00") and order.cover.insured_value == Decimal("1850.00")
    created = "订单 PRG-2026-0101 已创建" if language == "zh_CN" else "Order PRG-2026-0101 created"
    assert created in text_of(response)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_read_amount_reads_what_the_locale_writes_and_the_english_form(app, locale):
    parsed = Locale.parse(locale)
    # Babel's own data: Chinese writes numbers as English does, with "," and ".".
    assert (get_group_symbol(parsed), get_decimal_symbol(parsed)) == (",", ".")
    written = format_decimal(Decimal("1850.00"), "#,##0.00", locale=parsed)

    assert written == "1,850.00"
    for typed in (written, "1,850.00", "1850", "USD 1,850.00", "1850.00 USD"):
        assert read_amount(typed, "USD", locale=locale) == Decimal("1850.00"), typed
    with pytest.raises(MoneyError):
        read_amount("1,85.00", "USD", locale=locale)


def test_a_refused_amount_is_explained_in_the_pages_language(app):
    with app.test_request_context("/orders/new"):
        with force_locale("zh_CN"):
            with pytest.raises(MoneyError, match="不得为负数"):
                read_amount("-1,850.00", "USD")
            with pytest.raises(MoneyError, match="小数位超过 USD 允许的 2 位"):
                read_amount("1,850.001", "USD")
        with force_locale("en"), pytest.raises(MoneyError, match="has more than 2 decimal places for USD"):
            read_amount("1,850.001", "USD")


def upload(client, name: str, data: bytes):
    token = csrf_from(client.get("/tracking/imports").get_data(as_text=True))
    return client.post(
        "/tracking/imports",
        data={"csrf_token": token, "carrier": "fourpx", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_tracking_file_asked_for_in_chinese_is_reported_in_chinese(auth, client, runner):
    from portal.cli import cli

    login_in(auth, "zh_CN")
    broken = FOURPX_FIXTURES / "broken.csv"
    response = upload(client, "broken.csv", broken.read_bytes())
    waiting = text_of(client.get(response.headers["Location"]))
    assert "等待后台任务进程" in waiting and '<html lang="zh-CN">' in waiting

    assert drain() == 1  # the worker has no page: it writes in the language of the one that asked
    page = text_of(client.get(response.headers["Location"]))
    report = page.split('id="import-report">')[1].split("</pre>")[0].splitlines()
    row = db.session.scalar(select(TrackingImport))

    assert row.state == "done" and row.problems
    assert report[0].startswith("为 0 个订单添加了 0 条轨迹") and report[0].endswith(f"{len(row.problems)} 个问题")
    assert any("没有跟踪号为" in line for line in report[1:]), report
    # The command line keeps its English, the contract language.
    cli_lines = runner.invoke(cli, ["tracking", "import", str(broken), "--carrier", "fourpx", "--quiet"]).output
    assert "order has tracking number 4PX3001234567893CN" in cli_lines and "没有" not in cli_lines


def test_the_profile_has_a_language_section_that_switches_the_desk(auth, client):
    login_in(auth, "zh_CN")
    page = text_of(client.get("/account"))

    section = page.split('id="language"')[1].split("</section>")[0]
    assert "语言" in section and 'action="/language"' in section
    assert '<option value="zh_CN" lang="zh-CN" selected>简体中文</option>' in section
    assert '<option value="en" lang="en">English</option>' in section

    response = client.post("/language", data={"csrf_token": csrf_from(page), "language": "en", "next": "/account"})

    assert response.status_code == 303 and response.headers["Location"] == "/account"
    english = text_of(client.get("/account"))
    assert '<html lang="en">' in english and "Your account" in english
    assert '<option value="en" lang="en" selected>English</option>' in english


def test_the_error_page_speaks_the_readers_language(auth, client):
    login_in(auth, "zh_CN")

    response = client.get("/orders/NO-SUCH-ORDER")
    page = text_of(response)

    assert response.status_code == 404
    assert '<html lang="zh-CN">' in page and "未找到" in page and "返回订单" in page


def test_a_flash_after_a_post_is_in_chinese(plugins, auth, client):
    order = dispatched_order(plugins, days_ago=3)
    login_in(auth, "zh_CN")
    page = client.get(f"/orders/{order.order_no}").get_data(as_text=True)

    done = client.post(
        f"/orders/{order.order_no}/scans",
        data={
            "csrf_token": csrf_from(page),
            "occurred_at": "2026-01-01T10:00",
            "status": "in_transit",
            "handover": "",
            "location": "",
            "description": "",
            "why": "",
        },
        follow_redirects=True,
    )

    assert "请说明手工添加扫描记录的原因" in text_of(done)


@pytest.mark.parametrize(("language", "united_states"), [("zh_CN", "美国 (US)"), ("en", "United States (US)")])
def test_destinations_are_named_in_the_readers_language(auth, client, language, united_states):
    login_in(auth, language)

    page = text_of(client.get("/orders/new"))

    assert united_states in page
