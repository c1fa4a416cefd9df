"""Dates and moments as the viewer reads them: days in the format each person chose (ISO by default) and moments
in the firm's own time zone ("2026-11-28 09:40 EST"), not UTC (issue 15 item 9).

Every date a page prints goes through here: the Jinja ``finalize`` hook formats any ``date`` a template
outputs, so no template can forget. Machine-read places (sort keys, CSV, iCalendar, PDFs for the file,
e-mails) keep ISO 8601; templates write sort keys with the ``iso`` filter.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, has_request_context
from flask_login import current_user

from ..utc import as_utc

# format name -> (strftime pattern, how the choice reads on the settings page)
DATE_FORMATS = {
    "iso": ("%Y-%m-%d", "2026-11-24 (ISO 8601, the default)"),
    "us": ("%m/%d/%Y", "11/24/2026 (month/day/year)"),
    "eu": ("%d.%m.%Y", "24.11.2026 (day.month.year)"),
    "uk": ("%d/%m/%Y", "24/11/2026 (day/month/year)"),
}


def viewer_zone():
    """The time zone of the firm being worked in; UTC where no firm is (provider pages across firms)."""
    tenant = g.get("tenant")
    return ZoneInfo(tenant.time_zone) if tenant is not None and tenant.time_zone else UTC


def viewer_day_pattern() -> str:
    """The signed-in person's date format; ISO outside a request (e-mails, jobs) and for anyone signed out."""
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return DATE_FORMATS.get(getattr(current_user, "date_format", None) or "iso", DATE_FORMATS["iso"])[0]
    return DATE_FORMATS["iso"][0]


def show_day(day: date) -> str:
    return day.strftime(viewer_day_pattern())


def local_time(moment: datetime | None, empty: str = "—") -> str:
    if moment is None:
        return empty
    shown = as_utc(moment).astimezone(viewer_zone())
    return f"{shown.strftime(viewer_day_pattern())} {shown:%H:%M} {shown.tzname()}"


def iso(value: date | str | None) -> str:
    """A sort key or machine-read attribute: always ISO 8601, whatever the viewer's format."""
    return value.isoformat() if isinstance(value, date) else (value or "")


def _finalize(value):
    if isinstance(value, date) and not isinstance(value, datetime):
        return show_day(value)
    return value


def register(app: Flask) -> None:
    app.add_template_filter(local_time, "local")
    app.add_template_filter(iso, "iso")
    app.jinja_env.finalize = _finalize
