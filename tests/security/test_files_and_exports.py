"""ASVS 5.0 V5 (file handling) and V1 (injection in generated output): safe names, attachments, PDFs, CSV."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from reportlab import rl_config

from app.extensions import db
from app.files import sanitise_filename, send_stored, store_bytes
from app.patents.docketing.models import Matter
from app.patents.docketing.operations import add_manual_deadline
from app.patents.reports import pdf
from app.tenancy import tenant_scope

# CVE-2023-33733 style: markup whose attributes ReportLab would evaluate if user text reached it raw.
REPORTLAB_PAYLOAD = '<font color="[[[1+1]]] and \'red\'">PWN</font><a href="javascript:alert(1)">x</a>'
FORMULAS = ("=HYPERLINK(\"http://evil.test\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR")


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
    ("report\r\nSet-Cookie: x=1.pdf", "report_Set-Cookie_ x_1.pdf"),
    ("\x00evil.pdf", "evil.pdf"),
    ("<script>alert(1)</script>.pdf", "script_.pdf"),
    ("..", "file"),
    ("", "file"),
    ("Ünïcödé—name.pdf", "Unicodename.pdf"),
])
def test_sanitise_filename(name, expected):
    """ASVS 5.3.2: a user-supplied file name never becomes a path or breaks a header."""
    cleaned = sanitise_filename(name)
    assert "/" not in cleaned and "\\" not in cleaned and "\r" not in cleaned and "\n" not in cleaned
    assert not cleaned.startswith(".") and len(cleaned) <= 120
    assert cleaned == expected


def test_stored_files_download_as_sandboxed_attachments(app, world):
    """ASVS 5.4.1 / 3.2.1: a stored file is never rendered inline as our page."""
    with tenant_scope(world.firm_a.id), app.test_request_context():
        stored = store_bytes(b"<html><script>alert(1)</script></html>", "page.html", "text/html", "upload")
        response = send_stored(stored)
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "sandbox" in response.headers["Content-Security-Policy"]
        response.close()
        db.session.rollback()


def pdf_text(document: bytes) -> str:
    """The shown text of an uncompressed ReportLab PDF: its (string) Tj operands, in order."""
    pieces = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", document)
    return "".join(re.sub(rb"\\(.)", rb"\1", piece).decode("latin-1") for piece in pieces)


def _payload_rendered_literally(document: bytes) -> bool:
    shown = pdf_text(document)
    return '<font color="[[[1+1]]]' in shown and ">PWN</font>" in shown


def test_reportlab_markup_in_user_text_renders_literally_in_every_pdf(app, world, token_for, monkeypatch):
    """ASVS V1 (output encoding for the interpreter) / CVE-2023-33733: every PDF escapes user text."""
    from app.patents.checklists import operations
    from app.patents.search import report, sessions
    monkeypatch.setattr(rl_config, "pageCompression", 0)
    with tenant_scope(world.firm_a.id):
        matter = Matter(reference="PDF-1", title=REPORTLAB_PAYLOAD, jurisdiction="US", application_type="utility",
                        filing_date=date(2026, 1, 5))
        db.session.add(matter)
        db.session.flush()
        add_manual_deadline(matter, REPORTLAB_PAYLOAD[:190], date(2026, 4, 1), None)
        checklist = operations.start_checklist(matter, operations.default_template_for(matter), world["a_attorney"])
        search = sessions.create_session(matter, REPORTLAB_PAYLOAD, world["specialist_a"])
        db.session.commit()
        checklist_pdf = pdf.render("Checklist", "test", operations.checklist_pdf_story(checklist), "footer")
        search_pdf = report.build_report_pdf(search, REPORTLAB_PAYLOAD)
    client = app.test_client()
    headers = token_for(world["a_attorney"], world.firm_a)
    job = client.post("/api/v1/reports/docket", json={"status": "all"}, headers=headers).get_json()
    docket_pdf = client.get(job["download"], headers=headers).data
    for name, document in (("docket", docket_pdf), ("checklist", checklist_pdf), ("search", search_pdf)):
        assert document.startswith(b"%PDF") and _payload_rendered_literally(document), name


def test_docket_csv_neutralises_formula_cells(world, login_as):
    """ASVS 1.2.10: CSV cells that begin with = + - @ tab or CR are made plain text."""
    with tenant_scope(world.firm_a.id):
        for number, formula in enumerate(FORMULAS):
            matter = Matter(reference=f"CSV-{number}", title=formula, client_reference=formula, jurisdiction="US",
                            application_type="utility", application_number=formula)
            db.session.add(matter)
            db.session.flush()
            add_manual_deadline(matter, formula, date(2026, 4, 1), None)
        db.session.commit()
    body = login_as(world["a_attorney"]).get("/docket.csv?status=all").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert len(rows) == len(FORMULAS)
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=HYPERLINK(\"http://evil.test\")" in cells
