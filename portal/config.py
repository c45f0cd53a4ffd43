"""Settings, read from environment variables with safe defaults for the embedded run.

| variable                    | default                                   |
| --------------------------- | ----------------------------------------- |
| COVERDESK_INSTANCE_PATH     | ``instance/`` in the project folder       |
| COVERDESK_DATABASE_URL      | SQLite file ``coverdesk.db`` in the instance folder |
| COVERDESK_SECRET_KEY        | random, kept in ``instance/secret_key``   |
| COVERDESK_EVIDENCE_DIR      | ``instance/evidence``                     |
| COVERDESK_PLUGINS_DIR       | ``plugins/`` in the project folder        |
| COVERDESK_TIMEZONE          | ``Asia/Shanghai``                         |
| COVERDESK_LANGUAGE          | ``zh_CN``: the interface's language for a browser that asks for neither ``zh_CN`` nor ``en`` (each staff member may choose their own) |
| COVERDESK_LOCALE            | ``en``: how amounts are shown and read back in forms (``de_DE``: ``1.850,00``) |
| COVERDESK_MAX_UPLOAD_MB     | ``20``                                    |
| COVERDESK_MAX_UPLOAD_PIXELS | ``50000000``: larger images are refused as decompression bombs |
| COVERDESK_LOAD_ENTRY_POINTS | ``1``: also load installed ``coverdesk.plugins`` distributions |
| COVERDESK_CARRIER_ENDPOINTS | ``{}``: JSON object, carrier code -> base URL of its tracking API |
| COVERDESK_SYNC_TIMEOUT      | ``10`` seconds per request of ``coverdesk tracking sync`` |
| COVERDESK_WAREHOUSE_NAME    | ``Coverdesk warehouse``: on generated documents and trace requests |
| COVERDESK_WAREHOUSE_EMAIL   | ``claims@coverdesk.example``: the reply address on trace requests |
| COVERDESK_MAX_DOCUMENT_PAGES | ``100`` pages per uploaded PDF |
| COVERDESK_MAX_PACK_PAGES    | ``500`` pages per submission pack, appended PDFs included |
| COVERDESK_SECURE_COOKIES    | ``0``; ``1`` behind HTTPS: ``__Host-`` cookies, Secure, HSTS |
| COVERDESK_IDLE_MINUTES      | ``30``: a staff session idle this long ends |
| COVERDESK_REQUIRE_2FA       | ``0``; ``1``: supervisors and admins must use a second factor (TOTP) |
| COVERDESK_REDIS_URL         | unset: rate limits in process memory; ``redis://host:6379/N`` shares them |
| COVERDESK_LOGIN_LIMIT       | ``5 per 15 minutes``: failed logins per user name before it is locked |
| COVERDESK_LOGIN_ADDRESS_LIMIT | ``50 per 15 minutes``: failed logins per address |
| COVERDESK_API_RATE_LIMIT    | ``6000 per minute`` per API token |
| COVERDESK_SQLITE_BUSY_TIMEOUT | ``10`` s a SQLite writer waits for the write lock before "busy, try again" |
| COVERDESK_DB_LOCK_TIMEOUT   | ``5`` s PostgreSQL waits for a lock before "busy, try again" |
| COVERDESK_DB_STATEMENT_TIMEOUT | ``30`` s: a longer PostgreSQL statement is cancelled |
| COVERDESK_DB_POOL_SIZE / COVERDESK_DB_MAX_OVERFLOW / COVERDESK_DB_POOL_TIMEOUT | ``5`` / ``10`` / ``10`` s |
| COVERDESK_JOBS_DB           | ``instance/jobs.db``: the job queue's SQLite file (unused with Redis) |
| COVERDESK_JOBS_QUEUE        | ``coverdesk``: the queue's name (its Redis keys), for desks sharing a Redis |
| COVERDESK_JOB_ATTEMPTS      | ``4`` tries of a failing job, the waits doubling from COVERDESK_JOB_RETRY_SECONDS (``30``) |
| COVERDESK_JOB_LEASE_SECONDS | ``300``: a job held longer by a worker that died is run again by another |
| COVERDESK_SCHEDULE_<NAME>   | a crontab (UTC) or ``off`` for each schedule in ``portal.jobs.schedules.DEFAULTS`` |
| COVERDESK_BACKUP_DIR        | ``instance/backups``: where the daily backup goes |
| COVERDESK_BACKUP_KEEP       | ``14``: backups kept there, the oldest removed first |
| COVERDESK_FILES_GRACE_HOURS | ``24``: the clean-up removes temporary and unreferenced stored files older than this |
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import PROJECT_ROOT
from .database import engine_options
from .i18n import DEFAULT_LANGUAGE, check_language
from .money import check_locale


def default_instance_path() -> Path:
    return Path(os.environ.get("COVERDESK_INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()


def _secret_key(instance_path: Path) -> str:
    """Use the configured key, or one generated once and kept in the instance folder."""
    configured = os.environ.get("COVERDESK_SECRET_KEY")
    if configured:
        return configured
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _flag(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def carrier_endpoints() -> dict[str, str]:
    """COVERDESK_CARRIER_ENDPOINTS: a JSON object of carrier code -> http(s) base URL."""
    raw = os.environ.get("COVERDESK_CARRIER_ENDPOINTS", "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise RuntimeError(f"COVERDESK_CARRIER_ENDPOINTS: not valid JSON: {exc}") from None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise RuntimeError(
            "COVERDESK_CARRIER_ENDPOINTS: must be a JSON object of carrier code -> URL, "
            'e.g. {"swiftwing": "https://api.swiftwing.example"}'
        )
    bad = [code for code, url in value.items() if not url.startswith(("http://", "https://"))]
    if bad:
        raise RuntimeError(
            f"COVERDESK_CARRIER_ENDPOINTS: the URL of {', '.join(bad)} must start with http:// or https://"
        )
    return {code: url.rstrip("/") for code, url in value.items()}


def sync_timeout() -> float:
    raw = os.environ.get("COVERDESK_SYNC_TIMEOUT", "10")
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 600:
        raise RuntimeError(f"COVERDESK_SYNC_TIMEOUT: {raw!r} is not a number of seconds between 0 and 600")
    return value


def _number(name: str, default: str, low: float, high: float) -> float:
    raw = os.environ.get(name, default)
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise RuntimeError(f"{name}: {raw!r} is not a number between {low:g} and {high:g}")
    return value


def _schedules() -> dict[str, str]:
    from .jobs.schedules import DEFAULTS, parse

    schedules = {}
    for name, default in DEFAULTS.items():
        variable = "COVERDESK_SCHEDULE_" + name.upper().replace("-", "_")
        value = os.environ.get(variable, default).strip()
        # Only a schedule set by hand is read here: the defaults are known crontabs, and reading
        # them would import Huey in every process (portal.jobs.queue).
        if value not in ("off", default):
            try:
                parse(value)
            except ValueError as exc:
                raise RuntimeError(f"{variable}: {exc}") from None
        schedules[name] = value
    return schedules


def load_config(instance_path: Path) -> dict:
    """Build the Flask config mapping from the environment."""
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("COVERDESK_DATABASE_URL") or f"sqlite:///{instance_path / 'coverdesk.db'}"
    timezone = os.environ.get("COVERDESK_TIMEZONE", "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"COVERDESK_TIMEZONE: unknown time zone {timezone!r}") from exc
    locale = os.environ.get("COVERDESK_LOCALE", "en").strip() or "en"
    try:
        check_locale(locale)
    except ValueError as exc:
        raise RuntimeError(f"COVERDESK_LOCALE: {exc}") from exc
    try:
        language = check_language(os.environ.get("COVERDESK_LANGUAGE", DEFAULT_LANGUAGE))
    except ValueError as exc:
        raise RuntimeError(f"COVERDESK_LANGUAGE: {exc}") from None
    max_upload_mb = int(os.environ.get("COVERDESK_MAX_UPLOAD_MB", "20"))
    secure = _flag("COVERDESK_SECURE_COOKIES", "0")
    pool = {
        "DB_POOL_SIZE": int(_number("COVERDESK_DB_POOL_SIZE", "5", 1, 1000)),
        "DB_MAX_OVERFLOW": int(_number("COVERDESK_DB_MAX_OVERFLOW", "10", 0, 1000)),
        "DB_POOL_TIMEOUT": _number("COVERDESK_DB_POOL_TIMEOUT", "10", 0.1, 600),
    }
    return {
        **pool,
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(pool),
        "SQLITE_BUSY_TIMEOUT": _number("COVERDESK_SQLITE_BUSY_TIMEOUT", "10", 0, 600),
        "DB_LOCK_TIMEOUT": _number("COVERDESK_DB_LOCK_TIMEOUT", "5", 0.1, 600),
        "DB_STATEMENT_TIMEOUT": _number("COVERDESK_DB_STATEMENT_TIMEOUT", "30", 1, 86400),
        "EVIDENCE_DIR": str(Path(os.environ.get("COVERDESK_EVIDENCE_DIR") or instance_path / "evidence").resolve()),
        "PLUGINS_DIR": str(Path(os.environ.get("COVERDESK_PLUGINS_DIR") or PROJECT_ROOT / "plugins").resolve()),
        "LOAD_ENTRY_POINT_PLUGINS": _flag("COVERDESK_LOAD_ENTRY_POINTS", "1"),
        "TIMEZONE": timezone,
        "LOCALE": locale,
        "LANGUAGE": language,
        # Flask accepts any request size unless told otherwise; the margin is for the form's other fields.
        "MAX_CONTENT_LENGTH": (max_upload_mb + 1) * 1024 * 1024,
        "MAX_UPLOAD_MB": max_upload_mb,
        "UPLOAD_MAX_BYTES": max_upload_mb * 1024 * 1024,
        # Images larger than this are refused before decoding (decompression bombs).
        "UPLOAD_MAX_PIXELS": int(os.environ.get("COVERDESK_MAX_UPLOAD_PIXELS", "50000000")),
        # Page limits: one uploaded PDF, and a whole submission pack with its appended PDFs.
        "MAX_DOCUMENT_PAGES": int(_number("COVERDESK_MAX_DOCUMENT_PAGES", "100", 1, 100_000)),
        "MAX_PACK_PAGES": int(_number("COVERDESK_MAX_PACK_PAGES", "500", 1, 1_000_000)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        # __Host- cookies are Secure, for the whole site and this host only; HSTS goes with them.
        "SESSION_COOKIE_NAME": "__Host-session" if secure else "session",
        "SECURE_COOKIES": secure,
        "IDLE_MINUTES": _number("COVERDESK_IDLE_MINUTES", "30", 1, 24 * 60),
        "REQUIRE_2FA": _flag("COVERDESK_REQUIRE_2FA", "0"),
        "RATELIMIT_STORAGE_URI": os.environ.get("COVERDESK_REDIS_URL") or "memory://",
        # Retry-After is set on 429 answers only (portal.app); the limiter's own headers would
        # also overwrite the one a 503 "busy" carries.
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_KEY_PREFIX": "coverdesk",
        "RATELIMIT_STRATEGY": "moving-window",
        "LOGIN_LIMIT": os.environ.get("COVERDESK_LOGIN_LIMIT", "5 per 15 minutes"),
        "LOGIN_ADDRESS_LIMIT": os.environ.get("COVERDESK_LOGIN_ADDRESS_LIMIT", "50 per 15 minutes"),
        "API_RATE_LIMIT": os.environ.get("COVERDESK_API_RATE_LIMIT", "6000 per minute"),
        "JOBS_DB": str(Path(os.environ.get("COVERDESK_JOBS_DB") or instance_path / "jobs.db").resolve()),
        "JOBS_REDIS_URL": os.environ.get("COVERDESK_REDIS_URL") or None,
        # Two desks sharing one Redis keep their queues apart by name.
        "JOBS_QUEUE_NAME": os.environ.get("COVERDESK_JOBS_QUEUE", "coverdesk"),
        "JOB_ATTEMPTS": int(_number("COVERDESK_JOB_ATTEMPTS", "4", 1, 100)),
        "JOB_RETRY_SECONDS": _number("COVERDESK_JOB_RETRY_SECONDS", "30", 0, 86400),
        "JOB_LEASE_SECONDS": _number("COVERDESK_JOB_LEASE_SECONDS", "300", 1, 86400),
        "JOB_SCHEDULES": _schedules(),
        "BACKUP_DIR": str(Path(os.environ.get("COVERDESK_BACKUP_DIR") or instance_path / "backups").resolve()),
        "BACKUP_KEEP": int(_number("COVERDESK_BACKUP_KEEP", "14", 1, 10000)),
        "FILES_GRACE_HOURS": _number("COVERDESK_FILES_GRACE_HOURS", "24", 0.1, 24 * 365),
        "ORDERS_PER_PAGE": 50,
        "CARRIER_ENDPOINTS": carrier_endpoints(),
        "SYNC_TIMEOUT": sync_timeout(),
        "QUEUE_PER_PAGE": 50,
        # Covered parcels quiet for longer than this come to the queue to watch, before their
        # carrier's own threshold (the seller story's week).
        "QUIET_WATCH_DAYS": int(os.environ.get("COVERDESK_QUIET_WATCH_DAYS", "7")),
        # Printed on generated documents and trace requests; carriers answer to the address.
        "WAREHOUSE_NAME": os.environ.get("COVERDESK_WAREHOUSE_NAME", "Coverdesk warehouse"),
        "WAREHOUSE_EMAIL": os.environ.get("COVERDESK_WAREHOUSE_EMAIL", "claims@coverdesk.example"),
    }
