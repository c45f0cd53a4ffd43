"""Helpers for plugin authors' tests (Karrio style: raw fixture in, expected normalised result out)."""

from __future__ import annotations

import json
import sys
from datetime import UTC
from pathlib import Path

from .plugin_api import CarrierPlugin, LossLetterReading, TrackingFeed
from .plugin_engine import load_plugins  # noqa: F401 - part of the kit


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
