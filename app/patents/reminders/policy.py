"""Reminder policies: the provider's defaults, a firm's copy, validation, and which stages are due."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...models import utcnow
from ...tenancy import current_tenant_id
from .models import ProviderReminderDefaults, ReminderPolicy

MAX_LADDER_DAYS = 365
MAX_CATCH_UP_DAYS = 7
DEFAULT_STATUTORY_LADDER = [60, 30, 14, 7, 3, 1, 0]
DEFAULT_SOFT_LADDER = [7, 1, 0]
DEFAULT_SOFT_KINDS = ["MANUAL", "EP_OPPOSITION"]
DEFAULT_ESCALATE_WITHIN_DAYS = 3
DEFAULT_DIGEST_HOUR = 8
POLICY_FIELDS = ("statutory_ladder", "soft_ladder", "soft_kinds", "kind_ladders", "escalate_within_days",
                 "escalate_to_provider", "digest_hour")


class PolicyError(ValueError):
    """A policy value that cannot be used; the message is for the admin who entered it."""


def parse_ladder(text: str | list) -> list[int]:
    """'60, 30, 7, 0' -> [60, 30, 7, 0]: whole days before due, 0 = the day itself, at most 365."""
    parts = text if isinstance(text, list) else [p for p in str(text).replace(";", ",").split(",") if p.strip()]
    days = set()
    for part in parts:
        try:
            value = int(str(part).strip())
        except ValueError:
            raise PolicyError(f"'{part}' is not a whole number of days.") from None
        if not 0 <= value <= MAX_LADDER_DAYS:
            raise PolicyError(f"{value} is outside 0–{MAX_LADDER_DAYS} days.")
        days.add(value)
    if not days:
        raise PolicyError("A ladder needs at least one stage.")
    return sorted(days, reverse=True)


def parse_kind_ladders(text: str) -> dict[str, list[int]]:
    """One override per line: 'US_ISSUE_FEE: 30, 7, 0'."""
    ladders = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        kind, separator, ladder = line.partition(":")
        if not separator or not kind.strip():
            raise PolicyError(f"'{line.strip()}' should read KIND: days, days, …")
        ladders[kind.strip().upper()] = parse_ladder(ladder)
    return ladders


def parse_kinds(text: str) -> list[str]:
    return sorted({k.strip().upper() for k in text.replace("\n", ",").split(",") if k.strip()})


# What the policy forms offer as tick boxes; other days can be added in a small field.
LADDER_CHOICES = (90, 60, 45, 30, 21, 14, 10, 7, 5, 3, 2, 1, 0)
MAX_KIND_OVERRIDES = 12


def kind_choices() -> list[tuple[str, str]]:
    """(code, label) of every deadline kind a policy can name, as people read them."""
    from ..docketing.labels import KIND_LABELS
    choices = dict(KIND_LABELS, MANUAL="Deadlines entered by hand")
    return sorted(choices.items(), key=lambda item: item[1])


def ladder_from_controls(ticked: list[str], other: str, what: str) -> list[int]:
    """Ticked days plus any typed in 'other days'; the message names the ladder."""
    parts = list(ticked) + [p for p in str(other or "").replace(";", ",").split(",") if p.strip()]
    try:
        return parse_ladder(parts)
    except PolicyError as error:
        raise PolicyError(f"{what}: {error}") from None


def read_policy_form(form) -> dict:
    """The policy form: tick boxes for ladders and kinds, a kind picker per override (older text fields,
    `statutory_ladder: "60, 30"`, `kind_ladders: "KIND: days"`, are still read for scripts that post them)."""
    known = {code for code, _ in kind_choices()}
    if "statutory_ladder" in form:
        statutory, soft = parse_ladder(form.get("statutory_ladder", "")), parse_ladder(form.get("soft_ladder", ""))
        soft_kinds = parse_kinds(form.get("soft_kinds", ""))
        overrides = parse_kind_ladders(form.get("kind_ladders", ""))
    else:
        statutory = ladder_from_controls(form.getlist("statutory_days"), form.get("statutory_other"),
                                         "Statutory deadlines")
        soft = ladder_from_controls(form.getlist("soft_days"), form.get("soft_other"), "Internal and watch dates")
        soft_kinds = sorted(set(form.getlist("soft_kinds")))
        overrides = {}
        for index in range(MAX_KIND_OVERRIDES):
            kind = form.get(f"override_kind_{index}", "")
            if not kind:
                continue
            label = dict(kind_choices()).get(kind, kind)
            overrides[kind] = ladder_from_controls(form.getlist(f"override_days_{index}"),
                                                   form.get(f"override_other_{index}"), label)
    unknown = sorted((set(soft_kinds) | set(overrides)) - known)
    if unknown:
        raise PolicyError(f"Unknown deadline kind: {', '.join(unknown)}.")
    return {"statutory_ladder": statutory, "soft_ladder": soft, "soft_kinds": soft_kinds, "kind_ladders": overrides,
            "escalate_within_days": check_whole_number(form.get("escalate_within_days"), 0, 60, "Escalation days"),
            "escalate_to_provider": form.get("escalate_to_provider") == "on",
            "digest_hour": check_whole_number(form.get("digest_hour"), 0, 23, "Digest hour")}


def check_whole_number(value, low: int, high: int, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PolicyError(f"{what} must be a whole number.") from None
    if not low <= number <= high:
        raise PolicyError(f"{what} must be between {low} and {high}.")
    return number


def provider_defaults() -> ProviderReminderDefaults:
    """The stored defaults, or the built-in ones (unsaved) before a provider admin edits them."""
    stored = db.session.execute(
        select(ProviderReminderDefaults).order_by(ProviderReminderDefaults.id)).scalars().first()
    return stored or ProviderReminderDefaults(
        statutory_ladder=list(DEFAULT_STATUTORY_LADDER), soft_ladder=list(DEFAULT_SOFT_LADDER),
        soft_kinds=list(DEFAULT_SOFT_KINDS), kind_ladders={}, escalate_within_days=DEFAULT_ESCALATE_WITHIN_DAYS,
        escalate_to_provider=True, digest_hour=DEFAULT_DIGEST_HOUR)


def save_provider_defaults(values: dict) -> ProviderReminderDefaults:
    defaults = provider_defaults()
    for field in POLICY_FIELDS:
        setattr(defaults, field, values[field])
    db.session.add(defaults)
    db.session.flush()
    return defaults


def insert_ignoring_conflicts(table):
    """INSERT … ON CONFLICT DO NOTHING on PostgreSQL, INSERT OR IGNORE's equivalent on SQLite."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


def tenant_policy() -> ReminderPolicy:
    """The current tenant's policy, copied from the provider's defaults the first time it is needed.

    Two sweeps may need it at once, so the copy is an insert that ignores a conflict on the tenant.
    """
    policy = db.session.execute(select(ReminderPolicy)).scalar_one_or_none()
    if policy is None:
        defaults = provider_defaults()
        db.session.execute(insert_ignoring_conflicts(ReminderPolicy.__table__).values(
            tenant_id=current_tenant_id(), updated_at=utcnow(),
            **{field: getattr(defaults, field) for field in POLICY_FIELDS}))
        policy = db.session.execute(select(ReminderPolicy)).scalar_one()
    return policy


def next_digest_local_date(now: datetime, time_zone: str, digest_hour: int) -> date:
    """The firm-local date of the next digest: a reminder due before that day cannot wait for it."""
    return next_digest_at(now, time_zone, digest_hour).astimezone(ZoneInfo(time_zone)).date()


def next_digest_at(now: datetime, time_zone: str, digest_hour: int) -> datetime:
    """The next digest hour in the firm's local time, as UTC (today's if it is still ahead)."""
    zone = ZoneInfo(time_zone)
    local_now = now.astimezone(zone)
    candidate = datetime.combine(local_now.date(), datetime.min.time(), zone).replace(hour=digest_hour)
    if candidate <= local_now:
        candidate = datetime.combine(local_now.date() + timedelta(days=1), datetime.min.time(), zone).replace(
            hour=digest_hour)
    return candidate.astimezone(UTC)


@dataclass(frozen=True)
class StageWindow:
    """Deadlines of ``kind`` (None: every kind without a ladder of its own) due in [low, high] reach ``stage``
    today (or reached it since the last sweep); any due in [rung_low, high] are at that rung of the ladder."""

    kind: str | None
    stage: int
    low: date
    high: date
    rung_low: date


def kind_ladders(policy: ReminderPolicy) -> dict[str, list[int]]:
    """The ladder of each kind that does not follow the statutory ladder."""
    ladders = {kind: list(policy.soft_ladder) for kind in policy.soft_kinds}
    ladders.update({kind: list(ladder) for kind, ladder in (policy.kind_ladders or {}).items()})
    return ladders


def stage_windows(policy: ReminderPolicy, today: date, last_swept_on: date | None = None) -> list[StageWindow]:
    """Which due dates are at which stage today, including stages passed since the last sweep.

    A deadline is at stage d while p < days left <= d (p: the next smaller stage). The stage fires once
    its day (due - d) has come; after downtime, only the latest stage reached is sent, never older ones.
    A deadline docketed (or moved) inside its ladder is at a rung whose day has passed: the sweep sends
    it that rung at once (the catch-up rule, see ``sweep.write_ladder_reminders``).
    """
    catch_up_from = today
    if last_swept_on is not None and last_swept_on < today:
        catch_up_from = max(last_swept_on + timedelta(days=1), today - timedelta(days=MAX_CATCH_UP_DAYS))
    windows = []
    classes = [(None, list(policy.statutory_ladder))] + sorted(kind_ladders(policy).items())
    for kind, ladder in classes:
        ladder = sorted(ladder, reverse=True)
        for index, stage in enumerate(ladder):
            smaller = ladder[index + 1] if index + 1 < len(ladder) else -1
            rung_low = today + timedelta(days=smaller + 1)
            low = max(rung_low, catch_up_from + timedelta(days=stage))
            high = today + timedelta(days=stage)
            windows.append(StageWindow(kind, stage, low, high, rung_low))
    return windows
