"""What the inquiries feature announces to the features above it."""

from blinker import Namespace

_signals = Namespace()

#: An inquiry changed state, evidence or deadlines (sender: the inquiry); the queue re-ranks it.
inquiry_changed = _signals.signal("inquiry-changed")

#: An evidence item was accepted (sender: the inquiry); a submitted claim sends it as a supplement.
evidence_accepted = _signals.signal("evidence-accepted")

#: Asked before an evidence item's document is made again (sender: the inquiry, ``item``): a
#: receiver returns why the insurer already has its current version (a submitted claim's pack, a
#: supplement sent), else None. Such a document is never replaced behind the insurer's back.
evidence_sent = _signals.signal("evidence-sent")

#: The inquiry page is being shown (sender: the inquiry): receivers return template context for
#: their panel (the claim).
inquiry_page = _signals.signal("inquiry-page")
