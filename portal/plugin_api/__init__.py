"""The public contract between Coverdesk and its carrier and insurer plugins: everything a plugin
imports, and the only part of ``portal`` it may import (an import-linter contract keeps both this
package free of the rest of ``portal`` and plugins free of anything else).

A plugin is a Python package (a folder under ``plugins/`` or an installed distribution that
declares the entry-point group ``coverdesk.plugins``) implementing one or both pluggy hooks
(:mod:`.hooks`). Each hook returns instances of :class:`CarrierPlugin` or :class:`InsurerPlugin`.

Rules that differ between carriers or insurers live behind these classes; the core never asks
"which carrier is this?". Everything a plugin returns is plain data (the values in :mod:`.values`
and :class:`Money`), so rules can be tested without a database.

The package, by concern: :mod:`.vocabularies` (codes, statuses, kinds, the version),
:mod:`.text` (texts in English and Chinese), :mod:`.values`, :mod:`.hooks`, :mod:`.carrier`, :mod:`.insurer`, :mod:`.pack` (what pack
templates get), :mod:`.defaults` (the plain trace request and pack), and the helpers :mod:`.money`, :mod:`.times` and :mod:`.workdays`.

Versioning: ``CONTRACT_VERSION`` is ``(major, minor)``. A plugin declares the version it was
written for in its required ``contract`` attribute; the engine loads it when the major versions
match and the plugin's minor version is not newer than the core's. New optional members raise the
minor version; a change that breaks existing plugins raises the major version (docs/plugins.md has
the changelog and the deprecation policy).
"""

from .carrier import CarrierPlugin
from .defaults import DEFAULT_LAYOUT, HANDOVER_LABELS, generic_trace_request
from .hooks import CoverdeskHooks, hookimpl, hookspec
from .insurer import InsurerPlugin
from .money import Money, MoneyError, check_currency, format_amount, parse_amount, quantize
from .pack import (
    PackClaim,
    PackContext,
    PackCover,
    PackEvent,
    PackImage,
    PackIndexEntry,
    PackInquiry,
    PackOrder,
    PackSeller,
    pack_environment,
    render_pack_body,
    sample_pack_context,
)
from .text import (
    BASE_LANGUAGE,
    TEXT_LANGUAGES,
    Text,
    current_text_language,
    in_languages,
    join_texts,
    languages_of,
    set_language_resolver,
)
from .times import local, to_utc, utc, zone_label
from .values import (
    ChecklistItem,
    ClaimAmount,
    ClaimAmountRequest,
    EvidenceRequirement,
    FeedProblem,
    FilingWindow,
    GraceRule,
    HandoverScan,
    HttpError,
    HttpGet,
    InsurerTerms,
    LossLetterFormat,
    LossLetterReading,
    NotSupported,
    PackLayout,
    Quote,
    QuoteRequest,
    RawTrackingEvent,
    Refusal,
    Season,
    Service,
    TraceDetails,
    TraceRequestDocument,
    TraceWindow,
    TrackingFeed,
)
from .vocabularies import (
    CARRIER_KINDS,
    CARRIER_OUTCOMES,
    CODE_PATTERN,
    CONTRACT_VERSION,
    ENTRY_POINT_GROUP,
    EVIDENCE_KINDS,
    GENERATED_EVIDENCE,
    GOODS_CATEGORIES,
    GRACE_STARTS,
    HANDOVERS,
    INQUIRY_KINDS,
    PROJECT_NAME,
    REFUSAL_REASONS,
    TRACKING_REASONS,
    TRACKING_STATUS_NAMES,
    TRACKING_STATUSES,
)
from .workdays import CalendarUnknown, is_working_day, working_days_after

__all__ = [
    # vocabularies
    "CARRIER_KINDS",
    "CARRIER_OUTCOMES",
    "CODE_PATTERN",
    "CONTRACT_VERSION",
    "ENTRY_POINT_GROUP",
    "EVIDENCE_KINDS",
    "GENERATED_EVIDENCE",
    "GOODS_CATEGORIES",
    "GRACE_STARTS",
    "HANDOVERS",
    "INQUIRY_KINDS",
    "PROJECT_NAME",
    "REFUSAL_REASONS",
    "TRACKING_REASONS",
    "TRACKING_STATUSES",
    "TRACKING_STATUS_NAMES",
    # texts in two languages (contract 1.4)
    "BASE_LANGUAGE",
    "TEXT_LANGUAGES",
    "Text",
    "current_text_language",
    "in_languages",
    "join_texts",
    "languages_of",
    "set_language_resolver",
    # hooks
    "CoverdeskHooks",
    "hookimpl",
    "hookspec",
    # plugin base classes
    "CarrierPlugin",
    "InsurerPlugin",
    # values
    "ChecklistItem",
    "ClaimAmount",
    "ClaimAmountRequest",
    "EvidenceRequirement",
    "FeedProblem",
    "FilingWindow",
    "GraceRule",
    "HandoverScan",
    "HttpError",
    "HttpGet",
    "InsurerTerms",
    "LossLetterFormat",
    "LossLetterReading",
    "NotSupported",
    "PackLayout",
    "Quote",
    "QuoteRequest",
    "RawTrackingEvent",
    "Refusal",
    "Season",
    "Service",
    "TraceDetails",
    "TraceRequestDocument",
    "TraceWindow",
    "TrackingFeed",
    # the submission pack's view model
    "PackClaim",
    "PackContext",
    "PackCover",
    "PackEvent",
    "PackImage",
    "PackIndexEntry",
    "PackInquiry",
    "PackOrder",
    "PackSeller",
    "pack_environment",
    "render_pack_body",
    "sample_pack_context",
    # money, time and working days
    "Money",
    "MoneyError",
    "check_currency",
    "format_amount",
    "parse_amount",
    "quantize",
    "local",
    "to_utc",
    "utc",
    "zone_label",
    "CalendarUnknown",
    "is_working_day",
    "working_days_after",
    # defaults
    "DEFAULT_LAYOUT",
    "HANDOVER_LABELS",
    "generic_trace_request",
]
