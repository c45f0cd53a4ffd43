"""Staff accounts and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from ..audit.services import Actor, record
from ..clock import utcnow
from ..extensions import db
from .models import ROLES, ApiToken, User

TOKEN_PREFIX = "cdk_"


class AccountError(ValueError):
    """Bad account input; the message names the field."""


def create_user(
    username: str, full_name: str, role: str, password: str, actor: Actor, email: str | None = None
) -> User:
    username = (username or "").strip().lower()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise AccountError("username: letters, digits, '.', '_' and '-' only")
    if role not in ROLES:
        raise AccountError(f"role: must be one of {', '.join(ROLES)}")
    if len(password or "") < 10:
        raise AccountError("password: at least 10 characters")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"username: {username!r} already exists")
    user = User(username=username, full_name=(full_name or username).strip(), role=role, email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(
        actor,
        "user.created",
        "user",
        user.id,
        after={"username": username, "role": role},
        summary=f"user {username} created as {role}",
    )
    return user


def load_session_user(session_id: str) -> User | None:
    """Find the user of a session cookie, refusing cookies from before the last logout."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        # Same work as a real check, so the response time does not tell which names exist.
        User(password_hash="scrypt:32768:8:1$x$0").check_password(password or "")
        return None
    if not user.active or not user.check_password(password or ""):
        return None
    user.last_login_at = utcnow()
    return user


def end_all_sessions(user: User) -> None:
    """Logout: every session cookie of this user stops working."""
    db.session.execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, actor: Actor) -> tuple[ApiToken, str]:
    """Return the stored token row and the token itself, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise AccountError("name: required")
    if db.session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise AccountError(f"name: a token named {name!r} already exists")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, token_sha256=_digest(secret), prefix=secret[:10], created_by=actor.label)
    db.session.add(token)
    db.session.flush()
    record(actor, "token.created", "api_token", token.id, after={"name": name}, summary=f"API token {name} created")
    return token, secret


def revoke_token(name: str, actor: Actor) -> ApiToken:
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise AccountError(f"name: no token named {name!r}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(actor, "token.revoked", "api_token", token.id, summary=f"API token {name} revoked")
    return token


def token_for(secret: str) -> ApiToken | None:
    """The live token matching a bearer secret, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    # Touch at most once a minute so API calls do not all write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return token
