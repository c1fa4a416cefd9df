"""Demo matters for the demo firms: real-looking files at several stages, dated around today."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from .extensions import db
from .patents.docketing.models import Matter, PriorityClaim
from .patents.docketing.operations import (
    add_manual_deadline,
    docket_from_matter_data,
    record_event,
    update_event,
)
from .tenancy import tenant_scope


def _months_ago(today: date, months: int, day: int = 10) -> date:
    year, month = today.year, today.month - months
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, min(day, 28))


def demo_matters(today: date):
    """(matter fields, priority claims, [(event code, date, params)]) for a firm's portfolio, relative to today.

    Filing, priority and grant dates are docketed from the matter's own data, as when a paralegal enters a matter;
    the events listed are the ones recorded by hand afterwards.
    """
    return [
        (dict(reference="{P}-0042", client_reference="WCP-01",
              title="Wireless charging pad with foreign-object detection",
              jurisdiction="US", application_type="utility", application_number="18/123,456",
              filing_date=_months_ago(today, 14)),
         [dict(country="US", application_number="63/401,221", filing_date=_months_ago(today, 26))],
         [("IDS_FILED", _months_ago(today, 13), {}), ("NONFINAL_OA", _months_ago(today, 2, 3), {})]),
        (dict(reference="{P}-0043", title="Battery thermal management using phase-change material",
              jurisdiction="US", application_type="provisional", application_number="63/555,010",
              filing_date=_months_ago(today, 11, 20)), [], []),
        (dict(reference="{P}-0044", title="Method of encoding video with adaptive tile partitioning",
              jurisdiction="US", application_type="utility", application_number="17/998,120",
              filing_date=_months_ago(today, 40)), [],
         [("IDS_FILED", _months_ago(today, 39), {}), ("NOTICE_OF_ALLOWANCE", _months_ago(today, 2, 25), {})]),
        (dict(reference="{P}-0045", title="Bicycle disc brake caliper", jurisdiction="US", application_type="utility",
              application_number="16/450,777", grant_number="US 11,234,567 B2", filing_date=date(2019, 6, 24),
              grant_date=_months_ago(today, 41, 15)), [], []),
        # a granted patent taken over from another firm: its file history waits in "Office data" (load_demo_matters)
        (dict(reference="{P}-0046", title="Predictive conditioning in occupancy zones", jurisdiction="US",
              application_type="utility", application_number="12/721,698", grant_number="US 8,457,796 B2",
              filing_date=date(2010, 3, 11), grant_date=date(2013, 6, 4)), [], []),
        (dict(reference="{P}-0101", title="Heat pump defrost control", jurisdiction="EP", application_type="ep",
              application_number="EP22187654.3", filing_date=_months_ago(today, 31, 15)), [],
         [("EP_FEES_PAID", _months_ago(today, 31, 2), {}),
          ("RENEWAL_PAID", _months_ago(today, 8), {"sequence": 3}),
          ("EP_COMMUNICATION", _months_ago(today, 3, 6), {"period_months": 4})]),
        (dict(reference="{P}-0201", title="Biodegradable packaging film", jurisdiction="PCT", application_type="pct",
              application_number="PCT/US2025/012345", filing_date=_months_ago(today, 10, 2)),
         [dict(country="US", application_number="63/377,950", filing_date=_months_ago(today, 21, 2))],
         [("PCT_FILED", _months_ago(today, 10, 2), {"isr_date": _months_ago(today, 4, 12).isoformat()}),
          ("PCT_FEES_PAID", _months_ago(today, 10, 1), {}),
          ("PRIORITY_DOCUMENT_FILED", _months_ago(today, 10, 1), {})]),
    ]


OFFICE_SAMPLES = Path(__file__).parent / "data" / "office_samples"
# The demo matter whose real USPTO file history is uploaded and waits for a second person's confirmation.
DEMO_OFFICE_HISTORY = {"12/721,698": OFFICE_SAMPLES / "uspto-peds-12721698.json"}


def load_demo_matters(tenant, attorney_id: int | None, specialist_id: int | None, prefix: str, today: date,
                      paralegal_id: int | None = None) -> int:
    """Create the demo portfolio for a firm that has no matters yet; returns how many were made."""
    from .patents.docketing.office_data import propose_from_file
    with tenant_scope(tenant.id):
        if db.session.execute(select(Matter.id).limit(1)).first():
            return 0
        made = 0
        for fields, claims, events in demo_matters(today):
            matter = Matter(**{**fields, "reference": fields["reference"].format(P=prefix)},
                            responsible_attorney_id=attorney_id, specialist_id=specialist_id,
                            priority_claims=[PriorityClaim(**claim) for claim in claims])
            db.session.add(matter)
            db.session.flush()
            from_data = {event.code: event for event in docket_from_matter_data(matter, None)}
            for code, when, params in events:
                if code in from_data:  # a detail added to an event the matter's data recorded (the ISR date)
                    event = from_data[code]
                    update_event(event, event.event_date, {**event.params, **params}, None, event.note)
                else:
                    record_event(matter, code, when, params, None)
            if paralegal_id and (history := DEMO_OFFICE_HISTORY.get(matter.application_number)):
                propose_from_file(matter, history.read_bytes(), history.name, paralegal_id)
            made += 1
        add_manual_deadline(matter, "Send client the search report summary", today + timedelta(days=4),
                                      attorney_id, note="Entered by hand: needs a second person's check")
        db.session.commit()
        return made


DEMO_PATENTS = Path(__file__).parent / "data" / "demo_patents"


def load_demo_corpus() -> int:
    """Import the shipped sample documents into an empty public corpus and index them."""
    from .patents.search import corpus
    from .patents.search.models import PatentDocument
    if db.session.execute(select(PatentDocument.id).limit(1)).first():
        if not corpus.indexes().backend_for(corpus.PUBLIC).stats(corpus.PUBLIC)["documents"]:
            corpus.reindex_everything()  # an index of an older format, or none: rebuild it from the database
        return 0
    numbers = []
    for path in sorted(DEMO_PATENTS.glob("*.xml")):
        numbers += corpus.import_file(path, private=False, display_name=path.name).numbers
    db.session.commit()
    corpus.schedule_indexing(numbers, tenant_id=None)
    return len(numbers)
