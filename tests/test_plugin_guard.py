"""Nothing a plugin does reaches the staff as a 500 or stops the portal: import-time exits are
skipped like any failure, every call is guarded (named message, traceback logged, counted), and a
carrier or insurer that is no longer loaded leaves its records readable behind a banner."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.plugin_api import CarrierPlugin, NotSupported
from portal.plugin_engine import PluginFailed, PluginUnavailable, load_plugins
from tests.factories import (
    csv_row,
    csv_text,
    dispatched_order,
    import_problems,
    opened,
    ready_inquiry,
    run_import,
    stored_orders,
)
from tests.jobs_support import drain

CARRIER = """
from portal.plugin_api import CarrierPlugin, Service, hookimpl

class Carrier(CarrierPlugin):
    contract = "1.2"
    code = "{code}"
    name = "Guard Test {code}"
    kind = "express"
    services = (Service("std", "Standard"),)

    def tracking_url(self, tracking_no):
        return "https://example.test/" + tracking_no

    def trace_request(self, details):
        {trace_body}

@hookimpl
def coverdesk_carriers():
    return [Carrier()]
"""


def write(folder: Path, name: str, source: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / "__init__.py").write_text(textwrap.dedent(source))


@pytest.fixture
def folder(tmp_path) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    write(folder, "exits_on_import", "import sys\nsys.exit(3)\n")
    write(folder, "base_exception_on_import", "raise BaseException('licence server unreachable')\n")
    write(
        folder,
        "exits_in_hook",
        """
        import sys
        from portal.plugin_api import hookimpl

        @hookimpl
        def coverdesk_carriers():
            sys.exit("no configuration")
        """,
    )
    write(folder, "raises", CARRIER.format(code="raiser", trace_body="raise KeyError('form_id')"))
    write(folder, "exits", CARRIER.format(code="exiter", trace_body="import sys; sys.exit(1)"))
    write(folder, "wrong_type", CARRIER.format(code="wrongtype", trace_body="return 'a string'"))
    return folder


def test_an_exit_or_any_base_exception_while_importing_skips_only_that_plugin(folder):
    registry = load_plugins(folder, use_entry_points=False)

    messages = {failure.origin: failure.message for failure in registry.failures}
    assert "SystemExit: 3" in messages["plugins/exits_on_import"]
    assert "BaseException: licence server unreachable" in messages["plugins/base_exception_on_import"]
    assert "coverdesk_carriers() raised SystemExit: no configuration" in messages["plugins/exits_in_hook"]
    assert sorted(registry.carriers) == ["exiter", "raiser", "wrongtype"]


def test_a_keyboard_interrupt_while_importing_still_stops_the_process(tmp_path):
    write(tmp_path, "interrupted", "raise KeyboardInterrupt\n")
    with pytest.raises(KeyboardInterrupt):
        load_plugins(tmp_path, use_entry_points=False)


def test_a_failing_call_is_named_logged_with_its_traceback_and_counted(folder, caplog):
    registry = load_plugins(folder, use_entry_points=False)
    carrier = registry.carrier("raiser")
    assert isinstance(carrier, CarrierPlugin)  # the guard keeps the plugin's type

    with caplog.at_level(logging.ERROR, logger="portal.plugin_engine"), pytest.raises(PluginFailed) as caught:
        carrier.trace_request(None)

    message = str(caught.value)
    assert "The carrier plugin Guard Test raiser (raiser) failed in trace_request: KeyError: 'form_id'" in message
    assert (caught.value.code, caught.value.hook) == ("raiser", "trace_request")
    record = next(r for r in caplog.records if "raiser failed in trace_request" in r.getMessage())
    assert record.exc_info and record.exc_info[0] is KeyError
    assert registry.carriers["raiser"].failures == 1
    assert registry.carriers["raiser"].last_failure == "trace_request: KeyError: 'form_id'"


def test_sys_exit_inside_a_call_is_a_failure_not_a_stopped_portal(folder):
    registry = load_plugins(folder, use_entry_points=False)
    with pytest.raises(PluginFailed, match="failed in trace_request: SystemExit: 1"):
        registry.carrier("exiter").trace_request(None)


def test_a_value_of_the_wrong_type_is_a_failure_naming_what_was_expected(folder):
    registry = load_plugins(folder, use_entry_points=False)
    with pytest.raises(PluginFailed, match="returned str, expected TraceRequestDocument"):
        registry.carrier("wrongtype").trace_request(None)
    assert registry.carriers["wrongtype"].failures == 1


def test_exceptions_the_contract_defines_pass_through(folder):
    carrier = load_plugins(folder, use_entry_points=False).carrier("raiser")
    with pytest.raises(NotSupported):
        carrier.fetch_tracking(None, "https://example.test", ["X"])


# --- in the running portal --------------------------------------------------------------------


def boom(self, details):
    raise RuntimeError("template missing")


def test_a_failing_trace_request_keeps_the_inquiry_page_and_names_the_plugin(plugins, auth, client, monkeypatch):
    inquiry = opened(plugins, dispatched_order(plugins))
    monkeypatch.setattr(plugins.carriers["fourpx"].raw.__class__, "trace_request", boom)
    auth.login("admin.one", "admin")

    page = client.get(f"/inquiries/{inquiry.number}")
    assert page.status_code == 200
    named = "The carrier plugin 4PX (fourpx) failed in trace_request: RuntimeError: template missing"
    assert named in page.get_data(as_text=True)

    # Its printable PDF is a job: it gives up at once (the plugin fails the same way again) and the
    # section says why, with a retry button.
    token = auth.csrf(f"/inquiries/{inquiry.number}")
    asked = client.post(f"/inquiries/{inquiry.number}/trace-request", data={"csrf_token": token})
    assert asked.status_code == 303
    drain()
    section = client.get(f"/inquiries/{inquiry.number}/trace-request").get_data(as_text=True)
    assert "could not be made" in section and named in section and ">Retry</button>" in section

    plugins_page = client.get("/admin/plugins").get_data(as_text=True)
    # The page twice (shown, then read for its form token) and the job: each failure counted.
    assert 'data-failures="3"' in plugins_page and "trace_request: RuntimeError: template missing" in plugins_page


def test_the_api_names_a_failing_plugin_in_json(plugins, api, monkeypatch):
    def refuses(self, terms, request):
        raise ZeroDivisionError("rate table empty")

    monkeypatch.setattr(plugins.insurers["lanternfish"].raw.__class__, "premium", refuses)
    response = api.get(
        "/api/v1/quote",
        query_string={
            "insurer": "lanternfish",
            "declared_value": "100.00",
            "currency": "USD",
            "destination_country": "US",
            "category": "electronics",
        },
    )
    assert response.status_code == 502
    assert "failed in quote: ZeroDivisionError: rate table empty" in response.get_json()["error"]


def test_records_of_an_unloaded_carrier_open_read_only_with_a_banner(plugins, auth, client):
    claim_inquiry = ready_inquiry(plugins)
    from portal.claims import services as claims
    from tests.factories import TEST_ACTOR

    claim = claims.create_claim(plugins, claim_inquiry, TEST_ACTOR)
    db.session.commit()
    del plugins.carriers["fourpx"]  # as if the plugin failed to load at the next start
    auth.login()

    banner = "The carrier &#39;fourpx&#39; is not loaded (see the Plugins page)"
    for path in (
        f"/orders/{claim_inquiry.order.order_no}",
        f"/inquiries/{claim_inquiry.number}",
        f"/claims/{claim.number}",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert banner in html, path
        assert not any(
            action in html
            for action in ("Close inquiry", "Submitted to the insurer", "Make the pack", "Make a new version")
        ), path

    token = auth.csrf(f"/inquiries/{claim_inquiry.number}")
    state = claim_inquiry.state
    refused = client.post(f"/inquiries/{claim_inquiry.number}/close", data={"csrf_token": token, "reason": "withdrawn"})
    assert refused.status_code == 503 and banner in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Inquiry.state).where(Inquiry.id == claim_inquiry.id)) == state
    with pytest.raises(PluginUnavailable):
        plugins.require_carrier("fourpx")


def test_the_api_reads_an_unloaded_carriers_order_and_refuses_a_new_inquiry_by_name(plugins, api):
    order = dispatched_order(plugins)
    del plugins.carriers["fourpx"]

    read = api.get(f"/api/v1/orders/{order.order_no}")
    assert read.status_code == 200 and read.get_json()["tracking_url"] is None

    refused = api.post(f"/api/v1/orders/{order.order_no}/inquiries", json={"kind": "not_arrived"})
    assert refused.status_code == 503
    assert refused.get_json()["error"].startswith("The carrier 'fourpx' is not loaded (see the Plugins page)")
    assert db.session.scalar(select(Inquiry.id).where(Inquiry.order_id == order.id)) is None


def test_a_parser_that_raises_is_a_named_problem_of_the_file_on_the_command_line(
    plugins, runner, tmp_path, monkeypatch
):
    from portal.cli import cli

    def broken(self, content):
        raise IndexError("column 7")

    monkeypatch.setattr(plugins.carriers["fourpx"].raw.__class__, "parse_tracking", broken)
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    path = tmp_path / "export.csv"
    path.write_text("tracking_no,event_time\n")
    result = runner.invoke(cli, ["tracking", "import", str(path), "--carrier", "fourpx", "--quiet"])
    assert result.exit_code == 1
    assert (
        f"{path}: file: The carrier plugin 4PX (fourpx) failed in parse_tracking: IndexError: column 7" in result.output
    )
    assert "Traceback" not in result.output


def test_an_import_row_whose_quote_fails_is_reported_and_the_others_are_imported(plugins, monkeypatch):
    def broken(self, terms, request):
        raise ArithmeticError("rate table empty")

    monkeypatch.setattr(plugins.insurers["jadeharbour"].raw.__class__, "premium", broken)
    text = csv_text(
        csv_row(1),
        csv_row(
            2, currency="CNY", declared_value="2500.00", cover_insurer="jadeharbour", cover_insured_value="2000.00"
        ),
    )
    report = run_import(text, plugins)

    assert sorted(stored_orders()) == ["CSV-0001"]
    assert import_problems(report) == [
        (
            3,
            "cover_insurer",
            "The insurer plugin Jade Harbour Insurance (jadeharbour) failed in quote: ArithmeticError: rate table "
            "empty. Nothing was changed; the error is logged and shown on the Plugins page.",
            "CSV-0002",
        )
    ]
