"""The plugin author's test kit, a pytest plugin (registered as ``coverdesk`` in the ``pytest11``
entry-point group, so any pytest run with Coverdesk installed has it).

- :func:`load_plugin` loads one plugin alone, from its folder or its installed distribution, as
  the portal would (the engine's checks included); :func:`check_plugin` runs those checks on one
  object.
- :func:`tracking_fixtures` pairs each raw fixture with its ``.expected.json`` for
  parametrisation (Karrio style: raw in, normalised out); :class:`LetterSamples` does the same for
  sample loss letters.
- :class:`ContractKit`: subclass it in a test module (set ``plugin``) and pytest runs the
  contract tests over every carrier and insurer the plugin provides: the checks, property tests
  (hypothesis) that ``parse_tracking`` and ``read_loss_letter`` never raise, quotes in ``Decimal``
  that refuse what the terms exclude, sane evidence rules, and the pack and trace request rendered
  from a sample claim and read back from the PDF, and every text a plugin shows people checked
  for internal references (:func:`user_facing_texts`, :data:`INTERNAL_REFERENCE`).
"""

from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from .plugin_api import (
    EVIDENCE_KINDS,
    GRACE_STARTS,
    INQUIRY_KINDS,
    CarrierPlugin,
    HandoverScan,
    InsurerPlugin,
    LossLetterReading,
    Money,
    Quote,
    QuoteRequest,
    Refusal,
    TraceDetails,
    TraceRequestDocument,
    TrackingFeed,
    languages_of,
    render_pack_body,
    sample_pack_context,
)
from .plugin_engine import PluginFailure, check_plugin, load_plugins

__all__ = [
    "ContractKit",
    "KitPlugins",
    "LetterSamples",
    "INTERNAL_REFERENCE",
    "check_plugin",
    "feed_as_expected",
    "load_plugin",
    "load_plugins",
    "read_pdf_letter",
    "reading_as_expected",
    "render_pdf",
    "sample_trace_details",
    "scanned_pdf",
    "tracking_fixtures",
    "user_facing_texts",
]

#: What must not reach people from a plugin: our own notes' clause ids in brackets ("(PS1, S1)",
#: "(X1)"), the notes file and its sections. They belong in the plugin's comments and docstrings.
#: Public names such as "USPS IMM 934" or "UPU standard S10" are sources people can look up.
INTERNAL_REFERENCE = re.compile(r"claims-rules|\breference/|\w\.md\b|§|\([^()]*\b[A-Z]{1,3}[0-9][a-z]?\b[^()]*\)")


@dataclass
class KitPlugins:
    """What one plugin provides, as plain plugin objects (no guard: a test sees its own tracebacks)."""

    carriers: list[CarrierPlugin] = field(default_factory=list)
    insurers: list[InsurerPlugin] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)

    @property
    def all(self) -> list[CarrierPlugin | InsurerPlugin]:
        return [*self.carriers, *self.insurers]


def load_plugin(source: str | Path) -> KitPlugins:
    """Load one plugin alone: ``source`` is its package folder (``plugins/acme``), a folder of
    plugins (each is loaded), or the name of its installed distribution (``coverdesk-acme``),
    loaded through the ``coverdesk.plugins`` entry point as the portal does."""
    path = Path(source)
    if isinstance(source, Path) or path.is_dir():
        if (path / "__init__.py").is_file():
            registry = load_plugins(path.parent, use_entry_points=False, only={path.name})
        else:
            registry = load_plugins(path, use_entry_points=False)
    else:
        registry = load_plugins(None, use_entry_points=True, only={str(source)})
    return KitPlugins(
        [loaded.raw for _, loaded in sorted(registry.carriers.items())],
        [loaded.raw for _, loaded in sorted(registry.insurers.items())],
        registry.failures,
    )


def tracking_fixtures(plugin_folder: str | Path) -> list[tuple[Path, Path]]:
    """``(raw, expected)`` for each ``fixtures/<name>.<ext>`` that has a ``fixtures/<name>.expected.json``."""
    pairs = []
    for raw in sorted((Path(plugin_folder) / "fixtures").glob("*")):
        expected = raw.with_name(f"{raw.stem}.expected.json")
        if raw.is_file() and not raw.name.endswith(".expected.json") and expected.is_file():
            pairs.append((raw, expected))
    return pairs


def sample_trace_details(tracking_no: str, service_code: str, **overrides) -> TraceDetails:
    """A complete trace request's details for one of the carrier's own services."""
    values = {
        "order_no": "PRG-2026-0917",
        "tracking_no": tracking_no,
        "service_code": service_code,
        "destination_country": "US",
        "declared_value": Money(Decimal("1850.00"), "USD"),
        "contents": "Drone with 4K camera <b>& co</b>",
        "inquiry_kind": "not_arrived",
        "seller_name": "Pearl River Gadgets",
        "sender_name": "Coverdesk warehouse",
        "sender_email": "claims@coverdesk.example",
        "requested_on": date(2026, 11, 24),
        "dispatched_at": datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
        "handovers": (HandoverScan("dispatch", datetime(2026, 11, 2, 8, 0, tzinfo=UTC), "Shenzhen"),),
        "last_event_at": datetime(2026, 11, 4, 6, 30, tzinfo=UTC),
        "last_event_description": "Departed facility",
        "last_event_location": "Hong Kong",
        "seller_message": "Buyer opened a case.",
        "timezone": "Asia/Shanghai",
        "seller_address": "Room 1203, Block B, Tian'an Cyber Park\nFutian District, Shenzhen 518040\nChina",
        "seller_phone": "+86 755 2345 6789",
        "recipient_name": "Jordan Avery",
        "recipient_address": "1200 Harbor Blvd, Apt 4B\nOakland, CA 94607\nUnited States",
    }
    values.update(overrides)
    return TraceDetails(**values)


def feed_as_expected(carrier: CarrierPlugin, feed: TrackingFeed) -> dict:
    """A parsed feed in the shape of a fixture's ``.expected.json``: events normalised by the
    carrier, times in UTC ISO 8601, and the problems by record."""
    events = []
    for event in feed.events:
        status, reason = carrier.normalise(event.code, event.description)
        events.append(
            {
                "tracking_no": event.tracking_no,
                "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
                "code": event.code,
                "status": status,
                "reason": reason,
                "location": event.location,
                "handover": event.handover,
            }
        )
    return {"events": events, "problems": [{"record": p.record, "reason": p.reason} for p in feed.problems]}


def render_pdf(html: str) -> bytes:
    """A real PDF of ``html`` (WeasyPrint), e.g. a sample letter in the carrier's layout."""
    from .documents import render_pdf as render

    return render(html)


def scanned_pdf() -> bytes:
    """A PDF holding only a picture of a page, as a scanner makes: no text to read."""
    import base64
    import io

    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 800), 255)
    ImageDraw.Draw(image).rectangle((60, 60, 540, 120), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    data = base64.b64encode(buffer.getvalue()).decode()
    return render_pdf(f'<img src="data:image/png;base64,{data}" style="width: 100%">')


def reading_as_expected(reading: LossLetterReading) -> dict:
    """A letter's reading in the shape of a fixture's ``.expected.json``."""
    return {
        "case_reference": reading.case_reference,
        "tracking_no": reading.tracking_no,
        "outcome": reading.outcome,
        "outcome_text": reading.outcome_text,
        "found_on": reading.found_on.isoformat() if reading.found_on else None,
        "liability": None
        if reading.liability is None
        else {"amount": str(reading.liability.amount), "currency": reading.liability.currency},
        "missing": list(reading.missing),
    }


def read_pdf_letter(carrier: CarrierPlugin, pdf: bytes) -> dict:
    """What the portal reads from a letter PDF: its text (pypdf), then the carrier's reader."""
    from .pdf_text import extract_text

    return reading_as_expected(carrier.read_loss_letter(extract_text(pdf)))


class LetterSamples:
    """A carrier plugin's sample loss letters, as its tests and the portal's use them.

    ``variants`` maps a name to the fields passed to the plugin's ``letters.sample_letter_html``
    (broken letters included); ``"scanned"`` is always there: a letter with no text at all.
    Each variant's expected reading lives in ``fixtures/letters/<name>.expected.json``.
    """

    def __init__(self, plugin_folder: Path, code: str, variants: dict[str, dict]):

        self.carrier = load_plugins(plugin_folder.parent, use_entry_points=False).carrier(code)
        #: The plugin's own letters module, as the engine imported it.
        self.module = sys.modules[self.carrier.__class__.__module__.rsplit(".", 1)[0] + ".letters"]
        self.variants = variants
        self.fixtures = plugin_folder / "fixtures" / "letters"

    @property
    def names(self) -> list[str]:
        return [*self.variants, "scanned"]

    def pdf(self, name: str) -> bytes:
        return scanned_pdf() if name == "scanned" else render_pdf(self.module.sample_letter_html(**self.variants[name]))

    def expected(self, name: str) -> dict:
        return json.loads((self.fixtures / f"{name}.expected.json").read_text(encoding="utf-8"))

    def read(self, name: str) -> dict:
        return read_pdf_letter(self.carrier, self.pdf(name))


# --- the contract kit ---------------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split())


class ContractKit:
    """Contract tests for one plugin. In the plugin's tests::

        from portal.plugin_testing import ContractKit

        class TestContract(ContractKit):
            plugin = Path(__file__).parents[1]   # its folder, or "coverdesk-acme" when installed

    Each test runs once per carrier or insurer the plugin provides; a plugin providing no
    carrier gets no carrier tests (nothing is collected, nothing skipped).
    """

    plugin: str | Path
    #: Examples hypothesis tries per property test.
    examples: int = 150

    _CARRIER_TESTS = (
        "test_parse_tracking_never_raises",
        "test_read_loss_letter_never_raises",
        "test_trace_request_renders_from_a_sample_claim",
        "test_carrier_evidence_rules_are_sane",
    )
    _INSURER_TESTS = (
        "test_quotes_are_decimal_and_refuse_what_the_terms_exclude",
        "test_insurer_evidence_rules_are_sane",
        "test_the_pack_renders_from_a_sample_claim",
    )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.loaded = load_plugin(cls.plugin)
        # Hide what does not apply instead of collecting empty (skipped) parametrisations.
        for name in () if cls.loaded.carriers else cls._CARRIER_TESTS:
            setattr(cls, name, None)
        for name in () if cls.loaded.insurers else cls._INSURER_TESTS:
            setattr(cls, name, None)

    def pytest_generate_tests(self, metafunc):
        for name, objects in (
            ("carrier", self.loaded.carriers),
            ("insurer", self.loaded.insurers),
            ("subject", self.loaded.all),
        ):
            if name in metafunc.fixturenames:
                metafunc.parametrize(name, objects, ids=[o.code for o in objects])

    # --- every plugin ----------------------------------------------------------------------

    def test_loads_alone_without_failures(self):
        assert [f"{f.origin}: {f.message}" for f in self.loaded.failures] == []
        assert self.loaded.all, f"{self.plugin} provides no carrier and no insurer"

    def test_keeps_the_contract(self, subject):
        assert check_plugin(subject) == []
        assert subject.source.strip(), "say where the rules come from (source)"

    def test_user_facing_texts_carry_no_internal_references(self, subject):
        found = [
            f"{where}: {match.group()!r}"
            for where, text in user_facing_texts(subject)
            for match in INTERNAL_REFERENCE.finditer(text or "")
        ]
        assert found == [], "move these references to comments or docstrings"

    def test_declared_languages_are_complete(self, subject):
        """Contract 1.4: a plugin that declares ``languages`` writes every text for people in each
        of them (its documents are in ``document_languages`` instead; its sources stay as cited)."""
        declared = subject.languages or ("en",)
        lacking = [
            f"{where}: {text[:60]!r} has no {language}"
            for where, text in user_facing_texts(subject)
            if where not in DOCUMENT_TEXTS and not where.startswith(DOCUMENT_TEXTS) and text and text.strip()
            for language in declared
            if language not in languages_of(text)
        ]
        assert lacking == [], "give these texts every declared language: Text(en=..., zh_CN=...)"

    # --- carriers ---------------------------------------------------------------------------

    def test_parse_tracking_never_raises(self, carrier):
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st

        raw = st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(lambda t: t.encode("utf-8")))

        @settings(max_examples=self.examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(raw)
        def never_raises(content):
            feed = carrier.parse_tracking(content)
            assert isinstance(feed, TrackingFeed)
            assert all(event.occurred_at.utcoffset() is not None for event in feed.events)

        never_raises()

    def test_read_loss_letter_never_raises(self, carrier):
        from hypothesis import given, settings
        from hypothesis import strategies as st

        @settings(max_examples=self.examples, deadline=None)
        @given(st.text(max_size=3000))
        def never_raises(text):
            reading = carrier.read_loss_letter(text)
            assert isinstance(reading, LossLetterReading)
            assert reading.liability is None or isinstance(reading.liability.amount, Decimal)

        never_raises()

    def test_trace_request_renders_from_a_sample_claim(self, carrier):
        for service in carrier.services:
            details = sample_trace_details("TRACE12345678", service.code, service_name=service.name)
            document = carrier.trace_request(details)
            assert isinstance(document, TraceRequestDocument)
            assert "TRACE12345678" in document.text and "TRACE12345678" in document.subject
            assert "<b>& co</b>" not in document.html, "values from TraceDetails must be HTML-escaped"
            text = _pdf_text(render_pdf(document.html))
            assert "TRACE12345678" in text and "PRG-2026-0917" in text
            # Times in the warehouse's zone, which the page names; the service by its name.
            assert "Asia/Shanghai" in text and "UTC+08:00" in text, "name the zone the times are in"
            assert "16:00 UTC+08:00" in document.text, "the dispatch (08:00 UTC) in the warehouse's time"
            assert service.name in " ".join(text.split()), "show the service's name"

    def test_carrier_evidence_rules_are_sane(self, carrier):
        for service in carrier.services:
            for kind in INQUIRY_KINDS:
                for item in carrier.evidence_required(kind, service.code):
                    _check_requirement(item)

    # --- insurers ---------------------------------------------------------------------------

    def test_quotes_are_decimal_and_refuse_what_the_terms_exclude(self, insurer):
        for terms in insurer.terms_history:
            on = terms.effective_from
            for currency, maximum in terms.max_insured_value.items():

                def request(
                    value=None, destination="US", category="general", currency=currency, maximum=maximum, on=on
                ):
                    amount = Money(min(Decimal("100"), maximum) if value is None else value, currency)
                    return QuoteRequest(amount, amount, destination, category, "carrier", "service", on)

                quote = insurer.quote(request())
                if isinstance(quote, Refusal):  # a rule of the insurer's own may refuse the plain case
                    assert quote.message.strip() and quote.reason
                    continue
                assert isinstance(quote, Quote)
                assert isinstance(quote.premium.amount, Decimal) and quote.premium.currency == currency
                assert quote.premium.amount > 0 and quote.terms_effective == on
                over = insurer.quote(request(maximum + 1))
                assert isinstance(over, Refusal) and over.reason == "value_over_maximum"
                for destination in sorted(terms.excluded_destinations):
                    refused = insurer.quote(request(destination=destination))
                    assert isinstance(refused, Refusal) and refused.reason == "destination_excluded", destination
                for category in sorted(terms.excluded_categories):
                    refused = insurer.quote(request(category=category))
                    assert isinstance(refused, Refusal) and refused.reason == "category_excluded", category

    def test_insurer_evidence_rules_are_sane(self, insurer):
        for terms in insurer.terms_history:
            for kind in INQUIRY_KINDS:
                items = insurer.evidence_required(kind, terms.effective_from)
                assert any(item.mandatory for item in items), f"{kind}: nothing is mandatory"
                for item in items:
                    _check_requirement(item)

    def test_the_pack_renders_from_a_sample_claim(self, insurer):
        currency = sorted(insurer.terms_history[-1].max_insured_value)[0]
        context = sample_pack_context(currency)
        layout = insurer.pack_layout()
        body = render_pack_body(layout, context)
        html = (
            f"<!doctype html><html><head><meta charset='utf-8'><style>{layout.stylesheet}</style></head>"
            f"<body>{body}</body></html>"
        )
        pdf = render_pdf(html)
        text = _pdf_text(pdf)
        assert context.claim.number in text and context.cover.certificate_no in text


#: Where user_facing_texts finds texts that are not plugin texts for staff: its cited sources, and the
#: documents, which are in the plugin's ``document_languages``.
DOCUMENT_TEXTS = ("source", "trace request", "pack")


def user_facing_texts(plugin: CarrierPlugin | InsurerPlugin) -> list[tuple[str, str]]:
    """Every text ``plugin`` shows people, as ``(where, text)``: its name and source, its
    services, evidence reasons for every kind of inquiry, stall reasons through the year, its
    loss letter's description and a trace request (carriers), rate notes, quotes, claim amounts
    and the rendered pack (insurers)."""
    from .plugin_api import ClaimAmountRequest

    texts = [("name", plugin.name), ("source", plugin.source)]
    days = [date(2026, month, 1) for month in range(1, 13)] + [date(2026, 12, 1), date(2026, 11, 20)]
    if isinstance(plugin, CarrierPlugin):
        for service in plugin.services:
            texts += [(f"service {service.code}", service.name), (f"service {service.code}", service.description)]
            for kind in INQUIRY_KINDS:
                texts += [(f"evidence {kind}", i.why) for i in plugin.evidence_required(kind, service.code)]
            texts += [(f"stall reason {on}", plugin.stall_reason(service.code, "US", on)) for on in days]
            document = plugin.trace_request(
                sample_trace_details("TRACE12345678", service.code, service_name=service.name)
            )
            texts += [("trace request", document.subject), ("trace request", document.text)]
            texts.append(("trace request (PDF)", _pdf_text(render_pdf(document.html))))
        letter_format = getattr(plugin, "loss_letter_format", None)
        if letter_format is not None:
            texts.append(("loss letter format", letter_format.description))
        return texts
    for terms in plugin.terms_history:
        on = terms.effective_from
        texts += [("terms notes", terms.notes)] + [("rates", line) for line in plugin.describe_rates(terms)]
        for kind in INQUIRY_KINDS:
            texts += [(f"evidence {kind}", i.why) for i in plugin.evidence_required(kind, on)]
        for currency, maximum in terms.max_insured_value.items():
            for value in (min(Decimal("100"), maximum), maximum + 1):
                amount = Money(value, currency)
                quote = plugin.quote(QuoteRequest(amount, amount, "US", "electronics", "carrier", "service", on))
                texts.append(("quote", quote.message if isinstance(quote, Refusal) else quote.rate_description))
            for kind in INQUIRY_KINDS:
                request = ClaimAmountRequest(
                    kind, Money(Decimal("100"), currency), Money(Decimal("80"), currency), "electronics", Decimal(1), on
                )
                texts.append((f"claim amount {kind}", plugin.claim_amount(request).description))
    layout = plugin.pack_layout()
    body = render_pack_body(layout, sample_pack_context(sorted(plugin.terms_history[-1].max_insured_value)[0]))
    texts.append(("pack", body))
    return texts


def _check_requirement(item) -> None:
    assert item.kind in EVIDENCE_KINDS, f"unknown evidence kind {item.kind!r}"
    assert item.why.strip(), f"{item.kind}: say why it is needed"
    if item.grace is not None:
        assert 1 <= item.grace.days <= 365, f"{item.kind}: a grace period of {item.grace.days} days"
        assert item.grace.counted_from in GRACE_STARTS, f"{item.kind}: counted from {item.grace.counted_from!r}"


# --- fixtures (the kit is a pytest plugin: entry point pytest11 "coverdesk") --------------------


@pytest.fixture
def coverdesk_pack_context():
    """A sample claim as pack templates see it (:class:`portal.plugin_api.PackContext`, USD)."""
    return sample_pack_context()


@pytest.fixture
def coverdesk_trace_details():
    """A factory of sample :class:`TraceDetails`: ``coverdesk_trace_details(tracking_no, service_code, **overrides)``."""
    return sample_trace_details
