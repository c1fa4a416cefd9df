"""Generic deadline engine: interprets the rule data, never rule-specific code.

    compute("US", "NONFINAL_OA", date(2028, 1, 31), {}) -> [ComputedDeadline]
    preview("US", "NONFINAL_OA", "2028-01-31", {})      -> JSON-ready dict
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .dates import Offset, end_of_month, parse_date, weekday_name
from .errors import RuleError
from .office_calendar import Calendar, get_calendar
from .ruleset import FAR_FUTURE, AuxSpec, CompSpec, EventDef, ParamSpec, Rule, _when_matches, load_ruleset


@dataclass(frozen=True)
class Extension:
    months: int
    nominal: date
    due: date

    def as_dict(self) -> dict:
        return {"months": self.months, "nominal": self.nominal.isoformat(), "due": self.due.isoformat()}


@dataclass
class ComputedDeadline:
    kind: str
    sequence: int | None
    nominal: date
    due: date
    final_nominal: date | None
    final_due: date | None
    window_opens: date | None
    extensions: list = field(default_factory=list)
    citation: str = ""
    explanation: list = field(default_factory=list)
    rule_id: str = ""
    rules_version: str = ""
    calendar: str = ""

    def as_dict(self) -> dict:
        d = {"kind": self.kind, "sequence": self.sequence,
             "nominal": self.nominal.isoformat(), "due": self.due.isoformat()}
        if self.final_nominal is not None:
            d["final_nominal"] = self.final_nominal.isoformat()
            d["final_due"] = self.final_due.isoformat()
        if self.window_opens is not None:
            d["window_opens"] = self.window_opens.isoformat()
        d["extensions"] = [e.as_dict() for e in self.extensions]
        d["citation"] = self.citation
        d["explanation"] = list(self.explanation)
        return d


# ---------------------------------------------------------------- lookups
def _norm_code(value, what) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{what} must be a non-empty string, got {value!r}")
    return value.strip().upper()


def get_event(jurisdiction, event_code) -> EventDef:
    rs = load_ruleset()
    jur = _norm_code(jurisdiction, "jurisdiction")
    if jur not in rs.jurisdictions:
        raise RuleError(f"unknown jurisdiction {jurisdiction!r}; known jurisdictions: {', '.join(rs.jurisdictions)}")
    code = _norm_code(event_code, "event")
    ev = rs.events.get((jur, code))
    if ev is None:
        known = sorted(c for j, c in rs.events if j == jur)
        raise RuleError(f"unknown event {event_code!r} for jurisdiction {jur}; known events: {', '.join(known)}")
    return ev


def _convert_param(spec: ParamSpec, value, event_code: str, event_date: date, event_label: str):
    name = spec.name
    if spec.type == "int":
        if isinstance(value, bool):
            value = None
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise RuleError(f"parameter {name!r} for {event_code} must be a whole number, got {value!r}")
        if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
            raise RuleError(f"parameter {name!r} for {event_code} must be between {spec.min} and {spec.max}, "
                            f"got {value}")
        return value
    if spec.type == "multi":
        items = value.split(",") if isinstance(value, str) else value if isinstance(value, (list, tuple)) else None
        if items is None:
            raise RuleError(f"parameter {name!r} for {event_code} must be a list of {', '.join(spec.choices)}")
        chosen = set()
        for item in items:
            matches = [c for c in spec.choices if isinstance(item, str) and c.lower() == item.strip().lower()]
            if len(matches) != 1:
                raise RuleError(f"parameter {name!r} for {event_code}: {item!r} is not one of "
                                f"{', '.join(spec.choices)}")
            chosen.add(matches[0])
        if not chosen:
            raise RuleError(f"parameter {name!r} for {event_code} needs at least one of {', '.join(spec.choices)}")
        return tuple(c for c in spec.choices if c in chosen)
    if spec.type == "choice":
        if isinstance(value, str):
            matches = [c for c in spec.choices if c.lower() == value.strip().lower()]
            if len(matches) == 1:
                return matches[0]
        raise RuleError(f"parameter {name!r} for {event_code} must be one of {', '.join(spec.choices)}; got {value!r}")
    # date
    d = parse_date(value, f"date for parameter {name!r}")
    if spec.relation == "not_after_event" and d > event_date:
        raise RuleError(f"parameter {name!r} ({d}) cannot be after the {event_label} ({event_date})")
    if spec.relation == "not_before_event" and d < event_date:
        raise RuleError(f"parameter {name!r} ({d}) cannot be before the {event_label} ({event_date})")
    return d


def resolve_params(specs, params, event_code: str, event_date: date | None = None,
                   event_label: str = "event date") -> dict:
    """Validate caller parameters against their specs; fill defaults."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise RuleError(f"params for {event_code} must be a mapping, got {type(params).__name__}")
    known = {p.name for p in specs}
    unknown = sorted(set(params) - known)
    if unknown:
        hint = f"known parameters: {', '.join(sorted(known))}" if known else "it takes no parameters"
        raise RuleError(f"unknown parameter {unknown[0]!r} for {event_code}; {hint}")
    out = {}
    for spec in specs:
        value = params.get(spec.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                raise RuleError(f"parameter {spec.name!r} is required for {event_code}")
            out[spec.name] = event_date if spec.default == "$event" else spec.default
        else:
            out[spec.name] = _convert_param(spec, value, event_code, event_date, event_label)
    return out


# ---------------------------------------------------------------- arithmetic
class _Ctx:
    """Per-deadline computation state: anchors, calendar, explanation lines."""

    def __init__(self, rule: Rule, ev: EventDef, event_date: date, params: dict, cal: Calendar):
        self.rule, self.ev, self.params, self.cal = rule, ev, params, cal
        self.lines: list[str] = []
        self.event_anchor = event_date
        self.warned_years: set[int] = set()
        nf = rule.notification_fiction
        if nf is not None:
            if event_date < nf.applies_before:
                deemed = Offset(days=nf.days).apply(event_date)[0]
                self.lines.append(
                    f"Document dated {event_date} is before {nf.applies_before}: it is deemed notified "
                    f"{nf.days} days later, {event_date} + {nf.days} days = {deemed} ({nf.citation})")
                self.event_anchor = deemed
            else:
                self.lines.append(
                    f"Document dated {event_date} is on or after {nf.applies_before}: the period runs from "
                    f"the date the document bears, without the {nf.days}-day notification fiction "
                    f"({nf.citation_after})")

    def anchor(self, name: str, nominal: date | None = None) -> tuple[date | None, str]:
        if name == "event":
            return self.event_anchor, ""
        if name == "nominal":
            return nominal, ""
        p = self.ev.param(name)
        label = (p.label or name.replace("_", " ")) if p else name
        return self.params.get(name), label[0].upper() + label[1:] + " "

    def _value(self, v) -> int:
        if isinstance(v, list):
            return sum(self._value(x) for x in v)
        return self.params[v] if isinstance(v, str) else v

    def offset(self, raw: dict) -> Offset:
        return Offset(**{k: self._value(v) for k, v in raw.items()})

    def offset_parts(self, raw: dict) -> str:
        """'; 4 months (period set) + 2 months (extension)' for an offset summed from parameters, else ''."""
        parts = []
        for k, v in raw.items():
            if isinstance(v, list):
                parts.extend(f"{self._value(x)} {k} ({self.ev.param(x).label or x.replace('_', ' ')})"
                             if isinstance(x, str) and self.ev.param(x) else f"{x} {k}"
                             for x in v if self._value(x))
        return f"; {' + '.join(parts)}" if len(parts) > 1 else ""

    def arith(self, base: date, prefix: str, off: Offset, eom: bool, citation: str, lead: str = "") -> date:
        result, _ = off.apply(base)
        if off.total_months == 0 and off.days == 0:
            # a period that ends on the anchor itself (e.g. the mailing date of an advisory action)
            name = prefix or (self.ev.date_label[0].upper() + self.ev.date_label[1:] + " ")
            self.lines.append(f"{lead}{name}{base} ({citation})")
        else:
            self.lines.append(f"{lead}{prefix}{base} + {off.describe()} = {result} ({citation})")
        if eom:
            last = end_of_month(result)
            self.lines.append(f"{lead}Last day of the month containing {result}: {last} ({citation})")
            result = last
        return result

    def roll(self, d: date, lead: str = "") -> date:
        due, skipped = self.cal.next_open(d)
        for y in sorted({d.year, due.year}):
            if not self.cal.confirmed(y) and y not in self.warned_years:
                self.warned_years.add(y)
                self.lines.append(
                    f"Warning: {self.cal.office} closing days for {y} are not confirmed by a published "
                    f"notice in the calendar data; check this date before relying on it")
        if not self.rule.roll:
            self.lines.append(f"{lead}{d} is not moved for office closures under this rule")
            return d
        if not skipped:
            self.lines.append(f"{lead}{d} ({weekday_name(d)}) is not a closing day of {self.cal.office}")
            return d
        parts = []
        i = 0
        while i < len(skipped):             # consecutive days closed for the same reason read as one range
            j = i
            while j + 1 < len(skipped) and skipped[j + 1].reason == skipped[i].reason:
                j += 1
            if j - i >= 2:
                parts.append(f"{skipped[i].day} to {skipped[j].day} are {skipped[i].reason}")
            else:
                parts.extend(f"{c.day} is {c.reason}" for c in skipped[i:j + 1])
            i = j + 1
        joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        citation = self.rule.rollover_citation or self.cal.rollover_citation
        self.lines.append(f"{lead}{joined}, so {self.rule.act} is timely on {weekday_name(due)} {due} ({citation})")
        return due


def _alternatives(spec: CompSpec) -> tuple:
    return spec.later_of or (spec,)


def _compute_one(ctx: _Ctx, alt: CompSpec) -> date | None:
    base, prefix = ctx.anchor(alt.from_)
    if base is None:
        name = prefix.strip() or alt.from_
        if name[1:2].islower():
            name = name[0].lower() + name[1:]
        ctx.lines.append(
            f"No {name} given: the alternative {ctx.offset(alt.offset).describe()} "
            f"from it ({alt.citation}) cannot be computed yet; re-compute once it is known")
        return None
    return ctx.arith(base, prefix, ctx.offset(alt.offset), alt.end_of_month,
                     alt.citation + ctx.offset_parts(alt.offset))


def _compute_period(ctx: _Ctx, spec: CompSpec) -> tuple[date, CompSpec, list]:
    """Returns (nominal, chosen alternative, [(alt, result)] computed)."""
    results = []
    for alt in _alternatives(spec):
        r = _compute_one(ctx, alt)
        if r is not None:
            results.append((alt, r))
    chosen_alt, nominal = results[0]
    for alt, r in results[1:]:
        if (r < nominal) if spec.earliest else (r > nominal):
            chosen_alt, nominal = alt, r
    if spec.later_of:
        shown = " and ".join(f"{r} ({a.label or a.citation})" for a, r in results)
        if len(results) > 1:
            ctx.lines.append(f"{'Earlier' if spec.earliest else 'Later'} of {shown}: {nominal} ({spec.citation})")
        else:
            ctx.lines.append(f"Only one alternative can be computed: {nominal} ({spec.citation})")
    return nominal, chosen_alt, results


def _compute_aux(ctx: _Ctx, aux: AuxSpec, nominal: date, what: str) -> date:
    base, prefix = ctx.anchor(aux.from_, nominal)
    label = f"{what} ({aux.label}): " if aux.label else f"{what}: "
    return ctx.arith(base, prefix, ctx.offset(aux.offset), aux.end_of_month, aux.citation, lead=label)


def _compute_extension(ctx: _Ctx, months: int, chosen: CompSpec, results: list, final_nominal: date) -> date:
    """Extension date for `months`.  From the chosen alternative; when that is a
    day-based period (30 days), month-based alternatives are extended too and
    the earliest date is docketed (conservative, see rule note)."""
    ext = ctx.rule.extensions
    lead = f"Extension of {months} month{'s' if months != 1 else ''}: "
    candidates = []
    considered = [(a, r) for a, r in results
                  if a is chosen or (ctx.offset(chosen.offset).days and not ctx.offset(a.offset).days)]
    for alt, unrolled in considered:
        off = ctx.offset(alt.offset)
        if off.days == 0:
            # month-based period: the extended date corresponds to the date of
            # the anchor (mailing date) in the later month (MPEP 710.01(a))
            base, prefix = ctx.anchor(alt.from_)
            counted_from = ctx.ev.date_label if alt.from_ == "event" else prefix.strip().lower()
            d = ctx.arith(base, prefix, off.plus_months(months), alt.end_of_month,
                          f"{ext.citation}; counted from the {counted_from}, not from the rolled due date", lead=lead)
        else:
            d = ctx.arith(unrolled, "", Offset(months=months), False,
                          f"{ext.citation}; counted from the end of the unrolled {off.describe()} period", lead=lead)
        candidates.append(d)
    d = min(candidates)
    if len(candidates) > 1:
        earliest = " and ".join(str(c) for c in candidates)
        ctx.lines.append(f"{lead}earliest of {earliest} is docketed: {d} (conservative)")
    if d > final_nominal:
        ctx.lines.append(f"{lead}{d} is beyond the final date {final_nominal}, so it is capped at {final_nominal}")
        d = final_nominal
    return d


def _late_receipt(ctx: _Ctx, nominal: date, event_date: date, params: dict) -> date:
    """Amended Rule 126(2) EPC: a document received more than 7 days after the date it bears extends
    the period by the days in excess of 7 (documents dated on or after 1 November 2023)."""
    nf = ctx.rule.notification_fiction
    if nf is None or nf.received_param is None or event_date < nf.applies_before:
        return nominal
    received = params.get(nf.received_param)
    if received is None:
        return nominal
    late = (received - event_date).days
    if late <= nf.late_receipt_days:
        ctx.lines.append(f"Received {received}, {late} day(s) after the date the document bears: not more than "
                         f"{nf.late_receipt_days} days, so the period is not extended ({nf.late_receipt_citation})")
        return nominal
    excess = late - nf.late_receipt_days
    extended = nominal + timedelta(days=excess)
    ctx.lines.append(f"Received {received}, {late} days after the date the document bears: the period is extended "
                     f"by the {excess} day(s) beyond {nf.late_receipt_days}, {nominal} + {excess} days = {extended} "
                     f"({nf.late_receipt_citation})")
    return extended


def _calendar_for(rule: Rule, params: dict) -> Calendar:
    if isinstance(rule.calendar, str):
        return get_calendar(rule.calendar)
    return get_calendar(rule.calendar["map"][params[rule.calendar["param"]]])


def _compute_item(rule: Rule, item, ev: EventDef, event_date: date, params: dict) -> ComputedDeadline:
    cal = _calendar_for(rule, params)
    ctx = _Ctx(rule, ev, event_date, params, cal)
    nominal, chosen, results = _compute_period(ctx, item.period)
    nominal = _late_receipt(ctx, nominal, event_date, params)
    due = ctx.roll(nominal)

    final_spec = chosen.final or item.final
    final_nominal = final_due = None
    if final_spec is not None:
        final_nominal = _compute_aux(ctx, final_spec, nominal, "Final date")
        if final_nominal < nominal:
            # e.g. an advisory action mailed after the 6-month statutory limit (MPEP 706.07(f))
            ctx.lines.append(f"{nominal} is beyond the final date {final_nominal}, so the period ends on "
                             f"{final_nominal} ({final_spec.citation})")
            nominal = final_nominal
            due = ctx.roll(nominal)
        final_due = ctx.roll(final_nominal, lead="Final date: ")

    window = None
    if item.window_opens is not None:
        window = _compute_aux(ctx, item.window_opens, nominal, "Window opens")
        ctx.lines.append(f"Window opens: {window} is not a deadline, so it is not moved for office closures")

    extensions = []
    if rule.extensions is not None:
        for m in rule.extensions.months:
            ext_nominal = _compute_extension(ctx, m, chosen, results, final_nominal)
            ext_due = ctx.roll(ext_nominal, lead=f"Extension of {m} month{'s' if m != 1 else ''}: ")
            extensions.append(Extension(m, ext_nominal, ext_due))

    return ComputedDeadline(
        kind=rule.kind, sequence=item.sequence, nominal=nominal, due=due,
        final_nominal=final_nominal, final_due=final_due, window_opens=window,
        extensions=extensions, citation=rule.citation, explanation=ctx.lines,
        rule_id=rule.id, rules_version=rule.rules_version, calendar=cal.id)


# ---------------------------------------------------------------- public API
def compute(jurisdiction: str, event_code: str, event_date, params: dict | None = None) -> list[ComputedDeadline]:
    """All deadlines produced by `event_code` on `event_date` in `jurisdiction`."""
    ev = get_event(jurisdiction, event_code)
    d = parse_date(event_date, "event date")
    resolved = resolve_params(ev.params, params, ev.code, d, ev.date_label)
    if no_deadline_reason(ev, resolved):
        return []
    rules = [r for r in load_ruleset().rules[(ev.jurisdiction, ev.code)] if r.matches(resolved)]
    in_force = [r for r in rules if r.in_force(d)]
    if not in_force:
        earliest = min((r.effective_from for r in rules), default=None)
        raise RuleError(f"no rule in force for {ev.jurisdiction} {ev.code} on {d}"
                        + (f" (rules start {earliest})" if earliest else ""))
    out = []
    try:
        for rule in in_force:
            for item in rule.items:
                if rule.only_after and not _after(rule, item, d, resolved):
                    continue
                out.append(_compute_item(rule, item, ev, d, resolved))
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, RuleError):
            raise
        # date arithmetic past 9999-12-31 (an absurd event date): the caller's input, not a server error
        raise RuleError(f"the deadlines of {ev.code} on {d} would fall after the year 9999") from exc
    return out


def _after(rule: Rule, item, event_date: date, params: dict) -> bool:
    """only_after: is this series item's unrolled date (before any end-of-month step) after the date
    parameter?  E.g. Unitary Patent renewal fees exist only for the years after the grant year."""
    spec = item.period
    base = event_date if spec.from_ == "event" else params[spec.from_]
    return Offset(**spec.offset).apply(base)[0] > params[rule.only_after["param"]]


def no_deadline_reason(ev: EventDef, resolved: dict) -> str | None:
    """The cited reason why these parameters produce no deadline (e.g. no maintenance fees for a
    design patent), or None."""
    for when, citation, note in ev.no_deadline:
        if _when_matches(when, resolved):
            return f"{note} ({citation})"
    return None


def preview(jurisdiction: str, event_code: str, date_str, params: dict | None = None) -> dict:
    """JSON-ready preview: {"jurisdiction", "event", "date", "deadlines": [...]}."""
    ev = get_event(jurisdiction, event_code)
    d = parse_date(date_str, "event date")
    deadlines = compute(ev.jurisdiction, ev.code, d, params)
    return {"jurisdiction": ev.jurisdiction, "event": ev.code, "date": d.isoformat(),
            "deadlines": [x.as_dict() for x in deadlines]}


def vocabulary() -> dict:
    """Every triggering event per jurisdiction (with parameters and the kinds
    it produces) and every closing event, for UI dropdowns."""
    rs = load_ruleset()
    triggering = {}
    for (jur, code), ev in sorted(rs.events.items()):
        kinds = []
        for r in rs.rules[(jur, code)]:
            if r.kind not in kinds:
                kinds.append(r.kind)
        triggering.setdefault(jur, []).append({
            "event": code, "description": ev.description, "date_label": ev.date_label,
            "parameters": [p.as_dict() for p in ev.params], "produces": kinds})
    closing = [{"event": c.event, "description": c.description,
                "closes": list(rs.kinds) if c.closes_all else list(c.closes) + [k for _, k in c.kind_map],
                "closes_all": c.closes_all, "extends": list(c.extends), "supersedes": list(c.supersedes),
                "parameters": [p.as_dict() for p in c.params]}
               for c in rs.closing.values()]
    return {"triggering": triggering, "closing": closing, "rules_versions": dict(rs.versions)}


def _offset_text(raw: dict) -> str:
    def one(v):
        return str(v) if isinstance(v, int) else "+".join(one(x) for x in v) if isinstance(v, list) else f"<{v}>"
    parts = [f"{one(v)} {k[:-1] if v == 1 else k}" for k, v in raw.items() if v != 0]
    return " ".join(parts) or "0 days"


def _period_text(spec: CompSpec) -> str:
    if spec.later_of:
        word = "earlier" if spec.earliest else "later"
        return f"{word} of " + " and ".join(_period_text(a) for a in spec.later_of)
    frm = "" if spec.from_ == "event" else f" from {spec.from_}"
    eom = ", to the end of that month" if spec.end_of_month else ""
    text = _offset_text(spec.offset)
    if text == "0 days":
        return f"the {'event date' if spec.from_ == 'event' else spec.from_} itself ({spec.citation})"
    return f"{text}{frm}{eom} ({spec.citation})"


def events(jurisdiction: str) -> list[dict]:
    """Every triggering event of a jurisdiction with its parameters and the
    rules it fires (kind, period, citation, effective dates, extensions):
    `flask deadlines events --jurisdiction J --json` and the README table."""
    rs = load_ruleset()
    jur = _norm_code(jurisdiction, "jurisdiction")
    if jur not in rs.jurisdictions:
        raise RuleError(f"unknown jurisdiction {jurisdiction!r}; known jurisdictions: {', '.join(rs.jurisdictions)}")
    out = []
    for (j, code), ev in sorted(rs.events.items()):
        if j != jur:
            continue
        rules = []
        for r in rs.rules[(j, code)]:
            item = r.items[0]
            rules.append({
                "id": r.id, "kind": r.kind, "when": {k: list(v) if isinstance(v, tuple) else v for k, v in r.when},
                "citation": r.citation,
                "effective_from": r.effective_from.isoformat(),
                "effective_until": None if r.effective_until == FAR_FUTURE else r.effective_until.isoformat(),
                "period": _period_text(item.period) + (f" (for #{r.items[0].sequence}; series "
                                                       f"{r.items[0].sequence}-{r.items[-1].sequence})"
                                                       if len(r.items) > 1 else ""),
                "final": (f"{_offset_text(item.final.offset)} from {item.final.from_} ({item.final.citation})"
                          if item.final else None),
                "extensions": ({"months": list(r.extensions.months), "citation": r.extensions.citation}
                               if r.extensions else None),
                "rolled": r.roll, "note": r.note})
        out.append({"event": code, "description": ev.description, "date_label": ev.date_label,
                    "parameters": [p.as_dict() for p in ev.params], "rules": rules,
                    "no_deadline": [{"when": {k: list(v) if isinstance(v, tuple) else v for k, v in when},
                                     "citation": citation, "note": note}
                                    for when, citation, note in ev.no_deadline]})
    return out


def vocabulary_markdown() -> str:
    """The README's per-jurisdiction vocabulary, generated from the rule data
    (`flask deadlines events --markdown`; a test keeps README.md in step)."""
    rs = load_ruleset()
    out = ["<!-- generated by `flask --app wsgi deadlines events --markdown`; do not edit by hand -->"]
    for jur in rs.jurisdictions:
        out += ["", f"**{jur}**", "", "| event | parameters | deadlines it opens |", "|---|---|---|"]
        for ev in events(jur):
            params = ", ".join(p["name"] + ("*" if p["required"] else "") for p in ev["parameters"]) or "-"
            lines = []
            for r in ev["rules"]:
                when = "".join(f" if {k}={'/'.join(v) if isinstance(v, list) else v}" for k, v in r["when"].items())
                until = f"-{r['effective_until']}" if r["effective_until"] else ""
                ext = f", ext. {r['extensions']['months'][0]}-{r['extensions']['months'][-1]} mo" \
                    if r["extensions"] else ""
                lines.append(f"{r['kind']}{when}: {r['period']}{ext} [{r['effective_from']}{until}]")
            for nd in ev["no_deadline"]:
                when = "".join(f" if {k}={v}" for k, v in nd["when"].items())
                lines.append(f"nothing{when} ({nd['citation']})")
            out.append(f"| {ev['event']} | {params} | {'<br>'.join(lines).replace('|', '/')} |")
    closing = ", ".join(sorted(rs.closing))
    out += ["", f"Closing events (any jurisdiction): {closing}."]
    return "\n".join(out) + "\n"
