"""Docketing operations: record, edit and delete events; keep deadlines and their history consistent.

Plain functions over the ORM session; they flush and never commit (the caller's boundary commits).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from sqlalchemy import func, select

from ...accounts import members_query
from ...extensions import db
from ...models import PROVIDER_ROLES, User, utcnow
from .. import deadlines
from .labels import event_label, kind_label, parameter_label
from .models import OPEN_STATUSES, Deadline, DeadlineChange, Event, Matter
from .numbers import application_number_problem

# What an event says about the matter's status (a docketing convention, not a legal period).
STATUS_AFTER_EVENT = {"NOTICE_OF_ALLOWANCE": "allowed", "GRANTED": "granted", "EP_GRANT_MENTIONED": "granted",
                      "ABANDONED": "abandoned"}


class DocketError(ValueError):
    """A docketing request that cannot be carried out; the message is for the person who asked."""


@dataclass(frozen=True)
class EventRole:
    triggering: bool
    closing: dict | None  # the closing definition from the vocabulary


def _closing_events(vocabulary: dict, jurisdiction: str) -> list[dict]:
    """Closing events that can act on a deadline of this jurisdiction: a US matter is not offered an EP renewal."""
    produced = {kind for e in vocabulary["triggering"].get(jurisdiction, []) for kind in e["produces"]}
    return [c for c in vocabulary["closing"]
            if c["closes_all"] or produced & {*c["closes"], *c["extends"], *c["supersedes"]}]


def event_role(jurisdiction: str, code: str) -> EventRole:
    vocabulary = deadlines.vocabulary()
    triggering = any(e["event"] == code for e in vocabulary["triggering"].get(jurisdiction, []))
    closing_events = _closing_events(vocabulary, jurisdiction)
    closing = next((c for c in closing_events if c["event"] == code), None)
    if not triggering and closing is None:
        known = sorted({e["event"] for e in vocabulary["triggering"].get(jurisdiction, [])}
                       | {c["event"] for c in closing_events})
        raise DocketError(f"'{code}' is not an event PatentDesk knows for {jurisdiction}. Known: {', '.join(known)}")
    return EventRole(triggering, closing)


@cache
def _applicability() -> dict:
    return tomllib.loads((resources.files(__package__) / "event_applicability.toml").read_text(encoding="utf-8"))


def applies_to(jurisdiction: str, application_type: str | None, code: str) -> bool:
    """Whether an event can happen to this kind of application (event_applicability.toml, with citations)."""
    for rule in _applicability().get("only", []):
        if rule["office"] == jurisdiction and application_type in rule["application_types"]:
            if code not in rule["events"]:
                return False
    for rule in _applicability().get("excluded", []):
        if rule["office"] == jurisdiction and application_type in rule["application_types"] and code in rule["events"]:
            return False
    return True


def event_choices(jurisdiction: str, application_type: str | None = None) -> list[tuple[str, str]]:
    """(code, description) of every event that can be recorded on a matter of this jurisdiction (and, when
    given, of this application type: a provisional is offered no Office action, a design no maintenance fee)."""
    vocabulary = deadlines.vocabulary()
    triggering = [(e["event"], e["description"]) for e in vocabulary["triggering"].get(jurisdiction, [])]
    seen = {code for code, _ in triggering}
    closing = [(c["event"], c["description"]) for c in _closing_events(vocabulary, jurisdiction)
               if c["event"] not in seen]
    return [(code, text) for code, text in triggering + closing if applies_to(jurisdiction, application_type, code)]


def event_parameters(jurisdiction: str, code: str) -> list[dict]:
    vocabulary = deadlines.vocabulary()
    for entry in vocabulary["triggering"].get(jurisdiction, []) + vocabulary["closing"]:
        if entry["event"] == code:
            return [{**p, "label": parameter_label(p["name"])}
                    for p in entry["parameters"]]
    return []


def _named(event: Event) -> str:
    """An event in a history line: "Final Office action mailed of 2026-03-02"."""
    return f"{event_label(event.matter.jurisdiction, event.code)} of {event.event_date}"


def _snapshot(deadline: Deadline) -> dict:
    return {"status": deadline.status, "due": _iso(deadline.due), "current_due": _iso(deadline.current_due),
            "final_due": _iso(deadline.final_due), "extended_months": deadline.extended_months}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _log(deadline: Deadline, change: str, summary: str, actor_id: int | None,
         before: dict | None = None) -> None:
    db.session.add(DeadlineChange(deadline_id=deadline.id, tenant_id=deadline.tenant_id, by_id=actor_id,
                                  change=change, summary=summary, before=before, after=_snapshot(deadline)))


def _computed(matter: Matter, event: Event) -> list[deadlines.ComputedDeadline]:
    from .closures import sync
    sync()   # declared closures added by a provider admin, from any process
    try:
        return deadlines.compute(matter.jurisdiction, event.code, event.event_date, event.params)
    except deadlines.RuleError as error:
        raise DocketError(str(error)) from error


def _apply_computed(target: Deadline, computed: deadlines.ComputedDeadline) -> None:
    target.kind, target.sequence = computed.kind, computed.sequence
    target.label = kind_label(computed.kind, computed.sequence)
    target.nominal, target.due = computed.nominal, computed.due
    target.final_nominal, target.final_due = computed.final_nominal, computed.final_due
    target.window_opens = computed.window_opens
    target.extensions = [e.as_dict() for e in computed.extensions]
    target.citation, target.explanation = computed.citation, list(computed.explanation)
    target.rule_id, target.rules_version = computed.rule_id, computed.rules_version
    target.current_due = _extension_date(target, target.extended_months) if target.extended_months else computed.due


def _extension_date(deadline: Deadline, months: int) -> date:
    for step in deadline.extensions:
        if step["months"] == months:
            return date.fromisoformat(step["due"])
    available = ", ".join(str(s["months"]) for s in deadline.extensions) or "none"
    raise DocketError(f"{deadline.label} cannot be extended by {months} month(s); available: {available}.")


def _produce(matter: Matter, event: Event, actor_id: int | None, why: str | None = None) -> None:
    """Create, update or supersede the deadlines this event produces, matching by kind and sequence."""
    existing = {(d.kind, d.sequence): d for d in db.session.execute(
        select(Deadline).where(Deadline.source_event_id == event.id, Deadline.status != "superseded")).scalars()}
    for computed in _computed(matter, event):
        deadline = existing.pop((computed.kind, computed.sequence), None)
        if deadline is None:
            deadline = Deadline(matter_id=matter.id, source_event_id=event.id, status="open", extensions=[])
            _apply_computed(deadline, computed)
            db.session.add(deadline)
            db.session.flush()
            _log(deadline, "created", f"Computed from {_named(event)}", actor_id)
            continue
        before = _snapshot(deadline)
        _apply_computed(deadline, computed)
        if _snapshot(deadline) != before:
            _log(deadline, "recomputed", why or f"Recomputed after {_named(event)} changed", actor_id, before)
    for stale in existing.values():
        _supersede(stale, f"No longer produced by {_named(event)}", actor_id)


def _supersede(deadline: Deadline, why: str, actor_id: int | None) -> None:
    before = _snapshot(deadline)
    deadline.status = "superseded"
    _log(deadline, "superseded", why, actor_id, before)


def _open_deadlines(matter: Matter, kinds, sequence: int | None = None,
                    not_from: Event | None = None) -> list[Deadline]:
    query = select(Deadline).where(Deadline.matter_id == matter.id, Deadline.status.in_(OPEN_STATUSES),
                                   Deadline.kind.in_(list(kinds)))
    if sequence is not None:
        query = query.where(Deadline.sequence == sequence)
    if not_from is not None:
        # an event never closes or replaces a deadline it produced itself (e.g. an advisory action
        # replaces the final action's reply period with its own)
        query = query.where(func.coalesce(Deadline.source_event_id, 0) != not_from.id)
    return list(db.session.execute(query.order_by(Deadline.current_due)).scalars())


def _close(matter: Matter, event: Event, closing: dict, actor_id: int | None, params: dict) -> None:
    if closing["extends"]:
        _extend(matter, event, closing["extends"], actor_id)
        return
    if closing.get("supersedes"):
        for deadline in _open_deadlines(matter, closing["supersedes"], not_from=event):
            before = _snapshot(deadline)
            deadline.status, deadline.done_event_id = "superseded", event.id
            _log(deadline, "superseded", f"Replaced by {_named(event)}", actor_id, before)
    for kind, sequence in deadlines.closed_kinds(event.code, params):
        for deadline in _open_deadlines(matter, [kind], sequence, not_from=event):
            before = _snapshot(deadline)
            deadline.status, deadline.done_at = "done", event.event_date
            deadline.done_by_id, deadline.done_event_id = actor_id, event.id
            _log(deadline, "done", f"Closed by {_named(event)}", actor_id, before)


def _extend(matter: Matter, event: Event, kinds, actor_id: int | None) -> None:
    candidates = _open_deadlines(matter, kinds)
    if not candidates:
        raise DocketError("There is no open reply deadline on this matter that an extension could move.")
    # The extension buys time for the period for reply: every deadline the same action opened on that period
    # moves with it (the reply to a final rejection and the notice of appeal, 37 CFR 41.31(a)(1)).
    first = candidates[0]
    months = int(event.params["months"])
    for deadline in [d for d in candidates if d is first or (d.source_event_id == first.source_event_id
                                                             and d.current_due == first.current_due)]:
        before = _snapshot(deadline)
        deadline.current_due = _extension_date(deadline, months)
        deadline.extended_months, deadline.extension_event_id, deadline.status = months, event.id, "extended"
        _log(deadline, "extended", f"Extended by {months} month(s) to {deadline.current_due} "
                                   f"(counted from the mailing date, MPEP 710.01(a))", actor_id, before)


def _undo_closing(event: Event, actor_id: int | None) -> None:
    """Reopen what this event closed and take back an extension it bought."""
    for deadline in db.session.execute(select(Deadline).where(Deadline.done_event_id == event.id)).scalars():
        before = _snapshot(deadline)
        deadline.status = "extended" if deadline.extended_months else "open"
        deadline.done_at = deadline.done_by_id = deadline.done_event_id = None
        _log(deadline, "reopened", f"{_named(event)} was changed or removed", actor_id, before)
    for deadline in db.session.execute(select(Deadline).where(Deadline.extension_event_id == event.id)).scalars():
        before = _snapshot(deadline)
        deadline.current_due, deadline.extended_months, deadline.extension_event_id = deadline.due, None, None
        if deadline.status == "extended":
            deadline.status = "open"
        _log(deadline, "unextended", f"{_named(event)} was changed or removed",
             actor_id, before)


def _closing_params(params: dict | None, closing: dict, triggering: bool) -> dict:
    """The parameters the closing side of an event reads; an event that also triggers deadlines
    (ADVISORY_ACTION, NOTICE_OF_APPEAL) carries parameters for its rules that the closing side ignores."""
    if not triggering:
        return params or {}
    names = {p["name"] for p in closing["parameters"]}
    return {k: v for k, v in (params or {}).items() if k in names}


def check_event(matter: Matter, code: str, params: dict | None) -> EventRole:
    """The event's role on this matter, its closing parameters checked as recording checks them: the preview
    and the record refuse the same input (an extension of 7 months, a renewal year "abc")."""
    role = event_role(matter.jurisdiction, code)
    if role.closing is not None:
        try:
            deadlines.closed_kinds(code, _closing_params(params, role.closing, role.triggering))
        except deadlines.RuleError as error:
            raise DocketError(str(error)) from error
    return role


def _apply(matter: Matter, event: Event, actor_id: int | None) -> None:
    role = check_event(matter, event.code, event.params)
    if role.triggering:
        _produce(matter, event, actor_id)
    if role.closing is not None:
        _close(matter, event, role.closing, actor_id, _closing_params(event.params, role.closing, role.triggering))
    if event.code in STATUS_AFTER_EVENT:
        matter.status = STATUS_AFTER_EVENT[event.code]
        if event.code == "GRANTED" and matter.grant_date is None:
            matter.grant_date = event.event_date


# How far from today an event date may lie before the person recording it is asked to confirm it.
EVENT_DATE_PLAUSIBLE_YEARS = 20


def date_doubts(matter: Matter, event_date: date, today: date) -> list[str]:
    """Reasons an event date looks mistyped (a future date, a date before the filing, a date decades away);
    the page asks for confirmation instead of docketing from it at once."""
    doubts = []
    if event_date > today:
        doubts.append(f"{event_date} is in the future: events are recorded when they have happened.")
    if matter.filing_date and event_date < matter.filing_date and matter.earliest_priority_date \
            and event_date < matter.earliest_priority_date:
        doubts.append(f"{event_date} is before the matter was filed ({matter.filing_date}) and before its "
                      f"earliest priority ({matter.earliest_priority_date}).")
    if abs(event_date.year - today.year) > EVENT_DATE_PLAUSIBLE_YEARS:
        doubts.append(f"{event_date} is more than {EVENT_DATE_PLAUSIBLE_YEARS} years from today.")
    return doubts


def record_event(matter: Matter, code: str, event_date: date, params: dict | None, actor_id: int | None,
                 note: str | None = None) -> Event:
    """Docket an event: create the deadlines it produces, close what it answers, move what it extends."""
    code = code.strip().upper()
    event = Event(matter_id=matter.id, code=code, event_date=event_date, params=dict(params or {}), note=note,
                  recorded_by_id=actor_id)
    db.session.add(event)
    db.session.flush()
    _apply(matter, event, actor_id)
    return event


def update_event(event: Event, event_date: date, params: dict | None, actor_id: int | None,
                 note: str | None = None) -> Event:
    """Change an event's date or parameters; deadlines from it are recomputed in place, with history."""
    _undo_closing(event, actor_id)
    produced = _due_dates_from(event)
    event.event_date, event.params, event.note = event_date, dict(params or {}), note
    db.session.flush()
    _apply(event.matter, event, actor_id)
    if actor_id is not None:
        _ask_for_a_check_of_moved(event, produced, actor_id)
    return event


def _due_dates_from(event: Event) -> dict[int, date]:
    return dict(db.session.execute(select(Deadline.id, Deadline.current_due).where(
        Deadline.source_event_id == event.id, Deadline.status.in_(OPEN_STATUSES))).all())


def _ask_for_a_check_of_moved(event: Event, before: dict[int, date], actor_id: int) -> None:
    """An edited event that moves an open deadline is a change by hand: a second person checks the new date."""
    for deadline in db.session.execute(select(Deadline).where(Deadline.id.in_(before))).scalars():
        if deadline.is_open and deadline.current_due != before[deadline.id]:
            deadline.changed_by_id, deadline.verified_at, deadline.verified_by_id = actor_id, None, None
            _log(deadline, "needs check", f"Moved from {before[deadline.id]} by an edit of {_named(event)}: "
                 "a second person checks it", actor_id)


def delete_event(event: Event, actor_id: int | None) -> None:
    """Remove an event from the docket; what it produced is superseded, what it closed reopens."""
    _undo_closing(event, actor_id)
    for deadline in db.session.execute(select(Deadline).where(
            Deadline.source_event_id == event.id, Deadline.status != "superseded")).scalars():
        _supersede(deadline, f"{_named(event)} was deleted", actor_id)
    event.deleted_at = utcnow()


def add_manual_deadline(matter: Matter, label: str, due: date, actor_id: int | None,
                        note: str | None = None) -> Deadline:
    deadline = Deadline(matter_id=matter.id, kind="MANUAL", label=label, nominal=due, due=due, current_due=due,
                        manual=True, note=note, status="open", extensions=[], explanation=[
                            f"Entered by hand: {due.isoformat()}"], citation="", changed_by_id=actor_id)
    db.session.add(deadline)
    db.session.flush()
    _log(deadline, "created", "Entered by hand", actor_id)
    return deadline


def override_due_date(deadline: Deadline, new_due: date, reason: str, actor_id: int | None) -> None:
    """Change a date by hand; it then needs a second person's verification."""
    if not reason.strip():
        raise DocketError("Say why the date is changed by hand; the reason is kept in the history.")
    before = _snapshot(deadline)
    deadline.current_due = new_due
    deadline.changed_by_id, deadline.verified_at, deadline.verified_by_id = actor_id, None, None
    deadline.explanation = list(deadline.explanation) + [f"Changed by hand to {new_due.isoformat()}: {reason}"]
    _log(deadline, "overridden", f"Changed by hand to {new_due}: {reason}", actor_id, before)


def verify(deadline: Deadline, actor_id: int) -> None:
    if not deadline.needs_verification:
        raise DocketError("This deadline does not need verification.")
    if deadline.changed_by_id == actor_id:
        raise DocketError("A second person must verify a date you entered or changed yourself.")
    deadline.verified_at, deadline.verified_by_id = utcnow(), actor_id
    _log(deadline, "verified", "Verified by a second person", actor_id)


def mark_done(deadline: Deadline, done_on: date, actor_id: int, note: str | None = None) -> None:
    """Close a deadline directly (for manual deadlines, or work done outside a recorded event)."""
    if not deadline.is_open:
        raise DocketError("Only an open deadline can be marked done.")
    before = _snapshot(deadline)
    deadline.status, deadline.done_at, deadline.done_by_id = "done", done_on, actor_id
    if note:
        deadline.note = note
    _log(deadline, "done", f"Marked done on {done_on}" + (f": {note}" if note else ""), actor_id, before)


def mark_missed(today: date) -> int:
    """Open deadlines whose last possible date has passed become 'missed'. Returns how many."""
    stale = db.session.execute(select(Deadline).where(
        Deadline.status.in_(OPEN_STATUSES), Deadline.current_due < today,
        func.coalesce(Deadline.final_due, Deadline.current_due) < today)).scalars().all()
    for deadline in stale:
        before = _snapshot(deadline)
        deadline.status = "missed"
        _log(deadline, "missed", f"Not done by {deadline.final_due or deadline.current_due}", None, before)
    return len(stale)


# --- Matters (the HTML form and the API both call these) ----------------------------------------------------

MATTER_REQUIRED = ("reference", "title", "jurisdiction", "application_type", "status")


class MatterInputError(DocketError):
    """Some fields of a matter are wrong: ``errors`` maps each field to its messages.

    ``conflict`` is set when the reference is already another matter's (the API answers 409, the form
    shows it on the field).
    """

    def __init__(self, errors: dict[str, list[str]], conflict: bool = False):
        self.errors, self.conflict = errors, conflict
        super().__init__(" ".join(message for messages in errors.values() for message in messages))


def _check_matter(values: dict, matter: Matter | None, tenant_id: int) -> None:
    """Ids must name this firm's matters and people (anything else reads as not found); references are unique."""
    errors: dict[str, list[str]] = {}
    for name in MATTER_REQUIRED:
        if name in values and values[name] is None:
            errors[name] = ["Cannot be empty."]
    parent_id = values.get("parent_id")
    if parent_id is not None and (parent_id == getattr(matter, "id", None) or db.session.execute(
            select(Matter.id).where(Matter.id == parent_id)).scalar() is None):
        errors["parent_id"] = ["No such matter in this firm."]
    attorney_id = values.get("responsible_attorney_id")
    if attorney_id is not None and db.session.execute(members_query(
            tenant_id, ("attorney", "firm_admin")).where(User.id == attorney_id)).scalar() is None:
        errors["responsible_attorney_id"] = ["No such attorney in this firm."]
    specialist_id = values.get("specialist_id")
    if specialist_id is not None and db.session.execute(members_query(
            tenant_id, PROVIDER_ROLES).where(User.id == specialist_id)).scalar() is None:
        errors["specialist_id"] = ["No such specialist assigned to this firm."]
    def current(name):
        return values[name] if name in values else getattr(matter, name, None)

    if "application_number" in values or "jurisdiction" in values:
        problem = application_number_problem(current("jurisdiction"), current("application_number"))
        if problem:
            errors["application_number"] = [problem]
    filed, granted, published = current("filing_date"), current("grant_date"), current("publication_date")
    if filed and granted and granted < filed:
        errors["grant_date"] = [f"A patent cannot be granted ({granted}) before its application was filed ({filed})."]
    if filed and published and published < filed:
        errors["publication_date"] = [f"An application cannot be published ({published}) before it was filed "
                                      f"({filed})."]
    if "reference" in values and values["reference"] is not None:
        if not values["reference"].strip():
            errors["reference"] = ["Give the matter a reference."]
        else:
            clash = db.session.execute(
                select(Matter.id).where(Matter.reference == values["reference"].strip())).scalar()
            if clash is not None and clash != getattr(matter, "id", None):
                raise MatterInputError({"reference": ["Another matter of this firm already uses this reference."]},
                                       conflict=True)
    if errors:
        raise MatterInputError(errors)


def create_matter(values: dict, tenant_id: int, actor_id: int | None = None) -> Matter:
    """A new matter of the current tenant from field values (flushed, so it has its id), docketed from its data."""
    _check_matter(values, None, tenant_id)
    matter = Matter(**{**values, "reference": values["reference"].strip()})
    db.session.add(matter)
    db.session.flush()
    docket_from_matter_data(matter, actor_id)
    return matter


def update_matter(matter: Matter, values: dict, tenant_id: int, actor_id: int | None = None) -> Matter:
    """Change the given fields only; the events the matter's data stands for follow."""
    _check_matter(values, matter, tenant_id)
    for name, value in values.items():
        setattr(matter, name, value.strip() if name == "reference" else value)
    db.session.flush()
    docket_from_matter_data(matter, actor_id)
    return matter


# --- Events the matter's own data stands for ---------------------------------------------------------------
# A filing, priority or grant date entered on the matter is the same fact as the event that dockets it, so the
# event is recorded (and later moved or removed) from the matter: nobody enters the date twice. An event of the
# same kind recorded by hand wins: it is never duplicated or overwritten.

IMPLIED_PARAMS = ("priority_date", "parent_filing_date", "application_type")  # what _filing/_grant_event set
US_PROVISIONAL_SERIES = ("60", "61", "62", "63")  # USPTO series codes of provisional applications


@dataclass(frozen=True)
class ImpliedEvent:
    source: str       # the matter's data it comes from: "priority", "filing_date" or "grant_date"
    code: str
    event_date: date
    params: dict


def _earliest_foreign_or_provisional_claim(matter: Matter) -> ImpliedEvent | None:
    claims = sorted(matter.priority_claims, key=lambda c: c.filing_date)
    for claim in claims:
        provisional = claim.country == "US" and claim.application_number.strip().startswith(US_PROVISIONAL_SERIES)
        if matter.jurisdiction == "US" and claim.country == "US" and not provisional:
            continue  # a benefit claim to a US nonprovisional (35 U.S.C. 120) opens no filing deadline
        code = "PROVISIONAL_FILED" if matter.jurisdiction == "US" and provisional else "PRIORITY_FILED"
        return ImpliedEvent("priority", code, claim.filing_date, {})
    return None


def _filing_event(matter: Matter) -> ImpliedEvent | None:
    filed, kind, office = matter.filing_date, matter.application_type, matter.jurisdiction
    if filed is None:
        return None
    priority = matter.earliest_priority_date
    pct_params = {"priority_date": priority.isoformat()} if priority and priority < filed else {}
    if kind == "national_phase" and office in ("US", "EP") or kind == "pct" and office == "PCT":
        # a national or regional phase's filing date is the international filing date (PCT Art. 11(3))
        return ImpliedEvent("filing_date", "PCT_FILED", filed, pct_params)
    if office == "US" and kind == "provisional":
        return ImpliedEvent("filing_date", "PROVISIONAL_FILED", filed, {})
    if office == "US" and kind in ("utility", "design", "continuation", "cip", "divisional"):
        return ImpliedEvent("filing_date", "NONPROVISIONAL_FILED", filed, {})
    if office == "EP" and kind == "ep":
        return ImpliedEvent("filing_date", "EP_FILED", filed, {})
    if office == "EP" and kind == "divisional" and (parent_filed := _earliest_divisional_parent_date(matter)):
        return ImpliedEvent("filing_date", "DIVISIONAL_FILED", filed, {"parent_filing_date": parent_filed.isoformat()})
    return None  # a combination no rule reads (a US "ep" application, say): nothing is guessed


def _earliest_divisional_parent_date(matter: Matter) -> date | None:
    """The date of filing of the earliest application of a chain of divisionals (Art. 76(1), Rule 51(3) EPC)."""
    found, seen, current = None, {matter.id}, matter
    while current.family_relation == "divisional" and current.parent is not None and current.parent.id not in seen:
        current = current.parent
        seen.add(current.id)
        found = current.filing_date or found
    return found


def grant_params(matter: Matter) -> dict:
    """A US grant's parameters: maintenance fees are due on utility patents only (35 U.S.C. 41(b))."""
    return {"application_type": "design" if matter.application_type == "design" else "utility"}


def _grant_event(matter: Matter) -> ImpliedEvent | None:
    if matter.grant_date is None:
        return None
    if matter.jurisdiction == "US":
        return ImpliedEvent("grant_date", "GRANTED", matter.grant_date, grant_params(matter))
    if matter.jurisdiction == "EP":
        return ImpliedEvent("grant_date", "EP_GRANT_MENTIONED", matter.grant_date, {})
    return None


def implied_events(matter: Matter) -> list[ImpliedEvent]:
    """The events the matter's bibliographic data stands for, in the order they happened."""
    implied = [_earliest_foreign_or_provisional_claim(matter), _filing_event(matter), _grant_event(matter)]
    return [event for event in implied if event is not None]


def docket_from_matter_data(matter: Matter, actor_id: int | None) -> list[Event]:
    """Record, move or remove the events implied by the matter's data; returns the events recorded or changed.

    Each change goes through record_event/update_event/delete_event, so the deadlines carry the same
    explanation and history as an event recorded by hand.
    """
    events = list(db.session.execute(select(Event).where(
        Event.matter_id == matter.id, Event.deleted_at.is_(None))).scalars())
    recorded_from = {e.recorded_from: e for e in events if e.recorded_from}
    by_hand = {e.code for e in events if not e.recorded_from}
    wanted = {implied.source: implied for implied in implied_events(matter) if implied.code not in by_hand}
    touched: list[Event] = []
    for source, event in recorded_from.items():
        if source not in wanted or wanted[source].code != event.code:
            delete_event(event, actor_id)
    for source, implied in wanted.items():
        event = recorded_from.get(source)
        if event is not None and event.code == implied.code:
            # parameters added by hand (an ISR date, say) stay; the ones the matter's data gives follow it
            params = {k: v for k, v in event.params.items() if k not in IMPLIED_PARAMS} | implied.params
            if (event.event_date, event.params) != (implied.event_date, params):
                touched.append(update_event(event, implied.event_date, params, actor_id, event.note))
            continue
        event = record_event(matter, implied.code, implied.event_date, implied.params, actor_id,
                             note=f"From the matter's {_SOURCE_WORDS[source]}")
        event.recorded_from = source
        touched.append(event)
    if touched:
        _close_again_after(matter, min(e.event_date for e in touched), actor_id)
        _retire_history_of_granted(matter, actor_id)
    return touched


def _retire_history_of_granted(matter: Matter, actor_id: int | None) -> None:
    """Entering a granted patent must not docket its history as overdue work: what its filing opened and was
    due before the grant, and anything from its dates whose last possible day had passed, is superseded."""
    if matter.grant_date is None:
        return
    last_day = func.coalesce(Deadline.final_due, Deadline.current_due)
    stale = db.session.execute(select(Deadline).join(Event, Deadline.source_event_id == Event.id).where(
        Deadline.matter_id == matter.id, Deadline.status.in_(OPEN_STATUSES), Event.recorded_from.is_not(None),
        ((Deadline.current_due < matter.grant_date) & Event.recorded_from.in_(("priority", "filing_date")))
        | (last_day < date.today()))).scalars().all()
    for deadline in stale:
        _supersede(deadline, f"Already past when the granted patent was entered (granted {matter.grant_date})",
                   actor_id)


_SOURCE_WORDS = {"priority": "priority claim", "filing_date": "filing date", "grant_date": "grant date"}


# The codes implied_events() can record: filings and grants, each met at most once in a matter's life.
IMPLIED_CODES = ("PROVISIONAL_FILED", "PRIORITY_FILED", "NONPROVISIONAL_FILED", "PCT_FILED", "EP_FILED",
                 "DIVISIONAL_FILED", "GRANTED", "EP_GRANT_MENTIONED")


def _close_again_after(matter: Matter, since: date, actor_id: int | None) -> None:
    """A later filing closes what an earlier event, recorded after it, opened (the filing meets the priority year).

    Only filings and grants are replayed: a reply, say, must not close an Office action mailed after it.
    """
    later = db.session.execute(select(Event).where(
        Event.matter_id == matter.id, Event.deleted_at.is_(None), Event.event_date >= since,
        Event.code.in_(IMPLIED_CODES)).order_by(Event.event_date, Event.id)).scalars()
    for event in later:
        role = event_role(matter.jurisdiction, event.code)
        if role.closing is not None and not role.closing["extends"]:
            _close(matter, event, role.closing, actor_id, _closing_params(event.params, role.closing, role.triggering))
