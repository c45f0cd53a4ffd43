"""What the advances feature announces (to itself and the features above it)."""

from blinker import Namespace

_signals = Namespace()

#: An entry was booked in the ledger (sender: the claim, ``actor``); a settled case finishes.
ledger_booked = _signals.signal("ledger-booked")

#: An advance changed state (sender: the advance, ``actor``); a declined one may end the case.
advance_changed = _signals.signal("advance-changed")
