"""ASVS 5.0 2.2.1 (input validation) and V4 (API): schemathesis runs every operation of the OpenAPI document
in-process, positive and negative data, all its checks, at a fixed derandomised budget. No failure is allowed.
"""
from __future__ import annotations

from datetime import date

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import ALL_CHECKS

from app.extensions import db
from app.patents.docketing.models import Matter
from app.patents.docketing.operations import record_event
from app.tenancy import tenant_scope

EXAMPLES_PER_OPERATION = 20


def _conforms(operation, headers: dict) -> None:
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call_wsgi(headers=headers)
        case.validate_response(response, checks=ALL_CHECKS, headers=headers)
    run()


def _searches(operation) -> bool:
    return "/search/" in operation.path


def test_every_operation_conforms_to_the_document(app, world, token_for):
    app.config.update(API_READ_RATE_LIMIT="100000 per minute", API_WRITE_RATE_LIMIT="100000 per minute")
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference="ST-1", title="Fuzzed", jurisdiction="US", application_type="utility",
                        filing_date=date(2026, 1, 5))
        db.session.add(matter)
        db.session.flush()
        record_event(matter, "NONFINAL_OA", date(2026, 2, 2), {}, None)
        db.session.commit()
    from app.patents.search import corpus
    from tests.api.test_search_api import SAMPLES
    corpus.index_public_documents(corpus.import_file(SAMPLES / "ipg050104-25-grants.xml", private=False).numbers)
    db.session.commit()
    # the firm's attorney for the firm's operations; a specialist, who may search, for search, so the query
    # language and the engine meet generated input too
    attorney = token_for(world["a_attorney"], world.firm_a)
    specialist = token_for(world["specialist_a"], world.firm_a)
    schema = schemathesis.from_wsgi("/api/v1/openapi.json", app, validate_schema=True,
                                    data_generation_methods=[DataGenerationMethod.positive,
                                                             DataGenerationMethod.negative])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    failures = []
    assert any(_searches(operation) for operation in operations)
    for operation in operations:
        try:
            _conforms(operation, specialist if _searches(operation) else attorney)
        except Exception as error:  # collect every operation's failure, not only the first
            failures.append(f"{operation.verbose_name}: {error}")
    assert not failures, "\n\n".join(failures)
