"""The base class of carrier plugins: what the portal asks a carrier, with the defaults."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import date
from typing import ClassVar

from .money import Money
from .text import Text
from .values import (
    EvidenceRequirement,
    FeedProblem,
    HttpGet,
    LossLetterFormat,
    LossLetterReading,
    NotSupported,
    Service,
    TraceDetails,
    TraceRequestDocument,
    TraceWindow,
    TrackingFeed,
)


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
            return Text("must be 6 to 40 letters and digits", "须为 6 至 40 位字母或数字")
        return None

    def liability_cap(self, service_code: str, declared_value: Money, on: date) -> Money | None:
        """The most the carrier itself pays for a lost parcel, or ``None`` if it pays nothing.

        The default is ``None``: no published liability.
        """
        return None

    def service(self, code: str) -> Service | None:
        """The service with this code, or ``None``: the portal's look-up; there is no need to override it."""
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
        return TrackingFeed(
            (), (FeedProblem("file", Text("{} has no tracking parser", "{} 未提供轨迹解析").format(self.name)),)
        )

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

    def stall_reason(self, service_code: str, destination_country: str, on: date) -> str:
        """Why :meth:`stall_after_days` gives what it gives on ``on``, in the carrier's words for
        staff (e.g. "peak season, 10 days more"); empty for the carrier's usual threshold."""
        return ""

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
        from .defaults import generic_trace_request

        return generic_trace_request(self.name, details)

    def evidence_required(self, inquiry_kind: str, service_code: str) -> tuple[EvidenceRequirement, ...]:
        """Documents this carrier adds to the insurer's list for an inquiry (e.g. a local
        post-office certificate). The default adds nothing."""
        return ()

    # --- languages (contract 1.4) ---------------------------------------------------------------

    #: The languages its texts for people are written in, e.g. ``("en", "zh_CN")`` (contract 1.4):
    #: each is a :class:`Text` with both. ``None``: the portal finds them from the texts; the
    #: contract kit fails a declared language that some text lacks.
    languages: ClassVar[tuple[str, ...] | None] = None
    #: The language of its trace request, whatever the agent's (contract 1.4): ``("en",)``, or
    #: ``("zh_CN", "en")`` for a bilingual one (first the main one). The portal's own words on it follow.
    document_languages: ClassVar[tuple[str, ...]] = ("en",)
