"""Who works a case: an agent takes an unassigned one; a supervisor reassigns (or unassigns) any.

Taking is a conditional UPDATE (only while no one has the case), so two agents taking the same
case at the same moment cannot both get it. Every change is audited with before and after.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..audit.services import Actor, record
from ..auth.models import User
from ..clock import utcnow
from ..errors import Refused
from ..extensions import db
from ..inquiries.models import Inquiry
from . import items

#: The roles that work cases.
WORKERS = ("agent", "supervisor")


class AssignmentRefused(Refused):
    """An assignment the rules do not allow; nothing changed."""


def _check_open(inquiry: Inquiry) -> None:
    if not inquiry.is_open:
        raise AssignmentRefused("inquiry", _("inquiry %(number)s is closed", number=inquiry.number), conflict=True)


def _name(user_id: int | None) -> str | None:
    return db.session.scalar(select(User.username).where(User.id == user_id)) if user_id else None


def _audit(actor: Actor, inquiry: Inquiry, action: str, before: int | None, after: int | None) -> None:
    was, now = _name(before), _name(after)
    summary = f"{inquiry.number}: " + (f"assigned to {now}" if now else "unassigned") + (f" (was {was})" if was else "")
    record(
        actor,
        f"inquiry.{action}",
        "inquiry",
        inquiry.id,
        before={"assignee": was},
        after={"assignee": now},
        summary=summary,
    )


def take(inquiry: Inquiry, user: User, actor: Actor, now: datetime | None = None) -> None:
    """``user`` takes the case; refused when someone else has it (a supervisor reassigns)."""
    _check_open(inquiry)
    if inquiry.assignee_id == user.id:
        return
    result = db.session.execute(
        update(Inquiry)
        .where(Inquiry.id == inquiry.id, Inquiry.assignee_id.is_(None))
        .values(assignee_id=user.id, assigned_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(inquiry)
    if result.rowcount != 1:
        raise AssignmentRefused(
            "assignee",
            _(
                "%(name)s has taken %(number)s: a supervisor reassigns it",
                name=_name(inquiry.assignee_id),
                number=inquiry.number,
            ),
            conflict=True,
        )
    _audit(actor, inquiry, "taken", None, user.id)
    items.refresh_inquiry(inquiry)


def reassign(inquiry: Inquiry, username: str, actor: Actor, *, by_supervisor: bool, now: datetime | None = None):
    """A supervisor gives the case to ``username`` (an active agent or supervisor), or to no one
    when ``username`` is empty."""
    if not by_supervisor:
        raise AssignmentRefused("user", _("only a supervisor reassigns a case"))
    _check_open(inquiry)
    target = None
    if username.strip():
        target = db.session.scalar(select(User).where(User.username == username.strip()))
        if target is None or not target.active or target.role not in WORKERS:
            raise AssignmentRefused(
                "assignee", _("'%(name)s' is not an active agent or supervisor", name=username.strip())
            )
    before = inquiry.assignee_id
    after = target.id if target else None
    if before == after:
        return
    inquiry.assignee_id, inquiry.assigned_at = after, (now or utcnow()) if after else None
    _audit(actor, inquiry, "reassigned", before, after)
    items.refresh_inquiry(inquiry)


def workers() -> list[User]:
    """Whom a case may be given to, by name."""
    return list(
        db.session.scalars(select(User).where(User.active.is_(True), User.role.in_(WORKERS)).order_by(User.username))
    )
