"""Moments in time are UTC: ``utcnow()``, ``as_utc()`` and the ``UtcDateTime`` column type (after Indico's).

PostgreSQL keeps ``timestamptz`` and returns aware datetimes; SQLite keeps text without an offset and
returns naive ones, and silently drops the offset of an aware value it is given. ``UtcDateTime``
makes both behave the same: what is written is converted to UTC first (a naive value is taken as UTC),
and what is read back is always aware, in UTC.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today(now: datetime, time_zone: str) -> date:
    """The calendar date at that moment where the firm is: deadlines and reminders follow the firm's own day."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def as_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class UtcDateTime(TypeDecorator):
    """A ``DateTime(timezone=True)`` column that reads back aware UTC datetimes on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return as_utc(value) if isinstance(value, datetime) else value

    def process_result_value(self, value, dialect):
        return as_utc(value) if isinstance(value, datetime) else value
