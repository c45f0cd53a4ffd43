"""Every model, imported in one place so Alembic and ``create_app`` see all tables."""

from .advances.models import Advance, LedgerEntry, LedgerLine  # noqa: F401
from .audit.models import AuditChain, AuditEvent  # noqa: F401
from .auth.models import ApiToken, User  # noqa: F401
from .calendars.models import WorkingCalendar, WorkingCalendarDay  # noqa: F401
from .claims.models import Claim, ClaimPack, ClaimSupplement, InsurerPayment  # noqa: F401
from .cover.models import Cover  # noqa: F401
from .inquiries.models import EvidenceDocument, EvidenceItem, Inquiry  # noqa: F401
from .jobs.models import JobRun  # noqa: F401
from .orders.models import Order  # noqa: F401
from .plugin_owners import PluginOwner  # noqa: F401
from .queue.models import QueueItem  # noqa: F401
from .sellers.models import Seller  # noqa: F401
from .tracking.models import CarrierSync, TrackingEvent, TrackingImport  # noqa: F401
