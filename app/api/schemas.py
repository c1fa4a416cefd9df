"""marshmallow schemas of the API; what each role may see (``views``) and change (``writable``) is declared here."""
from __future__ import annotations

from datetime import UTC
from typing import ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..patents.checklists.models import CHECKLIST_STATUSES, ITEM_STATES
from ..patents.docketing.models import APPLICATION_TYPES, DEADLINE_STATUSES, JURISDICTIONS, MATTER_STATUSES
from ..patents.docketing.queries import STATUS_FILTERS
from ..patents.work_requests.models import REQUEST_KINDS, REQUEST_STATES
from ..permissions import ROLES, Can, roles_that
from ..single_line import REFUSAL, has_control_characters

DOCKETING_ROLES = roles_that(Can.DOCKET)
ID_RANGE = validate.Range(min=1, max=2**31 - 1)


class Text(fields.String):
    """A string the database can store: no NUL characters."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        return text


class SingleLineText(Text):
    """Text that may end up in a one-line place (an e-mail subject): no line breaks or control characters."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if has_control_characters(text):
            raise ValidationError(REFUSAL)
        return text


class UtcDateTime(fields.DateTime):
    """A moment in UTC with its offset; SQLite hands back naive datetimes that were written in UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class ParamValue(fields.Field):
    """An event parameter: a string, a whole number or a yes/no."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or isinstance(value, int) and abs(value) < 10**9:
            return value
        if isinstance(value, str) and len(value) <= 100 and "\x00" not in value:
            return value
        raise ValidationError("Must be a string (at most 100 characters), a whole number or a boolean.")


def _views(everyone: tuple[str, ...], docketers: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {role: everyone + (docketers if role in DOCKETING_ROLES else ()) for role in ROLES}


class ApiSchema(Schema):
    """Unknown fields are refused, so a body that names id, tenant_id or another read-only field is a 400."""

    views: ClassVar[dict[str, tuple[str, ...]]] = {}
    writable: ClassVar[dict[str, tuple[str, ...]]] = {}

    class Meta:
        unknown = RAISE

    @classmethod
    def dumper(cls, role: str, many: bool = False) -> Schema:
        return cls(only=cls.views[role], many=many)

    @classmethod
    def loader(cls, role: str, partial: bool = False) -> Schema:
        return cls(only=cls.writable[role], partial=partial)


MATTER_FIELDS_FOR_EVERYONE = (
    "id", "tenant_id", "reference", "title", "jurisdiction", "application_type", "application_number", "filing_date",
    "publication_number", "publication_date", "grant_number", "grant_date", "status", "parent_id", "family_relation",
    "created_at", "updated_at")
MATTER_FIELDS_FOR_DOCKETERS = ("client_reference", "responsible_attorney_id", "specialist_id")
MATTER_WRITABLE = tuple(f for f in MATTER_FIELDS_FOR_EVERYONE + MATTER_FIELDS_FOR_DOCKETERS
                        if f not in ("id", "tenant_id", "created_at", "updated_at"))


class MatterSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(dump_only=True)
    reference = SingleLineText(required=True, validate=validate.Length(min=1, max=60))
    client_reference = SingleLineText(allow_none=True, validate=validate.Length(max=120))
    title = Text(required=True, validate=validate.Length(min=1, max=2000))
    jurisdiction = fields.String(required=True, validate=validate.OneOf(list(JURISDICTIONS)))
    application_type = fields.String(required=True, validate=validate.OneOf(list(APPLICATION_TYPES)))
    application_number = SingleLineText(allow_none=True, validate=validate.Length(max=40))
    filing_date = fields.Date(allow_none=True)
    publication_number = SingleLineText(allow_none=True, validate=validate.Length(max=40))
    publication_date = fields.Date(allow_none=True)
    grant_number = SingleLineText(allow_none=True, validate=validate.Length(max=40))
    grant_date = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(list(MATTER_STATUSES)))
    parent_id = fields.Integer(allow_none=True, validate=ID_RANGE)
    family_relation = fields.String(allow_none=True, validate=validate.OneOf(
        ["continuation", "cip", "divisional", "national_phase", "priority"]))
    responsible_attorney_id = fields.Integer(allow_none=True, validate=ID_RANGE)
    specialist_id = fields.Integer(allow_none=True, validate=ID_RANGE)
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)

    views = _views(MATTER_FIELDS_FOR_EVERYONE, MATTER_FIELDS_FOR_DOCKETERS)
    writable = {role: MATTER_WRITABLE for role in DOCKETING_ROLES}


class EventSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(dump_only=True)
    matter_id = fields.Integer(dump_only=True)
    code = Text(required=True, validate=validate.Length(min=1, max=40))
    event_date = fields.Date(required=True)
    params = fields.Dict(keys=Text(validate=validate.Length(min=1, max=40)), values=ParamValue(),
                         load_default=dict, validate=validate.Length(max=20))
    note = Text(allow_none=True, validate=validate.Length(max=5000))
    recorded_by_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)

    views = _views(("id", "tenant_id", "matter_id", "code", "event_date", "params", "created_at", "updated_at"),
                   ("note", "recorded_by_id"))
    writable = {role: ("code", "event_date", "params", "note") for role in DOCKETING_ROLES}


class EventChangeSchema(EventSchema):
    """What an edit may change: the code is fixed once recorded (delete and record again instead)."""

    writable = {role: ("event_date", "params", "note") for role in DOCKETING_ROLES}


class DeadlineSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(dump_only=True)
    matter_id = fields.Integer(dump_only=True)
    source_event_id = fields.Integer(dump_only=True, allow_none=True)
    kind = fields.String(dump_only=True)
    sequence = fields.Integer(dump_only=True, allow_none=True)
    label = fields.String(dump_only=True)
    nominal = fields.Date(dump_only=True)
    due = fields.Date(dump_only=True)
    current_due = fields.Date(dump_only=True)
    final_due = fields.Date(dump_only=True, allow_none=True)
    window_opens = fields.Date(dump_only=True, allow_none=True)
    extended_months = fields.Integer(dump_only=True, allow_none=True)
    status = fields.String(dump_only=True, validate=validate.OneOf(list(DEADLINE_STATUSES)))
    done_at = fields.Date(dump_only=True, allow_none=True)
    manual = fields.Boolean(dump_only=True)
    citation = fields.String(dump_only=True)
    explanation = fields.List(fields.String(), dump_only=True)
    rule_id = fields.String(dump_only=True, allow_none=True)
    rules_version = fields.String(dump_only=True, allow_none=True)
    needs_verification = fields.Boolean(dump_only=True)
    note = fields.String(dump_only=True, allow_none=True)
    changed_by_id = fields.Integer(dump_only=True, allow_none=True)
    verified_by_id = fields.Integer(dump_only=True, allow_none=True)
    verified_at = UtcDateTime(dump_only=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)

    views = _views(("id", "tenant_id", "matter_id", "source_event_id", "kind", "sequence", "label", "nominal",
                    "due", "current_due", "final_due", "window_opens", "extended_months", "status", "done_at",
                    "manual", "citation", "explanation", "rule_id", "rules_version", "needs_verification",
                    "created_at", "updated_at"),
                   ("note", "changed_by_id", "verified_by_id", "verified_at"))


class JobSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    label = fields.String(dump_only=True)
    status = fields.String(dump_only=True, validate=validate.OneOf(["queued", "running", "finished", "failed"]))
    progress_done = fields.Integer(dump_only=True)
    progress_total = fields.Integer(dump_only=True, allow_none=True)
    error = fields.String(dump_only=True, allow_none=True)
    file_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True)
    finished_at = UtcDateTime(dump_only=True, allow_none=True)
    download = fields.String(dump_only=True, allow_none=True, metadata={"description": "Where to get the file"})

    views = _views(("id", "tenant_id", "kind", "label", "status", "progress_done", "progress_total", "error",
                    "file_id", "created_at", "finished_at", "download"), ())


class DocketReportRequestSchema(ApiSchema):
    """The filters of a docket report, as on the docket page."""

    status = fields.String(load_default="open", validate=validate.OneOf(list(STATUS_FILTERS)))
    jurisdiction = fields.String(allow_none=True, validate=validate.OneOf(list(JURISDICTIONS)))
    due_from = fields.Date(allow_none=True)
    due_to = fields.Date(allow_none=True)

    writable = {role: ("status", "jurisdiction", "due_from", "due_to") for role in ROLES}


class PageSchema(Schema):
    """A page of a list: the items and the cursor of the next page (null on the last page)."""

    next_cursor = fields.String(allow_none=True, required=True)


def page_schema(item_schema: type[ApiSchema]) -> type[Schema]:
    return type(f"{item_schema.__name__.removesuffix('Schema')}PageSchema", (PageSchema,),
                {"items": fields.List(fields.Nested(item_schema), required=True)})


class ProblemSchema(Schema):
    """An error, as RFC 9457 application/problem+json."""

    type = fields.String()
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict()
    position = fields.Integer(metadata={
        "description": "where in the search query the syntax error is (0-based character offset)"})


class ChecklistItemSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    position = fields.Integer(dump_only=True)
    key = fields.String(dump_only=True)
    section = fields.String(dump_only=True)
    text = fields.String(dump_only=True)
    source = fields.String(dump_only=True)
    state = fields.String(dump_only=True, validate=validate.OneOf(list(ITEM_STATES)))
    reason = fields.String(dump_only=True, allow_none=True)

    views = _views(("id", "position", "key", "section", "text", "source", "state", "reason"), ())


class ChecklistSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(dump_only=True)
    matter_id = fields.Integer(dump_only=True)
    template_version_id = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True, validate=validate.OneOf(list(CHECKLIST_STATUSES)))
    entity = fields.String(dump_only=True)
    checked_at = UtcDateTime(dump_only=True, allow_none=True)
    prepared_by_id = fields.Integer(dump_only=True, allow_none=True)
    prepared_at = UtcDateTime(dump_only=True, allow_none=True)
    signed_off_by_id = fields.Integer(dump_only=True, allow_none=True)
    signed_off_at = UtcDateTime(dump_only=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)
    items = fields.List(fields.Nested(ChecklistItemSchema), dump_only=True)

    views = _views(("id", "tenant_id", "matter_id", "template_version_id", "status", "entity", "checked_at",
                    "prepared_at", "signed_off_at", "created_at", "updated_at", "items"),
                   ("prepared_by_id", "signed_off_by_id"))


class SearchQuerySchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    mode = fields.String(dump_only=True, validate=validate.OneOf(["query", "similar"]))
    text = fields.String(dump_only=True)
    before = fields.Date(dump_only=True, allow_none=True)
    cpc_prefix = fields.String(dump_only=True, allow_none=True)
    country = fields.String(dump_only=True, allow_none=True)
    kind = fields.String(dump_only=True, allow_none=True)
    collapse_family = fields.Boolean(dump_only=True)
    hit_count = fields.Integer(dump_only=True)
    saved = fields.Boolean(dump_only=True)
    run_at = UtcDateTime(dump_only=True)

    views = _views(("id", "mode", "text", "before", "cpc_prefix", "country", "kind", "collapse_family", "hit_count",
                    "saved", "run_at"), ())


class MarkedHitSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)
    collection = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    publication_date = fields.Date(dump_only=True, allow_none=True)
    category = fields.String(dump_only=True)
    passage = fields.String(dump_only=True)
    claims = fields.String(dump_only=True)
    notes = fields.String(dump_only=True)
    created_at = UtcDateTime(dump_only=True)

    views = _views(("id", "number", "collection", "title", "publication_date", "category", "passage", "claims",
                    "notes", "created_at"), ())


class SearchSessionSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(dump_only=True)
    matter_id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    cutoff_date = fields.Date(dump_only=True, allow_none=True)
    classes_searched = fields.String(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    report_generated_at = UtcDateTime(dump_only=True, allow_none=True)
    delivered_at = UtcDateTime(dump_only=True, allow_none=True)
    queries = fields.List(fields.Nested(SearchQuerySchema), dump_only=True)
    marks = fields.List(fields.Nested(MarkedHitSchema), dump_only=True)

    views = _views(("id", "tenant_id", "matter_id", "title", "cutoff_date", "classes_searched", "created_at",
                    "report_generated_at", "delivered_at", "queries", "marks"), ())


class WorkRequestSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    tenant_id = fields.Integer(dump_only=True)
    matter_id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, validate=validate.OneOf(list(REQUEST_KINDS)))
    title = fields.String(dump_only=True)
    instructions = fields.String(dump_only=True)
    requested_due = fields.Date(dump_only=True)
    priority = fields.Integer(dump_only=True)
    state = fields.String(dump_only=True, validate=validate.OneOf(list(REQUEST_STATES)))
    requested_by_id = fields.Integer(dump_only=True, allow_none=True)
    assignee_id = fields.Integer(dump_only=True, allow_none=True)
    submitted_at = UtcDateTime(dump_only=True)
    target_at = UtcDateTime(dump_only=True)
    delivered_at = UtcDateTime(dump_only=True, allow_none=True)
    closed_at = UtcDateTime(dump_only=True, allow_none=True)
    delivery_round = fields.Integer(dump_only=True)

    views = _views(("id", "tenant_id", "matter_id", "kind", "title", "instructions", "requested_due", "priority",
                    "state", "submitted_at", "target_at", "delivered_at", "closed_at", "delivery_round"),
                   ("requested_by_id", "assignee_id"))


class SearchHitSchema(Schema):
    number = fields.String()
    score = fields.Float()
    title = fields.String()
    publication_date = fields.Date(allow_none=True)
    collection = fields.String()
    snippets = fields.Dict(keys=fields.String(), values=fields.String())
    matched_claim = fields.Integer(allow_none=True)
    terms = fields.List(fields.String())


class SearchResultSchema(Schema):
    total = fields.Integer(metadata={"description": "matches (or families) that pass the filters; "
                                                    "a lower bound when total_is_exact is false"})
    total_is_exact = fields.Boolean(attribute="exact")
    hits = fields.List(fields.Nested(SearchHitSchema))


class SimilarRequestSchema(ApiSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    before = fields.Date(allow_none=True)
    limit = fields.Integer(validate=validate.Range(min=1, max=100), load_default=20)


class PatentDocumentSchema(ApiSchema):
    number = fields.String(dump_only=True)
    country = fields.String(dump_only=True)
    kind = fields.String(dump_only=True, allow_none=True)
    title = fields.String(dump_only=True)
    abstract = fields.String(dump_only=True)
    claims = fields.List(fields.Dict(), dump_only=True)
    description = fields.String(dump_only=True)
    cpc = fields.List(fields.String(), dump_only=True)
    ipc = fields.List(fields.String(), dump_only=True)
    applicants = fields.List(fields.String(), dump_only=True)
    assignees = fields.List(fields.String(), dump_only=True)
    inventors = fields.List(fields.String(), dump_only=True)
    priority_date = fields.Date(dump_only=True, allow_none=True)
    filing_date = fields.Date(dump_only=True, allow_none=True)
    publication_date = fields.Date(dump_only=True, allow_none=True)
    application_number = fields.String(dump_only=True, allow_none=True)
    citations = fields.List(fields.Dict(), dump_only=True)

    views = _views(("number", "country", "kind", "title", "abstract", "claims", "description", "cpc", "ipc",
                    "applicants", "assignees", "inventors", "priority_date", "filing_date", "publication_date",
                    "application_number", "citations"), ())
