"""The values that pass between the portal and its plugins: frozen dataclasses of plain values and
:class:`Money`. Times are tz-aware; ``date`` fields are days in the warehouse's zone."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from .money import Money

# --- online tracking (contract 1.1, optional) ----------------------------------------------


class NotSupported(Exception):
    """Raised by an optional plugin method the carrier does not offer (e.g. no online feed)."""


class HttpError(Exception):
    """A carrier endpoint could not be read: timeout, refused connection, non-2xx status...

    Raised by the core's :class:`HttpGet`; a plugin lets it propagate (the core reports it).
    """


class HttpGet(Protocol):
    """The core's HTTP getter handed to :meth:`CarrierPlugin.fetch_tracking`.

    ``http(url, params, timeout=None)`` sends ``GET url?params`` and returns the response body;
    ``timeout`` (seconds) defaults to the core's configured ``COVERDESK_SYNC_TIMEOUT``. It raises
    :class:`HttpError` on a timeout, a refused connection, a non-2xx status or a non-http(s) URL.
    Plugins never pick their own HTTP library: the core decides timeouts, proxies and tests.
    """

    def __call__(self, url: str, params: Mapping[str, str], timeout: float | None = None) -> bytes: ...


# --- values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """One service a carrier sells (e.g. registered airmail, express)."""

    code: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class QuoteRequest:
    """What an insurer needs to price cover for one parcel."""

    insured_value: Money
    declared_value: Money
    destination_country: str  # ISO 3166-1 alpha-2, upper case
    category: str  # a key of GOODS_CATEGORIES
    carrier_code: str
    service_code: str
    on: date  # the day the cover is bought; selects the terms in force


@dataclass(frozen=True)
class Quote:
    """A premium the insurer will accept for the cover asked."""

    premium: Money
    rate_description: str  # how the premium was worked out, for the agent and the certificate
    terms_effective: date  # the first day of the terms used
    certificate_prefix: str


@dataclass(frozen=True)
class Refusal:
    """The insurer will not cover this parcel; ``message`` is shown to people as it is."""

    reason: str  # one of REFUSAL_REASONS
    message: str
    field: str | None = None  # the input it concerns, e.g. "destination_country"


@dataclass(frozen=True)
class RawTrackingEvent:
    """One event as a carrier's feed gives it, before the portal stores it.

    ``code`` and ``description`` are the carrier's own, kept as they are. ``status`` is set only
    by feeds that are already normalised; otherwise the carrier's ``normalise`` decides.
    """

    tracking_no: str
    occurred_at: datetime  # tz-aware
    code: str | None
    description: str = ""
    location: str = ""
    status: str | None = None
    reason: str | None = None
    handover: str | None = None  # one of HANDOVERS, for the warehouse's own scans


@dataclass(frozen=True)
class FeedProblem:
    """A record of a carrier file that could not be read; ``record`` names it (line, element)."""

    record: str
    reason: str


@dataclass(frozen=True)
class TrackingFeed:
    """What a carrier's parser read from one raw file or response."""

    events: tuple[RawTrackingEvent, ...]
    problems: tuple[FeedProblem, ...] = ()


@dataclass(frozen=True)
class Season:
    """A yearly period given as (month, day) bounds, inclusive; it may wrap over the new year.

    Carriers' rules lengthen in peak season; each plugin says which dates its peak covers.
    """

    start: tuple[int, int]
    end: tuple[int, int]

    def __contains__(self, on: date) -> bool:
        day = (on.month, on.day)
        if self.start <= self.end:
            return self.start <= day <= self.end
        return day >= self.start or day <= self.end


@dataclass(frozen=True)
class TraceWindow:
    """Days after dispatch on which the carrier accepts a trace request (first and last)."""

    earliest_day: int
    latest_day: int


@dataclass(frozen=True)
class InsurerTerms:
    """The limits of one version of an insurer's terms, in force from ``effective_from``.

    ``max_insured_value`` and ``minimum_premium`` are keyed by currency; a currency missing
    from ``max_insured_value`` is not covered.
    """

    effective_from: date
    max_insured_value: dict[str, Decimal]
    minimum_premium: dict[str, Decimal]
    excluded_destinations: frozenset[str] = frozenset()
    excluded_categories: frozenset[str] = frozenset()
    notes: str = ""

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted(self.max_insured_value))


@dataclass(frozen=True)
class GraceRule:
    """An item the insurer lets follow later: due ``days`` calendar days after ``counted_from``
    (one of GRACE_STARTS). Until that event has happened the deadline is not yet known."""

    days: int
    counted_from: str = "inquiry_opened"


@dataclass(frozen=True)
class EvidenceRequirement:
    """One document an inquiry needs, and why (shown to the agent: the rule and its source).

    ``grace`` set means the item may be deferred and sent later, until the grace deadline.
    """

    kind: str  # a key of EVIDENCE_KINDS
    why: str
    mandatory: bool = True
    grace: GraceRule | None = None


@dataclass(frozen=True)
class HandoverScan:
    """One of the warehouse's own scans (pickup, intake, dispatch) as the trace request lists it."""

    kind: str  # one of HANDOVERS
    occurred_at: datetime  # tz-aware UTC
    location: str = ""


@dataclass(frozen=True)
class TraceDetails:
    """Everything a carrier's trace request form asks for, filled from the portal's data."""

    order_no: str
    tracking_no: str
    service_code: str
    destination_country: str
    declared_value: Money
    contents: str
    inquiry_kind: str  # a key of INQUIRY_KINDS
    seller_name: str
    sender_name: str  # the warehouse, as configured
    sender_email: str
    requested_on: date
    dispatched_at: datetime | None = None  # tz-aware UTC
    handovers: tuple[HandoverScan, ...] = ()
    last_event_at: datetime | None = None
    last_event_description: str = ""
    last_event_location: str = ""
    seller_message: str = ""


@dataclass(frozen=True)
class TraceRequestDocument:
    """A trace request in the carrier's own format: an e-mail and a printable page.

    ``html`` is a complete HTML document (its own ``<style>``, no external resources); the core
    prints it to PDF with WeasyPrint. Every value from ``TraceDetails`` must be HTML-escaped.
    """

    subject: str
    text: str
    html: str
    send_to: str = ""  # the carrier's trace desk address, when it publishes one


@dataclass(frozen=True)
class LossLetterFormat:
    """How a carrier's loss confirmation letter looks, shown to agents checking one.

    ``reference_pattern`` is a regular expression the carrier's case reference matches in full.
    """

    reference_pattern: str
    reference_example: str
    description: str  # the layout in a sentence or two: where each field is, date style, currency

    def reference_fits(self, reference: str) -> bool:
        return re.fullmatch(self.reference_pattern, reference) is not None


@dataclass(frozen=True)
class LossLetterReading:
    """The fields read from a letter's extracted text; ``None`` where the reader found nothing.

    ``outcome`` is a key of CARRIER_OUTCOMES, or ``None`` when the letter states none the reader
    knows; ``outcome_text`` keeps the words as written. ``missing`` names the fields not found.
    """

    case_reference: str | None = None
    tracking_no: str | None = None
    outcome: str | None = None
    outcome_text: str = ""
    found_on: date | None = None
    liability: Money | None = None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class FilingWindow:
    """Days after dispatch on which the insurer accepts a claim (first and last, inclusive)."""

    earliest_day: int
    latest_day: int


@dataclass(frozen=True)
class ClaimAmountRequest:
    """What the insurer's rule needs to work out the amount claimed."""

    inquiry_kind: str  # a key of INQUIRY_KINDS
    insured_value: Money
    declared_value: Money
    category: str
    #: The share of the contents lost or damaged: 1 for a whole loss, less for a partial one.
    lost_share: Decimal
    on: date


@dataclass(frozen=True)
class ClaimAmount:
    amount: Money
    description: str  # how it was worked out, for the agent and the claim form


@dataclass(frozen=True)
class ChecklistItem:
    """One evidence item as an insurer's advance rule sees it."""

    kind: str
    mandatory: bool
    state: str  # missing, received, accepted, rejected, deferred
    due_on: date | None  # grace deadline, when known


@dataclass(frozen=True)
class PackLayout:
    """The insurer's own submission pack: a Jinja template of the HTML body and its stylesheet.

    The template gets ``claim``, ``order``, ``cover``, ``seller``, ``inquiry``, ``timeline``,
    ``index`` (the evidence items, in order, with state and grace deadline), ``images`` and
    ``generated_at``; the core adds the running header, "Page x of y" and the appended PDFs.
    """

    template: str
    stylesheet: str
