"""The evidence checklist of an inquiry on a given day: the one place that says what is missing,
whether the inquiry is ready for a claim, and (by the insurer's rule) whether a claim's materials
are complete enough for an advance. Pages, the API and the services all ask it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from flask_babel import gettext as _

from ..plugin_api import EVIDENCE_KINDS, ChecklistItem, InsurerPlugin
from .models import EvidenceItem, Inquiry

#: Outcomes of the carrier's answer that lead to a claim; the others end the inquiry.
CLAIMABLE_OUTCOMES = ("lost", "damaged")


@dataclass(frozen=True)
class Checklist:
    inquiry: Inquiry
    today: date

    @cached_property
    def outstanding(self) -> list[EvidenceItem]:
        """Mandatory items neither accepted nor deferred within their grace period."""
        return [
            item
            for item in self.inquiry.items
            if item.mandatory
            and item.state != "accepted"
            and not (item.state == "deferred" and item.due_on and item.due_on >= self.today)
        ]

    @cached_property
    def missing(self) -> list[str]:
        """The evidence still needed, in words; empty when the checklist is complete."""
        problems = []
        for item in self.outstanding:
            label = str(EVIDENCE_KINDS[item.kind]) if item.kind in EVIDENCE_KINDS else item.kind
            if item.state == "deferred":
                problems.append(
                    _("%(document)s: its grace deadline %(day)s has passed", document=label, day=item.due_on)
                )
            else:
                problems.append(_("%(document)s is %(state)s", document=label, state=item.state_label))
        return problems

    @property
    def complete(self) -> bool:
        return not self.outstanding

    @cached_property
    def before_claim(self) -> list[str]:
        """What still stands between the inquiry and a claim, in words; empty when ready."""
        problems = []
        if self.inquiry.carrier_outcome not in CLAIMABLE_OUTCOMES:
            problems.append(_("the carrier has not confirmed the parcel lost or damaged"))
        return problems + self.missing

    def before_advance(self, insurer: InsurerPlugin) -> str | None:
        """Why the materials are not complete and sufficient for an advance (the insurer's rule)."""
        items = tuple(ChecklistItem(item.kind, item.mandatory, item.state, item.due_on) for item in self.inquiry.items)
        return insurer.advance_refusal(items, self.today)
