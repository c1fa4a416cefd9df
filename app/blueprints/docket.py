"""Docket views: the firm's docket and the provider's docket across assigned firms, calendar, exports, feed."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts import assigned_tenants
from ..extensions import csrf, db
from ..models import User, utcnow
from ..patents.docketing.exports import docket_csv, docket_ics, request_report
from ..patents.docketing.labels import kind_choices
from ..patents.docketing.models import DEADLINE_STATUSES, JURISDICTIONS, CalendarFeed
from ..patents.docketing.queries import (
    STATUS_FILTERS,
    DocketFilters,
    docket_page,
    docket_rows,
    month_grid,
    responsible_people,
    tenant_today,
)
from ..tenancy import tenant_scope
from ..web import tenant_required

bp = Blueprint("docket", __name__)

QUICK_RANGES = (7, 30, 90)
DEFAULT_RANGE_DAYS = 30


def _visible_tenants():
    return g.assigned_tenants


def _filters_from_request(tenants) -> DocketFilters:
    """Read the docket's filters; a tenant filter can only narrow to firms the person may see."""
    allowed = {t.id: t for t in tenants}
    wanted = request.args.get("tenant", type=int)
    tenant_ids = [wanted] if wanted in allowed else list(allowed)
    todays = {tid: tenant_today(allowed[tid]) for tid in tenant_ids}
    filters = DocketFilters(
        tenant_ids=tenant_ids, jurisdiction=request.args.get("jurisdiction") or None,
        kind=request.args.get("kind") or None, status=request.args.get("status", "open"),
        responsible_id=request.args.get("responsible", type=int), sort=request.args.get("sort", "due"),
        todays=todays, due_from=_arg_date("from"), due_to=_arg_date("to"))
    if filters.status not in STATUS_FILTERS:
        filters.status = "open"
    filters.future_annuities = request.args.get("annuities") == "all"
    today = min(todays.values(), default=date.today())
    days = request.args.get("next", type=int)
    if days in QUICK_RANGES:
        filters = filters.with_range(days, today)
    elif _opens_on_default_range(filters):
        filters.due_to = today + timedelta(days=DEFAULT_RANGE_DAYS)  # what is overdue, and the coming month
    return filters


def _opens_on_default_range(filters: DocketFilters) -> bool:
    """The docket opens on what needs attention; `next=all`, a date, or another status shows the rest."""
    return (filters.status == "open" and request.args.get("next") != "all"
            and not filters.due_from and not filters.due_to)


def _arg_date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _docket_scope(tenants):
    """Provider staff read across exactly their assigned firms; a firm reads itself."""
    return tenant_scope([t.id for t in tenants])


@bp.route("/docket")
@login_required
def index():
    tenants = _visible_tenants()
    if not tenants:
        return render_template("docket/index.html", page=None, tenants=[], filters=None, args=request.args,
                               people=[], kinds=[], jurisdictions=JURISDICTIONS, statuses=STATUS_FILTERS)
    filters = _filters_from_request(tenants)
    with _docket_scope(tenants):
        page = docket_page(filters, request.args.get("page", 1, type=int))
        people = responsible_people(filters.tenant_ids)
        unverified = docket_page(
            DocketFilters(tenant_ids=filters.tenant_ids, status="unverified", todays=filters.todays),
            per_page=5)
    return render_template("docket/index.html", page=page, tenants=tenants, filters=filters, args=request.args,
                           people=people, kinds=kind_choices(), jurisdictions=JURISDICTIONS,
                           unverified=unverified,
                           statuses=STATUS_FILTERS, deadline_statuses=DEADLINE_STATUSES,
                           quick_ranges=QUICK_RANGES)


@bp.route("/docket/calendar")
@login_required
def calendar():
    tenants = _visible_tenants()
    try:
        year, month = (int(x) for x in request.args.get("month", "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        today = date.today()
        first = date(today.year, today.month, 1)
    weeks = month_grid(first.year, first.month)
    by_day: dict[date, list] = {}
    if tenants:
        filters = _filters_from_request(tenants)
        filters.due_from, filters.due_to = weeks[0][0], weeks[-1][-1]
        with _docket_scope(tenants):
            for row in docket_rows(filters):
                by_day.setdefault(row.deadline.current_due, []).append(row)
    previous_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return render_template("docket/calendar.html", weeks=weeks, first=first, by_day=by_day,
                           previous_month=previous_month, next_month=next_month, today=date.today(),
                           args={k: v for k, v in request.args.items() if k != "month"})


@bp.route("/docket.csv")
@login_required
def export_csv():
    tenants = _visible_tenants()
    if not tenants:
        abort(404)
    filters = _filters_from_request(tenants)
    with _docket_scope(tenants):
        body = docket_csv(docket_rows(filters))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="docket-{date.today().isoformat()}.csv"'})


@bp.route("/docket/report", methods=["POST"])
@login_required
@tenant_required
def report():
    """A PDF of the current firm's docket with the chosen filters, made in the background."""
    filters = _filters_from_request([g.tenant])
    record = request_report(filters, g.tenant, current_user.id)
    return redirect(url_for("jobs.job_page", job_id=record.id))


# --- Calendar feed (iCalendar) ---------------------------------------------------------------------

def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _live_feed(user_id: int) -> CalendarFeed | None:
    return db.session.execute(select(CalendarFeed).where(
        CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))).scalars().first()


@bp.route("/calendar-feed", methods=["GET", "POST"])
@login_required
def feed_settings():
    new_url = None
    if request.method == "POST":
        for feed in db.session.execute(select(CalendarFeed).where(
                CalendarFeed.user_id == current_user.id, CalendarFeed.revoked_at.is_(None))).scalars():
            feed.revoked_at = utcnow()
        if request.form.get("action") == "create":
            token = secrets.token_urlsafe(32)
            db.session.add(CalendarFeed(user_id=current_user.id, token_hash=_feed_hash(token)))
            # From BASE_URL, never the request's Host header: a forged Host would hand out a feed
            # address on someone else's server, and the calendar would send the secret there.
            new_url = current_app.config["BASE_URL"].rstrip("/") + url_for("docket.feed", token=token)
            flash("Your new calendar address is below. Copy it now: it is shown only once.", "success")
        else:
            flash("Your calendar address no longer works. Calendars subscribed to it stop updating.", "success")
    return render_template("docket/feed.html", feed=_live_feed(current_user.id), new_url=new_url)


@bp.route("/ical/<token>.ics")
@csrf.exempt
def feed(token: str):
    """A subscribed calendar's fetch: the secret in the address is the only credential."""
    found = db.session.execute(select(CalendarFeed).where(
        CalendarFeed.token_hash == _feed_hash(token), CalendarFeed.revoked_at.is_(None))).scalar_one_or_none()
    user = db.session.get(User, found.user_id) if found else None
    if user is None or not user.active:
        abort(404)
    tenants = assigned_tenants(user)
    if not tenants:
        abort(404)
    today = min(tenant_today(t) for t in tenants)
    filters = DocketFilters(tenant_ids=[t.id for t in tenants], status="open",
                                          due_from=today - timedelta(days=30),
                                          todays={t.id: tenant_today(t) for t in tenants})
    with tenant_scope(filters.tenant_ids):
        body = docket_ics(docket_rows(filters), f"PatentDesk docket ({user.name})")
    found.last_used_at = utcnow()
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})
