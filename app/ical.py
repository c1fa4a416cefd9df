"""iCalendar output: all-day entries for due dates, for the docket feed and the reminder e-mails' attachment."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import icalendar


@dataclass(frozen=True)
class DayEntry:
    """One all-day entry; ``uid`` must stay the same for the same thing, so calendars update, not duplicate."""

    uid: str
    day: date
    summary: str
    description: str = ""
    url: str | None = None


def day_calendar(entries: Iterable[DayEntry], product: str, stamp: datetime, name: str | None = None) -> bytes:
    """A VCALENDAR of transparent all-day events (they do not block time), as bytes.

    ``product`` names the PRODID (e.g. "Docket"); ``stamp`` is every event's DTSTAMP.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//PatentDesk//{product}//EN")
    calendar.add("version", "2.0")
    if name:
        calendar.add("x-wr-calname", name)
    for entry in entries:
        event = icalendar.Event()
        event.add("uid", entry.uid)
        event.add("summary", entry.summary)
        event.add("dtstart", entry.day)
        event.add("dtend", entry.day + timedelta(days=1))
        event.add("dtstamp", stamp)
        if entry.description:
            event.add("description", entry.description)
        if entry.url:
            event.add("url", entry.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
