"""Moments shown in the firm's own time zone ("2026-11-28 09:40 EST"), not UTC (issue 15 item 9)."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g

from ..utc import as_utc


def viewer_zone():
    """The time zone of the firm being worked in; UTC where no firm is (provider pages across firms)."""
    tenant = g.get("tenant")
    return ZoneInfo(tenant.time_zone) if tenant is not None and tenant.time_zone else UTC


def local_time(moment: datetime | None, empty: str = "—") -> str:
    if moment is None:
        return empty
    shown = as_utc(moment).astimezone(viewer_zone())
    return f"{shown:%Y-%m-%d %H:%M} {shown.tzname()}"


def register(app: Flask) -> None:
    app.add_template_filter(local_time, "local")
