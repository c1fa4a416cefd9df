"""Office closure calendars, loaded from calendars/*.toml.

A calendar answers "is this office closed on day D, and why?" and rolls a
date forward to the next open day, producing explanation text.  Closures are
computed once per (calendar, year) and cached.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from importlib import resources

from .dates import WEEKDAYS, easter_sunday, parse_date, weekday_name
from .errors import RuleDataError

_CAL_KEYS = {"id", "name", "office", "rollover_citation", "weekend", "source", "note",
             "confirmed_years", "year", "holidays_package", "recurring", "closure"}
_RECURRING_KEYS = {"name", "month", "day", "easter_offset", "first_year", "last_year",
                   "every_years", "if_sunday", "offices", "describe_as", "source"}
_CLOSURE_KEYS = {"date", "dates", "from", "until", "name", "offices", "describe_as", "source"}


_MAX_CLOSED_RUN = 120

# Closures a provider admin declared at run time (stored in the database by
# app/patents/docketing/closures.py): calendar id -> ((first, last, describe_as, name), ...)
_DECLARED: dict[str, tuple] = {}


def set_declared_closures(rows) -> None:
    """Replace the run-time declared closures: rows of (calendar_id, first, last, name, citation)."""
    declared: dict[str, list] = {}
    for cal_id, first, last, name, citation in rows:
        if cal_id not in load_calendars():
            raise RuleDataError(f"declared closure for unknown calendar {cal_id!r}")
        declared.setdefault(cal_id, []).append((first, last, "a declared closure", f"{name}; {citation}"))
    _DECLARED.clear()
    _DECLARED.update({k: tuple(v) for k, v in declared.items()})


def _check_keys(table: dict, allowed: set, where: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise RuleDataError(f"{where}: unknown key(s) {sorted(unknown)}")


@dataclass(frozen=True)
class ClosedDay:
    day: date
    reason: str      # "a Saturday", "a federal holiday (Christmas Day)", ...


@dataclass
class Calendar:
    id: str
    name: str
    office: str
    rollover_citation: str
    weekend: frozenset
    source: str
    holidays_package: dict | None
    recurring: list = field(default_factory=list)
    closures: dict = field(default_factory=dict)       # date -> [(describe_as, name)]
    ranges: tuple = ()                                 # ((first, last, describe_as, name), ...)
    confirmed_years: frozenset | None = None
    year_sources: dict = field(default_factory=dict)

    # -- closure lookup ------------------------------------------------
    def closures_for_year(self, year: int) -> dict:
        return _year_closures(self.id, year)

    def closed_reason(self, d: date) -> str | None:
        """None if open, else a human-readable reason ('a Sunday', ...)."""
        for first, last, describe_as, name in self.ranges + _DECLARED.get(self.id, ()):
            if first <= d <= last:
                return f"{describe_as} ({name})"
        if d.weekday() in self.weekend:
            return "a " + weekday_name(d)
        entries = self.closures_for_year(d.year).get(d)
        if not entries:
            return None
        # group by description: "a federal holiday (Inauguration Day; ...)"
        groups: dict[str, list[str]] = {}
        for describe_as, name in entries:
            groups.setdefault(describe_as, []).append(name)
        return " and ".join(f"{desc} ({'; '.join(names)})" for desc, names in groups.items())

    def is_open(self, d: date) -> bool:
        return self.closed_reason(d) is None

    def next_open(self, d: date) -> tuple[date, list[ClosedDay]]:
        """First open day on or after d, and the closed days skipped."""
        skipped = []
        for _ in range(_MAX_CLOSED_RUN + 7):   # the longest declared closure so far: EPO, COVID-19, 79 days
            reason = self.closed_reason(d)
            if reason is None:
                return d, skipped
            skipped.append(ClosedDay(d, reason))
            d = d + timedelta(days=1)
        raise RuleDataError(f"calendar {self.id}: more than {_MAX_CLOSED_RUN + 7} consecutive closed days "
                            f"from {skipped[0].day}")

    def confirmed(self, year: int) -> bool:
        return self.confirmed_years is None or year in self.confirmed_years


def _expand_recurring(rec: dict, year: int) -> date | None:
    first = rec.get("first_year")
    if first is not None and year < first:
        return None
    last = rec.get("last_year")
    if last is not None and year > last:
        return None
    every = rec.get("every_years")
    if every and (year - (first or 0)) % every:
        return None
    if "easter_offset" in rec:
        d = easter_sunday(year) + timedelta(days=rec["easter_offset"])
    else:
        d = date(year, rec["month"], rec["day"])
    if d.weekday() == 6 and rec.get("if_sunday") == "next_day":
        d += timedelta(days=1)
    elif d.weekday() == 6 and rec.get("if_sunday") == "previous_day":
        d -= timedelta(days=1)
    return d


@cache
def _holidays_package(country: str, year: int) -> tuple:
    import holidays  # imported lazily: only the USPTO calendar needs it
    h = holidays.country_holidays(country, years=year)
    return tuple(sorted(h.items()))


@lru_cache(maxsize=512)
def _year_closures(cal_id: str, year: int) -> dict:
    cal = get_calendar(cal_id)
    out: dict[date, list] = {}
    if cal.holidays_package:
        hp = cal.holidays_package
        for d, name in _holidays_package(hp["country"], year):
            if d.year == year:
                for part in str(name).split("; "):
                    out.setdefault(d, []).append((hp["describe_as"], part))
    for rec in cal.recurring:
        d = _expand_recurring(rec, year)
        if d is not None and d.year == year:
            out.setdefault(d, []).append((rec["describe_as"], rec["name"]))
    for d, entries in cal.closures.items():
        if d.year == year:
            out.setdefault(d, []).extend(entries)
    return out


def _load_calendar(data: dict, fname: str) -> Calendar:
    if "calendars" not in data or "calendar" not in data:
        raise RuleDataError(f"{fname}: needs a top-level 'calendars' version and a [calendar] table")
    c = data["calendar"]
    _check_keys(c, _CAL_KEYS, fname)
    try:
        weekend = frozenset(WEEKDAYS.index(w) for w in c.get("weekend", ["Saturday", "Sunday"]))
    except ValueError as exc:
        raise RuleDataError(f"{fname}: bad weekend day name") from exc
    recurring = []
    for rec in c.get("recurring", []):
        _check_keys(rec, _RECURRING_KEYS, f"{fname} recurring {rec.get('name')}")
        if ("easter_offset" in rec) == ("month" in rec):
            raise RuleDataError(f"{fname} recurring {rec.get('name')}: give month/day or easter_offset")
        for k in ("name", "describe_as", "source"):
            if k not in rec:
                raise RuleDataError(f"{fname} recurring: missing {k}")
        recurring.append(rec)
    closures: dict[date, list] = {}
    ranges: list = []
    for cl in c.get("closure", []):
        _check_keys(cl, _CLOSURE_KEYS, f"{fname} closure {cl.get('name')}")
        for k in ("name", "describe_as", "source"):
            if k not in cl:
                raise RuleDataError(f"{fname} closure: missing {k}")
        if "from" in cl or "until" in cl:
            # a declared period (e.g. Rule 134(2) EPC general dislocation): every day in it, weekends and
            # holidays included, is closed for that one reason
            first = parse_date(cl.get("from"), f"{fname} closure from")
            last = parse_date(cl.get("until"), f"{fname} closure until")
            if last < first or (last - first).days > _MAX_CLOSED_RUN:
                raise RuleDataError(f"{fname} closure {cl['name']}: bad range {first}..{last}")
            ranges.append((first, last, cl["describe_as"], cl["name"]))
            continue
        days = cl.get("dates") or [cl.get("date")]
        for ds in days:
            closures.setdefault(parse_date(ds, f"{fname} closure date"), []).append(
                (cl["describe_as"], cl["name"]))
    hp = c.get("holidays_package")
    confirmed = c.get("confirmed_years")
    return Calendar(
        id=c["id"], name=c["name"], office=c["office"],
        rollover_citation=c["rollover_citation"], weekend=weekend, source=c["source"],
        holidays_package=hp, recurring=recurring, closures=closures, ranges=tuple(ranges),
        confirmed_years=frozenset(confirmed) if confirmed is not None else None,
        year_sources={y["year"]: y["source"] for y in c.get("year", [])},
    )


@lru_cache(maxsize=1)
def load_calendars() -> dict:
    out = {}
    folder = resources.files(__package__) / "calendars"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        cal = _load_calendar(tomllib.loads(entry.read_text(encoding="utf-8")), entry.name)
        if cal.id in out:
            raise RuleDataError(f"calendar {cal.id} defined twice")
        out[cal.id] = cal
    return out


def get_calendar(cal_id: str) -> Calendar:
    try:
        return load_calendars()[cal_id]
    except KeyError:
        raise RuleDataError(f"unknown calendar {cal_id!r}") from None
