"""The one shape of a refusal, and the one way a request's work is committed or undone.

Every rule that says no raises a ``Refused`` (or a subclass named after its feature): the field
concerned, the reason in words, and whether it clashes with the current state (HTTP 409) rather than
being bad input (422). The API turns it into one JSON body and the pages into one flash; anything
else that escapes a service is a bug and is never shown as a user's mistake.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from flask import flash
from flask_babel import gettext

from .extensions import db


class Refused(ValueError):
    """A step the rules do not allow or input they do not take; nothing was written.

    A ``ValueError`` (the value offered is what is refused), but only ``Refused`` is ever shown
    to a user: a view that catches ``ValueError`` would show a bug as a mistake of theirs."""

    status = 422

    def __init__(self, field: str, reason: str, *, conflict: bool = False, **details):
        super().__init__(reason)
        self.field, self.reason, self.conflict = field, reason, conflict
        #: Extra facts for the caller (e.g. ``available_on``), sent as they are in the API's body.
        self.details = details

    @property
    def errors(self) -> dict[str, str]:
        """Each field with its reason (one here; ``ValidationFailed`` has several)."""
        return {self.field: self.reason}

    @property
    def http_status(self) -> int:
        return 409 if self.conflict else self.status


class ValidationFailed(Refused):
    """The input has errors; ``errors`` maps each field path to the reason."""

    def __init__(self, errors: dict[str, str], summary: str = ""):
        message = "; ".join(f"{field}: {reason}" for field, reason in errors.items())
        super().__init__(next(iter(errors), "input"), message)
        self._errors = dict(errors)
        #: What the API's ``error`` says above the list ("the order has errors").
        self.summary = summary

    @property
    def errors(self) -> dict[str, str]:
        return self._errors


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit the session when the block succeeds; roll it back when anything escapes it.

    Views use this instead of calling ``commit()``/``rollback()``: a refusal leaves nothing
    half-written, and an unexpected exception still propagates (as a 500), after the rollback.
    """
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def flash_refusal(exc: Refused) -> None:
    """The pages' one way of showing a refusal: one message per field, naming it."""
    if isinstance(exc, ValidationFailed):
        for field, reason in exc.errors.items():
            flash(gettext("%(field)s: %(reason)s", field=field.replace("_", " "), reason=reason), "error")
    else:
        flash(str(exc), "error")


def fail(message: str) -> NoReturn:
    """End a command with ``message`` on stderr and exit status 1."""
    import click

    raise click.ClickException(message)
