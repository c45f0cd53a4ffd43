"""Plugin discovery: the plugins folder, installed entry points, and broken plugins skipped with a reason."""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path

import pytest

from portal import PROJECT_ROOT
from portal.app import create_app
from portal.plugin_api import CONTRACT_VERSION, CoverdeskHooks
from portal.plugin_engine import load_plugins

GOOD_CARRIER = """
from portal.plugin_api import CarrierPlugin, Service, hookimpl

class Carrier(CarrierPlugin):
    code = "{code}"
    name = "Test Carrier {code}"
    kind = "express"
    services = (Service("std", "Standard"),)
    contract = "{contract}"

    def tracking_url(self, tracking_no):
        return "https://example.test/" + tracking_no

@hookimpl
def coverdesk_carriers():
    return [Carrier()]
"""

GOOD_INSURER = """
from datetime import date
from decimal import Decimal
from portal.money import Money
from portal.plugin_api import InsurerPlugin, InsurerTerms, hookimpl

class Insurer(InsurerPlugin):
    code = "{code}"
    name = "Test Insurer {code}"
    certificate_prefix = "TST"
    contract = "1.2"
    terms_history = (InsurerTerms(date(2025, 1, 1), {{"USD": Decimal("1000")}}, {{"USD": Decimal("1")}}),)

    def premium(self, terms, request):
        return request.insured_value.scaled(Decimal("0.01")), "1 %"

@hookimpl
def coverdesk_insurers():
    return [Insurer()]
"""


def write_plugin(folder: Path, name: str, source: str) -> None:
    package = folder / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(source))


@pytest.fixture
def plugin_dir(tmp_path) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    write_plugin(folder, "good_carrier", GOOD_CARRIER.format(code="alpha", contract="1.0"))
    write_plugin(folder, "good_insurer", GOOD_INSURER.format(code="beta"))
    write_plugin(folder, "raises_on_import", "raise RuntimeError('missing licence key')\n")
    write_plugin(folder, "syntax_error", "def broken(:\n")
    write_plugin(folder, "bad_code", GOOD_CARRIER.format(code="Bad Code!", contract="1.0"))
    write_plugin(folder, "future_contract", GOOD_CARRIER.format(code="gamma", contract="2.0"))
    write_plugin(folder, "newer_minor", GOOD_CARRIER.format(code="delta", contract=f"1.{CONTRACT_VERSION[1] + 1}"))
    write_plugin(folder, "duplicate", GOOD_CARRIER.format(code="alpha", contract="1.0"))
    write_plugin(
        folder,
        "bad_status_map",
        GOOD_CARRIER.format(code="eta", contract="1.1").replace(
            '    kind = "express"', '    kind = "express"\n    status_map = {"X1": ("teleported", None)}'
        ),
    )
    write_plugin(
        folder,
        "raises_in_hook",
        """
        from portal.plugin_api import hookimpl

        @hookimpl
        def coverdesk_carriers():
            raise ValueError("carrier endpoint not configured")
    """,
    )
    write_plugin(
        folder,
        "wrong_hook_arguments",
        """
        from portal.plugin_api import hookimpl

        @hookimpl
        def coverdesk_insurers(region):
            return []
    """,
    )
    write_plugin(
        folder,
        "not_a_plugin_object",
        """
        from portal.plugin_api import hookimpl

        @hookimpl
        def coverdesk_insurers():
            return [object()]
    """,
    )
    write_plugin(
        folder,
        "bad_insurer_terms",
        GOOD_INSURER.format(code="epsilon").replace(
            'InsurerTerms(date(2025, 1, 1), {"USD": Decimal("1000")}, {"USD": Decimal("1")})',
            'InsurerTerms(date(2025, 1, 1), {"XYZ": Decimal("1000")}, {}, excluded_categories=frozenset({"weapons"}))',
        ),
    )
    return folder


def failure_for(registry, origin: str) -> str:
    messages = [f.message for f in registry.failures if f.origin == origin]
    assert messages, f"no failure reported for {origin}: {registry.failures}"
    return messages[0]


def test_good_plugins_load_and_broken_ones_are_reported(plugin_dir):
    registry = load_plugins(plugin_dir, use_entry_points=False)

    assert sorted(registry.carriers) == ["alpha"]
    assert registry.carrier("alpha").name == "Test Carrier alpha"
    assert sorted(registry.insurers) == ["beta"]

    assert "RuntimeError: missing licence key" in failure_for(registry, "plugins/raises_on_import")
    assert "SyntaxError" in failure_for(registry, "plugins/syntax_error")
    assert "must match" in failure_for(registry, "plugins/bad_code")
    assert "written for contract 2.0" in failure_for(registry, "plugins/future_contract")
    assert f"1.{CONTRACT_VERSION[1] + 1}" in failure_for(registry, "plugins/newer_minor")
    assert "maps 'X1' to 'teleported'" in failure_for(registry, "plugins/bad_status_map")
    assert "carrier endpoint not configured" in failure_for(registry, "plugins/raises_in_hook")
    assert "hook contract" in failure_for(registry, "plugins/wrong_hook_arguments")
    assert "returned object; expected InsurerPlugin instances" in failure_for(registry, "plugins/not_a_plugin_object")
    assert "XYZ is not an ISO-4217 currency code" in failure_for(registry, "plugins/bad_insurer_terms")


def test_a_duplicate_code_is_skipped_and_names_the_first_provider(plugin_dir):
    registry = load_plugins(plugin_dir, use_entry_points=False)
    # Folders load in name order: "duplicate" comes before "good_carrier".
    assert registry.carriers["alpha"].origin == "plugins/duplicate"
    assert "already provided by plugins/duplicate" in failure_for(registry, "plugins/good_carrier")


def test_the_portal_starts_with_broken_plugins_and_shows_them(app_config, plugin_dir, make_user, caplog):
    app = create_app({**app_config, "PLUGINS_DIR": str(plugin_dir)})
    assert "plugin skipped: plugins/raises_on_import" in caplog.text
    client = app.test_client()
    with app.app_context():
        from portal.extensions import db
        from tests.factories import Auth

        Auth(client, make_user).login("root.admin", "admin")  # the plugins page is for admins
        page = client.get("/admin/plugins").get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()
    assert "Skipped plugins" in page
    assert "plugins/raises_on_import" in page and "missing licence key" in page
    assert "Test Carrier alpha" in page and "Test Insurer beta" in page


def test_a_missing_plugins_folder_is_reported(tmp_path):
    registry = load_plugins(tmp_path / "nowhere", use_entry_points=False)
    assert not registry.carriers
    assert registry.failures[0].message == "plugins folder does not exist"


def make_distribution(site: Path, dist: str, module: str, source: str, entry: str | None = None) -> None:
    """An installed distribution as importlib.metadata sees it: a dist-info folder on sys.path."""
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[coverdesk.plugins]\n{dist} = {entry or module}\n")
    if source:
        (site / f"{module}.py").write_text(textwrap.dedent(source))


def test_installed_distributions_are_loaded_from_the_entry_point_group(tmp_path, monkeypatch):
    site = tmp_path / "site"
    make_distribution(site, "coverdesk_zeta", "coverdesk_zeta_plugin", GOOD_INSURER.format(code="zeta"))
    make_distribution(site, "coverdesk_broken", "coverdesk_missing_module", "", entry="coverdesk_missing_module")
    monkeypatch.syspath_prepend(str(site))

    registry = load_plugins(None, use_entry_points=True)

    assert registry.insurer("zeta").name == "Test Insurer zeta"
    assert registry.insurers["zeta"].origin == "entry point coverdesk_zeta (coverdesk_zeta)"
    message = failure_for(registry, "entry point coverdesk_broken (coverdesk_broken)")
    assert "ModuleNotFoundError" in message


def test_folder_plugins_win_over_entry_points_with_the_same_code(tmp_path, monkeypatch, plugin_dir):
    site = tmp_path / "site"
    make_distribution(
        site, "coverdesk_alpha2", "coverdesk_alpha2_plugin", GOOD_CARRIER.format(code="alpha", contract="1.0")
    )
    monkeypatch.syspath_prepend(str(site))
    registry = load_plugins(plugin_dir, use_entry_points=True)
    assert registry.carriers["alpha"].origin.startswith("plugins/")
    assert "already provided" in failure_for(registry, "entry point coverdesk_alpha2 (coverdesk_alpha2)")


def test_hook_coverdesk_carriers(app):
    """The hook delivers the reference carriers of the three kinds the desk works with."""
    registry = load_plugins(PROJECT_ROOT / "plugins", use_entry_points=False)
    assert {registry.carrier(code).kind for code in ("harbourpost", "swiftwing", "fourpx")} == {
        "postal",
        "express",
        "dedicated_line",
    }


def test_hook_coverdesk_insurers(app):
    registry = load_plugins(PROJECT_ROOT / "plugins", use_entry_points=False)
    assert {"lanternfish", "jadeharbour"} <= set(registry.insurers)
    assert not registry.failures


def test_every_hook_is_documented_and_tested():
    """As in Datasette: each hook has a docstring and a test named test_hook_<name>."""
    hooks = [
        name for name, member in inspect.getmembers(CoverdeskHooks, inspect.isfunction) if not name.startswith("_")
    ]
    assert hooks
    tests = "\n".join(path.read_text() for path in Path(__file__).parent.rglob("test_*.py"))
    for name in hooks:
        assert (getattr(CoverdeskHooks, name).__doc__ or "").strip(), f"hook {name} has no docstring"
        assert re.search(rf"def test_hook_{name}\b", tests), f"hook {name} has no test_hook_{name}"


EVIDENCE_CARRIER = GOOD_CARRIER.replace(
    "    def tracking_url(self, tracking_no):",
    "    def evidence_required(self, inquiry_kind, service_code):\n"
    "        from portal.plugin_api import EvidenceRequirement, GraceRule\n"
    "        return {requirements}\n\n"
    "    def tracking_url(self, tracking_no):",
)


@pytest.mark.parametrize(
    "requirements, message",
    [
        ("[object()]", "not an EvidenceRequirement"),
        ("(EvidenceRequirement('selfie', 'why'),)", "unknown evidence kind 'selfie'"),
        ("(EvidenceRequirement('loss_letter', 'a'), EvidenceRequirement('loss_letter', 'b'))", "'loss_letter' twice"),
        ("(EvidenceRequirement('loss_letter', '  '),)", "gives 'loss_letter' no reason"),
        ("(EvidenceRequirement('loss_letter', 'why', grace=GraceRule(0)),)", "needs days > 0"),
        ("(EvidenceRequirement('loss_letter', 'why', grace=GraceRule(5, 'moon_phase')),)", "counted from one of"),
        ("'loss_letter'", "must return a tuple"),
    ],
)
def test_evidence_lists_are_checked_when_a_plugin_loads(tmp_path, requirements, message):
    folder = tmp_path / "plugins"
    write_plugin(folder, "evidence", EVIDENCE_CARRIER.format(code="zeta", contract="1.2", requirements=requirements))
    registry = load_plugins(folder, use_entry_points=False)
    assert "zeta" not in registry.carriers
    assert message in failure_for(registry, "plugins/evidence")


def test_a_loss_letter_example_must_fit_its_pattern(tmp_path):
    folder = tmp_path / "plugins"
    write_plugin(
        folder,
        "letters",
        GOOD_CARRIER.format(code="theta", contract="1.2").replace(
            '    kind = "express"',
            '    kind = "express"\n'
            "    from portal.plugin_api import LossLetterFormat\n"
            '    loss_letter_format = LossLetterFormat(r"TH\\d{{6}}", "TH-1", "One line")',
        ),
    )
    registry = load_plugins(folder, use_entry_points=False)
    assert "reference_example does not fit" in failure_for(registry, "plugins/letters")


def test_the_reference_plugins_pass_the_contract_checks():
    registry = load_plugins(PROJECT_ROOT / "plugins", use_entry_points=False)
    assert registry.failures == []
    assert {p.plugin.contract for p in [*registry.carriers.values(), *registry.insurers.values()]} == {"1.4"}


@pytest.mark.parametrize(
    "member, message",
    [
        ("    payout_working_days = 0", "payout_working_days must be"),
        ("    calendar = 'XX'", "calendar 'XX'"),
        (
            "    def filing_window(self, kind):\n        from portal.plugin_api import FilingWindow\n"
            "        return FilingWindow(30, 10)",
            "filing_window('not_arrived') must run",
        ),
        (
            "    def pack_layout(self):\n        from portal.plugin_api import PackLayout\n"
            "        return PackLayout('{% for x in %}', '')",
            "pack_layout template, line 1",
        ),
    ],
)
def test_claim_rules_are_checked_when_an_insurer_loads(tmp_path, member, message):
    folder = tmp_path / "plugins"
    write_plugin(
        folder,
        "claims",
        GOOD_INSURER.format(code="iota").replace(
            '    certificate_prefix = "TST"', '    certificate_prefix = "TST"\n' + member
        ),
    )
    registry = load_plugins(folder, use_entry_points=False)
    assert message in failure_for(registry, "plugins/claims")


def test_a_plugin_without_a_contract_line_is_skipped_and_named(tmp_path):
    folder = tmp_path / "plugins"
    write_plugin(
        folder, "no_contract", GOOD_CARRIER.format(code="omega", contract="1.2").replace('    contract = "1.2"\n', "")
    )
    registry = load_plugins(folder, use_entry_points=False)
    assert "omega" not in registry.carriers
    have = ".".join(map(str, CONTRACT_VERSION))
    assert failure_for(registry, "plugins/no_contract") == (
        f'carrier omega: declares no contract version; add contract = "{have}" (the version it was written for)'
    )


def test_a_code_with_records_stays_with_its_owner_whatever_the_loading_order(plugin_dir):
    # "duplicate" loads before "good_carrier", but the database's alpha records belong to good_carrier.
    owners = {("carrier", "alpha"): "plugins/good_carrier"}
    registry = load_plugins(plugin_dir, use_entry_points=False, owners=owners)
    assert registry.carriers["alpha"].origin == "plugins/good_carrier"
    assert failure_for(registry, "plugins/duplicate") == (
        "carrier code 'alpha' belongs to plugins/good_carrier, which has records in the database; not taken over"
    )
    assert not [f for f in registry.failures if f.origin == "plugins/good_carrier"]


def test_a_newcomer_never_takes_over_the_code_of_an_owner_that_failed_to_load(plugin_dir):
    owners = {("carrier", "alpha"): "entry point coverdesk_alpha (coverdesk-alpha)"}
    registry = load_plugins(plugin_dir, use_entry_points=False, owners=owners)
    assert "alpha" not in registry.carriers
    assert "is not loaded; not taken over" in failure_for(registry, "plugins/duplicate")
    assert "is not loaded; not taken over" in failure_for(registry, "plugins/good_carrier")


def test_an_installed_plugin_shows_its_distribution_and_version(tmp_path, monkeypatch):
    site = tmp_path / "site"
    make_distribution(site, "coverdesk_kappa", "coverdesk_kappa_plugin", GOOD_INSURER.format(code="kappa"))
    monkeypatch.syspath_prepend(str(site))
    registry = load_plugins(None, use_entry_points=True)
    assert registry.insurers["kappa"].distribution == "coverdesk_kappa 1.0"
