"""What the tracking feature announces to the features above it."""

from blinker import Namespace

_signals = Namespace()

#: New events moved the stall moment of these orders: ``order_ids`` (a list).
stall_changed = _signals.signal("stall-changed")
