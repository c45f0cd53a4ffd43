from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..db_types import UTCDateTime
from ..extensions import db
from ..i18n import N_

ROLES = ("agent", "supervisor", "admin")
#: How pages name each role (translated where shown).
ROLE_NAMES = {"agent": N_("agent"), "supervisor": N_("supervisor"), "admin": N_("admin")}


class User(UserMixin, db.Model):
    """A member of staff. ``session_version`` rises at logout so old session cookies stop working."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('agent', 'supervisor', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by an admin's reset: the next login must choose a new password first.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: TOTP (RFC 6238) second factor: the shared secret once enrolled, the last time step used
    #: (a code is accepted once), and the SHA-256 of each unused recovery code.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    recovery_codes: Mapped[list[str] | None] = mapped_column(JSON)
    #: The interface's language for this person (``zh_CN`` or ``en``); None until the first login
    #: sets it from the browser's, or they choose one.
    language: Mapped[str | None] = mapped_column(String(8))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        # Flask-Login keeps this in the session; the version makes a logged-out cookie useless.
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    def has_role(self, *roles: str) -> bool:
        """Admins may do everything; supervisors what agents may, too."""
        rank = {"agent": 1, "supervisor": 2, "admin": 3}
        return rank[self.role] >= min(rank[role] for role in roles)


class ApiToken(db.Model):
    """A bearer token for one integration. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
