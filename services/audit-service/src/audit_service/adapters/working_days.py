"""Working days of a site's country: its own weekend and public holidays, from the holidays library.

The library's data (a pinned version) decides; its version is part of the calendar's name, which
each report records beside the rule versions, so a past report shows what its due date assumed.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

from audit_service.domain.timing import MONDAY_TO_FRIDAY, WorkingCalendar


class PublicHolidayCalendar:
    def __init__(self, country: str) -> None:
        self._holidays = holidays.country_holidays(country)  # public holidays, years filled in as asked
        self.name = f"{country} weekend and public holidays (holidays {holidays.__version__})"

    def is_working_day(self, day: date) -> bool:
        # The country's weekend (Friday and Saturday in Bangladesh), holidays and worked weekend days.
        return self._holidays.is_working_day(day)


@lru_cache(maxsize=300)
def working_calendar(country: str | None) -> WorkingCalendar:
    """The calendar of a site in ``country`` (ISO 3166 alpha-2); Monday to Friday when unknown."""
    if not country:
        return MONDAY_TO_FRIDAY
    try:
        return PublicHolidayCalendar(country)
    except NotImplementedError:  # a country the library does not cover
        return MONDAY_TO_FRIDAY
