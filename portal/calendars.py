"""Working days for the core: the contract's :mod:`portal.plugin_api.workdays`, which plugins use too."""

from .plugin_api.workdays import CalendarUnknown, check_calendar, is_working_day, working_days_after  # noqa: F401
