"""The public contract between Coverdesk and its carrier and insurer plugins.

A plugin is a Python module (a package under ``plugins/`` or an installed distribution that
declares the entry-point group ``coverdesk.plugins``) implementing one or both pluggy hooks
below. Each hook returns instances of :class:`CarrierPlugin` or :class:`InsurerPlugin`.

Rules that differ between carriers or insurers live behind these classes; the core never asks
"which carrier is this?". Everything a plugin returns is plain data (the dataclasses here and
:class:`~portal.money.Money`), so rules can be tested without a database.

Versioning: ``CONTRACT_VERSION`` is ``(major, minor)``. A plugin declares the version it was
written for in its ``contract`` attribute; the engine loads it when the major versions match and
the plugin's minor version is not newer than the core's. New optional hooks raise the minor
version; a change that breaks existing plugins raises the major version.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Protocol

import pluggy

from .money import Money

CONTRACT_VERSION: tuple[int, int] = (1, 3)
PROJECT_NAME = "coverdesk"
ENTRY_POINT_GROUP = "coverdesk.plugins"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

#: Codes of carriers, services and insurers: lower-case letters, digits and underscores.
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,31}$")

#: The goods categories every order is filed under; insurers exclude some of them.
GOODS_CATEGORIES: dict[str, str] = {
    "general": "General merchandise",
    "apparel": "Clothing, shoes and accessories",
    "electronics": "Consumer electronics",
    "batteries": "Lithium batteries shipped on their own",
    "cosmetics": "Cosmetics and personal care",
    "jewelry": "Jewellery and watches",
    "precious_metals": "Precious metals and stones",
    "cash": "Cash, cards and negotiable instruments",
    "documents": "Documents and printed matter",
    "food": "Food and supplements",
    "liquids": "Liquids",
    "art": "Art and antiques",
    "toys": "Toys and games",
    "home": "Home and garden",
}

#: What a carrier is; it decides which kind of rules apply (UPU postal rules, courier terms...).
CARRIER_KINDS = ("postal", "express", "dedicated_line")

#: The portal's normalised tracking statuses (part of the API). A raw code a carrier does not map
#: keeps status ``None`` and is shown as "unmapped": never guessed as in transit.
TRACKING_STATUSES = (
    "info_received",
    "in_transit",
    "out_for_delivery",
    "delivery_failed",
    "available_for_pickup",
    "delivered",
    "exception",
    "returned",
)

#: The second level of the taxonomy: why an event is an exception or a delay (as Karrio, AfterShip).
TRACKING_REASONS = (
    "lost",
    "damaged",
    "being_researched",
    "customs",
    "address_issue",
    "refused",
    "delayed",
    "weather",
    "returned_to_sender",
)

#: The warehouse's own scans; they later become the delivery record and the delivery certificate.
HANDOVERS = ("pickup", "intake", "dispatch")

#: Why an insurer refuses cover. ``field`` on the refusal names the input concerned.
REFUSAL_REASONS = (
    "currency_not_covered",
    "value_over_maximum",
    "destination_excluded",
    "category_excluded",
    "service_not_covered",
    "other",
)


#: What a seller reports when opening an inquiry; the claim type follows from it (contract 1.2).
INQUIRY_KINDS: dict[str, str] = {
    "not_arrived": "Not arrived",
    "damaged": "Arrived damaged",
    "partly_missing": "Arrived with part of the contents missing",
}

#: What the carrier's answer to a trace says (contract 1.2). Only ``lost`` and ``damaged`` open
#: the way to a claim; ``delivered`` and ``returned`` close the inquiry.
CARRIER_OUTCOMES: dict[str, str] = {
    "lost": "Confirmed lost",
    "damaged": "Confirmed damaged",
    "delivered": "Found and delivered",
    "returned": "Returned to sender",
}

#: The documents an inquiry may need (contract 1.2). Plugins name their requirements by these keys.
EVIDENCE_KINDS: dict[str, str] = {
    "delivery_record": "Delivery record (handover and tracking history)",
    "delivery_certificate": "Delivery certificate (handover to the carrier)",
    "proof_of_insured_value": "Proof of insured value (cover certificate with the declared value)",
    "dispute_screenshots": "Marketplace dispute or refund screenshots",
    "loss_letter": "Carrier's loss confirmation letter",
    "damage_photos": "Photos of the damaged parcel, packaging and contents",
    "commercial_invoice": "Commercial invoice or proof of purchase",
    "recipient_statement": "Recipient's statement or local post-office certificate",
}

#: Evidence the portal generates itself from its own data (PDFs); the rest is uploaded.
GENERATED_EVIDENCE = ("delivery_record", "delivery_certificate", "proof_of_insured_value")

#: The inquiry event a grace period is counted from (contract 1.2).
GRACE_STARTS = ("inquiry_opened", "trace_requested", "carrier_answered")


# --- hooks -------------------------------------------------------------------------------


class CoverdeskHooks:
    """The pluggy hook specifications. Each is documented here and nowhere else."""

    @hookspec
    def coverdesk_carriers(self) -> list[CarrierPlugin]:
        """Return the carriers this plugin provides, as :class:`CarrierPlugin` instances.

        Called once when the portal starts. An exception here skips this plugin only.
        """

    @hookspec
    def coverdesk_insurers(self) -> list[InsurerPlugin]:
        """Return the insurers this plugin provides, as :class:`InsurerPlugin` instances.

        Called once when the portal starts. An exception here skips this plugin only.
        """


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


# --- plugin base classes -----------------------------------------------------------------


class CarrierPlugin(ABC):
    """A carrier: its services, its tracking page and, later in the lifecycle, its trace and
    loss rules. Subclasses set the class attributes and implement the abstract methods."""

    #: Contract version this plugin was written for, "major.minor". Required: a plugin without it
    #: is skipped (its author must say which contract the code keeps).
    contract: ClassVar[str]
    #: Short stable code used in orders and the API, matching CODE_PATTERN (e.g. "fourpx").
    code: ClassVar[str]
    #: Name shown to people.
    name: ClassVar[str]
    #: One of CARRIER_KINDS.
    kind: ClassVar[str]
    #: The services orders may name.
    services: ClassVar[tuple[Service, ...]]
    #: Where the rules come from (published terms), or why the plugin is fictional.
    source: ClassVar[str] = ""

    @abstractmethod
    def tracking_url(self, tracking_no: str) -> str:
        """The public tracking page of ``tracking_no``."""

    def check_tracking_no(self, service_code: str, tracking_no: str) -> str | None:
        """Return why ``tracking_no`` cannot belong to this carrier's service, or ``None``.

        The default accepts 6 to 40 letters and digits.
        """
        if not re.fullmatch(r"[A-Za-z0-9]{6,40}", tracking_no):
            return "must be 6 to 40 letters and digits"
        return None

    def liability_cap(self, service_code: str, declared_value: Money, on: date) -> Money | None:
        """The most the carrier itself pays for a lost parcel, or ``None`` if it pays nothing.

        The default is ``None``: no published liability.
        """
        return None

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    # --- tracking (contract 1.1) ------------------------------------------------------------

    #: Raw event code -> (status, reason or None); statuses from TRACKING_STATUSES, reasons from
    #: TRACKING_REASONS. A code missing here stays unmapped.
    status_map: ClassVar[dict[str, tuple[str, str | None]]] = {}

    def normalise(self, code: str | None, description: str) -> tuple[str | None, str | None]:
        """The portal status and reason of a raw event, or ``(None, None)`` when unknown.

        The default looks ``code`` up in ``status_map``; override when the text matters too.
        """
        return self.status_map.get(code or "", (None, None))

    def parse_tracking(self, content: bytes) -> TrackingFeed:
        """Read the carrier's raw tracking data (its file or API response) into events.

        Never raises for bad records: each becomes a ``FeedProblem`` naming the record. The
        default reads nothing and reports that the carrier has no parser.
        """
        return TrackingFeed((), (FeedProblem("file", f"{self.name} has no tracking parser"),))

    def fetch_tracking(self, http: HttpGet, endpoint: str, tracking_numbers: list[str]) -> bytes:
        """Fetch the latest tracking of ``tracking_numbers`` from the carrier's online API.

        The I/O half of online tracking (as Karrio's proxies): build the request for the
        carrier's API at ``endpoint`` (the base URL configured per carrier, no trailing slash),
        send it with ``http(url, params)`` and return the raw body, which :meth:`parse_tracking`
        (the mapping half) then reads. The core passes at most a few dozen numbers per call.
        Errors of ``http`` (:class:`HttpError`) propagate and are reported by the core. The default raises
        :class:`NotSupported`: the carrier has no online feed.
        """
        raise NotSupported(f"{self.name} has no online tracking feed")

    def stall_after_days(self, service_code: str, destination_country: str, on: date) -> int:
        """Days without a new event after which a parcel in transit counts as stalled.

        May depend on the service, the destination and the date (peak seasons). Default 7.
        """
        return 7

    def trace_window(self, service_code: str, destination_country: str) -> TraceWindow:
        """The days after dispatch on which a trace may be opened. Default: day 7 to day 60."""
        return TraceWindow(7, 60)

    # --- inquiries and loss letters (contract 1.2) -----------------------------------------

    #: The layout of the carrier's loss confirmation letter; ``None`` when it publishes none.
    loss_letter_format: ClassVar[LossLetterFormat | None] = None

    def read_loss_letter(self, text: str) -> LossLetterReading:
        """Read the fields of a loss confirmation letter from its extracted text.

        Never raises for a letter it cannot read: fields not found are ``None`` and named in
        ``missing``. The core flags mismatches (another tracking number, an outcome that is not
        loss or damage, a reference that does not fit ``loss_letter_format``). The default finds
        nothing.
        """
        return LossLetterReading(missing=("case_reference", "tracking_no", "outcome", "found_on", "liability"))

    def trace_request(self, details: TraceDetails) -> TraceRequestDocument:
        """The trace request for ``details`` in the carrier's own format (e-mail text and HTML).

        The default is a plain generic request; carriers with a form of their own override it.
        """
        from .trace_default import generic_trace_request

        return generic_trace_request(self.name, details)

    def evidence_required(self, inquiry_kind: str, service_code: str) -> tuple[EvidenceRequirement, ...]:
        """Documents this carrier adds to the insurer's list for an inquiry (e.g. a local
        post-office certificate). The default adds nothing."""
        return ()


class InsurerPlugin(ABC):
    """An insurer: the currencies, limits and premium of its parcel cover.

    Terms change over time, so a plugin keeps a list of :class:`InsurerTerms` with effective
    dates in ``terms_history`` (oldest first); :meth:`terms` picks the one in force.
    """

    #: Contract version this plugin was written for, "major.minor". Required, as for carriers.
    contract: ClassVar[str]
    code: ClassVar[str]
    name: ClassVar[str]
    #: Prefix of the cover certificate numbers, e.g. "LFM".
    certificate_prefix: ClassVar[str]
    #: Versions of the terms, oldest first.
    terms_history: ClassVar[tuple[InsurerTerms, ...]]
    source: ClassVar[str] = ""

    def terms(self, on: date) -> InsurerTerms:
        """The terms in force on ``on``; before the first version, the first version."""
        current = self.terms_history[0]
        for version in self.terms_history:
            if version.effective_from <= on:
                current = version
        return current

    def quote(self, request: QuoteRequest) -> Quote | Refusal:
        """Price cover for ``request`` or refuse it with the reason.

        The default checks the terms' currency, maximum, destinations and categories and then
        asks :meth:`premium`; override to add rules of your own (call ``super().quote``).
        """
        terms = self.terms(request.on)
        currency = request.insured_value.currency
        if currency not in terms.max_insured_value:
            return Refusal(
                "currency_not_covered",
                f"{self.name} does not cover {currency}; it covers {', '.join(terms.currencies)}",
                "currency",
            )
        maximum = Money(terms.max_insured_value[currency], currency)
        if request.insured_value > maximum:
            return Refusal(
                "value_over_maximum",
                f"insured value {request.insured_value} is over {self.name}'s maximum of {maximum}",
                "insured_value",
            )
        if request.destination_country in terms.excluded_destinations:
            return Refusal(
                "destination_excluded",
                f"{self.name} does not cover parcels to {request.destination_country}",
                "destination_country",
            )
        if request.category in terms.excluded_categories:
            label = GOODS_CATEGORIES.get(request.category, request.category)
            return Refusal(
                "category_excluded",
                f"{self.name} does not cover {label.lower()} ({request.category})",
                "category",
            )
        premium, description = self.premium(terms, request)
        minimum = Money(terms.minimum_premium.get(currency, Decimal(0)), currency)
        if premium < minimum:
            premium, description = minimum, f"{description}; minimum premium {minimum} applies"
        return Quote(premium, description, terms.effective_from, self.certificate_prefix)

    def evidence_required(self, inquiry_kind: str, on: date) -> tuple[EvidenceRequirement, ...]:
        """The documents this insurer needs for a claim of ``inquiry_kind`` (a key of
        INQUIRY_KINDS) opened on ``on``, each with why and, when it may follow later, its grace rule.

        The default asks for the three documents the portal generates, the carrier's loss letter
        (for parcels not arrived) or photos (damage, missing contents), all mandatory, no grace.
        """
        items = [
            EvidenceRequirement("delivery_record", "Shows the parcel was handed over and how it travelled."),
            EvidenceRequirement("delivery_certificate", "Proves the carrier took the parcel."),
            EvidenceRequirement("proof_of_insured_value", "Shows the cover and the declared value."),
        ]
        if inquiry_kind == "not_arrived":
            items.append(EvidenceRequirement("loss_letter", "The carrier's confirmation that the parcel is lost."))
        else:
            items.append(EvidenceRequirement("damage_photos", "Shows the damage or what is missing."))
        return tuple(items)

    # --- claims (contract 1.2) ----------------------------------------------------------------

    #: Working days after acceptance within which the insurer pays.
    payout_working_days: ClassVar[int] = 3
    #: The working-day calendar the insurer keeps (see ``portal.calendars``): "CN" for mainland China.
    calendar: ClassVar[str] = "CN"

    def filing_window(self, inquiry_kind: str) -> FilingWindow:
        """The days after dispatch on which a claim of ``inquiry_kind`` may be filed. Default 7-120."""
        return FilingWindow(7, 120)

    def deductible(self, request: ClaimAmountRequest, amount: Money) -> Money:
        """Taken off the claim's ``amount`` (before the deductible); the default is none."""
        return Money(Decimal("0"), amount.currency)

    def claim_amount(self, request: ClaimAmountRequest) -> ClaimAmount:
        """The amount claimed: the insured value, or the declared value if lower, times the share
        lost, less the deductible (never below zero). Override for other rules."""
        base = min(request.insured_value.amount, request.declared_value.amount)
        basis = "insured value" if base == request.insured_value.amount else "declared value (lower)"
        share = request.lost_share
        amount = Money(base, request.insured_value.currency).scaled(share)
        description = f"{basis} {Money(base, request.insured_value.currency).format()}"
        if share != 1:
            description += f" × {share:.0%} lost"
        deductible = self.deductible(request, amount)
        if deductible.amount:
            amount = Money(max(amount.amount - deductible.amount, Decimal("0.00")), amount.currency)
            description += f" − deductible {deductible.format()}"
        return ClaimAmount(amount, description)

    def advance_refusal(self, items: tuple[ChecklistItem, ...], today: date) -> str | None:
        """Why the claim's materials are not yet complete and sufficient for an advance to the
        seller, or ``None``. The default: every mandatory item accepted and no grace deadline passed."""
        for item in items:
            label = EVIDENCE_KINDS.get(item.kind, item.kind)
            if item.due_on is not None and item.due_on < today and item.state != "accepted":
                return f"the grace deadline of {label} passed on {item.due_on}"
            if item.mandatory and item.state != "accepted":
                return f"{label} is {item.state}, not accepted"
        return None

    def describe_rates(self, terms: InsurerTerms) -> tuple[str, ...]:
        """The premium's rate bands under ``terms``, one readable line each, for the Plugins page
        and ``coverdesk plugins`` (contract 1.3, optional). The default describes none."""
        return ()

    def pack_layout(self) -> PackLayout:
        """The submission pack's template and stylesheet; the default is a plain layout."""
        from .pack_default import DEFAULT_LAYOUT

        return DEFAULT_LAYOUT

    @abstractmethod
    def premium(self, terms: InsurerTerms, request: QuoteRequest) -> tuple[Money, str]:
        """The premium before the minimum, and a one-line description of how it was worked out."""
