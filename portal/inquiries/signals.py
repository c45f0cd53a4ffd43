"""What the inquiries feature announces to the features above it."""

from blinker import Namespace

_signals = Namespace()

#: An inquiry changed state, evidence or deadlines (sender: the inquiry); the queue re-ranks it.
inquiry_changed = _signals.signal("inquiry-changed")

#: An evidence item was accepted (sender: the inquiry); a submitted claim sends it as a supplement.
evidence_accepted = _signals.signal("evidence-accepted")

#: The inquiry page is being shown (sender: the inquiry): receivers return template context for
#: their panel (the claim).
inquiry_page = _signals.signal("inquiry-page")
