"""Staff accounts and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pyotp
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..audit.services import Actor, record
from ..clock import utcnow
from ..errors import Refused
from ..extensions import db
from ..i18n import check_language
from .models import ROLES, ApiToken, User
from .passwords import password_problem

TOKEN_PREFIX = "cdk_"


class AccountError(Refused):
    """Bad account input; the message starts with the field ("username: ...")."""

    def __init__(self, message: str):
        field, _, _ = message.partition(": ")
        super().__init__(field, message)


def create_user(
    username: str,
    full_name: str,
    role: str,
    password: str,
    actor: Actor,
    email: str | None = None,
    language: str | None = None,
) -> User:
    username = (username or "").strip().lower()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise AccountError("username: letters, digits, '.', '_' and '-' only")
    if role not in ROLES:
        raise AccountError(f"role: must be one of {', '.join(ROLES)}")
    problem = password_problem(password, username)
    if problem:
        raise AccountError(f"password: {problem}")
    if language is not None:
        try:
            language = check_language(language)
        except ValueError as exc:
            raise AccountError(f"language: {exc}") from None
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"username: {username!r} already exists")
    user = User(username=username, full_name=(full_name or username).strip(), role=role, email=email, language=language)
    user.set_password(password)
    user.password_changed_at = utcnow()
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
    return user


def record_login(user: User, now=None, language: str | None = None) -> None:
    """The login is complete (after the second factor, for those who have one). Someone who has
    not chosen a language yet keeps ``language``, the one their first login's page was in."""
    user.last_login_at = now or utcnow()
    if user.language is None and language is not None:
        user.language = check_language(language)


def set_language(user: User, language: str, actor: Actor) -> None:
    """The staff member's interface language, from their profile or the top bar's switch."""
    try:
        language = check_language(language)
    except ValueError as exc:
        raise AccountError(f"language: {exc}") from None
    if user.language == language:
        return
    before, user.language = user.language, language
    record(
        actor,
        "user.language",
        "user",
        user.id,
        before={"language": before},
        after={"language": language},
        summary=f"{user.username} reads the desk in {language}",
    )


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


# --- passwords and accounts ----------------------------------------------------------------


def find_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        raise AccountError("username: " + _("no account '%(name)s'", name=username))
    return user


def change_password(user: User, current: str, new: str, actor: Actor) -> None:
    """The user's own change: the current password first; every other session of theirs ends."""
    if not user.check_password(current or ""):
        raise AccountError("current password: " + _("wrong"))
    _set_password(user, new, actor, "user.password_changed", f"{user.username} changed their password")
    user.must_change_password = False


def reset_password(user: User, new: str, actor: Actor) -> None:
    """An admin's reset: the user must choose a new password at the next login; sessions end."""
    _set_password(user, new, actor, "user.password_reset", f"password of {user.username} reset by {actor.label}")
    user.must_change_password = True


def _set_password(user: User, new: str, actor: Actor, action: str, summary: str) -> None:
    problem = password_problem(new, user.username)
    if problem:
        raise AccountError(f"new password: {problem}")
    if user.check_password(new):
        raise AccountError("new password: " + _("must differ from the current one"))
    user.set_password(new)
    user.password_changed_at = utcnow()
    end_all_sessions(user)
    record(actor, action, "user", user.id, summary=summary)


def set_active(user: User, active: bool, actor: Actor) -> None:
    """Disable (every session ends at once, the API is unaffected) or enable an account."""
    if user.active == active:
        return
    user.active = active
    end_all_sessions(user)
    record(
        actor,
        "user.enabled" if active else "user.disabled",
        "user",
        user.id,
        before={"active": not active},
        after={"active": active},
        summary=f"{user.username} {'enabled' if active else 'disabled'} by {actor.label}",
    )


# --- second factor: TOTP (RFC 6238) with recovery codes ------------------------------------

RECOVERY_CODES = 10


def _code_digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="Coverdesk")


def enable_totp(user: User, secret: str, code: str, actor: Actor, now=None) -> list[str]:
    """Turn the second factor on once the user proved their app has the secret; returns the
    recovery codes, shown once (only their SHA-256 is kept)."""
    now = now or utcnow()
    totp = pyotp.TOTP(secret)
    if not totp.verify((code or "").strip(), for_time=now, valid_window=1):
        raise AccountError("code: " + _("not the code your app shows now; check the key and the phone's clock"))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, now, totp.timecode(now)
    user.recovery_codes = [_code_digest(c) for c in codes]
    record(actor, "user.second_factor_enabled", "user", user.id, summary=f"{user.username} enrolled a TOTP app")
    return codes


def disable_totp(user: User, password: str, actor: Actor) -> None:
    if not user.check_password(password or ""):
        raise AccountError("password: " + _("wrong"))
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = user.recovery_codes = None
    record(actor, "user.second_factor_disabled", "user", user.id, summary=f"second factor of {user.username} removed")


def remove_second_factor(user: User, actor: Actor) -> None:
    """An admin's help for a lost phone: the user logs in with the password and enrols again."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = user.recovery_codes = None
    end_all_sessions(user)
    record(
        actor,
        "user.second_factor_removed",
        "user",
        user.id,
        summary=f"second factor of {user.username} removed by {actor.label}",
    )


def check_second_factor(user: User, code: str, now=None) -> str | None:
    """Accept a current TOTP code (each time step once: a code seen is not taken again) or an
    unused recovery code (then used up). Returns how, or None."""
    now, code = now or utcnow(), (code or "").strip()
    if not user.has_second_factor or not code:
        return None
    totp = pyotp.TOTP(user.totp_secret)
    if code.isdigit() and len(code) == 6:
        for offset in (-1, 0, 1):
            step = totp.timecode(now) + offset
            if step > (user.totp_last_step or -1) and secrets.compare_digest(totp.generate_otp(step), code):
                user.totp_last_step = step
                return "app"
        return None
    digest = _code_digest(code)
    if digest in (user.recovery_codes or []):
        user.recovery_codes = [c for c in user.recovery_codes if c != digest]
        return "recovery code"
    return None
