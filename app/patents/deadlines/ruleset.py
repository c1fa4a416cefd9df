"""Loading and validating the rule data (rules/*.toml).

Everything legal lives in the TOML files; this module only turns them into
immutable objects and refuses data that is malformed (unknown keys, unknown
calendars or parameters, overlapping effective ranges...), so that a typo in
the data fails loudly at load time instead of silently giving a wrong date.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from .dates import Offset, parse_date
from .errors import RuleDataError
from .office_calendar import load_calendars

FAR_FUTURE = date(9999, 12, 31)

_FILE_KEYS = {"rules", "jurisdiction", "event", "rule", "closing"}
_EVENT_KEYS = {"code", "description", "date_label", "param", "no_deadline"}
_PARAM_KEYS = {"name", "type", "required", "default", "choices", "min", "max", "relation",
               "label", "description"}
_RULE_KEYS = {"id", "event", "kind", "act", "effective_from", "effective_until", "calendar",
              "rollover_citation", "citation", "note", "when", "notification_fiction",
              "period", "final", "window_opens", "extensions", "series", "sequence", "roll", "only_after"}
_COMP_KEYS = {"from", "offset", "end_of_month", "citation", "label", "optional", "later_of", "earlier_of", "final"}
_AUX_KEYS = {"from", "offset", "end_of_month", "citation", "label"}
_EXT_KEYS = {"months", "citation", "strategy"}
_SERIES_KEYS = {"first", "last", "step", "item"}
_ITEM_KEYS = {"sequence", "period", "final", "window_opens"}
_NF_KEYS = {"days", "applies_before", "citation", "citation_after"}
_NF_OPTIONAL = {"late_receipt_days", "received_param", "late_receipt_citation"}
_CLOSING_KEYS = {"event", "description", "closes", "closes_all", "extends", "supersedes", "sequence_param", "param",
                 "kind_param", "kind_map"}


def _when_matches(when, params: dict) -> bool:
    """when: ((param, value or tuple of values), ...)"""
    def one(k, v):
        have = params.get(k)
        if isinstance(have, tuple):                 # a multi parameter: any listed value matches
            return any(x in have for x in v) if isinstance(v, tuple) else v in have
        return have in v if isinstance(v, tuple) else have == v
    return all(one(k, v) for k, v in when)


def _parse_when(raw, where, event) -> tuple:
    out = {}
    for k, v in raw.items():
        p = event.param(k)
        values = tuple(v) if isinstance(v, list) else (v,)
        if p is None or (p.choices and any(x not in p.choices for x in values)):
            raise RuleDataError(f"{where}: 'when' {k}={v!r} does not match a parameter of {event.code}")
        out[k] = values if isinstance(v, list) else v
    return tuple(sorted(out.items()))


def _check(table, allowed, where):
    if not isinstance(table, dict):
        raise RuleDataError(f"{where}: expected a table")
    unknown = set(table) - allowed
    if unknown:
        raise RuleDataError(f"{where}: unknown key(s) {sorted(unknown)}")


def _need(table, keys, where):
    for k in keys:
        if k not in table:
            raise RuleDataError(f"{where}: missing required key {k!r}")


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str                      # date | int | choice | multi (several choices)
    required: bool = False
    default: object = None         # "$event" = the event date
    choices: tuple = ()
    min: int | None = None
    max: int | None = None
    relation: str | None = None    # not_after_event | not_before_event
    label: str | None = None
    description: str = ""

    def as_dict(self) -> dict:
        default = list(self.default) if isinstance(self.default, tuple) else self.default
        d = {"name": self.name, "type": self.type, "required": self.required,
             "default": "event date" if default == "$event" else default,
             "description": self.description}
        if self.choices:
            d["choices"] = list(self.choices)
        if self.min is not None:
            d["min"] = self.min
        if self.max is not None:
            d["max"] = self.max
        return d


@dataclass(frozen=True)
class EventDef:
    jurisdiction: str
    code: str
    description: str
    date_label: str
    params: tuple
    no_deadline: tuple = ()    # of (when tuple, citation, note): parameter values that produce nothing

    def param(self, name):
        for p in self.params:
            if p.name == name:
                return p
        return None


@dataclass(frozen=True)
class AuxSpec:
    """final / window_opens computation."""
    from_: str
    offset: dict
    end_of_month: bool
    citation: str
    label: str | None


@dataclass(frozen=True)
class CompSpec:
    """Base period computation (single, or later_of alternatives)."""
    from_: str
    offset: dict | None
    end_of_month: bool
    citation: str
    label: str | None
    optional: bool
    later_of: tuple            # of CompSpec (alternatives, later_of or earlier_of)
    final: AuxSpec | None      # per-alternative final (later_of only)
    earliest: bool = False     # True: the alternatives combine as "earlier of"


@dataclass(frozen=True)
class ExtSpec:
    months: tuple
    citation: str
    strategy: str              # earliest (only meaningful with later_of)


@dataclass(frozen=True)
class NotificationFiction:
    days: int
    applies_before: date
    citation: str
    citation_after: str
    late_receipt_days: int | None = None      # amended R 126(2) EPC: receipt more than N days late
    received_param: str | None = None         # ...extends the period by the excess days
    late_receipt_citation: str | None = None


@dataclass(frozen=True)
class SeriesItem:
    sequence: int | None
    period: CompSpec
    final: AuxSpec | None
    window_opens: AuxSpec | None


@dataclass(frozen=True)
class Rule:
    id: str
    jurisdiction: str
    event: str
    kind: str
    act: str
    effective_from: date
    effective_until: date
    calendar: object           # str, or {"param": name, "map": {...}}
    rollover_citation: str | None
    citation: str
    note: str
    when: tuple                # ((param, value), ...)
    notification_fiction: NotificationFiction | None
    items: tuple               # of SeriesItem, in sequence order
    extensions: ExtSpec | None
    roll: bool
    rules_version: str
    only_after: dict | None = None   # {"param": date param, "citation": ...}: series items whose unrolled
                                     # anniversary is not after that date are not produced

    def in_force(self, d: date) -> bool:
        return self.effective_from <= d <= self.effective_until

    def matches(self, params: dict) -> bool:
        return _when_matches(self.when, params)

    def sequences(self) -> set:
        return {it.sequence for it in self.items}


@dataclass(frozen=True)
class ClosingEvent:
    event: str
    description: str
    closes: tuple
    closes_all: bool
    extends: tuple
    sequence_param: str | None
    params: tuple
    rules_version: str
    supersedes: tuple = ()     # kinds the event replaces (status superseded, not done)
    kind_param: str | None = None   # a choice parameter that selects the kind closed...
    kind_map: tuple = ()            # ...((choice, kind), ...)


@dataclass(frozen=True)
class RuleSet:
    versions: dict             # file name -> version
    events: dict               # (jurisdiction, code) -> EventDef
    rules: dict                # (jurisdiction, code) -> tuple[Rule]
    jurisdictions: tuple
    kinds: tuple
    closing: dict              # event -> ClosingEvent


# ---------------------------------------------------------------- parsing
def _parse_offset(raw, where, event: EventDef | None) -> dict:
    if not isinstance(raw, dict) or not raw:
        raise RuleDataError(f"{where}: offset must be a non-empty table")
    _check(raw, {"years", "months", "days"}, f"{where} offset")
    for k, v in raw.items():
        if isinstance(v, list):
            if not v:
                raise RuleDataError(f"{where}: offset {k} list is empty")
            for part in v:
                _parse_offset({k: part}, where, event)
            continue
        if isinstance(v, str):
            p = event.param(v) if event else None
            if p is None or p.type != "int":
                raise RuleDataError(f"{where}: offset {k} refers to unknown int parameter {v!r}")
        elif not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise RuleDataError(f"{where}: offset {k} must be a non-negative integer")
    return dict(raw)


def _check_from(name, where, event: EventDef, allowed_special):
    if name in allowed_special:
        return
    p = event.param(name)
    if p is None or p.type != "date":
        raise RuleDataError(f"{where}: 'from' {name!r} is not 'event' nor a date parameter of {event.code}")


def _parse_aux(raw, where, event, default_from, specials) -> AuxSpec | None:
    if raw is None:
        return None
    _check(raw, _AUX_KEYS, where)
    _need(raw, ("offset", "citation"), where)
    frm = raw.get("from", default_from)
    _check_from(frm, where, event, specials)
    return AuxSpec(frm, _parse_offset(raw["offset"], where, event), bool(raw.get("end_of_month", False)),
                   raw["citation"], raw.get("label"))


def _parse_comp(raw, where, event, allow_later_of=True) -> CompSpec:
    _check(raw, _COMP_KEYS, where)
    _need(raw, ("citation",), where)
    later = ()
    if "later_of" in raw and "earlier_of" in raw:
        raise RuleDataError(f"{where}: give either later_of or earlier_of")
    combine = "earlier_of" if "earlier_of" in raw else "later_of"
    if combine in raw:
        if not allow_later_of:
            raise RuleDataError(f"{where}: nested {combine} is not supported")
        if "offset" in raw:
            raise RuleDataError(f"{where}: give either offset or {combine}")
        if len(raw[combine]) < 2:
            raise RuleDataError(f"{where}: {combine} needs at least two alternatives")
        later = tuple(_parse_comp(alt, f"{where} {combine}[{i}]", event, False)
                      for i, alt in enumerate(raw[combine]))
        if all(a.optional for a in later):
            raise RuleDataError(f"{where}: at least one {combine} alternative must be mandatory")
        if combine == "earlier_of" and any(a.final for a in later):
            raise RuleDataError(f"{where}: earlier_of alternatives cannot carry their own final")
    elif "offset" not in raw:
        raise RuleDataError(f"{where}: missing offset")
    frm = raw.get("from", "event")
    _check_from(frm, where, event, {"event"})
    if raw.get("optional") and frm == "event":
        raise RuleDataError(f"{where}: only a parameter-based alternative can be optional")
    if "final" in raw and allow_later_of:
        raise RuleDataError(f"{where}: use [rule.final] for a rule-level final")
    return CompSpec(
        from_=frm,
        offset=_parse_offset(raw["offset"], where, event) if "offset" in raw else None,
        end_of_month=bool(raw.get("end_of_month", False)),
        citation=raw["citation"], label=raw.get("label"), optional=bool(raw.get("optional", False)),
        later_of=later,
        final=_parse_aux(raw.get("final"), f"{where} final", event, "nominal", {"nominal", "event"}),
        earliest=combine == "earlier_of" and bool(later),
    )


def _parse_param(raw, where) -> ParamSpec:
    _check(raw, _PARAM_KEYS, where)
    _need(raw, ("name", "type", "description"), where)
    if raw["type"] not in ("date", "int", "choice", "multi"):
        raise RuleDataError(f"{where}: unknown parameter type {raw['type']!r}")
    if raw["type"] in ("choice", "multi") and not raw.get("choices"):
        raise RuleDataError(f"{where}: {raw['type']} parameter needs choices")
    if raw.get("relation") not in (None, "not_after_event", "not_before_event"):
        raise RuleDataError(f"{where}: unknown relation {raw['relation']!r}")
    default = raw.get("default")
    if default is not None and raw["type"] == "choice" and default not in raw["choices"]:
        raise RuleDataError(f"{where}: default {default!r} not among choices")
    if raw["type"] == "multi":
        if default is None or not isinstance(default, list) or not set(default) <= set(raw["choices"]):
            raise RuleDataError(f"{where}: a multi parameter needs a default list of its choices")
        default = tuple(c for c in raw["choices"] if c in default)
    if raw.get("required") and default is not None:
        raise RuleDataError(f"{where}: a required parameter cannot have a default")
    return ParamSpec(raw["name"], raw["type"], bool(raw.get("required", False)), default,
                     tuple(raw.get("choices", ())), raw.get("min"), raw.get("max"),
                     raw.get("relation"), raw.get("label"), raw["description"])


def _parse_rule(raw, jur, version, events, calendars) -> Rule:
    where = f"rule {raw.get('id', '?')}"
    _check(raw, _RULE_KEYS, where)
    _need(raw, ("id", "event", "kind", "act", "effective_from", "calendar", "citation"), where)
    event = events.get((jur, raw["event"]))
    if event is None:
        raise RuleDataError(f"{where}: event {raw['event']!r} is not declared for {jur}")
    kind = raw["kind"]
    if not kind.isupper() or " " in kind:
        raise RuleDataError(f"{where}: kind must be an UPPER_CASE code")
    cal = raw["calendar"]
    if isinstance(cal, str):
        if cal not in calendars:
            raise RuleDataError(f"{where}: unknown calendar {cal!r}")
    else:
        _check(cal, {"param", "map"}, f"{where} calendar")
        p = event.param(cal.get("param"))
        if p is None or p.type != "choice":
            raise RuleDataError(f"{where}: calendar parameter must be a choice parameter")
        if set(cal["map"]) != set(p.choices) or not set(cal["map"].values()) <= set(calendars):
            raise RuleDataError(f"{where}: calendar map must cover every choice with a known calendar")
    when = _parse_when(raw.get("when", {}), where, event)
    nf = raw.get("notification_fiction")
    if nf is not None:
        _check(nf, _NF_KEYS | _NF_OPTIONAL, f"{where} notification_fiction")
        _need(nf, _NF_KEYS, f"{where} notification_fiction")
        rp = nf.get("received_param")
        if rp is not None:
            _need(nf, _NF_OPTIONAL, f"{where} notification_fiction")
            p = event.param(rp)
            if p is None or p.type != "date":
                raise RuleDataError(f"{where}: received_param {rp!r} is not a date parameter of {event.code}")
        nf = NotificationFiction(nf["days"], parse_date(nf["applies_before"]), nf["citation"], nf["citation_after"],
                                 nf.get("late_receipt_days"), rp, nf.get("late_receipt_citation"))
    ext = raw.get("extensions")
    if ext is not None:
        _check(ext, _EXT_KEYS, f"{where} extensions")
        _need(ext, ("months", "citation"), f"{where} extensions")
        months = tuple(ext["months"])
        if not months or list(months) != sorted(set(months)) or months[0] < 1:
            raise RuleDataError(f"{where}: extension months must be increasing positive integers")
        if ext.get("strategy", "earliest") != "earliest":
            raise RuleDataError(f"{where}: unknown extension strategy")
        ext = ExtSpec(months, ext["citation"], "earliest")

    final_raw, window_raw = raw.get("final"), raw.get("window_opens")
    series = raw.get("series")
    items = []
    if series is None:
        if "period" not in raw:
            raise RuleDataError(f"{where}: missing [rule.period]")
        seq = raw.get("sequence")
        if seq is not None and (not isinstance(seq, int) or seq < 1):
            raise RuleDataError(f"{where}: sequence must be a positive integer")
        items.append(SeriesItem(
            seq, _parse_comp(raw["period"], f"{where} period", event),
            _parse_aux(final_raw, f"{where} final", event, "nominal", {"nominal", "event"}),
            _parse_aux(window_raw, f"{where} window_opens", event, "event", {"event"})))
    else:
        _check(series, _SERIES_KEYS, f"{where} series")
        if "sequence" in raw:
            raise RuleDataError(f"{where}: give either sequence or series")
        if "item" in series:
            if {"first", "last", "step"} & set(series) or "period" in raw:
                raise RuleDataError(f"{where}: series items carry their own period")
            for it in series["item"]:
                w = f"{where} series item {it.get('sequence')}"
                _check(it, _ITEM_KEYS, w)
                _need(it, ("sequence", "period"), w)
                items.append(SeriesItem(
                    it["sequence"], _parse_comp(it["period"], f"{w} period", event),
                    _parse_aux(it.get("final", final_raw), f"{w} final", event, "nominal", {"nominal", "event"}),
                    _parse_aux(it.get("window_opens", window_raw), f"{w} window_opens", event, "event", {"event"})))
        else:
            _need(series, ("first", "last", "step"), f"{where} series")
            if "period" not in raw:
                raise RuleDataError(f"{where}: missing [rule.period]")
            base = _parse_comp(raw["period"], f"{where} period", event)
            if base.later_of or any(isinstance(v, (str, list)) for v in base.offset.values()):
                raise RuleDataError(f"{where}: a ranged series needs a fixed single offset")
            step = Offset(**_parse_offset(series["step"], f"{where} series step", None))
            final = _parse_aux(final_raw, f"{where} final", event, "nominal", {"nominal", "event"})
            window = _parse_aux(window_raw, f"{where} window_opens", event, "event", {"event"})
            if (final and final.from_ != "nominal") or window:
                raise RuleDataError(f"{where}: a ranged series supports only a nominal-based final")
            for n in range(series["first"], series["last"] + 1):
                off = Offset(**base.offset) + step.scaled(n - series["first"])
                comp = CompSpec(base.from_, {"years": off.years, "months": off.months, "days": off.days},
                                base.end_of_month, base.citation, base.label, False, (), None)
                items.append(SeriesItem(n, comp, final, None))
        seqs = [it.sequence for it in items]
        if len(seqs) != len(set(seqs)) or seqs != sorted(seqs):
            raise RuleDataError(f"{where}: series sequences must be unique and increasing")
    if ext is not None and any(it.final is None for it in items):
        raise RuleDataError(f"{where}: a rule with extensions needs a final (statutory maximum)")
    only_after = raw.get("only_after")
    if only_after is not None:
        _check(only_after, {"param", "citation"}, f"{where} only_after")
        _need(only_after, ("param", "citation"), f"{where} only_after")
        p = event.param(only_after["param"])
        if p is None or p.type != "date" or series is None:
            raise RuleDataError(f"{where}: only_after needs a date parameter and a series")
    eff_from = parse_date(raw["effective_from"], f"{where} effective_from")
    eff_until = (parse_date(raw["effective_until"], f"{where} effective_until") if "effective_until" in raw
                 else FAR_FUTURE)
    if eff_until < eff_from:
        raise RuleDataError(f"{where}: effective_until before effective_from")
    return Rule(
        id=raw["id"], jurisdiction=jur, event=raw["event"], kind=kind, act=raw["act"],
        effective_from=eff_from, effective_until=eff_until, calendar=cal,
        rollover_citation=raw.get("rollover_citation"), citation=raw["citation"],
        note=raw.get("note", "").strip(), when=when,
        notification_fiction=nf, items=tuple(items), extensions=ext,
        roll=bool(raw.get("roll", True)), rules_version=version, only_after=only_after)


def _check_overlaps(rules) -> None:
    for i, a in enumerate(rules):
        for b in rules[i + 1:]:
            if (a.kind == b.kind and a.when == b.when and a.sequences() & b.sequences()
                    and a.effective_from <= b.effective_until and b.effective_from <= a.effective_until):
                raise RuleDataError(f"rules {a.id} and {b.id} overlap (same kind, sequence and effective dates)")


def build_ruleset(files: dict) -> RuleSet:
    """files: {file name: parsed TOML dict}.  Public for tests of bad data."""
    calendars = load_calendars()
    versions, events, raw_rules, closing_raw = {}, {}, [], []
    for fname, data in sorted(files.items()):
        _check(data, _FILE_KEYS, fname)
        if not isinstance(data.get("rules"), str):
            raise RuleDataError(f"{fname}: missing top-level 'rules' version string")
        versions[fname] = data["rules"]
        if "event" in data or "rule" in data:
            jur = data.get("jurisdiction")
            if not jur:
                raise RuleDataError(f"{fname}: rule files need a 'jurisdiction'")
            for ev in data.get("event", []):
                w = f"{fname} event {ev.get('code')}"
                _check(ev, _EVENT_KEYS, w)
                _need(ev, ("code", "description", "date_label"), w)
                if (jur, ev["code"]) in events:
                    raise RuleDataError(f"{w}: declared twice")
                params = tuple(_parse_param(p, f"{w} param") for p in ev.get("param", []))
                evdef = EventDef(jur, ev["code"], ev["description"], ev["date_label"], params)
                nothing = []
                for nd in ev.get("no_deadline", []):
                    _check(nd, {"when", "citation", "note"}, f"{w} no_deadline")
                    _need(nd, ("when", "citation", "note"), f"{w} no_deadline")
                    nothing.append((_parse_when(nd["when"], f"{w} no_deadline", evdef), nd["citation"],
                                    nd["note"].strip()))
                events[(jur, ev["code"])] = EventDef(jur, ev["code"], ev["description"], ev["date_label"], params,
                                                     tuple(nothing))
            raw_rules.extend((jur, data["rules"], r) for r in data.get("rule", []))
        closing_raw.extend((data["rules"], c) for c in data.get("closing", []))

    rules: dict = {}
    ids = set()
    for jur, version, raw in raw_rules:
        rule = _parse_rule(raw, jur, version, events, calendars)
        if rule.id in ids:
            raise RuleDataError(f"rule id {rule.id} used twice")
        ids.add(rule.id)
        rules.setdefault((jur, rule.event), []).append(rule)
    for lst in rules.values():
        _check_overlaps(lst)
    for key in events:
        if key not in rules:
            raise RuleDataError(f"event {key[1]} of {key[0]} has no rule")
    kinds = []
    for lst in rules.values():
        for r in lst:
            if r.kind not in kinds:
                kinds.append(r.kind)

    closing = {}
    for version, c in closing_raw:
        w = f"closing {c.get('event')}"
        _check(c, _CLOSING_KEYS, w)
        _need(c, ("event", "description"), w)
        closes, extends = tuple(c.get("closes", ())), tuple(c.get("extends", ()))
        supersedes = tuple(c.get("supersedes", ()))
        kind_map = tuple(sorted(c.get("kind_map", {}).items()))
        if bool(kind_map) != ("kind_param" in c):
            raise RuleDataError(f"{w}: kind_param and kind_map go together")
        if not (closes or extends or supersedes or kind_map or c.get("closes_all")):
            raise RuleDataError(f"{w}: closes nothing")
        for k in closes + extends + supersedes + tuple(k for _, k in kind_map):
            if k not in kinds:
                raise RuleDataError(f"{w}: unknown kind {k!r}")
        params = tuple(_parse_param(p, f"{w} param") for p in c.get("param", []))
        sp = c.get("sequence_param")
        if sp is not None and not any(p.name == sp for p in params):
            raise RuleDataError(f"{w}: sequence_param {sp!r} is not a parameter")
        kp = c.get("kind_param")
        if kp is not None:
            spec = next((p for p in params if p.name == kp), None)
            if spec is None or spec.type != "choice" or set(spec.choices) != {k for k, _ in kind_map}:
                raise RuleDataError(f"{w}: kind_param {kp!r} must be a choice parameter covering the kind_map")
        if c["event"] in closing:
            raise RuleDataError(f"{w}: declared twice")
        closing[c["event"]] = ClosingEvent(c["event"], c["description"], closes, bool(c.get("closes_all")),
                                           extends, sp, params, version, supersedes, kp, kind_map)
    return RuleSet(versions, events, {k: tuple(v) for k, v in rules.items()},
                   tuple(sorted({j for j, _ in events})), tuple(kinds), closing)


@lru_cache(maxsize=1)
def load_ruleset() -> RuleSet:
    folder = resources.files(__package__) / "rules"
    files = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            try:
                files[entry.name] = tomllib.loads(entry.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise RuleDataError(f"{entry.name}: {exc}") from exc
    return build_ruleset(files)
