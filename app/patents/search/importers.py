"""Turns patent files (USPTO ICE XML, EPO ep-patent-document XML, JSONL, CSV) into PatentRecords.

One failure per broken document.

Formats are detected from the content, then the file name:

* USPTO ICE XML, `us-patent-grant` (DTD v4.0-v4.7) and `us-patent-application` (v4.0-v4.6), including
  bulk files of many `<?xml ...?>` documents concatenated. Each document is parsed on its own.
* EPO `ep-patent-document` (DTD v1.0-v1.7).
* JSONL: one JSON object per line with the keys in COLUMNS.
* CSV with a header row naming the COLUMNS (any order; only `number` is required).

Columns (JSONL keys and CSV header names):

    number            patent number in any common form (`US 7,314,354 B2`, `EP3383757B1`); required
    kind              kind code, when `number` does not carry one
    title, abstract, description
    claims            JSONL: list of claim texts; CSV (or a JSONL string): claims separated by blank lines.
                      A leading `1.` is taken as the claim number; dependencies are read from the text.
    cpc, ipc          classification symbols, `;`-separated in CSV (JSONL: list or `;` string)
    applicants, assignees, inventors   names, `;`-separated in CSV (JSONL: list or `;` string)
    priority_date, filing_date, publication_date   ISO `YYYY-MM-DD` or `YYYYMMDD`
    citations         cited patent numbers, `;`-separated in CSV (JSONL: list of numbers or of
                      {"number", "category", "text"} objects)
    application_number, family_id      optional

XML safety: documents declaring entities (`<!ENTITY`) are rejected (entity expansion attacks), the
DOCTYPE is stripped so no DTD or external entity is ever loaded, HTML named entities are replaced
by their characters, and a bare `&` is escaped.

Real-world breakage is repaired with a warning on the imported record, only when a document does not parse as
it is: a `<` that does not start a tag is escaped (EP headings such as `<heading id="h0011"><First
Embodiment</heading>`), and unbalanced `<maths>` wrappers around `<math>` are balanced (a US grant whose
`<maths>` opener is missing). Sequence listings (`<sequence-cwu>`) in weekly bulk files are not patents: they
are yielded as SkippedDocument, counted, never failures.
"""

from __future__ import annotations

import csv
import html.entities
import itertools
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO, TextIO

from defusedxml.ElementTree import fromstring  # refuses entity expansion and external references

from ..claims import Claim, claim_references
from ..priority import imported_priority_date
from .records import Citation, PatentRecord, split_number

COLUMNS = (
    "number", "kind", "title", "abstract", "claims", "description", "cpc", "ipc",
    "applicants", "assignees", "inventors", "priority_date", "filing_date", "publication_date",
    "citations", "application_number", "family_id",
)


@dataclass
class ImportedRecord:
    record: PatentRecord
    file: str
    position: int  # 1-based document index in a concatenated XML file; line number for JSONL/CSV
    line: int  # line where the document starts
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportFailure:
    file: str
    position: int
    line: int
    error: str


@dataclass
class SkippedDocument:
    """A document of a bulk file that is not a patent (a sequence listing): counted, neither imported nor failed."""
    file: str
    position: int
    line: int
    kind: str  # what it is, e.g. "sequence listing"


ImportItem = ImportedRecord | ImportFailure | SkippedDocument


class RecordError(ValueError):
    """A single document or row cannot be turned into a PatentRecord."""


def iter_records(path_or_fileobj: str | os.PathLike | BinaryIO | TextIO,
                 filename: str | None = None) -> Iterator[ImportItem]:
    """Yield an ImportItem for every document in the file, never stopping at a broken one."""
    if isinstance(path_or_fileobj, (str, os.PathLike)):
        filename = filename or os.fspath(path_or_fileobj)
        with open(path_or_fileobj, "rb") as stream:
            yield from _iter_stream(stream, filename)
    else:
        yield from _iter_stream(path_or_fileobj, filename or getattr(path_or_fileobj, "name", "<stream>"))


def _iter_stream(stream, filename: str) -> Iterator[ImportItem]:
    head = stream.read(4096)
    if isinstance(head, str):
        head = head.encode("utf-8")
        chunks = (chunk.encode("utf-8") for chunk in iter(lambda: stream.read(65536), ""))
    else:
        chunks = iter(lambda: stream.read(65536), b"")
    lines = _byte_lines(head, chunks)
    file_format = _detect_format(head, filename)
    if file_format == "xml":
        yield from _iter_xml(lines, filename)
    elif file_format == "jsonl":
        yield from _iter_jsonl(lines, filename)
    elif file_format == "csv":
        yield from _iter_csv(lines, filename)
    else:
        yield ImportFailure(filename, 1, 1, "unrecognised file format (expected XML, JSONL or CSV)")


def _byte_lines(head: bytes, chunks: Iterable[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in itertools.chain([head], chunks):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line + b"\n"
    if pending:
        yield pending


def _detect_format(head: bytes, filename: str) -> str | None:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"<"):
        return "xml"
    if start.startswith(b"{"):
        return "jsonl"
    extension = os.path.splitext(filename.lower())[1]
    return {".xml": "xml", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}.get(extension)


# ---------------------------------------------------------------------------------------------
# XML: splitting, sanitising, parsing

_XML_DECLARATION_RE = re.compile(rb"<\?xml\s+version")
_ENCODING_RE = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_DOCTYPE_RE = re.compile(r"<!DOCTYPE\s[^\[>]*(?:\[.*?\])?\s*>", re.DOTALL)
_DECLARATION_RE = re.compile(r"<\?xml\s[^>]*\?>")
_NAMED_ENTITY_RE = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_BARE_AMPERSAND_RE = re.compile(r"&(?![A-Za-z][A-Za-z0-9]*;|#[0-9]+;|#x[0-9A-Fa-f]+;)")
_XML_PREDEFINED = {"amp", "lt", "gt", "quot", "apos"}


def _split_documents(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Yield (start line, bytes) for each document, splitting at every `<?xml version` declaration."""
    buffer: list[bytes] = []
    start_line = 1
    for line_number, line in enumerate(lines, start=1):
        match = _XML_DECLARATION_RE.search(line)
        if match:
            buffer.append(line[:match.start()])
            if b"".join(buffer).strip():
                yield start_line, b"".join(buffer)
            buffer, start_line = [line[match.start():]], line_number
        else:
            buffer.append(line)
    if b"".join(buffer).strip():
        yield start_line, b"".join(buffer)


_SEQUENCE_LISTING_RE = re.compile(rb"<(?:!DOCTYPE\s+)?sequence-cwu[\s>]")


def _iter_xml(lines: Iterable[bytes], filename: str) -> Iterator[ImportItem]:
    for position, (start_line, raw) in enumerate(_split_documents(lines), start=1):
        if _SEQUENCE_LISTING_RE.search(raw, 0, 4096):
            yield SkippedDocument(filename, position, start_line, "sequence listing")
            continue
        warnings: list[str] = []
        try:
            record = _record_from_xml(_parse_document(raw, start_line, warnings))
        except Exception as error:  # one broken document must not stop a bulk import
            yield ImportFailure(filename, position, start_line, _describe(error))
            continue
        yield ImportedRecord(record, filename, position, start_line, warnings)


def _describe(error: Exception) -> str:
    if isinstance(error, (RecordError, UnicodeDecodeError, LookupError, json.JSONDecodeError)):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _parse_document(raw: bytes, start_line: int, warnings: list[str]) -> ET.Element:
    encoding_match = _ENCODING_RE.match(raw.lstrip())
    text = raw.decode(encoding_match.group(1).decode("ascii") if encoding_match else "utf-8")
    text = text.lstrip("\ufeff")
    if "<!ENTITY" in text:
        raise RecordError("entity declarations are not allowed")
    # Blank out the declaration and DOCTYPE but keep their newlines so error line numbers stay true.
    def keep_newlines(match: re.Match) -> str:
        return "\n" * match.group(0).count("\n")

    text = _DECLARATION_RE.sub(keep_newlines, text, count=1)
    text = _DOCTYPE_RE.sub(keep_newlines, text, count=1)
    text = _NAMED_ENTITY_RE.sub(lambda match: _replace_entity(match, warnings), text)
    text = _BARE_AMPERSAND_RE.sub("&amp;", text)
    try:
        return fromstring(text)
    except ET.ParseError as error:
        first_error = error
    repaired, repairs = _repair_markup(text)
    if repairs:
        try:
            root = fromstring(repaired)
        except ET.ParseError:
            pass  # the repairs were not enough: report the document's own first error
        else:
            warnings.extend(repairs)
            return root
    line, column = first_error.position
    reason = re.sub(r": line \d+, column \d+$", "", str(first_error))
    raise RecordError(f"XML error at line {start_line + line - 1}, column {column}: {reason}") from None


# A `<` that cannot start markup: no tag name, or a "tag" that meets another `<` before its `>`.
_BARE_LESS_THAN_RE = re.compile(r"<(?![/?]?[A-Za-z_][^<>]*>|!)")
_MATHS_TAG_RE = re.compile(r"<maths\b[^>]*>|</maths>")
_MATH_START_RE = re.compile(r"<math[\s>]")


def _repair_markup(text: str) -> tuple[str, list[str]]:
    """Repairs for breakage seen in real bulk files; returns the text and one warning per kind of repair."""
    warnings = []
    text, bare = _BARE_LESS_THAN_RE.subn("&lt;", text)
    if bare:
        warnings.append(f"repaired: {bare} bare '<' escaped")
    text, maths = _balance_maths_wrappers(text)
    if maths:
        warnings.append(f"repaired: {maths} unbalanced <maths> wrapper(s)")
    return text, warnings


def _balance_maths_wrappers(text: str) -> tuple[str, int]:
    """Give a `</maths>` without opener its `<maths>` before the `<math>` it closes, and close an unclosed
    `<maths>` after its `</math>`; a wrapper with no `<math>` to hold is removed. Returns (text, repairs)."""
    edits: list[tuple[int, int, str]] = []  # (position, characters removed, text inserted)

    def close(opener: re.Match, limit: int) -> None:
        end = text.find("</math>", opener.end(), limit)
        edits.append((end + len("</math>"), 0, "</maths>") if end >= 0
                     else (opener.start(), opener.end() - opener.start(), ""))

    opener: re.Match | None = None
    previous_end = 0
    for tag in _MATHS_TAG_RE.finditer(text):
        if tag.group(0) != "</maths>":
            if opener:
                close(opener, tag.start())
            opener = tag
        elif opener:
            opener = None
        else:
            starts = list(_MATH_START_RE.finditer(text, previous_end, tag.start()))
            edits.append((starts[-1].start(), 0, "<maths>") if starts
                         else (tag.start(), tag.end() - tag.start(), ""))
        previous_end = tag.end()
    if opener:
        close(opener, len(text))
    for position, removed, inserted in sorted(edits, reverse=True):
        text = text[:position] + inserted + text[position + removed:]
    return text, len(edits)


def _replace_entity(match: re.Match, warnings: list[str]) -> str:
    name = match.group(1)
    if name in _XML_PREDEFINED:
        return match.group(0)
    character = html.entities.html5.get(name + ";")
    if character is None:
        warnings.append(f"unknown entity &{name}; replaced by U+FFFD")
        return "\ufffd"
    return character.replace("&", "&amp;").replace("<", "&lt;")


def _record_from_xml(root: ET.Element) -> PatentRecord:
    if root.tag in ("us-patent-grant", "us-patent-application"):
        return _record_from_uspto(root)
    if root.tag == "ep-patent-document":
        return _record_from_epo(root)
    raise RecordError(f"unsupported document type <{root.tag}>")


# Elements rendered without surrounding spaces; every other element is a word boundary.
_INLINE_TAGS = {"b", "i", "u", "o", "sup", "sub", "sup2", "sub2", "smallcaps", "claim-ref", "figref", "crossref"}


def _text(element: ET.Element | None) -> str:
    """The element's text with whitespace collapsed, block elements (paragraphs, table cells) kept apart."""
    if element is None:
        return ""
    parts: list[str] = []

    def collect(node: ET.Element) -> None:
        parts.append(node.text or "")
        for child in node:
            separator = "" if child.tag in _INLINE_TAGS else " "
            parts.append(separator)
            collect(child)
            parts.append(separator)
            parts.append(child.tail or "")

    collect(element)
    return " ".join("".join(parts).split())


def _child_text(element: ET.Element | None, path: str) -> str:
    return _text(element.find(path)) if element is not None else ""


def parse_date(value: str | None) -> date | None:
    """`20120327`, `2012-03-27` -> date; a 00 day or month (common in citations) becomes 01."""
    if not value or not value.strip():
        return None
    digits = re.sub(r"[^0-9]", "", value)
    if len(digits) != 8:
        raise RecordError(f"invalid date {value!r}")
    year, month, day = int(digits[:4]), int(digits[4:6]) or 1, int(digits[6:]) or 1
    try:
        return date(year, month, day)
    except ValueError:
        raise RecordError(f"invalid date {value!r}") from None


# Classification symbols --------------------------------------------------------------------

_SYMBOL_RE = re.compile(r"([A-HY])\s*(\d\d)\s*([A-Z])\s*0*(\d{1,4})\s*/\s*(\d{2,6})(?!\d)")


def normalise_classification(text: str) -> str | None:
    """`H04L 9/0861 (2013.01)`, `B65D  51/18  20060101AFI...`, `7A 45D 8/20` -> `H04L9/0861`...; None if no symbol."""
    match = _SYMBOL_RE.search(text.upper())
    return "{}{}{}{}/{}".format(*match.groups()) if match else None


def _classification_from_parts(element: ET.Element) -> str | None:
    """ICE `classification-ipcr`/`classification-cpc`: section, class, subclass, main-group, subgroup."""
    parts = [_child_text(element, tag) for tag in ("section", "class", "subclass", "main-group", "subgroup")]
    if not all(parts[:4]):
        return None
    return normalise_classification(f"{parts[0]}{parts[1]}{parts[2]}{parts[3]}/{parts[4] or '00'}")


def _ipc_edition7(text: str) -> str | None:
    """Fixed-width IPC of ICE v4.0-v4.1 `classification-ipc`: `A45F  504` -> A45F5/04, `H01L 21302` -> H01L21/302.

    Some v4.0 files write the symbol with a slash instead (`G06F015/00`): None here, normalise_classification reads it.
    """
    text = text.strip().upper()
    if len(text) < 8 or not re.match(r"[A-H]\d\d[A-Z]$", text[:4]):
        return None
    group, subgroup = text[4:7].strip(), text[7:].strip()
    if not group.isdigit() or not subgroup.isdigit():
        return None
    return f"{text[:4]}{int(group)}/{subgroup}"


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


# Claims -------------------------------------------------------------------------------------

_CLAIM_NUMBER_PREFIX_RE = re.compile(r"^\s*(\d+)\s*[.)]\s*")
def make_claim(number: int, text: str, referenced: Iterable[int] = ()) -> Claim:
    """A Claim with its number prefix removed and its dependencies (earlier claims only)."""
    prefix = _CLAIM_NUMBER_PREFIX_RE.match(text)
    if prefix and int(prefix.group(1)) == number:
        text = text[prefix.end():]
    depends_on = set(referenced) or set(claim_references(text))
    return Claim(number, text, sorted(n for n in depends_on if 0 < n < number))


def _claims_from_xml(claims_element: ET.Element | None) -> list[Claim]:
    if claims_element is None:
        return []
    claim_elements = claims_element.findall("claim")
    number_by_id: dict[str, int] = {}
    for index, element in enumerate(claim_elements, start=1):
        num = (element.get("num") or "").strip()
        number_by_id[element.get("id", "")] = int(num) if num.isdigit() else index
    claims = []
    for element in claim_elements:
        number = number_by_id[element.get("id", "")]
        referenced: set[int] = set()
        for reference in element.iter("claim-ref"):
            referenced.update(number_by_id[i] for i in (reference.get("idref") or "").split() if i in number_by_id)
            text = _text(reference)
            referenced.update(claim_references(text if re.search("claim", text, re.IGNORECASE) else f"claims {text}"))
        claims.append(make_claim(number, _text(element), referenced))
    return claims


# USPTO ICE ---------------------------------------------------------------------------------

_US_CITATION_CATEGORIES = {
    "cited by examiner": "examiner",
    "cited by applicant": "applicant",
    "cited by other": "applicant",  # pre-2008 label for references not cited by the examiner
    "cited by third party": None,
}


def _us_name(party: ET.Element) -> str:
    book = party.find("addressbook")
    book = book if book is not None else party
    organisation = _child_text(book, "orgname")
    if organisation:
        return organisation
    last, first = _child_text(book, "last-name"), _child_text(book, "first-name")
    return ", ".join(part for part in (last, first) if part)


def _document_id(element: ET.Element | None) -> dict:
    if element is None:
        return {}
    return {
        "country": _child_text(element, "country"),
        "doc_number": _child_text(element, "doc-number"),
        "kind": _child_text(element, "kind") or None,
        "date": _child_text(element, "date") or None,
    }


def _related_us_documents(bibliographic: ET.Element) -> list[dict]:
    related = []
    container = bibliographic.find("us-related-documents")
    for relation in list(container) if container is not None else []:
        if relation.tag in ("us-provisional-application", "related-publication"):
            documents = relation.findall("document-id")
        else:
            documents = relation.findall("relation/parent-doc/document-id") + relation.findall(
                "relation/parent-doc/parent-grant-document/document-id")
        for document in documents:
            entry = _document_id(document)
            related.append({"relation": relation.tag, **entry, "date": _iso(entry["date"])})
    for claim in bibliographic.findall("priority-claims/priority-claim"):
        related.append({"relation": "priority", "country": _child_text(claim, "country"),
                        "doc_number": _child_text(claim, "doc-number"), "kind": None,
                        "date": _iso(_child_text(claim, "date"))})
    return related


def _iso(value: str | None) -> str | None:
    parsed = parse_date(value) if value else None
    return parsed.isoformat() if parsed else None


def _us_citations(bibliographic: ET.Element) -> list[Citation]:
    citations = []
    for citation in bibliographic.findall("references-cited/citation") + bibliographic.findall(
            "us-references-cited/us-citation"):
        category = _US_CITATION_CATEGORIES.get(_child_text(citation, "category").lower())
        patent = citation.find("patcit/document-id")
        if patent is not None:
            number = _citation_number(_child_text(patent, "country"), _child_text(patent, "doc-number"),
                                      _child_text(patent, "kind"))
            citations.append(Citation(number, category))
        elif citation.find("nplcit") is not None:
            citations.append(Citation(None, category, _child_text(citation, "nplcit")))
    return citations


def _citation_number(country: str, doc_number: str, kind: str | None) -> str | None:
    try:
        country, doc_number, kind = split_number(f"{country}{doc_number}", kind or None)
    except ValueError:
        return f"{country}{doc_number}{kind or ''}" or None
    return f"{country}{doc_number}{kind or ''}"


def _record_from_uspto(root: ET.Element) -> PatentRecord:
    is_grant = root.tag == "us-patent-grant"
    bibliographic = root.find("us-bibliographic-data-grant" if is_grant else "us-bibliographic-data-application")
    if bibliographic is None:
        raise RecordError(f"<{root.tag}> without bibliographic data")
    publication = _document_id(bibliographic.find("publication-reference/document-id"))
    if not publication.get("doc_number"):
        raise RecordError("missing publication number")
    application = _document_id(bibliographic.find("application-reference/document-id"))

    parties = bibliographic.find("us-parties")
    if parties is None:
        parties = bibliographic.find("parties")
    applicant_elements = []
    inventor_elements = []
    if parties is not None:
        applicant_elements = parties.findall("us-applicants/us-applicant") + parties.findall("applicants/applicant")
        inventor_elements = parties.findall("inventors/inventor")
    if not inventor_elements:  # before v4.3 inventors were listed as applicants
        inventor_elements = [a for a in applicant_elements if "inventor" in (a.get("app-type") or "applicant-inventor")]

    ipc = [_classification_from_parts(e) for e in bibliographic.findall("classifications-ipcr/classification-ipcr")]
    for tag in ("main-classification", "further-classification"):
        ipc += [_ipc_edition7(e.text or "") or normalise_classification(e.text or "")
                for e in bibliographic.findall(f"classification-ipc/{tag}")]
    cpc = [_classification_from_parts(e) for e in bibliographic.findall("classifications-cpc//classification-cpc")]

    related = _related_us_documents(bibliographic)
    filing_date = parse_date(application.get("date"))
    return PatentRecord.from_number(
        f"{publication.get('country') or 'US'}{publication['doc_number']}",
        publication.get("kind"),
        title=_child_text(bibliographic, "invention-title"),
        abstract=_child_text(root, "abstract"),
        claims=_claims_from_xml(root.find("claims")),
        description=_child_text(root, "description"),
        cpc=_unique(cpc),
        ipc=_unique(ipc),
        applicants=_unique(_us_name(a) for a in applicant_elements),
        assignees=_unique(_us_name(a) for a in bibliographic.findall("assignees/assignee")),
        inventors=_unique(_us_name(i) for i in inventor_elements),
        priority_date=imported_priority_date(filing_date, related),
        filing_date=filing_date,
        publication_date=parse_date(publication.get("date") or root.get("date-publ")),
        application_number=(f"{application.get('country') or 'US'}{application['doc_number']}"
                            if application.get("doc_number") else None),
        related_documents=related,
        citations=_us_citations(bibliographic),
        source_format=(f"uspto-{'grant' if is_grant else 'application'} "
                       f"{root.get('dtd-version', '').split(' ')[0]}").strip(),
    )


# EPO ep-patent-document ---------------------------------------------------------------------


def _preferred_language(elements: list[ET.Element], document_language: str) -> ET.Element | None:
    for language in ("en", document_language):
        for element in elements:
            if (element.get("lang") or "").lower() == language:
                return element
    return elements[0] if elements else None


def _epo_title(bibliographic: ET.Element, document_language: str) -> str:
    titles: dict[str, str] = {}
    language = None
    for element in bibliographic.find("B500/B540") if bibliographic.find("B500/B540") is not None else []:
        if element.tag == "B541":
            language = (element.text or "").strip().lower()
        elif element.tag == "B542":
            titles.setdefault(language or "", _text(element))
    return titles.get("en") or titles.get(document_language) or next(iter(titles.values()), "")


def _epo_priorities(bibliographic: ET.Element) -> list[dict]:
    priorities: list[dict] = []
    for element in bibliographic.find("B300") if bibliographic.find("B300") is not None else []:
        if element.tag == "B310":
            priorities.append({"relation": "priority", "country": "", "doc_number": _text(element), "kind": None,
                               "date": None})
        elif element.tag == "B320" and priorities:
            priorities[-1]["date"] = _iso(_child_text(element, "date"))
        elif element.tag == "B330" and priorities:
            priorities[-1]["country"] = _child_text(element, "ctry")
    return priorities


def _epo_citations(root: ET.Element, bibliographic: ET.Element) -> list[Citation]:
    citations = []
    for element in bibliographic.findall("B500/B560/*"):
        text = _child_text(element, "text") or _text(element)
        if element.tag == "B561":
            number = _epo_citation_number(text)
            citations.append(Citation(number, "examiner", None if number else text))
        elif element.tag == "B562":
            citations.append(Citation(None, "examiner", text))
    for patent in root.findall("ep-reference-list//patcit"):
        document = _document_id(patent.find("document-id"))
        number = (_citation_number(document["country"], document["doc_number"], document["kind"])
                  if document.get("doc_number") else _epo_citation_number(patent.get("dnum") or ""))
        citations.append(Citation(number, "applicant"))
    for literature in root.findall("ep-reference-list//nplcit"):
        citations.append(Citation(None, "applicant", _text(literature)))
    unique: dict[tuple, Citation] = {}
    for citation in citations:
        unique.setdefault((citation.number, citation.category, citation.text), citation)
    return list(unique.values())


def _epo_citation_number(text: str) -> str | None:
    try:
        country, doc_number, kind = split_number(text)
    except ValueError:
        return None
    return f"{country}{doc_number}{kind or ''}"


def _record_from_epo(root: ET.Element) -> PatentRecord:
    bibliographic = root.find("SDOBI")
    if bibliographic is None:
        raise RecordError("ep-patent-document without SDOBI bibliographic data")
    document_language = (root.get("lang") or "en").lower()
    doc_number = root.get("doc-number") or _child_text(bibliographic, "B100/B110")
    kind = root.get("kind") or _child_text(bibliographic, "B100/B130")
    if not doc_number:
        raise RecordError("missing publication number")
    ipc = [normalise_classification(_text(e)) for e in bibliographic.findall("B500/B510EP/classification-ipcr")]
    ipc += [normalise_classification(_text(e)) for e in bibliographic.findall("B500/B510/*")
            if e.tag in ("B511", "B512")]
    cpc = [normalise_classification(_text(e)) for e in bibliographic.iter("classification-cpc")]
    priorities = _epo_priorities(bibliographic)
    related = priorities + [
        {"relation": relation, "country": "", "doc_number": _text(number), "kind": None, "date": None}
        for relation, path in (("parent", "B600/B620/parent/pdoc/dnum/anum"),
                               ("pct-application", "B800/B860/B861/dnum/anum"),
                               ("pct-publication", "B800/B870/B871/dnum/pnum"))
        for number in bibliographic.findall(path)
    ]
    application_number = _child_text(bibliographic, "B200/B210")
    filing_date = parse_date(_child_text(bibliographic, "B200/B220/date"))
    return PatentRecord.from_number(
        f"EP{doc_number}", kind,
        title=_epo_title(bibliographic, document_language),
        abstract=_text(_preferred_language(root.findall("abstract"), document_language)),
        claims=_claims_from_xml(_preferred_language(root.findall("claims"), document_language)),
        description=_text(_preferred_language(root.findall("description"), document_language)),
        cpc=_unique(cpc),
        ipc=_unique(ipc),
        applicants=_unique(_child_text(e, "snm") for e in bibliographic.findall("B700/B710/B711")),
        assignees=_unique(_child_text(e, "snm") for e in bibliographic.findall("B700/B730/B731")),
        inventors=_unique(_child_text(e, "snm") for e in bibliographic.findall("B700/B720/B721")),
        priority_date=imported_priority_date(filing_date, priorities),
        filing_date=filing_date,
        publication_date=parse_date(root.get("date-publ") or _child_text(bibliographic, "B100/B140/date")),
        application_number=f"EP{application_number}" if application_number else None,
        related_documents=related,
        citations=_epo_citations(root, bibliographic),
        source_format=f"ep-patent-document {root.get('dtd-version', '').replace('ep-patent-document-', '')}".strip(),
    )


# ---------------------------------------------------------------------------------------------
# JSONL and CSV


def _split_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    if isinstance(value, str):
        return [item.strip() for item in value.split(";") if item.strip()]
    raise RecordError(f"expected a list or a ';'-separated string, got {type(value).__name__}")


def _claims_from_value(value) -> list[Claim]:
    if not value:
        return []
    if isinstance(value, str):
        texts = [block.strip() for block in re.split(r"\n\s*\n", value) if block.strip()]
    elif isinstance(value, list):
        texts = [str(item).strip() for item in value if str(item).strip()]
    else:
        raise RecordError("claims must be a list of strings or text separated by blank lines")
    claims = []
    for index, text in enumerate(texts, start=1):
        prefix = _CLAIM_NUMBER_PREFIX_RE.match(text)
        claims.append(make_claim(int(prefix.group(1)) if prefix else index, text))
    return claims


def _citations_from_value(value) -> list[Citation]:
    items = value if isinstance(value, list) else _split_list(value)
    citations = []
    for item in items:
        if isinstance(item, dict):
            number = item.get("number")
            category = item.get("category")
            if category not in (None, "examiner", "applicant"):
                raise RecordError(f"citation category must be 'examiner' or 'applicant', got {category!r}")
            cited = (_epo_citation_number(number) or number) if number else None
            citations.append(Citation(cited, category, item.get("text")))
        else:
            number = _epo_citation_number(str(item))
            citations.append(Citation(number, None, None if number else str(item)))
    return citations


def record_from_mapping(row: dict, source_format: str) -> PatentRecord:
    """Build a PatentRecord from a JSONL object or CSV row keyed by COLUMNS."""
    unknown = set(row) - set(COLUMNS)
    if unknown:
        raise RecordError(f"unknown columns: {', '.join(sorted(map(str, unknown)))}")
    raw_number = str(row.get("number") or "").strip()
    if not raw_number:
        raise RecordError("missing number")
    try:
        country, doc_number, kind = split_number(raw_number, str(row.get("kind") or "") or None)
    except ValueError as error:
        raise RecordError(str(error)) from None

    def text_value(key: str) -> str:
        return str(row.get(key) or "").strip()

    return PatentRecord(
        number=f"{country}{doc_number}{kind or ''}", country=country, doc_number=doc_number, kind=kind,
        title=text_value("title"),
        abstract=text_value("abstract"),
        claims=_claims_from_value(row.get("claims")),
        description=text_value("description"),
        cpc=_unique(normalise_classification(c) or c.replace(" ", "").upper() for c in _split_list(row.get("cpc"))),
        ipc=_unique(normalise_classification(c) or c.replace(" ", "").upper() for c in _split_list(row.get("ipc"))),
        applicants=_split_list(row.get("applicants")),
        assignees=_split_list(row.get("assignees")),
        inventors=_split_list(row.get("inventors")),
        priority_date=parse_date(text_value("priority_date")),
        filing_date=parse_date(text_value("filing_date")),
        publication_date=parse_date(text_value("publication_date")),
        application_number=text_value("application_number") or None,
        family_id=text_value("family_id") or None,
        citations=_citations_from_value(row.get("citations")),
        source_format=source_format,
    )


def _iter_jsonl(lines: Iterable[bytes], filename: str) -> Iterator[ImportItem]:
    for line_number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw.decode("utf-8-sig" if line_number == 1 else "utf-8"))
            if not isinstance(row, dict):
                raise RecordError("expected a JSON object")
            record = record_from_mapping(row, "jsonl")
        except Exception as error:  # one broken line must not stop the import
            yield ImportFailure(filename, line_number, line_number, _describe(error))
            continue
        yield ImportedRecord(record, filename, line_number, line_number)


def _iter_csv(lines: Iterable[bytes], filename: str) -> Iterator[ImportItem]:
    undecodable_lines: set[int] = set()

    def decoded() -> Iterator[str]:
        for line_number, raw in enumerate(lines, start=1):
            try:
                yield raw.decode("utf-8-sig" if line_number == 1 else "utf-8")
            except UnicodeDecodeError:
                undecodable_lines.add(line_number)
                yield raw.decode("utf-8", errors="replace")

    reader = csv.reader(decoded())
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as error:
        yield ImportFailure(filename, 1, 1, f"unreadable CSV header: {error}")
        return
    if "number" not in header:
        yield ImportFailure(filename, 1, 1, "CSV header has no 'number' column")
        return
    unknown = sorted(set(header) - set(COLUMNS))
    if unknown:
        yield ImportFailure(filename, 1, 1, f"unknown CSV columns: {', '.join(unknown)}")
        return
    while True:
        start_line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield ImportFailure(filename, start_line, start_line, f"malformed CSV: {error}")
            continue
        if not any(value.strip() for value in values):
            continue
        try:
            if undecodable_lines.intersection(range(start_line, reader.line_num + 1)):
                raise RecordError("invalid UTF-8")
            if len(values) != len(header):
                raise RecordError(f"row has {len(values)} fields, the header has {len(header)}")
            record = record_from_mapping(dict(zip(header, values)), "csv")
        except Exception as error:  # one broken row must not stop the import
            yield ImportFailure(filename, start_line, start_line, _describe(error))
            continue
        yield ImportedRecord(record, filename, start_line, start_line)
