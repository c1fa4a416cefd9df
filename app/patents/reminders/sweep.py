"""The reminder sweep: set-based SQL that decides which reminders are due and writes them to the outbox.

Tenant by tenant, inside that tenant's scope, one transaction each (with lock and statement time-outs on
PostgreSQL, and a failure recorded and passed over, never stopping the next firm): mark missed deadlines, cancel
outbox rows whose deadline moved or closed, then INSERT … SELECT the due ladder stages and
escalations with ON CONFLICT DO NOTHING on the outbox's unique key. Core statements bypass the ORM
tenant filter, so every table in them is filtered by tenant id explicitly (RLS checks it again).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, and_, case, exists, func, literal, null, or_, select, text, true, union_all, update

from ...extensions import db
from ...models import SpecialistAssignment, Tenant, User, utcnow
from ...tenancy import current_tenant_id, tenant_scope
from ...utc import as_utc, local_today
from ..docketing.models import OPEN_STATUSES, Deadline, Matter
from ..docketing.operations import mark_missed
from .models import (
    ESCALATION_STAGE,
    OVERDUE_STAGE,
    Acknowledgement,
    FirmSweep,
    MatterWatcher,
    OutboxMessage,
    SweepRun,
    UserReminderPreference,
)
from .policy import (
    insert_ignoring_conflicts,
    next_digest_at,
    next_digest_local_date,
    stage_windows,
    tenant_policy,
)

log = logging.getLogger("patentdesk.reminders")

QUIET_MATTER_STATUSES = ("abandoned", "expired")
# A deadline that became 'missed' still escalates once as overdue, if it was due this recently.
MISSED_ESCALATION_DAYS = 30
OUTBOX_COLUMNS = ("tenant_id", "deadline_id", "recipient_id", "stage", "due_date", "delivery", "status",
                  "next_attempt_at", "attempts", "created_at")

deadlines, matters, outbox = Deadline.__table__, Matter.__table__, OutboxMessage.__table__
users, watchers, acks = User.__table__, MatterWatcher.__table__, Acknowledgement.__table__
assignments, preferences = SpecialistAssignment.__table__, UserReminderPreference.__table__


# Each firm's sweep is one transaction that must not wait behind a lock, or run long, at the others' cost.
FIRM_LOCK_TIMEOUT = "5s"
FIRM_STATEMENT_TIMEOUT = "60s"


@dataclass
class SweepSummary:
    minute: str
    tenants: int = 0
    written: int = 0
    cancelled: int = 0
    missed: int = 0
    tenants_with_mail: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # already swept for this minute, or being swept elsewhere
    quiet: list[int] = field(default_factory=list)  # swept today, nothing changed since: nothing can be new
    failed: list[int] = field(default_factory=list)

    @property
    def already_swept(self) -> bool:
        return not self.tenants and not self.failed and bool(self.skipped) and not self.quiet


@dataclass
class FirmSweepResult:
    written: int = 0
    cancelled: int = 0
    missed: int = 0
    sendable: bool = False
    swept: bool = True  # False: this minute was already swept for the firm, or another sweep holds it


def minute_key(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%d%H%M")


def _record_start(minute: str) -> None:
    db.session.execute(insert_ignoring_conflicts(SweepRun.__table__).values(minute=minute, started_at=utcnow()))
    db.session.commit()


def run_sweep(now: datetime | None = None, on_firm_swept=None) -> SweepSummary:
    """Sweep every active firm for this minute, each in its own transaction; one firm's failure stops no other.

    ``on_firm_swept(tenant_id)`` is called as soon as a firm's sweep has committed with mail waiting
    (the scheduler queues that firm's delivery there). A firm already swept for this minute is skipped,
    so a second scheduler or a retried job costs little, and a sweep that was killed is simply done again.
    """
    now = now or utcnow()
    summary = SweepSummary(minute_key(now))
    _record_start(summary.minute)
    tenants = db.session.execute(select(Tenant.id, Tenant.time_zone).where(Tenant.active.is_(True))
                                 .order_by(Tenant.id)).all()
    quiet, waiting = _quiet_firms(tenants, now)
    db.session.commit()
    for tenant_id, time_zone in tenants:
        if tenant_id in quiet:
            summary.quiet.append(tenant_id)
            if tenant_id in waiting:
                summary.tenants_with_mail.append(tenant_id)
                if on_firm_swept is not None:
                    on_firm_swept(tenant_id)
            continue
        try:
            result = sweep_tenant(tenant_id, time_zone, now)
        except Exception as error:  # noqa: BLE001 - recorded for /healthz; the other firms go on
            log.exception("reminder sweep %s of firm %s failed; the other firms go on", summary.minute, tenant_id)
            record_firm_failure(tenant_id, error)
            summary.failed.append(tenant_id)
            continue
        if not result.swept:
            summary.skipped.append(tenant_id)
            continue
        summary.tenants += 1
        summary.written += result.written
        summary.cancelled += result.cancelled
        summary.missed += result.missed
        if result.sendable:
            summary.tenants_with_mail.append(tenant_id)
            if on_firm_swept is not None:
                on_firm_swept(tenant_id)
    db.session.execute(update(SweepRun).where(SweepRun.minute == summary.minute).values(
        finished_at=utcnow(), firms_failed=len(summary.failed),
        reminders_written=func.coalesce(SweepRun.reminders_written, 0) + summary.written,
        firms_swept=func.coalesce(SweepRun.firms_swept, 0) + summary.tenants))
    db.session.commit()
    log.info("reminder sweep %s: %s firms swept, %s quiet, %s skipped, %s failed; %s written, %s cancelled, "
             "%s missed", summary.minute, summary.tenants, len(summary.quiet), len(summary.skipped),
             len(summary.failed), summary.written, summary.cancelled, summary.missed)
    return summary


# A firm already swept today, with nothing docketed or changed since, is "quiet": nothing new can be due
# until its next day. It is swept in full at least this often all the same, which picks up what the quick
# test does not look at (a matter given to another attorney, a new watcher, a person's access).
FULL_SWEEP_EVERY = timedelta(minutes=15)
QUIET_MARGIN = timedelta(minutes=1)  # changes committed by transactions still open during the last sweep


def _quiet_firms(tenants, now: datetime) -> tuple[set[int], set[int]]:
    """(firms that need no sweep this minute, firms with mail due): two set-based statements for all firms."""
    ids = [tenant_id for tenant_id, _ in tenants]
    zones = dict(tenants)
    real_now = utcnow()
    with tenant_scope(ids):
        last_change = (select(func.max(deadlines.c.updated_at)).where(deadlines.c.tenant_id == FirmSweep.tenant_id)
                       .scalar_subquery())
        states = db.session.execute(select(FirmSweep.tenant_id, FirmSweep.last_swept_on, FirmSweep.finished_at,
                                           FirmSweep.failures_in_a_row, last_change)).all()
        waiting = set(db.session.execute(select(outbox.c.tenant_id).where(
            outbox.c.tenant_id.in_(ids or [-1]), outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
            .distinct()).scalars())
    quiet = set()
    for tenant_id, swept_on, finished_at, failures, changed_at in states:
        if tenant_id not in zones or failures or finished_at is None or swept_on != local_today(now, zones[tenant_id]):
            continue
        finished_at = as_utc(finished_at)
        if real_now - finished_at >= FULL_SWEEP_EVERY:
            continue
        if changed_at is not None and as_utc(changed_at) >= finished_at - QUIET_MARGIN:
            continue
        quiet.add(tenant_id)
    return quiet, waiting


def _limit_waiting() -> None:
    """PostgreSQL: a lock held elsewhere (an admin editing the policy, a stuck transaction) fails this firm's
    sweep after a few seconds instead of holding up every firm behind it."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL lock_timeout = '{FIRM_LOCK_TIMEOUT}'"))
        db.session.execute(text(f"SET LOCAL statement_timeout = '{FIRM_STATEMENT_TIMEOUT}'"))


def _take_firm_minute(minute: str) -> FirmSweep | None:
    """The firm's sweep row, locked for this transaction, if this minute is still to be swept; else None.

    SKIP LOCKED: while another sweep holds the row, this one leaves the firm to it (PostgreSQL;
    SQLite serialises writers anyway).
    """
    locked = select(FirmSweep).with_for_update(skip_locked=True)
    row = db.session.execute(locked).scalar_one_or_none()
    if row is None and db.session.execute(select(FirmSweep.id)).first() is None:  # the firm's first sweep
        db.session.execute(insert_ignoring_conflicts(FirmSweep.__table__).values(
            tenant_id=current_tenant_id(), failures_in_a_row=0))
        row = db.session.execute(locked).scalar_one_or_none()
    if row is None or (row.last_minute is not None and row.last_minute >= minute):
        return None
    row.last_minute = minute
    return row


def sweep_tenant(tenant_id: int, time_zone: str, now: datetime) -> FirmSweepResult:
    """One firm, one transaction: mark missed, cancel stale rows, write due reminders and escalations."""
    with tenant_scope(tenant_id):
        try:
            _plan_for_these_dates()
            _limit_waiting()
            state = _take_firm_minute(minute_key(now))
            if state is None:
                db.session.rollback()
                return FirmSweepResult(swept=False)
            today = local_today(now, time_zone)
            result = FirmSweepResult(missed=mark_missed(today))
            policy = tenant_policy()
            result.cancelled = cancel_stale_messages(tenant_id, now)
            changed_since = as_utc(state.finished_at or utcnow()) - CATCH_UP_MARGIN
            result.written = write_ladder_reminders(tenant_id, policy, today, now, time_zone, state.last_swept_on,
                                                    changed_since)
            result.written += write_escalations(tenant_id, policy, today, now)
            state.last_swept_on = max(today, state.last_swept_on or today)
            state.finished_at = utcnow()
            state.failures_in_a_row = 0
            result.sendable = bool(db.session.execute(select(exists().where(
                outbox.c.tenant_id == tenant_id, outbox.c.status == "pending",
                outbox.c.next_attempt_at <= now))).scalar())
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return result


def describe_failure(error: BaseException) -> str:
    """What /healthz and the provider's page say about a failed firm sweep: the kind of fault, no firm data."""
    text_of_error = str(getattr(error, "orig", error)).lower()
    if "lock timeout" in text_of_error:
        return "waited too long for a lock held by another transaction"
    if "statement timeout" in text_of_error:
        return "took too long and was stopped"
    if "could not connect" in text_of_error or "connection" in text_of_error:
        return "could not reach the database"
    return f"failed with {type(error).__name__}"


def record_firm_failure(tenant_id: int, error: BaseException) -> None:
    """In a fresh transaction after the rollback; a failure to record is logged, never raised."""
    try:
        with tenant_scope(tenant_id):
            _limit_waiting()
            db.session.execute(insert_ignoring_conflicts(FirmSweep.__table__).values(
                tenant_id=tenant_id, failures_in_a_row=0))
            db.session.execute(update(FirmSweep).where(FirmSweep.tenant_id == tenant_id).values(
                last_error=describe_failure(error)[:200], last_error_at=utcnow(),
                failures_in_a_row=FirmSweep.failures_in_a_row + 1).execution_options(synchronize_session=False))
            db.session.commit()
    except Exception:  # noqa: BLE001
        db.session.rollback()
        log.exception("could not record the failed sweep of firm %s", tenant_id)


def _plan_for_these_dates() -> None:
    """psycopg prepares a statement after five runs, and PostgreSQL may then reuse one generic plan for all
    tenants, blind to which due dates are asked for: 0.2 s instead of a few ms per tenant. Plan each run."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _still_current(tenant_id: int):
    """SQL: the outbox row's deadline is open, still due on the row's date, on a matter that is not quiet."""
    return exists().where(
        deadlines.c.id == outbox.c.deadline_id, deadlines.c.tenant_id == tenant_id,
        deadlines.c.current_due == outbox.c.due_date,
        or_(deadlines.c.status.in_(OPEN_STATUSES),
            and_(deadlines.c.status == "missed", outbox.c.stage == OVERDUE_STAGE)),
        matters.c.id == deadlines.c.matter_id, matters.c.status.not_in(QUIET_MATTER_STATUSES))


def cancel_stale_messages(tenant_id: int, now: datetime) -> int:
    """Pending rows whose deadline moved, closed or went quiet are cancelled (rows being sent: the sender's)."""
    from .delivery import database_now  # leases run on the database clock
    result = db.session.execute(
        update(outbox).where(
            outbox.c.tenant_id == tenant_id, outbox.c.status == "pending",
            or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < database_now()),
            ~_still_current(tenant_id))
        .values(status="cancelled", cancel_reason="deadline moved, closed or matter inactive", claimed_until=None,
                claim_token=None)
        .execution_options(synchronize_session=False))
    return result.rowcount


def _eligible_recipient(tenant_id: int, user_column):
    """SQL: the person is active and works for this firm, or is provider staff assigned to it."""
    return and_(users.c.id == user_column, users.c.active.is_(True), or_(
        users.c.home_tenant_id == tenant_id,
        exists().where(assignments.c.user_id == users.c.id, assignments.c.tenant_id == tenant_id)))


def _deadlines_on_live_matters(tenant_id: int, statuses=OPEN_STATUSES):
    return and_(deadlines.c.tenant_id == tenant_id, deadlines.c.status.in_(statuses),
                matters.c.id == deadlines.c.matter_id, matters.c.tenant_id == tenant_id,
                matters.c.status.not_in(QUIET_MATTER_STATUSES))


def _not_yet_written(stage_column):
    return ~exists().where(outbox.c.deadline_id == deadlines.c.id, outbox.c.recipient_id == users.c.id,
                           outbox.c.stage == stage_column, outbox.c.due_date == deadlines.c.current_due)


def _stage_expression(windows, changed_since: datetime | None, tenant_id: int):
    """SQL: the ladder stage a deadline reaches today (NULL: none), and an index-friendly filter on its due date.

    A stage is reached on its day (``low``–``high``: today, or the days since the last sweep). The
    catch-up rule: a deadline docketed or changed since the last sweep (``changed_since``; None: every
    deadline counts as new) that is already inside its ladder is at the rung it has passed, and gets
    that rung now. One range per window, OR-ed, lets PostgreSQL combine index scans
    on current_due instead of joining every open deadline against a table of stages.
    """
    special_kinds = sorted({w.kind for w in windows if w.kind})
    # tenant_id inside the OR arm lets PostgreSQL answer it from ix_deadlines_tenant_updated (a BitmapOr with the
    # due-date ranges) instead of filtering every deadline of the firm.
    changed = true() if changed_since is None else and_(deadlines.c.tenant_id == tenant_id,
                                                       deadlines.c.updated_at >= changed_since)
    branches, ranges = [], []
    for window in windows:
        if window.kind:
            kind_matches = deadlines.c.kind == window.kind
        else:
            kind_matches = deadlines.c.kind.not_in(special_kinds) if special_kinds else true()
        reached = [deadlines.c.current_due.between(window.low, window.high)] if window.low <= window.high else []
        caught_up = and_(changed, deadlines.c.current_due.between(window.rung_low, window.high))
        branches.append((and_(kind_matches, or_(*reached, caught_up)), literal(str(window.stage))))
        ranges.extend(reached)
    ladder_days = and_(changed, deadlines.c.current_due.between(min(w.rung_low for w in windows),
                                                                max(w.high for w in windows)))
    return case(*branches, else_=null()), or_(*ranges, ladder_days)


# Deadlines changed this long before the previous sweep finished still count as new: transactions that were
# open during that sweep, and clocks of other machines, are covered (the outbox key prevents duplicates).
CATCH_UP_MARGIN = timedelta(minutes=10)


def write_ladder_reminders(tenant_id: int, policy, today, now: datetime, time_zone: str,
                           last_swept_on=None, changed_since: datetime | None = None) -> int:
    """INSERT … SELECT every (deadline, recipient, stage, due date) whose stage is due and not yet written.

    A digest reader gets a reminder at once when the next digest would come after its due date.
    """
    windows = stage_windows(policy, today, last_swept_on)
    if not windows:
        return 0
    stage, due_in_a_window = _stage_expression(windows, changed_since, tenant_id)
    digest_day = next_digest_local_date(now, time_zone, policy.digest_hour)
    delivery = case((and_(preferences.c.delivery == "digest", deadlines.c.current_due >= digest_day),
                     literal("digest")), else_=literal("immediate"))
    send_at = case((delivery == "digest", literal(next_digest_at(now, time_zone, policy.digest_hour),
                                                  DateTime(timezone=True))),
                   else_=literal(now, DateTime(timezone=True)))
    not_acknowledged = ~exists().where(acks.c.deadline_id == deadlines.c.id, acks.c.user_id == users.c.id,
                                       acks.c.due_date == deadlines.c.current_due)

    def branch(recipient_column, *extra_joins):
        query = (select(deadlines.c.tenant_id, deadlines.c.id, users.c.id, stage, deadlines.c.current_due,
                        delivery, literal("pending"), send_at, literal(0), literal(now, DateTime(timezone=True)))
                 .select_from(deadlines.join(matters, matters.c.id == deadlines.c.matter_id)))
        for table, condition in extra_joins:
            query = query.join(table, condition)
        return (query.join(users, _eligible_recipient(tenant_id, recipient_column))
                .outerjoin(preferences, preferences.c.user_id == users.c.id)
                .where(_deadlines_on_live_matters(tenant_id), due_in_a_window, stage.is_not(None), not_acknowledged,
                       _not_yet_written(stage)))

    everyone = union_all(
        branch(matters.c.responsible_attorney_id),
        branch(matters.c.specialist_id),
        branch(watchers.c.user_id, (watchers, and_(watchers.c.matter_id == matters.c.id,
                                                   watchers.c.tenant_id == tenant_id))),
    )
    return _insert_counting(list(OUTBOX_COLUMNS), everyone)


def escalation_recipient_ids(tenant_id: int, policy) -> list[int]:
    """The supervising attorney if set, else the firm's admins; plus assigned provider admins if configured."""
    if policy.supervising_attorney_id:
        firm_side = [policy.supervising_attorney_id]
    else:
        firm_side = list(db.session.execute(select(User.id).where(
            User.home_tenant_id == tenant_id, User.role == "firm_admin", User.active.is_(True))).scalars())
    provider_side = []
    if policy.escalate_to_provider:
        provider_side = list(db.session.execute(select(User.id).join(
            SpecialistAssignment, SpecialistAssignment.user_id == User.id).where(
            SpecialistAssignment.tenant_id == tenant_id, User.role == "provider_admin",
            User.active.is_(True))).scalars())
    return sorted(set(firm_side + provider_side))


def write_escalations(tenant_id: int, policy, today, now: datetime) -> int:
    """Open deadlines within N days that nobody acknowledged, and every overdue or just-missed one, escalate."""
    recipient_ids = escalation_recipient_ids(tenant_id, policy)
    if not recipient_ids:
        return 0
    stage = case((deadlines.c.current_due < today, literal(OVERDUE_STAGE)), else_=literal(ESCALATION_STAGE))
    nobody_acknowledged = ~exists().where(acks.c.deadline_id == deadlines.c.id,
                                          acks.c.due_date == deadlines.c.current_due)
    within_window = and_(deadlines.c.current_due.between(today, today + timedelta(days=policy.escalate_within_days)),
                         nobody_acknowledged)
    query = (select(deadlines.c.tenant_id, deadlines.c.id, users.c.id, stage, deadlines.c.current_due,
                    literal("immediate"), literal("pending"), literal(now, DateTime(timezone=True)), literal(0),
                    literal(now, DateTime(timezone=True)))
             .select_from(deadlines.join(matters, matters.c.id == deadlines.c.matter_id))
             .join(users, and_(users.c.id.in_(recipient_ids), _eligible_recipient(tenant_id, users.c.id)))
             .where(_deadlines_on_live_matters(tenant_id, OPEN_STATUSES + ("missed",)),
                    deadlines.c.current_due.between(today - timedelta(days=MISSED_ESCALATION_DAYS),
                                                    today + timedelta(days=policy.escalate_within_days)),
                    or_(deadlines.c.current_due < today,
                        and_(deadlines.c.status.in_(OPEN_STATUSES), within_window)),
                    _not_yet_written(stage)))
    return _insert_counting(list(OUTBOX_COLUMNS), query)


def _insert_counting(columns: list[str], query) -> int:
    """INSERT … SELECT … ON CONFLICT DO NOTHING; RETURNING counts what was new (psycopg reports no rowcount)."""
    statement = insert_ignoring_conflicts(outbox).from_select(columns, query).returning(outbox.c.id)
    return len(db.session.execute(statement).all())
