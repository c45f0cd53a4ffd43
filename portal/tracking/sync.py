"""Online tracking: `coverdesk tracking sync` asks each carrier's API for news of its open parcels.

The carrier plugin does the carrier-specific half (``fetch_tracking`` builds the request and
returns the raw body, ``parse_tracking`` reads it); the core supplies the HTTP getter, picks the
parcels, stores the events through :func:`~portal.tracking.services.store_feed` and keeps, per
carrier, a :class:`~portal.tracking.models.CarrierSync` row. A carrier that fails (timeout,
refused connection, HTTP error, a body its parser cannot read, an exception in the plugin) is
reported and retried after an exponential back-off; the other carriers are not affected.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from flask import current_app
from sqlalchemy import or_, select

from ..audit.services import Actor, record
from ..extensions import db
from ..orders.models import Order
from ..plugin_api import CarrierPlugin, HttpError, HttpGet, NotSupported
from ..plugin_engine import PluginRegistry
from .models import CarrierSync
from .services import SETTLED, store_feed

log = logging.getLogger(__name__)

#: Tracking numbers asked per request.
CHUNK_SIZE = 50
#: Back-off after failures: 5 minutes, doubling, at most 6 hours.
FIRST_BACKOFF = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)
#: A carrier response larger than this is refused (a tracking answer is a few kB per parcel).
MAX_RESPONSE_BYTES = 20 * 1024 * 1024
USER_AGENT = "Coverdesk tracking sync"


# --- the core's HTTP getter ----------------------------------------------------------------


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise HttpError(f"redirected to a non-http(s) address {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


class UrllibHttp:
    """:class:`~portal.plugin_api.HttpGet` on the standard library's ``urllib.request``.

    Raises :class:`HttpError` with a message for people on every failure; never leaves a
    connection open.
    """

    def __init__(self, timeout: float = 10.0, max_bytes: int = MAX_RESPONSE_BYTES):
        self.timeout = timeout
        self.max_bytes = max_bytes

    def __call__(self, url: str, params: Mapping[str, str] | None = None, timeout: float | None = None) -> bytes:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpError(f"refusing {url!r}: only http:// and https:// addresses are fetched")
        if params:
            url = f"{url}{'&' if parts.query else '?'}{urlencode(params)}"
        timeout = self.timeout if timeout is None else timeout
        # Environment proxies apply, except to this machine (tests, local relays).
        proxies = urllib.request.ProxyHandler({} if _is_loopback(parts.hostname) else None)
        opener = urllib.request.build_opener(proxies, _HttpOnlyRedirects())
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        try:
            with opener.open(request, timeout=timeout) as response:
                body = response.read(self.max_bytes + 1)
        except urllib.error.HTTPError as exc:
            with exc:  # holds the response: close it
                raise HttpError(f"HTTP {exc.code} {exc.reason} from {_short(url)}") from None
        except urllib.error.URLError as exc:
            raise HttpError(_network_reason(exc.reason, url, timeout)) from None
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise HttpError(_network_reason(exc, url, timeout)) from None
        if len(body) > self.max_bytes:
            raise HttpError(f"the answer of {_short(url)} is larger than {self.max_bytes // (1024 * 1024)} MB")
        return body


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _network_reason(reason, url: str, timeout: float) -> str:
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"no answer from {_short(url)} within {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return f"connection to {_short(url)} refused"
    return f"could not reach {_short(url)}: {reason}"


# --- the sync ------------------------------------------------------------------------------


@dataclass
class SyncOutcome:
    """What the sync did with one carrier."""

    carrier_code: str
    state: str  # synced, skipped, no_endpoint, no_feed, failed
    added: int = 0
    duplicates: int = 0
    parcels: int = 0  # tracking numbers asked
    problems: list[tuple[str, str]] = field(default_factory=list)  # records the feed could not use
    error: str = ""
    next_attempt_at: datetime | None = None


def backoff(failures: int) -> timedelta:
    """The wait after ``failures`` consecutive failures: 5 min, 10, 20 ... at most 6 h."""
    return min(FIRST_BACKOFF * 2 ** min(max(failures - 1, 0), 16), MAX_BACKOFF)


def has_online_feed(carrier: CarrierPlugin) -> bool:
    return carrier.__class__.fetch_tracking is not CarrierPlugin.fetch_tracking


def open_tracking_numbers(carrier_code: str) -> list[str]:
    """Tracking numbers of the carrier's dispatched parcels that are not settled yet."""
    return list(
        dict.fromkeys(
            db.session.scalars(
                select(Order.tracking_no)
                .where(
                    Order.carrier_code == carrier_code,
                    Order.dispatched_at.is_not(None),
                    or_(Order.tracking_status.is_(None), Order.tracking_status.not_in(sorted(SETTLED))),
                )
                .order_by(Order.id)
            )
        )
    )


def sync_all(
    plugins: PluginRegistry,
    endpoints: Mapping[str, str],
    now: datetime,
    http: HttpGet | None = None,
    force: bool = False,
    *,
    only: str | None = None,
    actor: Actor | None = None,
) -> list[SyncOutcome]:
    """Sync every carrier (or ``only`` one) whose endpoint is configured and which is due.

    ``force`` ignores the back-off. Each carrier is committed on its own; one failing never stops
    the others.
    """
    if http is None:
        http = UrllibHttp(current_app.config["SYNC_TIMEOUT"])
    actor = actor or Actor.system("tracking sync")
    outcomes = []
    for carrier in sorted(plugins.all_carriers(), key=lambda c: c.code):
        if only is not None and carrier.code != only:
            continue
        if not has_online_feed(carrier):
            outcomes.append(SyncOutcome(carrier.code, "no_feed"))
        elif not endpoints.get(carrier.code):
            outcomes.append(SyncOutcome(carrier.code, "no_endpoint"))
        else:
            outcomes.append(sync_carrier(plugins, carrier, endpoints[carrier.code], now, http, force, actor))
    return outcomes


def _state(carrier_code: str) -> CarrierSync:
    state = db.session.scalar(select(CarrierSync).where(CarrierSync.carrier_code == carrier_code))
    if state is None:
        state = CarrierSync(carrier_code=carrier_code, consecutive_failures=0, last_error="")
        db.session.add(state)
    return state


def sync_carrier(
    plugins: PluginRegistry,
    carrier: CarrierPlugin,
    endpoint: str,
    now: datetime,
    http: HttpGet,
    force: bool,
    actor: Actor,
) -> SyncOutcome:
    code = carrier.code
    state = _state(code)
    if not force and state.next_attempt_at is not None and state.next_attempt_at > now:
        outcome = SyncOutcome(code, "skipped", next_attempt_at=state.next_attempt_at)
        db.session.rollback()
        return outcome
    numbers = open_tracking_numbers(code)
    outcome = SyncOutcome(code, "synced", parcels=len(numbers))
    try:
        for start in range(0, len(numbers), CHUNK_SIZE):
            body = carrier.fetch_tracking(http, endpoint, numbers[start : start + CHUNK_SIZE])
            if not isinstance(body, bytes):
                raise TypeError(f"fetch_tracking returned {type(body).__name__}, not bytes")
            feed = carrier.parse_tracking(body)
            unreadable = [p.reason for p in feed.problems if p.record == "file"]
            if unreadable:
                raise HttpError(f"unreadable answer: {'; '.join(unreadable)}"[:400])
            report = store_feed(plugins, carrier, feed, source="sync", actor=actor, now=now)
            outcome.added += report.added
            outcome.duplicates += report.duplicates
            outcome.problems.extend(report.problems)
    except NotSupported:
        db.session.rollback()
        return SyncOutcome(code, "no_feed")
    except Exception as exc:  # noqa: BLE001 - any failure of one carrier is reported, the others go on
        db.session.rollback()
        if not isinstance(exc, HttpError):
            log.exception("tracking sync of %s failed", code)
        reason = str(exc) if isinstance(exc, HttpError) else f"{type(exc).__name__}: {exc}"
        return _failed(code, reason, outcome, now, actor)
    state = _state(code)  # the session may have been committed and expired by store_feed
    state.last_attempt_at = state.last_success_at = now
    state.consecutive_failures = 0
    state.next_attempt_at = None
    state.last_error = ""
    db.session.commit()
    return outcome


def _failed(code: str, reason: str, outcome: SyncOutcome, now: datetime, actor: Actor) -> SyncOutcome:
    state = _state(code)
    before = {"consecutive_failures": state.consecutive_failures, "next_attempt_at": state.next_attempt_at}
    state.last_attempt_at = now
    state.consecutive_failures = (state.consecutive_failures or 0) + 1
    state.next_attempt_at = now + backoff(state.consecutive_failures)
    state.last_error = reason[:500]
    record(
        actor,
        "tracking.sync_failed",
        "carrier",
        code,
        before=before,
        after={
            "consecutive_failures": state.consecutive_failures,
            "next_attempt_at": state.next_attempt_at,
            "error": state.last_error,
        },
        summary=f"tracking sync of {code} failed: {reason}",
    )
    db.session.commit()
    outcome.state, outcome.error, outcome.next_attempt_at = "failed", reason, state.next_attempt_at
    return outcome
