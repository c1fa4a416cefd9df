"""The web product: a specialist's search session on a matter, the report PDF, delivery, private isolation, uploads."""
import io
import json
import subprocess
from datetime import date

from app.extensions import db
from app.patents.docketing.models import Matter, PriorityClaim
from app.patents.search.models import PatentDocument, SearchSession
from app.patents.search.report import build_report_pdf
from app.patents.search.sessions import safe_snippet
from app.tenancy import tenant_scope
from tests.resources import SAMPLE_PATENTS

DATA = SAMPLE_PATENTS


def _import_samples(app):
    runner = app.test_cli_runner()
    files = [str(DATA / n) for n in ("ep-grant-v1-5-1-B1.xml", "ep-application-v1-4-A1.xml",
                                     "ipa130117-1-application.xml", "ipg050104-25-grants.xml")]
    result = runner.invoke(args=["patents", "import", *files, "--json"])
    assert result.exit_code == 0, result.output


def _matter(tenant, priority=date(2019, 6, 1)) -> int:
    with tenant_scope(tenant.id):
        matter = Matter(reference=f"{tenant.slug.upper()}-77", title="Magnetic closure", jurisdiction="EP",
                        application_type="ep", filing_date=date(2020, 6, 1))
        matter.priority_claims.append(PriorityClaim(country="US", application_number="62/000,001",
                                                    filing_date=priority))
        db.session.add(matter)
        db.session.commit()
        return matter.id


def _private_doc(client, title="Zorblax flux capacitor", number="XX 424242"):
    line = json.dumps({"number": number, "title": title, "abstract": "A zorblax secret.",
                       "publication_date": "2001-01-01"})
    return client.post("/search/upload", data={"target": "private",
                                               "file": (io.BytesIO(line.encode()), "own.jsonl")},
                       content_type="multipart/form-data")


def test_specialist_session_marks_report_delivery_and_firm_download(app, world, login_as):
    _import_samples(app)
    matter_id = _matter(world.firm_a)
    specialist = login_as(world["specialist_a"], world.firm_a)

    page = specialist.get(f"/search/?matter={matter_id}")
    assert page.status_code == 200 and 'value="2019-06-01"' in page.get_data(as_text=True)  # cut-off default

    created = specialist.post("/search/sessions/new", data={"matter": matter_id, "title": "Closure search",
                                                            "classes_searched": "B65D"})
    assert created.status_code == 302
    session_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    with tenant_scope(world.firm_a.id):
        assert db.session.get(SearchSession, session_id).cutoff_date == date(2019, 6, 1)

    def run(query, before=""):
        response = specialist.post(f"/search/sessions/{session_id}/queries", data={"q": query, "before": before})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        assert "/queries/" in response.headers["Location"]
        return specialist.get(response.headers["Location"]).get_data(as_text=True)

    fielded = run("ti:closure")  # no cut-off: finds the 2021 EP grant
    assert "EP3383757B1" in fielded and "<mark" in fielded
    proximity = run('cl:"closure magnets"~8')
    assert "EP3383757B1" in proximity
    cut = run("ti:closure", before="2019-06-01")  # the EP grant is published after the priority date
    assert "EP3383757B1" not in cut and "Nothing matched" in cut
    steering = run("airbag", before="2019-06-01")
    assert "US6837514B1" in steering

    for number, category, passage in (("US6837514B1", "X", "col. 3, lines 5-20"),
                                      ("EP3383757B1", "Y", "paragraph [0012]"),
                                      ("US6836899B1", "A", "")):
        marked = specialist.post(f"/search/sessions/{session_id}/marks", data={
            "number": number, "category": category, "passage": passage, "claims": "1-3", "notes": "see fig. 2"})
        assert marked.status_code == 302
    assert specialist.post(f"/search/sessions/{session_id}/marks",
                           data={"number": "US0000001", "category": "X"}).status_code == 404

    detail = specialist.get(f"/search/sessions/{session_id}").get_data(as_text=True)
    assert detail.count("<tr>") >= 4 and "col. 3, lines 5-20" in detail
    with tenant_scope(world.firm_a.id):
        queries = db.session.get(SearchSession, session_id).queries
        assert [q.hit_count for q in queries][:3] == [1, 1, 0]

    # saved search, re-run
    first_query = queries[0].id
    assert specialist.post(f"/search/sessions/{session_id}/queries/{first_query}/save").status_code == 302
    assert specialist.post(f"/search/sessions/{session_id}/queries/{first_query}/rerun").status_code == 302

    # work in progress is the provider's: the firm attorney sees nothing of it before delivery, nor acts
    attorney = login_as(world["a_attorney"])
    assert attorney.get(f"/search/sessions/{session_id}").status_code == 404
    assert attorney.post(f"/search/sessions/{session_id}/report").status_code == 403

    job = specialist.post(f"/search/sessions/{session_id}/report")
    assert job.status_code == 302 and "/jobs/" in job.headers["Location"]
    job_page = specialist.get(job.headers["Location"]).get_data(as_text=True)
    assert "Finished" in job_page and "Download" in job_page
    assert attorney.get(f"/search/sessions/{session_id}/report.pdf").status_code == 404  # not delivered yet
    assert attorney.get(f"/search/sessions/{session_id}").status_code == 404

    assert specialist.post(f"/search/sessions/{session_id}/deliver").status_code == 302
    seen = attorney.get(f"/search/sessions/{session_id}").get_data(as_text=True)
    assert "Delivered to the firm" in seen
    pdf = attorney.get(f"/search/sessions/{session_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    text = _pdf_text(pdf.data)
    if text is not None:
        for expected in ("ti:closure", "US6837514B1", "col. 3, lines 5-20", "Category X", "B65D", "specialist a"):
            assert expected in text, expected


def _pdf_text(data: bytes) -> str | None:
    try:
        return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                              check=True).stdout.decode()
    except (FileNotFoundError, subprocess.CalledProcessError):
        return None


def test_report_pdf_renders_reportlab_markup_literally(app, world, tmp_path):
    payload = '<font color="red">X</font><img src="/etc/passwd"/> &amp; <b>bold</b>'
    matter_id = _matter(world.firm_a)
    with tenant_scope(world.firm_a.id):
        session = SearchSession(matter_id=matter_id, title=payload, created_by_id=world["specialist_a"].id)
        db.session.add(session)
        db.session.flush()
        db.session.add(PatentDocument(number="US1234567B1", root="US1234567", country="US", doc_number="1234567",
                                      kind="B1", title=payload, publication_date=date(2000, 1, 1)))
        db.session.flush()
        from app.patents.search.models import MarkedHit, SearchQuery
        db.session.add(MarkedHit(session_id=session.id, number="US1234567B1", title=payload, category="X",
                                 passage=payload, claims="1", notes=payload))
        db.session.add(SearchQuery(session_id=session.id, text=payload, hit_count=3))
        db.session.flush()
        db.session.refresh(session)
        data = build_report_pdf(session, "tester")
    assert data.startswith(b"%PDF")
    (tmp_path / "report.pdf").write_bytes(data)
    text = _pdf_text(data)
    if text is not None:
        assert '<font color="red">X</font><img src="/etc/passwd"/> &amp; <b>bold</b>' in text  # the subtitle


def test_snippets_escape_everything_but_the_highlight():
    raw = ('a <mark class="match term0">coil</mark> &lt;script&gt;alert(1)&lt;/script&gt; '
           '<script>alert(2)</script> <img src=x onerror=alert(3)> <mark class="match term1">pad</mark>')
    safe = str(safe_snippet(raw))
    assert '<mark class="match">coil</mark>' in safe and '<mark class="match">pad</mark>' in safe
    assert "<script" not in safe and "<img" not in safe
    assert "&lt;script&gt;alert(1)" in safe and "&lt;script&gt;alert(2)" in safe and "&lt;img" in safe
    assert str(safe_snippet('<mark class="match term0">open')).endswith("</mark>")


def test_snippet_from_a_document_with_markup_is_safe_on_the_page(app, world, login_as):
    specialist = login_as(world["provider_admin"], world.firm_a)  # the public corpus is the provider admin's
    line = json.dumps({"number": "US 7654321 B1", "title": "Coil <script>alert(1)</script>",
                       "abstract": "inductive coil <img src=x onerror=alert(1)> charging pad",
                       "publication_date": "2001-01-01"})
    response = specialist.post("/search/upload", data={"target": "public",
                                                       "file": (io.BytesIO(line.encode()), "x.jsonl")},
                               content_type="multipart/form-data")
    assert response.status_code == 302
    page = specialist.get("/search/?q=coil").get_data(as_text=True)
    assert "US7654321B1" in page
    assert "<script>alert" not in page and "<img src=x" not in page
    assert '<mark class="match">coil</mark>' in page.lower() or '<mark class="match">Coil</mark>' in page


def test_private_collection_is_invisible_to_other_tenants(app, world, login_as):
    a_specialist = login_as(world["specialist_both"], world.firm_a)
    upload = _private_doc(a_specialist)
    assert upload.status_code == 302
    job_page = a_specialist.get(upload.headers["Location"]).get_data(as_text=True)
    assert "1 imported" in job_page

    assert "XX424242" in a_specialist.get("/search/?q=zorblax").get_data(as_text=True)
    assert a_specialist.get("/search/documents/XX424242").status_code == 200

    b_specialist = login_as(world["specialist_both"], world.firm_b)
    page = b_specialist.get("/search/?q=zorblax").get_data(as_text=True)
    assert "XX424242" not in page and "<strong>0 hits</strong>" in page
    assert b_specialist.get("/search/documents/XX424242").status_code == 404
    assert b_specialist.get("/search/documents/XX424242?c=private").status_code == 404
    b_matter = _matter(world.firm_b)
    created = b_specialist.post("/search/sessions/new", data={"matter": b_matter, "title": "B"})
    b_session = created.headers["Location"].rstrip("/").split("/")[-1]
    assert b_specialist.post(f"/search/sessions/{b_session}/marks",
                             data={"number": "XX424242", "category": "X"}).status_code == 404
    ran = b_specialist.post(f"/search/sessions/{b_session}/queries", data={"q": "zorblax"})
    assert "0 hits" not in ran.headers["Location"]
    with tenant_scope(world.firm_b.id):
        assert db.session.get(SearchSession, int(b_session)).queries[0].hit_count == 0
    sim = b_specialist.post("/search/similar", data={"text": "zorblax secret flux capacitor"})
    assert "XX424242" not in sim.get_data(as_text=True)

    b_attorney = login_as(world["b_attorney"])
    assert b_attorney.get("/search/documents/XX424242").status_code == 404


def test_upload_checks_type_content_and_size(app, world, login_as):
    specialist = login_as(world["provider_admin"], world.firm_a)  # the public corpus is the provider admin's

    def send(name, data, target="public"):
        return specialist.post("/search/upload", data={"target": target, "file": (io.BytesIO(data), name)},
                               content_type="multipart/form-data")

    assert "Only .xml" in send("evil.exe", b"MZ...").get_data(as_text=True)
    assert "does not start with XML" in send("fake.xml", b"%PDF-1.4").get_data(as_text=True)
    assert send("fake.jsonl", b"not json").status_code == 400
    good = send("../../etc/passwd.csv", b"number,title\nUS 5000001,Widget\n")
    assert good.status_code == 302
    assert db.session.query(PatentDocument).filter_by(number="US5000001").one().title == "Widget"
    paralegal = login_as(world["a_paralegal"])
    assert paralegal.get("/search/upload").status_code == 403
    attorney = login_as(world["a_attorney"])
    assert 'value="public"' not in attorney.get("/search/upload").get_data(as_text=True)

    app.config["MAX_CONTENT_LENGTH"] = 2048
    too_big = send("big.csv", b"number,title\n" + b"US 5000002,x\n" * 400)
    assert too_big.status_code == 413 and "upload limit" in too_big.get_data(as_text=True)


def test_broken_upload_lists_failures_on_the_job_page(app, world, login_as):
    specialist = login_as(world["provider_admin"], world.firm_a)  # the public corpus is the provider admin's
    data = b'{"number": "US 5000003", "title": "ok"}\n{"number": \n{"number": "US 5000004"}\n'
    response = specialist.post("/search/upload", data={"target": "public", "file": (io.BytesIO(data), "b.jsonl")},
                               content_type="multipart/form-data")
    page = specialist.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 imported" in page and "1 failed" in page and "b.jsonl" in page and "Not imported (1)" in page


def test_document_page_claim_tree_and_citation_links(app, world, login_as):
    _import_samples(app)
    specialist = login_as(world["specialist_a"], world.firm_a)
    page = specialist.get("/search/documents/EP3383757B1").get_data(as_text=True)
    assert "claim-tree" in page and "depends on 1" in page
    assert "Cited references" in page
    assert specialist.get("/search/documents/NOPE123").status_code == 404
    assert specialist.get("/search/help").status_code == 200


def test_upload_job_page_lists_repairs_and_skipped_sequence_listings(app, world, login_as):
    specialist = login_as(world["provider_admin"], world.firm_a)  # the public corpus is the provider admin's
    document = (DATA / "ep-application-v1-4-A1.xml").read_bytes().replace(
        b"<heading id=\"h0004\">", b"<heading id=\"h0004\"><First ", 1)
    listing = b'<?xml version="1.0"?>\n<sequence-cwu id="SEQLST-0"><s400>ACGT</s400></sequence-cwu>\n'
    response = specialist.post("/search/upload", data={"target": "public",
                                                       "file": (io.BytesIO(document + listing), "ep.xml")},
                               content_type="multipart/form-data")
    page = specialist.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 imported" in page and "0 failed" in page and "1 repaired with a warning" in page
    assert "Imported after a repair (1)" in page and "EP2055205A1" in page and "bare &#39;&lt;&#39; escaped" in page
    assert "Skipped (not patent documents): 1 sequence listing." in page and "Not imported" not in page


def test_only_the_provider_admin_changes_the_public_corpus_and_every_change_is_audited(app, world, login_as):
    from sqlalchemy import select

    from app.models import AuditEntry

    first = json.dumps({"number": "US 7000001 B1", "title": "Coil winding jig", "publication_date": "2001-01-01"})
    specialist = login_as(world["specialist_a"], world.firm_a)
    assert 'value="public"' not in specialist.get("/search/upload").get_data(as_text=True)
    refused = specialist.post("/search/upload", data={"target": "public", "file": (io.BytesIO(first.encode()),
                                                                                   "a.jsonl")},
                              content_type="multipart/form-data")
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)
    assert db.session.execute(select(PatentDocument.id)).first() is None

    admin = login_as(world["provider_admin"], world.firm_a)
    rewritten = first.replace("Coil winding jig", "Coil winding jig, rewritten")
    for body in (first, rewritten):
        assert admin.post("/search/upload", data={"target": "public", "file": (io.BytesIO(body.encode()),
                                                                               "a.jsonl")},
                          content_type="multipart/form-data").status_code == 302
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.action == "public_corpus_import")
                                 .order_by(AuditEntry.id)).scalars().all()
    assert [e.details["added"] for e in entries] == [["US7000001B1"], []]
    (change,) = entries[1].details["overwritten"]
    assert change["changed"]["title"] == ["Coil winding jig", "Coil winding jig, rewritten"]
    assert entries[1].actor_user_id == world["provider_admin"].id
