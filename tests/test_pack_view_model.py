"""Pack templates get a documented view model (frozen plain values and Money), render with strict
undefined so a misspelt name fails where the plugin is checked, and load nothing from files or the
network."""

from __future__ import annotations

import io
import textwrap
from dataclasses import FrozenInstanceError, fields
from decimal import Decimal

import pytest
from jinja2 import UndefinedError
from pypdf import PdfReader

from portal import documents
from portal.claims import services as claims
from portal.claims.pack import PackError, render_pack
from portal.clock import utcnow
from portal.plugin_api import (
    DEFAULT_LAYOUT,
    Money,
    PackContext,
    PackLayout,
    render_pack_body,
    sample_pack_context,
)
from portal.plugin_engine import load_plugins
from tests.factories import TEST_ACTOR, png, ready_inquiry

INSURER = """
from datetime import date
from decimal import Decimal
from portal.plugin_api import InsurerPlugin, InsurerTerms, PackLayout, hookimpl

class Insurer(InsurerPlugin):
    contract = "1.3"
    code = "misspelt"
    name = "Misspelt Mutual"
    certificate_prefix = "MSP"
    terms_history = (InsurerTerms(date(2025, 1, 1), {"USD": Decimal("1000")}, {"USD": Decimal("1")}),)

    def pack_layout(self):
        return PackLayout("<h1>Claim {{ claim.numbr }}</h1>", "")

    def premium(self, terms, request):
        return request.insured_value.scaled(Decimal("0.01")), "1 %"

@hookimpl
def coverdesk_insurers():
    return [Insurer()]
"""


def test_the_view_model_is_frozen_plain_values_and_money():
    context = sample_pack_context()
    with pytest.raises(FrozenInstanceError):
        context.claim.number = "X"  # type: ignore[misc]
    assert isinstance(context.claim.claimed_amount, Money) and isinstance(context.cover.premium, Money)
    names = context.template_names()
    assert set(names) == {f.name for f in fields(PackContext)}
    assert names["claim"] is context.claim  # the values as they are, no row behind them


def test_a_misspelt_name_fails_when_the_insurer_loads_naming_it(tmp_path):
    (tmp_path / "misspelt").mkdir()
    (tmp_path / "misspelt" / "__init__.py").write_text(textwrap.dedent(INSURER))
    registry = load_plugins(tmp_path, use_entry_points=False)
    assert "misspelt" not in registry.insurers
    message = registry.failures[0].message
    assert message.startswith("insurer misspelt: pack_layout template does not render the sample claim:")
    assert "PackClaim object' has no attribute 'numbr'" in message


def test_strict_undefined_and_the_filters():
    with pytest.raises(UndefinedError, match="'seller_name' is undefined"):
        render_pack_body(PackLayout("{{ seller_name }}", ""), sample_pack_context())
    body = render_pack_body(
        PackLayout(
            "{{ claim.claimed_amount|money }} · {{ generated_at|localtime }} · {{ order.dispatched_at|utc }}", ""
        ),
        sample_pack_context("EUR"),
    )
    assert body == f"{Money(Decimal('1850.00'), 'EUR').format()} · 2026-11-30 02:00 · 2026-11-02 08:00 UTC"
    assert "Claim CLM-2026-000042" in render_pack_body(DEFAULT_LAYOUT, sample_pack_context())


def test_the_fetcher_refuses_files_and_remote_urls_and_keeps_data_urls(tmp_path):
    for url in ("file:///etc/passwd", "https://example.com/logo.png", "http://169.254.169.254/latest", "ftp://x/y"):
        assert not documents.allowed_url(url), url
    secret = tmp_path / "secret.png"
    secret.write_bytes(png((200, 0, 0)))
    data_url = sample_pack_context().images[0].src
    html = f'<img src="{secret.as_uri()}"><img src="{data_url}" style="width: 20mm">'
    pdf = documents.render_pdf(html)
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages) == 1  # only the data: image


def test_a_template_that_reaches_for_a_row_stops_the_pack_with_its_name(plugins, monkeypatch):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    insurer = plugins.insurers["lanternfish"].raw
    monkeypatch.setattr(insurer, "pack_layout", lambda: PackLayout("{{ claim.inquiry.order.seller.email }}", ""))
    with pytest.raises(
        PackError, match="Lanternfish Mutual's pack template: .*PackClaim object' has no attribute 'inquiry'"
    ):
        render_pack(plugins, claim, generated_at=utcnow().replace(microsecond=0))
