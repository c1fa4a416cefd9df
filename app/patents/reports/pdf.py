"""The house style for PDFs, and the only way user text enters a Paragraph (escaped: CVE-2023-33733)."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

_base = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle("PDTitle", parent=_base["Title"], alignment=TA_LEFT, fontSize=18, spaceAfter=4),
    "subtitle": ParagraphStyle("PDSub", parent=_base["Normal"], textColor=colors.HexColor("#5f6b7a"), spaceAfter=10),
    "h2": ParagraphStyle("PDH2", parent=_base["Heading2"], fontSize=13, spaceBefore=10, spaceAfter=4),
    "body": ParagraphStyle("PDBody", parent=_base["Normal"], fontSize=9.5, leading=12.5),
    "small": ParagraphStyle("PDSmall", parent=_base["Normal"], fontSize=8, leading=10,
                            textColor=colors.HexColor("#5f6b7a")),
    "cell": ParagraphStyle("PDCell", parent=_base["Normal"], fontSize=8.5, leading=10.5),
}


def text(value, style: str = "body") -> Paragraph:
    """A paragraph of user or record text: escaped, so markup in it is shown, never interpreted."""
    return Paragraph(escape("" if value is None else str(value)).replace("\n", "<br/>"), STYLES[style])


def table(header: list[str], rows: list[list], widths: list[float] | None = None) -> Table:
    """A data table; every cell is escaped text."""
    data = [[text(h, "cell") for h in header]] + [[text(c, "cell") for c in row] for row in rows]
    result = Table(data, colWidths=widths, repeatRows=1)
    result.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d9dee5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f8fafc")]),
    ]))
    return result


def render(title: str, subtitle: str, story: list, footer: str) -> bytes:
    """Lay out a document with a title block and a confidential footer with page numbers."""
    buffer = io.BytesIO()
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#5f6b7a"))
        canvas.drawString(15 * mm, 10 * mm, f"{footer} · CONFIDENTIAL · generated {generated}")
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=15 * mm, bottomMargin=18 * mm, title=title, author="PatentDesk")
    document.build([text(title, "title"), text(subtitle, "subtitle"), Spacer(1, 4)] + story,
                   onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
