"""Date arithmetic and wording, with `today` always passed in."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_DURATION = re.compile(r"^(\d{1,4})\s*([dwm])$")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the end of a shorter month (29 Feb -> 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def parse_date(text: str) -> dt.date:
    """An ISO 8601 calendar date (YYYY-MM-DD); ValueError with a readable message otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-26")
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date of the calendar; write it as YYYY-MM-DD, e.g. 2026-11-26") from None


def parse_duration_days(text: str) -> int:
    """'30d', '6w' or '2m' (30 days a month) as a number of days."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration; write e.g. 30d, 6w or 2m")
    number, unit = int(match.group(1)), match.group(2)
    return number * {"d": 1, "w": 7, "m": 30}[unit]


def long_date(day: dt.date) -> str:
    """'26 November 2026'."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def days_phrase(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "in 1 day"
    if days > 1:
        return f"in {days} days"
    return f"{-days} day{'s' if days != -1 else ''} ago"
