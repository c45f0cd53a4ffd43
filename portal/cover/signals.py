"""What the cover feature announces to the features above it."""

from blinker import Namespace

_signals = Namespace()

#: Cover was bought for an order already recorded: ``order_ids``. The queue watches covered parcels.
cover_bought = _signals.signal("cover-bought")
