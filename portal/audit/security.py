"""Security events in the audit trail: logins, failed logins, logouts, lockouts, refused access.

They are written at once in their own commit, so a refused request (which changes nothing else)
still leaves its trace; recording them must never turn the refusal into a server error.
"""

from __future__ import annotations

import logging

from flask import has_request_context, request
from flask_login import current_user

from ..extensions import db
from .services import Actor, record

log = logging.getLogger(__name__)


def request_actor(username: str | None = None) -> Actor:
    """The caller as the audit trail names them: the staff member, else the address asking."""
    address = request.remote_addr if has_request_context() else "-"
    if has_request_context() and current_user.is_authenticated:
        return Actor("user", str(current_user.id), current_user.username)
    label = f"{username or 'anonymous'} from {address}"
    return Actor("anonymous", address or "-", label[:120])


def security_event(action: str, summary: str, *, actor: Actor | None = None, entity_id: str = "-") -> None:
    try:
        record(actor or request_actor(), action, "security", entity_id, summary=summary[:300])
        db.session.commit()
    except Exception:  # noqa: BLE001 - the refusal or login answer matters more than its record
        db.session.rollback()
        log.exception("could not record security event %s: %s", action, summary)
