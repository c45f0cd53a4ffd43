"""Working days for the core: the insurer's calendar from the maintained library, unless an admin
entered that year's official calendar, which then takes precedence (``services``)."""

from ..plugin_api.workdays import CalendarUnknown, check_calendar  # noqa: F401
from .services import is_working_day, working_days_after  # noqa: F401
