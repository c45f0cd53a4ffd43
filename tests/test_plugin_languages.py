"""Plugins speak both languages (contract 1.4): bilingual texts, the visible English fallback of a
one-language plugin (pages, Plugins page, CLI), and documents made in their plugin's language
whatever the agent's: an English pack for a Chinese-speaking agent, a bilingual 4PX work order."""

from __future__ import annotations

import copy
import pickle
import re
import shutil
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_babel import gettext, refresh
from jinja2 import Environment

from portal import PROJECT_ROOT
from portal.app import create_app
from portal.claims.pack import render_pack
from portal.cli import cli
from portal.extensions import db
from portal.inquiries import services as inquiries
from portal.pdf_text import extract_text
from portal.plugin_api import (
    CARRIER_OUTCOMES,
    EVIDENCE_KINDS,
    GOODS_CATEGORIES,
    HANDOVER_LABELS,
    INQUIRY_KINDS,
    TRACKING_STATUS_NAMES,
    Text,
    join_texts,
    set_language_resolver,
)
from portal.plugin_api.text import current_text_language
from portal.plugin_engine import found_languages, load_plugins
from portal.plugin_testing import DOCUMENT_TEXTS, user_facing_texts
from tests.factories import Auth, IsolatedClient, dispatched_order, opened

REFERENCE = ("fourpx", "harbourpost", "lotusline", "swiftwing", "jadeharbour", "lanternfish")
CJK = re.compile(r"[\u4e00-\u9fff]")
FAKE_PLUGINS = Path(__file__).parent / "fake_plugins"
MADE_AT = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)


@pytest.fixture
def speaking():
    """Set the language Texts print in, as the portal's resolver would; English again after."""

    def speak(language: str) -> None:
        set_language_resolver(lambda: language)

    yield speak
    set_language_resolver(lambda: "en")


@contextmanager
def asked_by(app, language: str):
    """A request of an agent speaking ``language`` (the test's app context is shared, so the
    locale it cached is dropped first, as a request of its own would start)."""
    with app.test_request_context(headers={"Accept-Language": language.replace("_", "-")}):
        refresh()
        assert current_text_language() == language
        yield
    refresh()


# --- the value ----------------------------------------------------------------------------------


def test_a_text_prints_in_the_language_of_the_moment_and_is_its_english_as_data(speaking):
    lost = Text(en="Confirmed lost", zh_CN="确认丢失")
    assert (lost == "Confirmed lost", hash(lost) == hash("Confirmed lost")) == (True, True)
    assert {lost: 1}["Confirmed lost"] == 1  # a key by its English
    speaking("zh_CN")
    percent = "%(x)s" % {"x": lost}  # noqa: UP031 - as gettext fills placeholders
    assert (str(lost), f"{lost}", percent, lost.lower()) == ("确认丢失",) * 4
    assert Environment(autoescape=True).from_string("{{ t }}").render(t=lost) == "确认丢失"
    assert (lost.get("en"), lost.get("zh_CN"), lost.in_language("en")) == (
        "Confirmed lost",
        "确认丢失",
        "Confirmed lost",
    )
    assert pickle.loads(pickle.dumps(lost)).zh_CN == "确认丢失" and copy.deepcopy(lost).zh_CN == "确认丢失"
    with pytest.raises(AttributeError):
        lost.zh_CN = "丢失"  # type: ignore[misc]
    speaking("en")
    assert str(lost) == "Confirmed lost"


def test_an_english_only_text_falls_back_visibly_in_a_chinese_page(speaking):
    speaking("zh_CN")
    plain = Text("Standard <service>")
    assert plain.languages == ("en",) and plain.get("zh_CN") is None
    assert str(plain) == "Standard <service>"
    assert plain.__html__() == '<span lang="en" class="lang-fallback">Standard &lt;service&gt;</span>'
    assert Text("Express", "快递").__html__() == "快递"  # translated: no marker


def test_format_and_join_keep_each_language_apart(speaking):
    name = Text("Jade Harbour Insurance", "翠港保险")
    refusal = Text("{name} does not cover {code}", "{name}不承保 {code}").format(name=name, code="surface_parcel")
    assert (refusal.en, refusal.zh_CN) == (
        "Jade Harbour Insurance does not cover surface_parcel",
        "翠港保险不承保 surface_parcel",
    )
    both = join_texts((Text("A.", "甲。"), Text("B.", "乙。")))
    assert (both.en, both.zh_CN) == ("A. B.", "甲。乙。")
    # A part without Chinese leaves the whole without it, so the fallback stays visible.
    assert join_texts((Text("A.", "甲。"), "B.")).zh_CN is None


def test_the_contracts_vocabularies_are_bilingual():
    for vocabulary in (GOODS_CATEGORIES, INQUIRY_KINDS, CARRIER_OUTCOMES, EVIDENCE_KINDS, TRACKING_STATUS_NAMES):
        for code, label in vocabulary.items():
            assert isinstance(label, Text) and CJK.search(label.zh_CN), code
            assert not CJK.search(label.en), code
    assert HANDOVER_LABELS["dispatch"].zh_CN == "已交予承运商"


# --- the reference plugins ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference():
    registry = load_plugins(PROJECT_ROOT / "plugins", use_entry_points=False)
    assert registry.failures == []
    return {**registry.carriers, **registry.insurers}


@pytest.mark.parametrize("code", REFERENCE)
def test_every_reference_plugin_text_is_in_both_languages(reference, code):
    loaded = reference[code]
    assert loaded.languages == ("en", "zh_CN") and loaded.raw.languages == ("en", "zh_CN")
    texts = [
        text
        for where, text in user_facing_texts(loaded.raw)
        if not where.startswith(DOCUMENT_TEXTS) and text and text.strip()
    ]
    assert len(texts) > 5
    for text in texts:
        assert isinstance(text, Text) and text.zh_CN, (code, text)
        assert CJK.search(text.zh_CN), (code, text.zh_CN)  # written in Chinese, not copied English
        assert text.zh_CN != text.en or not CJK.search(text.en), (code, text)
    assert found_languages(texts) == ("en", "zh_CN")  # what the engine would find undeclared


def test_a_plugin_without_chinese_is_found_to_speak_english_only():
    registry = load_plugins(FAKE_PLUGINS, use_entry_points=False)
    assert registry.failures == []
    assert registry.carriers["testpost"].languages == ("en",)  # nothing declared, found from its texts
    assert registry.insurers["testcover"].languages == ("en", "zh_CN")  # declared


def test_the_kit_fails_a_declared_language_that_a_text_lacks(reference):
    from portal.plugin_testing import ContractKit

    class Careless(type(reference["swiftwing"].raw)):
        services = (*reference["swiftwing"].raw.services[:1], type(reference["swiftwing"].raw.services[0])("x1", "X"))

    kit = ContractKit.__new__(ContractKit)
    with pytest.raises(AssertionError, match="service x1: 'X' has no zh_CN"):
        kit.test_declared_languages_are_complete(Careless())
    kit.test_declared_languages_are_complete(reference["swiftwing"].raw)  # the real one passes


# --- pages --------------------------------------------------------------------------------------


def test_a_chinese_page_shows_the_plugins_chinese_and_an_english_page_their_english(app, client, plugins):
    auth = Auth(client, None)
    order = dispatched_order(plugins)
    inquiry = opened(plugins, order)
    from portal.auth.services import create_user
    from tests.factories import PASSWORD, TEST_ACTOR

    for name, language in (("li.na", "zh_CN"), ("tom.ng", "en")):
        create_user(name, name.title(), "agent", PASSWORD, TEST_ACTOR).language = language
    db.session.commit()

    auth.login("li.na")
    page = client.get(f"/orders/{order.order_no}").get_data(as_text=True)
    assert '<html lang="zh-CN"' in page
    assert "4PX-C 邮政渠道" in page and "递四方 4PX" in page and "灯笼鱼互助保险" in page
    checklist = client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True)
    assert "交寄记录（交接及轨迹记录）" in checklist and "承运商丢失证明函" in checklist
    # Why each is needed, in the plugins' Chinese (the item keeps its English reason as data).
    assert "证明有揽收扫描：没有揽收扫描，不予承保。" in checklist
    assert "破损或未收到包裹时，4PX 要求提供当地邮局证明。" in checklist  # the carrier's addition
    assert "lang-fallback" not in page + checklist  # every reference text is translated

    client = app.test_client()  # another browser
    auth = Auth(client, None)
    auth.login("tom.ng")
    page = client.get(f"/orders/{order.order_no}").get_data(as_text=True)
    assert '<html lang="en"' in page and "4PX-C" in page and "Lanternfish Mutual" in page
    assert not CJK.search(page.split("<main", 1)[1].replace(order.contents, "")), "English page shows Chinese"
    checklist = client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True)
    assert "Delivery record (handover and tracking history)" in checklist
    assert "Shows the acceptance scan: no acceptance scan, no cover." in checklist


@pytest.fixture
def fake_app(app_config, tmp_path, monkeypatch):
    """The app over the fake plugins: testpost speaks English only, testcover both languages."""
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    folder = tmp_path / "plugins"
    shutil.copytree(FAKE_PLUGINS, folder)
    app = create_app({**app_config, "PLUGINS_DIR": str(folder)})
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_the_plugins_page_lists_languages_and_marks_a_one_language_plugin(fake_app):
    client = fake_app.test_client()
    from portal.auth.services import create_user
    from tests.factories import PASSWORD, TEST_ACTOR

    create_user("zhou.min", "Zhou Min", "admin", PASSWORD, TEST_ACTOR).language = "zh_CN"
    db.session.commit()
    Auth(client, None).login("zhou.min", "admin")
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert '<html lang="zh-CN"' in page and "<h1>插件</h1>" in page

    def row(code: str) -> str:
        return page.split(f'id="plugin-{code}"', 1)[1].split("</tr>", 1)[0]

    testpost, testcover = row("carrier-testpost"), row("insurer-testcover")
    assert 'data-languages="en"' in testpost and "one-language" in testpost
    assert '<span lang="en" class="lang-fallback">Test Post</span>' in testpost  # its name, in English, marked
    assert 'data-languages="en zh_CN"' in testcover and "one-language" not in testcover
    assert "测试保险" in testcover and "简体中文" in testcover


def test_the_cli_lists_languages(fake_app):
    result = fake_app.test_cli_runner().invoke(cli, ["plugins"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[1]: line for line in result.stdout.splitlines()}
    assert "languages en (one language)" in lines["testpost"]
    assert "languages en, zh_CN " in lines["testcover"]
    assert "Test Cover" in lines["testcover"]  # the CLI speaks English


# --- documents in their plugin's language ---------------------------------------------------------


def test_a_chinese_speaking_agents_pack_for_an_english_insurer_is_english(app, plugins, claim):
    assert plugins.insurer("lanternfish").document_languages == ("en",)
    with asked_by(app, "zh_CN"):
        assert gettext("Plugins") == "插件"  # the agent's language
        pack = render_pack(plugins, claim, generated_at=MADE_AT)
        assert current_text_language() == "zh_CN"  # the agent's language is back after the pack
    text = " ".join(extract_text(pack.pdf).split())
    assert f"Claim {claim.number}" in text and f"Page 1 of {pack.pages}" in text
    assert "Carrier's loss confirmation letter" in text and "Lanternfish Mutual" in text
    # The only Chinese in it is data: the seller's contents and the 4PX letter appended as evidence.
    main_pages = text.split(f"Page 2 of {pack.pages}", 1)[0]
    assert not CJK.search(main_pages.replace("无人机", "")), main_pages
    assert all(entry.where.startswith(("appended", "image", "not included")) for entry in pack.index)


def test_a_bilingual_carriers_trace_request_is_bilingual_whoever_asks(app, plugins):
    order = dispatched_order(plugins)
    inquiry = opened(plugins, order)
    assert plugins.carrier("fourpx").document_languages == ("zh_CN", "en")
    for agent in ("en", "zh_CN"):
        with asked_by(app, agent):
            letter = inquiries.trace_request(
                plugins,
                inquiry,
                sender_name="Coverdesk warehouse",
                sender_email="claims@example.com",
                today=order.dispatched_at.date(),
            )
        text = " ".join(extract_text(inquiries.trace_request_pdf(letter)).split())
        for words in ("4PX-C 邮政渠道 4PX-C", "已交予承运商 Handed over to the carrier", "查件工单 Inquiry work order"):
            assert words in text, (agent, words, text)
        assert "已交予承运商 Handed over to the carrier" in letter.text


def test_an_english_carriers_trace_request_stays_english_for_a_chinese_speaking_agent(app, plugins):
    order = dispatched_order(
        plugins, carrier="harbourpost", service="registered_air", tracking_no="RR123456785CN", order_no="HP-1"
    )
    inquiry = opened(plugins, order)
    with asked_by(app, "zh_CN"):
        letter = inquiries.trace_request(
            plugins,
            inquiry,
            sender_name="Coverdesk warehouse",
            sender_email="claims@example.com",
            today=order.dispatched_at.date(),
        )
    text = " ".join(extract_text(inquiries.trace_request_pdf(letter)).split())
    assert "Registered airmail small packet" in text and "Harbour Post" in text
    assert not CJK.search(text), text
