"""The office's own file history: read what the USPTO or the EPO publishes about an application and propose the
docket events it implies, for a second person to confirm.

Formats read (real samples and their sources: tests/data/office/README.md):
- USPTO Open Data Portal, patent file wrapper JSON: `patentFileWrapperDataBag[]` with `applicationMetaData` and
  `eventDataBag[]` (eventCode, eventDescriptionText, eventDate); also the 2024 beta's `patentBag[]` with
  `transactionContentBag[]` (caseActionCode, caseActionDescriptionText, recordedDate).
- USPTO PEDS JSON (the Patent Examination Data System the portal replaced): `queryResults...docs[]` with
  `transactions[]` (code, description, recordDate).
- EP Register XML as served by OPS: `reg:procedural-data`, `reg:events-data` and `reg:dates-rights-effective`.

What each code means is data (office_codes.toml). Nothing is recorded until a person other than the one who
uploaded the file confirms it; every entry of the file is shown, proposed or not.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from ...extensions import db
from ...models import utcnow
from .labels import event_label
from .models import Event, Matter, OfficeDataImport
from .operations import DocketError, event_parameters, event_role, grant_params, record_event

MAX_FILE_BYTES = 20 * 1024 * 1024  # a file history is a few hundred KB; anything this large is not one
REG = "{http://www.epo.org/register}"


class OfficeDataError(DocketError):
    """A file that cannot be read as an office's file history for this matter; the message says why."""


@dataclass
class OfficeEntry:
    """One line of the office's file history, and what PatentDesk makes of it."""

    on: str              # ISO date
    code: str
    text: str
    status: str = "not_mapped"   # propose | on_docket | duplicate | no_event | not_mapped
    event: str | None = None
    params: dict = field(default_factory=dict)
    ask: list[str] = field(default_factory=list)
    why: str = ""
    event_id: int | None = None  # once recorded


@dataclass
class OfficeFile:
    office: str                  # "US" or "EP"
    source: str                  # in words, for the page
    application_number: str | None
    filing_date: str | None
    entries: list[OfficeEntry]
    warnings: list[str]


# --- reading ------------------------------------------------------------------------------------------------

def _day(value, where: str, warnings: list[str]) -> str | None:
    """An office date ("2016-09-02", "2020-10-28 00:00:00", "20171113") as ISO, or None with a warning."""
    text = str(value or "").strip()
    for pattern, layout in ((r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d"), (r"\d{8}", "%Y%m%d")):
        match = re.match(pattern, text)
        if match:
            try:
                return datetime.strptime(match.group(), layout).date().isoformat()
            except ValueError:
                break
    warnings.append(f"{where}: '{text[:40]}' is not a date; the entry is shown but cannot be docketed.")
    return None


def _uspto_entries(rows: list, code_key: str, text_key: str, date_key: str, warnings: list[str]) -> list:
    entries = []
    for position, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            warnings.append(f"Transaction {position}: not an object; skipped.")
            continue
        code = str(row.get(code_key) or "").strip()
        on = _day(row.get(date_key), f"Transaction {position} ({code or 'no code'})", warnings)
        entries.append(OfficeEntry(on=on or "", code=code, text=str(row.get(text_key) or "").strip()))
    return entries


def _one_application(records: list, number_key, expected: str | None) -> dict:
    if not records:
        raise OfficeDataError("The file holds no application.")
    if len(records) == 1:
        return records[0]
    for record in records:
        if expected and _same_number(str(number_key(record) or ""), expected):
            return record
    numbers = ", ".join(str(number_key(r)) for r in records[:10])
    raise OfficeDataError(f"The file holds {len(records)} applications ({numbers}); download the file history "
                          "of this matter's application alone.")


def _read_uspto(data: dict, expected: str | None) -> OfficeFile:
    warnings: list[str] = []
    if "patentFileWrapperDataBag" in data:
        record = _one_application(data["patentFileWrapperDataBag"] or [],
                                  lambda r: r.get("applicationNumberText"), expected)
        meta = record.get("applicationMetaData") or {}
        entries = _uspto_entries(record.get("eventDataBag") or [], "eventCode", "eventDescriptionText",
                                 "eventDate", warnings)
        return OfficeFile("US", "USPTO Open Data Portal (patent file wrapper)", record.get("applicationNumberText"),
                          meta.get("filingDate"), entries, warnings)
    if "patentBag" in data:
        record = _one_application(data["patentBag"] or [], lambda r: r.get("applicationNumberText"), expected)
        entries = _uspto_entries(record.get("transactionContentBag") or [], "caseActionCode",
                                 "caseActionDescriptionText", "recordedDate", warnings)
        return OfficeFile("US", "USPTO Open Data Portal (patent file wrapper, 2024 format)",
                          record.get("applicationNumberText"), record.get("filingDate"), entries, warnings)
    docs = (((data.get("queryResults") or {}).get("searchResponse") or {}).get("response") or {}).get("docs")
    if docs is not None:
        record = _one_application(docs, lambda r: r.get("applId"), expected)
        entries = _uspto_entries(record.get("transactions") or [], "code", "description", "recordDate", warnings)
        filed = _day(record.get("appFilingDate"), "Filing date", warnings) if record.get("appFilingDate") else None
        return OfficeFile("US", "USPTO Patent Examination Data System (PEDS)", record.get("applId"), filed,
                          entries, warnings)
    raise OfficeDataError("This JSON is not a USPTO file history: expected the Open Data Portal's "
                          "patentFileWrapperDataBag (or patentBag) or PEDS's queryResults.")


def _texts(step: Element) -> dict[str, str]:
    return {t.get("step-text-type", ""): (t.text or "").strip() for t in step.findall(f"{REG}procedural-step-text")}


def _step_dates(step: Element) -> dict[str, str]:
    return {d.get("step-date-type", ""): (d.findtext(f"{REG}date") or "").strip()
            for d in step.findall(f"{REG}procedural-step-date")}


def _procedural_steps(document: Element, warnings: list[str]) -> list[OfficeEntry]:
    """reg:procedural-step: a code, its description (and a renewal's year), dated by dispatch, payment or request."""
    entries = []
    for position, step in enumerate(document.iter(f"{REG}procedural-step"), start=1):
        code = (step.findtext(f"{REG}procedural-step-code") or "").strip()
        texts, dates = _texts(step), _step_dates(step)
        year = texts.get("YEAR")
        when = next((dates[k] for k in ("DATE_OF_DISPATCH", "DATE_OF_PAYMENT", "DATE_OF_REQUEST") if dates.get(k)),
                    next(iter(dates.values()), ""))
        on = _day(when, f"Procedural step {position} ({code})", warnings) if when else ""
        entries.append(OfficeEntry(on=on or "", code=code, params={"year": year} if year else {},
                                   text=texts.get("STEP_DESCRIPTION", "") + (f", year {year}" if year else "")))
        if dates.get("GRANT_FEE_PAID"):  # the reply to the Rule 71(3) communication, inside the same step
            paid = _day(dates["GRANT_FEE_PAID"], f"Procedural step {position} ({code}) fee for grant", warnings)
            entries.append(OfficeEntry(on=paid or "", code=f"{code}/GRANT_FEE_PAID",
                                       text="Fee for grant and publishing paid"))
    return entries


def _dossier_events(document: Element, warnings: list[str]) -> list[OfficeEntry]:
    entries = []
    for position, event in enumerate(document.iter(f"{REG}dossier-event"), start=1):
        code = (event.findtext(f"{REG}event-code") or "").strip()
        on = _day(event.findtext(f"{REG}event-date/{REG}date"), f"Dossier event {position} ({code})", warnings)
        entries.append(OfficeEntry(on=on or "", code=code, text=(event.findtext(f"{REG}event-text") or "").strip()))
    return entries


def _dates_rights_effective(document: Element, warnings: list[str]) -> list[OfficeEntry]:
    entries = []
    for effective in document.iter(f"{REG}dates-rights-effective"):
        for child in effective:
            name = child.tag.removeprefix(REG)
            on = _day(child.findtext(f".//{REG}date"), f"Dates rights effective ({name})", warnings)
            entries.append(OfficeEntry(on=on or "", code=name, text=name.replace("-", " ").capitalize()))
    return entries


def _read_ep_register(root: Element, expected: str | None) -> OfficeFile:
    documents = list(root.iter(f"{REG}register-document"))
    if not documents:
        raise OfficeDataError("This XML is not an EP Register extract: no reg:register-document in it.")
    document = _one_application(documents, _ep_application_number, expected)
    warnings: list[str] = []
    entries = [*_procedural_steps(document, warnings), *_dossier_events(document, warnings),
               *_dates_rights_effective(document, warnings)]
    reference = _ep_application_reference(document)
    filed = reference.findtext(f"{REG}document-id/{REG}date") if reference is not None else None
    return OfficeFile("EP", "European Patent Register (EPO OPS)", _ep_application_number(document),
                      _day(filed, "Filing date", warnings) if filed else None, entries, warnings)


def _ep_application_reference(document: Element) -> Element | None:
    """The EP application's own reference (a Euro-PCT file also names its international application)."""
    return next((reference for reference in document.iter(f"{REG}application-reference")
                 if (reference.findtext(f"{REG}document-id/{REG}country") or "").strip() == "EP"), None)


def _ep_application_number(document: Element) -> str | None:
    reference = _ep_application_reference(document)
    number = reference.findtext(f"{REG}document-id/{REG}doc-number") if reference is not None else None
    return (number or "").strip() or None


def read_office_file(raw: bytes, expected_number: str | None = None) -> OfficeFile:
    """Parse an uploaded file history; OfficeDataError says, with its position, why a file cannot be read."""
    if len(raw) > MAX_FILE_BYTES:
        raise OfficeDataError(f"The file is {len(raw) // 1024 // 1024} MB; a file history is far smaller. "
                              "Download the one application's history.")
    head = raw.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            where = f" at line {error.lineno}, column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
            raise OfficeDataError(f"The file is not valid JSON{where}: {getattr(error, 'msg', error)}.") from error
        if not isinstance(data, dict):
            raise OfficeDataError("This JSON is not a USPTO file history: expected an object at the top.")
        return _read_uspto(data, expected_number)
    if head == b"<":
        try:
            root = fromstring(raw)
        except ParseError as error:
            line, column = error.position
            raise OfficeDataError(f"The file is not well-formed XML (line {line}, column {column}).") from error
        except DefusedXmlException as error:
            raise OfficeDataError("The XML declares entities or a DTD, which an EP Register extract never "
                                  "does; it was not read.") from error
        return _read_ep_register(root, expected_number)
    raise OfficeDataError("Upload the file history as the office serves it: USPTO JSON (Open Data Portal or PEDS) "
                          "or EP Register XML.")


# --- what the entries mean ----------------------------------------------------------------------------------

@cache
def codebook() -> dict[tuple[str, str], dict]:
    """(office, code) -> {"kind": "propose" | "no_event", "event", "params", "ask", "derive", "why"}."""
    data = tomllib.loads((resources.files(__package__) / "office_codes.toml").read_text(encoding="utf-8"))
    book = {}
    for kind in ("propose", "no_event"):
        for spec in data.get(kind, []):
            for code in spec["codes"]:
                book[(spec["office"], code)] = {"kind": kind, "event": spec.get("event"),
                                                "params": dict(spec.get("params", {})), "ask": spec.get("ask", []),
                                                "derive": spec.get("derive", []), "why": spec["why"]}
    return book


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number or "")


def _same_number(a: str, b: str) -> bool:
    """15/123,456 is 15123456; EP15860753.1 is 15860753 (the check digit is left out of the register's numbers)."""
    da, db_ = _digits(a), _digits(b)
    return bool(da) and (da == db_ or len(da) >= 8 and len(db_) >= 8 and da[:8] == db_[:8] and
                         max(len(da), len(db_)) <= 9)


def _derived(name: str, matter: Matter, entry: OfficeEntry, proposed: list[OfficeEntry]) -> str | int | None:
    if name == "final_action_date":  # the latest final action mailed before the advisory action
        earlier = [e.on for e in proposed if e.event == "FINAL_OA" and e.on <= entry.on]
        return max(earlier) if earlier else None
    if name == "application_type":
        return grant_params(matter)["application_type"]
    if name == "sequence":  # the renewal year the register states
        year = str(entry.params.pop("year", ""))
        return int(year) if year.isdigit() else None
    raise KeyError(name)


def _same_day_rank(office: str, book: dict, code: str) -> int:
    """On one day, an extension comes before the reply it makes timely (XT/G and A... share a date)."""
    spec = book.get((office, code))
    if spec is None or spec["kind"] != "propose":
        return 1
    closing = event_role(office, spec["event"]).closing
    return 0 if closing and closing["extends"] else 1


def interpret(matter: Matter, office_file: OfficeFile) -> list[OfficeEntry]:
    """Each entry with its status: proposed (with its event and parameters), already on the docket, a
    duplicate of an earlier entry, known to open nothing, or not mapped. Proposals come in date order."""
    book = codebook()
    on_docket = set(db.session.execute(select(Event.code, Event.event_date).where(
        Event.matter_id == matter.id, Event.deleted_at.is_(None))).all())
    entries = sorted(office_file.entries, key=lambda e: (e.on, _same_day_rank(office_file.office, book, e.code)))
    proposed: list[OfficeEntry] = []
    seen: set[tuple] = set()
    for entry in entries:
        spec = book.get((office_file.office, entry.code))
        if spec is None:
            entry.status, entry.why = "not_mapped", "not mapped: PatentDesk does not know this code"
            continue
        entry.why = spec["why"] if entry.on or spec["kind"] == "no_event" else \
            "the file gives no date for it, so it cannot be docketed"
        if spec["kind"] == "no_event" or not entry.on:
            entry.status = "no_event"
            continue
        entry.event, entry.ask = spec["event"], list(spec["ask"])
        entry.params = {**entry.params, **spec["params"]}
        for name in spec["derive"]:
            value = _derived(name, matter, entry, proposed)
            if value is None:
                entry.ask.append(name)
            else:
                entry.params[name] = value
        key = (entry.event, entry.on, json.dumps(entry.params, sort_keys=True))
        if (entry.event, date.fromisoformat(entry.on)) in on_docket:
            entry.status = "on_docket"
        elif key in seen:
            entry.status = "duplicate"
        else:
            entry.status = "propose"
            proposed.append(entry)
        seen.add(key)
    return entries


# --- proposing and confirming -------------------------------------------------------------------------------

def propose_from_file(matter: Matter, raw: bytes, filename: str, actor_id: int) -> OfficeDataImport:
    """Read the file and keep what it proposes; nothing is recorded until someone else confirms it."""
    office_file = read_office_file(raw, matter.application_number)
    office_of_matter = {"US": "US", "EP": "EP"}.get(matter.jurisdiction)
    if office_file.office != office_of_matter:
        raise OfficeDataError(f"This is a file history of the {office_file.source}; {matter.reference} is a "
                              f"{matter.jurisdiction} matter.")
    if office_file.application_number and matter.application_number and \
            not _same_number(office_file.application_number, matter.application_number):
        raise OfficeDataError(f"This file is the history of application {office_file.application_number}; "
                              f"{matter.reference} is application {matter.application_number}. Nothing was read.")
    if not office_file.application_number:
        office_file.warnings.insert(0, "The file does not name its application: check it is this matter's.")
    elif not matter.application_number:
        office_file.warnings.insert(0, f"The matter has no application number yet; the file is the history of "
                                       f"{office_file.application_number}.")
    entries = interpret(matter, office_file)
    proposal = OfficeDataImport(
        matter_id=matter.id, source=office_file.source, filename=filename[:200],
        application_number=office_file.application_number, entries=[asdict(e) for e in entries],
        warnings=office_file.warnings, status="proposed", uploaded_by_id=actor_id)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def entry_label(matter: Matter, entry: dict) -> str:
    return f"{event_label(matter.jurisdiction, entry['event'])} of {entry['on']}" if entry.get("event") \
        else f"{entry['code']} of {entry['on']}"


def confirm(proposal: OfficeDataImport, picked: dict[int, dict], actor_id: int) -> list[Event]:
    """Record the picked proposals (index -> parameters the confirmer filled in), oldest first.

    The person who uploaded the file cannot confirm it. Any entry that cannot be recorded stops the whole
    confirmation with its reason (the caller rolls back), so a half-imported history never reaches the docket.
    """
    if proposal.status != "proposed":
        raise DocketError(f"This file history was already {proposal.status}.")
    if proposal.uploaded_by_id == actor_id:
        raise DocketError("You uploaded this file history; a second person checks and confirms what it records.")
    matter = proposal.matter
    entries = [dict(e) for e in proposal.entries]
    recorded: list[Event] = []
    for index in sorted(picked, key=lambda i: (entries[i]["on"], i)):
        entry = entries[index]
        if entry["status"] != "propose":
            raise DocketError(f"Entry {index + 1} ({entry_label(matter, entry)}) is not a proposal.")
        params = {**entry["params"], **{k: v for k, v in picked[index].items() if k in entry["ask"]}}
        required = {p["name"] for p in event_parameters(matter.jurisdiction, entry["event"]) if p["required"]}
        missing = [name for name in entry["ask"] if name in required and not params.get(name)]
        if missing:
            raise DocketError(f"{entry_label(matter, entry)} needs: {', '.join(missing)} (from the office's "
                              "document). Fill it in or leave the entry unticked.")
        try:
            event = record_event(matter, entry["event"], date.fromisoformat(entry["on"]), params, actor_id,
                                 note=f"From the office's file history: {entry['code']} {entry['text']}"[:500])
        except DocketError as error:
            raise DocketError(f"{entry_label(matter, entry)}: {error}") from error
        event.office_import_id = proposal.id
        entry["event_id"], entry["params"] = event.id, params
        recorded.append(event)
    proposal.entries = entries
    proposal.status, proposal.decided_by_id, proposal.decided_at = "confirmed", actor_id, utcnow()
    db.session.flush()
    return recorded


def discard(proposal: OfficeDataImport, actor_id: int) -> None:
    if proposal.status != "proposed":
        raise DocketError(f"This file history was already {proposal.status}.")
    proposal.status, proposal.decided_by_id, proposal.decided_at = "discarded", actor_id, utcnow()
