"""What the claims feature announces to the features above it."""

from blinker import Namespace

_signals = Namespace()

#: A claim changed state (sender: the claim); the queue watches accepted claims' payouts.
claim_changed = _signals.signal("claim-changed")

#: The insurer's payment was recorded (sender: the claim, ``payment``, ``actor``,
#: ``accept_difference``): the advance's settlement is booked in the same transaction, and a
#: receiver refuses (raising ``Refused``) a payment that does not fit the advance.
claim_paid = _signals.signal("claim-paid")

#: The insurer rejected a claim (sender: the claim, ``actor``); an advance becomes a recovery.
claim_rejected = _signals.signal("claim-rejected")

#: The claim page is being shown (sender: the claim): receivers return template context for their
#: panel (the advance and the claim's ledger).
claim_page = _signals.signal("claim-page")
