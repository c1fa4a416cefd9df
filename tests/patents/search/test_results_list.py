"""Results as a searcher expects them: a compact list with applicant, dates, classes and family, a preview with the
abstract, first claim and key terms, X/Y/A from the list, the cited list as CSV and RIS, and '1 hit' grammar."""
import csv
import io

from app.extensions import db
from app.patents.search.models import SearchSession
from app.tenancy import tenant_scope
from app.utc import utcnow
from tests.patents.search.test_product_web import _import_samples, _matter


def test_the_list_the_preview_quick_citations_and_the_exports(app, world, login_as):
    _import_samples(app)
    matter_id = _matter(world.firm_a)
    specialist = login_as(world["specialist_a"], world.firm_a)
    created = specialist.post("/search/sessions/new", data={"matter": matter_id, "title": "Closure search"})
    session_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    ran = specialist.post(f"/search/sessions/{session_id}/queries", data={"q": "ti:closure", "before": ""})
    results_url = ran.headers["Location"]
    page = specialist.get(results_url).get_data(as_text=True)
    assert '<table class="data-table results">' in page and "<strong>1 hit</strong>" in page
    for heading in ("Rank · number", "Title", "Applicant", "Published", "Priority", "CPC / IPC", "Family"):
        assert f">{heading}</th>" in page
    assert 'id="preview-1"' in page and "First claim" in page and "Key terms of this hit" in page
    assert 'aria-label="Cite EP3383757B1 as X"' in page

    # X from the list, then a passage from the preview; X again from the list keeps the passage.
    quick = {"number": "EP3383757B1", "quick": "1", "back_query": results_url.rsplit("/", 1)[-1]}
    assert specialist.post(f"/search/sessions/{session_id}/marks", data={**quick, "category": "X"}).status_code == 302
    specialist.post(f"/search/sessions/{session_id}/marks", data={"number": "EP3383757B1", "category": "X",
                                                                   "passage": "=SUM(A1) paragraph [0012]"})
    specialist.post(f"/search/sessions/{session_id}/marks", data={**quick, "category": "Y"})
    session_page = specialist.get(f"/search/sessions/{session_id}").get_data(as_text=True)
    assert "1 hit</td>" in session_page and "citations.csv" in session_page and "citations.ris" in session_page

    exported = specialist.get(f"/search/sessions/{session_id}/citations.csv")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["Category"], r["Number"]) for r in rows] == [("Y", "EP3383757B1")]
    assert rows[0]["Relevant passage"] == "'=SUM(A1) paragraph [0012]"  # never a formula in a spreadsheet
    ris = specialist.get(f"/search/sessions/{session_id}/citations.ris").get_data(as_text=True)
    assert ris.startswith("TY  - PAT\r\n") and "M1  - EP3383757B1" in ris and ris.rstrip().endswith("ER  -")

    # The firm reads the exports once the work is delivered (issue 11 item 4); another firm gets nothing.
    attorney = login_as(world["a_attorney"])
    assert attorney.get(f"/search/sessions/{session_id}/citations.csv").status_code == 404
    with tenant_scope(world.firm_a.id):
        db.session.get(SearchSession, session_id).delivered_at = utcnow()
        db.session.commit()
    assert attorney.get(f"/search/sessions/{session_id}/citations.csv").status_code == 200
    assert login_as(world["b_attorney"]).get(f"/search/sessions/{session_id}/citations.ris").status_code == 404
