"""The operation registry the resources fill, and the OpenAPI 3 document apispec builds from it and the schemas."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .schemas import ProblemSchema

API_PREFIX = "/api/v1"
TITLE = "PatentDesk API"
VERSION = "1.0.0"


@dataclass(frozen=True)
class Operation:
    """One method on one path, with what the document says about it."""

    method: str
    rule: str
    view: object
    summary: str
    tag: str
    responses: dict
    request_body: str | None = None
    query: tuple[dict, ...] = ()
    preconditioned: bool = False
    errors: tuple[int, ...] = (400, 401, 403, 404, 429)
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return self.view.__name__

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", API_PREFIX + self.rule)


OPERATIONS: list[Operation] = []
# Component name -> schema instance or class, registered on the document in this order.
COMPONENTS: dict[str, object] = {"Problem": ProblemSchema}

ERROR_TITLES = {400: "The request is malformed or a field is invalid", 401: "No live token or session",
                403: "Your role, token scope or tenant does not allow this", 404: "No such resource in your tenant",
                409: "Conflicts with an existing resource", 412: "If-Match does not match the current ETag",
                422: "Valid JSON that docketing cannot carry out", 428: "If-Match is required",
                429: "Rate limit reached"}


def json_response(description: str, schema: str, etag: bool = False) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if etag:
        response["headers"] = {"ETag": {"description": "Send it back in If-Match to change the resource",
                                         "schema": {"type": "string"}}}
    return response


def api_route(rule: str, method: str, *, summary: str, tag: str, responses: dict, **options):
    """Declare an operation: the blueprint routes it and the OpenAPI document describes it."""
    def decorator(view):
        OPERATIONS.append(Operation(method=method, rule=rule, view=view, summary=summary, tag=tag,
                                    responses=responses, description=(view.__doc__ or "").strip(), **options))
        return view
    return decorator


def _path_parameters(operation: Operation) -> list[dict]:
    return [{"name": name, "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
            for name in re.findall(r"\{([a-z_]+)\}", operation.openapi_path)]


def _operation_document(operation: Operation) -> dict:
    parameters = _path_parameters(operation) + list(operation.query)
    if operation.preconditioned:
        parameters.append({"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
                           "description": "The ETag of your last GET; 412 when stale, 428 when missing"})
    errors = set(operation.errors) | ({412, 428} if operation.preconditioned else set())
    responses = dict(operation.responses)
    for status in sorted(errors):
        responses.setdefault(str(status), {"description": ERROR_TITLES[status], "content": {
            "application/problem+json": {"schema": "Problem"}}})
    document = {"summary": operation.summary, "operationId": operation.endpoint, "tags": [operation.tag],
                "parameters": parameters, "responses": responses, **operation.extra}
    if operation.description:
        document["description"] = operation.description
    if operation.request_body:
        document["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": operation.request_body}}}
    return document


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.0.3", plugins=[MarshmallowPlugin()], info={
        "description": "The PatentDesk REST API. Authenticate with `Authorization: Bearer pd_<prefix>_<secret>` "
                       "(make a token on the API tokens page). Lists use an opaque `cursor`; changes need the "
                       "`If-Match` ETag of your last GET. Errors are application/problem+json."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in COMPONENTS.items():
        spec.components.schema(name, schema=schema)
    paths: dict[str, dict] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.openapi_path, {})[operation.method.lower()] = _operation_document(operation)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document
