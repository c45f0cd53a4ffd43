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

    code: str  # matches CODE_PATTERN; orders store it
    name: str  # shown to people
    description: str = ""  # shown to people


@dataclass(frozen=True)
class QuoteRequest:
    """What an insurer needs to price cover for one parcel."""

    insured_value: Money  # at most the declared value, in the same currency
    declared_value: Money
    destination_country: str  # ISO 3166-1 alpha-2, upper case
    category: str  # a key of GOODS_CATEGORIES
    carrier_code: str  # the order's carrier; "" when quoted without one
    service_code: str  # likewise
    on: date  # the day the cover is bought (warehouse zone); selects the terms in force


@dataclass(frozen=True)
class Quote:
    """A premium the insurer will accept for the cover asked."""

    premium: Money  # in the insured value's currency, Decimal
    rate_description: str  # how the premium was worked out, for the agent and the certificate
    terms_effective: date  # the first day of the terms used
    certificate_prefix: str  # the insurer's, as in certificate numbers


@dataclass(frozen=True)
class Refusal:
    """The insurer will not cover this parcel; ``message`` is shown to people as it is."""

    reason: str  # one of REFUSAL_REASONS
    message: str  # shown to agents and the ordering system as it is
    field: str | None = None  # the input it concerns, e.g. "destination_country"


@dataclass(frozen=True)
class RawTrackingEvent:
    """One event as a carrier's feed gives it, before the portal stores it.

    ``code`` and ``description`` are the carrier's own, kept as they are. ``status`` is set only
    by feeds that are already normalised; otherwise the carrier's ``normalise`` decides.
    """

    tracking_no: str  # as the carrier prints it; the portal matches it case-insensitively
    occurred_at: datetime  # tz-aware, any zone (to_utc reads a local time); stored in UTC
    code: str | None  # the carrier's raw code, kept as it is
    description: str = ""  # the carrier's own text
    location: str = ""  # the place as the carrier names it
    status: str | None = None  # one of TRACKING_STATUSES, only from already normalised feeds
    reason: str | None = None  # one of TRACKING_REASONS, likewise
    handover: str | None = None  # one of HANDOVERS, for the warehouse's own scans


@dataclass(frozen=True)
class FeedProblem:
    """A record of a carrier file that could not be read; ``record`` names it (line, element)."""

    record: str  # e.g. "line 4", "event 2", "file"
    reason: str  # shown to people as it is


@dataclass(frozen=True)
class TrackingFeed:
    """What a carrier's parser read from one raw file or response."""

    events: tuple[RawTrackingEvent, ...]  # in the feed's order; the portal sorts by time
    problems: tuple[FeedProblem, ...] = ()  # one per record that could not be read


@dataclass(frozen=True)
class Season:
    """A yearly period given as (month, day) bounds, inclusive; it may wrap over the new year.

    Carriers' rules lengthen in peak season; each plugin says which dates its peak covers.
    """

    start: tuple[int, int]  # (month, day), inclusive
    end: tuple[int, int]  # (month, day), inclusive; before start when it wraps over the new year

    def __contains__(self, on: date) -> bool:
        day = (on.month, on.day)
        if self.start <= self.end:
            return self.start <= day <= self.end
        return day >= self.start or day <= self.end


@dataclass(frozen=True)
class TraceWindow:
    """Days after dispatch on which the carrier accepts a trace request (first and last)."""

    earliest_day: int  # calendar days after dispatch (warehouse zone)
    latest_day: int  # calendar days after dispatch, inclusive


@dataclass(frozen=True)
class InsurerTerms:
    """The limits of one version of an insurer's terms, in force from ``effective_from``.

    ``max_insured_value`` and ``minimum_premium`` are keyed by currency; a currency missing
    from ``max_insured_value`` is not covered.
    """

    effective_from: date  # first day in force (warehouse zone)
    max_insured_value: dict[str, Decimal]  # ISO 4217 code -> the most insured, in that currency
    minimum_premium: dict[str, Decimal]  # ISO 4217 code -> the least premium, in that currency
    excluded_destinations: frozenset[str] = frozenset()  # ISO 3166-1 alpha-2 codes
    excluded_categories: frozenset[str] = frozenset()  # keys of GOODS_CATEGORIES
    notes: str = ""  # shown on the Plugins page

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted(self.max_insured_value))


@dataclass(frozen=True)
class GraceRule:
    """An item the insurer lets follow later: due ``days`` calendar days after ``counted_from``
    (one of GRACE_STARTS). Until that event has happened the deadline is not yet known."""

    days: int  # calendar days
    counted_from: str = "inquiry_opened"  # one of GRACE_STARTS


@dataclass(frozen=True)
class EvidenceRequirement:
    """One document an inquiry needs, and why (shown to the agent: the rule and its source).

    ``grace`` set means the item may be deferred and sent later, until the grace deadline.
    """

    kind: str  # a key of EVIDENCE_KINDS
    why: str  # shown to the agent: the rule and its source
    mandatory: bool = True  # False: asked for, but the claim may go without it
    grace: GraceRule | None = None  # None: it cannot be deferred


@dataclass(frozen=True)
class HandoverScan:
    """One of the warehouse's own scans (pickup, intake, dispatch) as the trace request lists it."""

    kind: str  # one of HANDOVERS
    occurred_at: datetime  # tz-aware UTC
    location: str = ""


@dataclass(frozen=True)
class TraceDetails:
    """Everything a carrier's trace request form asks for, filled from the portal's data."""

    order_no: str  # the seller's order number: the warehouse's reference
    tracking_no: str
    service_code: str  # one of the carrier's Service codes
    destination_country: str  # ISO 3166-1 alpha-2
    declared_value: Money  # in the order's currency
    contents: str  # as the seller declared them; HTML-escape it
    inquiry_kind: str  # a key of INQUIRY_KINDS
    seller_name: str  # HTML-escape it
    sender_name: str  # the warehouse, as configured
    sender_email: str  # the warehouse's reply address, as configured
    requested_on: date  # warehouse zone
    dispatched_at: datetime | None = None  # tz-aware UTC
    handovers: tuple[HandoverScan, ...] = ()  # the warehouse's own scans, oldest first
    last_event_at: datetime | None = None  # tz-aware UTC; None without events
    last_event_description: str = ""  # the carrier's text of the last event
    last_event_location: str = ""
    seller_message: str = ""  # the seller's words; HTML-escape them
    service_name: str = ""  # the service's name, as people see it (Service.name)
    timezone: str = "UTC"  # the warehouse's zone (IANA name): print times with ``local(moment, timezone)``
    seller_address: str = ""  # the seller's (the claimant's) postal address, lines joined by newlines; HTML-escape it
    seller_phone: str = ""
    recipient_name: str = ""  # the consignee, "" for orders entered without one; HTML-escape it
    recipient_address: str = ""  # the consignee's postal address, lines joined by newlines; HTML-escape it


@dataclass(frozen=True)
class TraceRequestDocument:
    """A trace request in the carrier's own format: an e-mail and a printable page.

    ``html`` is a complete HTML document (its own ``<style>``, no external resources); the core
    prints it to PDF with WeasyPrint. Every value from ``TraceDetails`` must be HTML-escaped.
    """

    subject: str  # the e-mail's subject line
    text: str  # the e-mail's plain-text body
    html: str  # a complete HTML document, printed to PDF; loads only data: URLs
    send_to: str = ""  # the carrier's trace desk address, when it publishes one


@dataclass(frozen=True)
class LossLetterFormat:
    """How a carrier's loss confirmation letter looks, shown to agents checking one.

    ``reference_pattern`` is a regular expression the carrier's case reference matches in full.
    """

    reference_pattern: str  # a regular expression the whole reference matches
    reference_example: str  # must fit reference_pattern (checked at load)
    description: str  # the layout in a sentence or two: where each field is, date style, currency

    def reference_fits(self, reference: str) -> bool:
        return re.fullmatch(self.reference_pattern, reference) is not None


@dataclass(frozen=True)
class LossLetterReading:
    """The fields read from a letter's extracted text; ``None`` where the reader found nothing.

    ``outcome`` is a key of CARRIER_OUTCOMES, or ``None`` when the letter states none the reader
    knows; ``outcome_text`` keeps the words as written. ``missing`` names the fields not found.
    """

    case_reference: str | None = None  # the carrier's case number as printed
    tracking_no: str | None = None  # as printed; the core compares it with the order's
    outcome: str | None = None  # a key of CARRIER_OUTCOMES
    outcome_text: str = ""  # the letter's own words
    found_on: date | None = None  # the date on the letter, as written (no zone)
    liability: Money | None = None  # what the carrier says it pays, in its currency
    missing: tuple[str, ...] = ()  # names of the fields above not found


@dataclass(frozen=True)
class FilingWindow:
    """Days after dispatch on which the insurer accepts a claim (first and last, inclusive)."""

    earliest_day: int
    latest_day: int


@dataclass(frozen=True)
class ClaimAmountRequest:
    """What the insurer's rule needs to work out the amount claimed."""

    inquiry_kind: str  # a key of INQUIRY_KINDS
    insured_value: Money  # the cover's currency
    declared_value: Money  # the order's currency (the same)
    category: str  # a key of GOODS_CATEGORIES
    #: The share of the contents lost or damaged: 1 for a whole loss, less for a partial one.
    lost_share: Decimal  # 0 < share <= 1; 1 for a whole loss
    on: date  # the day the claim is made (warehouse zone)


@dataclass(frozen=True)
class ClaimAmount:
    """The amount an insurer's rule gives for a claim, and how."""

    amount: Money  # in the cover's currency
    description: str  # how it was worked out, for the agent and the claim form


@dataclass(frozen=True)
class ChecklistItem:
    """One evidence item as an insurer's advance rule sees it."""

    kind: str  # a key of EVIDENCE_KINDS
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

    template: str  # Jinja, sandboxed, autoescaped, strict undefined; names: PackContext
    stylesheet: str  # CSS for WeasyPrint; no url() to files or the network
