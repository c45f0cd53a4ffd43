"""What the calendars announce to the features above them."""

from blinker import Namespace

_signals = Namespace()

#: An admin entered a year's calendar (sender: the ``WorkingCalendar``, ``actor``): dates that were
#: pending on that year can now be worked out.
calendar_entered = _signals.signal("calendar-entered")
