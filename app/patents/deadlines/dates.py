"""Pure date arithmetic used by the engine (no office calendars here)."""
from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, timedelta

from .errors import RuleError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December")


def parse_date(value, what: str = "date") -> date:
    """Accept a `date` (not a datetime) or an ISO 'YYYY-MM-DD' string."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        raise RuleError(f"invalid {what} {value!r}: expected an ISO date YYYY-MM-DD")
    raise RuleError(f"invalid {what} {value!r}: expected an ISO date string YYYY-MM-DD")


def last_day_of_month(year: int, month: int) -> int:
    return _cal.monthrange(year, month)[1]


def end_of_month(d: date) -> date:
    return d.replace(day=last_day_of_month(d.year, d.month))


def is_month_end(d: date) -> bool:
    return d.day == last_day_of_month(d.year, d.month)


def add_months(d: date, months: int) -> tuple[date, bool]:
    """Add calendar months; if the target month has no such day the result is
    its last day (Jan 31 + 1 month = Feb 28/29).  Returns (date, clamped)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    last = last_day_of_month(year, month)
    if d.day > last:
        return date(year, month, last), True
    return date(year, month, d.day), False


@dataclass(frozen=True)
class Offset:
    years: int = 0
    months: int = 0
    days: int = 0

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    def plus_months(self, n: int) -> Offset:
        return Offset(self.years, self.months + n, self.days)

    def __add__(self, other: Offset) -> Offset:
        return Offset(self.years + other.years, self.months + other.months, self.days + other.days)

    def scaled(self, k: int) -> Offset:
        return Offset(self.years * k, self.months * k, self.days * k)

    def apply(self, d: date) -> tuple[date, bool]:
        """Months/years first (with month-end clamping), then days."""
        clamped = False
        if self.total_months:
            d, clamped = add_months(d, self.total_months)
        if self.days:
            d = d + timedelta(days=self.days)
        return d, clamped

    def describe(self) -> str:
        parts = []
        if self.years:
            parts.append(f"{self.years} year" + ("s" if self.years != 1 else ""))
        if self.months:
            parts.append(f"{self.months} month" + ("s" if self.months != 1 else ""))
        if self.days:
            parts.append(f"{self.days} day" + ("s" if self.days != 1 else ""))
        return " ".join(parts) or "0 days"


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def weekday_name(d: date) -> str:
    return WEEKDAYS[d.weekday()]
