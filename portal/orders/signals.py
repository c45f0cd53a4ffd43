"""What the orders feature announces to the features above it (they subscribe; orders never call up)."""

from blinker import Namespace

_signals = Namespace()

#: Orders were recorded or their stall moment was set: ``order_ids`` (a list). The queue
#: re-derives their "stalled" items in the same transaction.
orders_recorded = _signals.signal("orders-recorded")

#: The order page is being shown: each receiver returns a dict of template context for its panel
#: (tracking, inquiries), called with the order as sender and ``today``.
order_page = _signals.signal("order-page")

#: A page of the orders list is being shown (``order_ids``, ``today``): a receiver returns a dict
#: of order id to what the list shows of the order's case (its stage and next action).
orders_listed = _signals.signal("orders-listed")
