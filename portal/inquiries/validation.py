"""Turns a seller's query as received (web form or API JSON) into a checked ``InquiryInput``.

One set of rules for both channels; errors are keyed by the API's field path (``dispute.respond_by``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationFailed
from ..plugin_api import INQUIRY_KINDS
from .models import CHANNELS


@dataclass(frozen=True)
class DisputeInput:
    platform: str
    dispute_id: str
    opened_on: date | None
    respond_by: date


@dataclass(frozen=True)
class InquiryInput:
    kind: str
    channel: str
    asked_on: date
    seller_message: str
    dispute: DisputeInput | None = None


def _text(payload: Mapping[str, Any], key: str, limit: int, errors: dict, where: str = "") -> str:
    value = payload.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[where + key] = _("must be text")
        return ""
    value = value.strip()
    if len(value) > limit:
        errors[where + key] = _("must be at most %(count)s characters", count=limit)
    return value


def _date(payload: Mapping[str, Any], key: str, errors: dict, where: str = "") -> date | None:
    value = payload.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    errors[where + key] = _("%(value)r is not a date like %(example)s", value=value, example="2026-11-24")
    return None


def parse_dispute(payload: Any, errors: dict, where: str = "dispute.") -> DisputeInput | None:
    """A marketplace dispute: platform, its id and the date the seller must respond by."""
    if payload in (None, {}):
        return None
    if not isinstance(payload, Mapping):
        errors[where.rstrip(".")] = _("must be an object with platform, id and respond_by")
        return None
    platform = _text(payload, "platform", 40, errors, where)
    dispute_id = _text(payload, "id", 80, errors, where)
    opened_on = _date(payload, "opened_on", errors, where)
    respond_by = _date(payload, "respond_by", errors, where)
    for key, value in (("platform", platform), ("id", dispute_id)):
        if not value and where + key not in errors:
            errors[where + key] = _("is required for a dispute")
    if respond_by is None and where + "respond_by" not in errors:
        errors[where + "respond_by"] = _("is required for a dispute: the date the platform wants an answer by")
    if opened_on and respond_by and respond_by < opened_on:
        errors[where + "respond_by"] = _(
            "%(day)s is before the dispute was opened (%(opened)s)", day=respond_by, opened=opened_on
        )
    if any(key.startswith(where) for key in errors):
        return None
    return DisputeInput(platform, dispute_id, opened_on, respond_by)


def parse_inquiry(payload: Mapping[str, Any], today: date, *, default_channel: str) -> InquiryInput:
    """Check a seller's query; raises ``ValidationFailed`` naming every bad field."""
    errors: dict[str, str] = {}
    kind = _text(payload, "kind", 24, errors)
    if kind not in INQUIRY_KINDS and "kind" not in errors:
        errors["kind"] = _("must be one of %(choices)s", choices=", ".join(INQUIRY_KINDS))
    channel = _text(payload, "channel", 16, errors) or default_channel
    if channel not in CHANNELS and "channel" not in errors:
        errors["channel"] = _("must be one of %(choices)s", choices=", ".join(CHANNELS))
    message = _text(payload, "message", 4000, errors)
    asked_on = _date(payload, "asked_on", errors) or today
    if asked_on > today and "asked_on" not in errors:
        errors["asked_on"] = _("%(day)s lies in the future", day=asked_on)
    dispute = parse_dispute(payload.get("dispute"), errors)
    if errors:
        raise ValidationFailed(errors)
    return InquiryInput(kind, channel, asked_on, message, dispute)
