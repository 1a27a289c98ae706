"""Deadlines around an audit: the semi-announced window, the report, the follow-up and the re-audit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

from pydantic import BaseModel, Field

from shared_audits.contracts.enums import RatingLetter


class WorkingCalendar(Protocol):
    """Which days count as working days where a site is: its weekend and public holidays."""

    @property
    def name(self) -> str: ...  # recorded on each report with the rule versions

    def is_working_day(self, day: date) -> bool: ...


class MondayToFriday:
    """The calendar of a site whose country is not known: weekends only, no public holidays."""

    name = "Monday to Friday"

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5


MONDAY_TO_FRIDAY = MondayToFriday()


class TimingRules(BaseModel):
    version: str
    description: str = ""
    semi_announced_min_window_days: int = Field(ge=0)
    report_due_working_days: int = Field(ge=0)
    report_in_database_working_days: int = Field(ge=0)
    follow_up_letters: list[RatingLetter]
    follow_up_due_months: int = Field(ge=1)
    re_audit_due_months: int = Field(ge=1)
    due_notice_days: int = Field(ge=0)

    def report_due_on(self, audit_last_day: date, calendar: WorkingCalendar = MONDAY_TO_FRIDAY) -> date:
        """The day the audit company owes the report by (a later one is flagged late)."""
        return add_working_days(audit_last_day, self.report_due_working_days, calendar)

    def report_in_database_by(self, audit_last_day: date, calendar: WorkingCalendar = MONDAY_TO_FRIDAY) -> date:
        """The last day for the report to be in the platform; after it, a missing report is overdue."""
        return add_working_days(audit_last_day, self.report_in_database_working_days, calendar)

    def follow_up_due_on(self, letter: RatingLetter, published_on: date) -> date | None:
        if RatingLetter(letter) not in self.follow_up_letters:
            return None
        return add_months(published_on, self.follow_up_due_months)

    def re_audit_due_on(self, last_full_audit_on: date) -> date:
        return add_months(last_full_audit_on, self.re_audit_due_months)

    def announce_from(self, due_on: date) -> date:
        """The day from which a due date is announced."""
        return due_on - timedelta(days=self.due_notice_days)


def add_working_days(start: date, days: int, calendar: WorkingCalendar = MONDAY_TO_FRIDAY) -> date:
    """The day ``days`` working days of ``calendar`` after ``start``."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            remaining -= 1
    return current


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in range(start.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, min(start.day, 28))
