"""Matters and checklists in firm A for the checklist tests, and a reader for the text inside a PDF."""
from __future__ import annotations

import base64
import re
import zlib
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.patents.checklists import operations
from app.patents.checklists.models import ChecklistTemplate
from tests import builders

DEFECTIVE_CLAIMS = (
    "1. A widget comprising a lever, wherein the spring is blue.\n"
    "2. The widget of claim 4, wherein the lever is red.\n"
    "4. The widget of claim 1, further comprising a hinge.\n"
)
CLEAN_CLAIMS = "1. A widget comprising a lever and a spring.\n2. The widget of claim 1, wherein the spring is blue.\n"


def add_matter(tenant, reference="A-100", title="Folding widget", **fields) -> int:
    return builders.add_matter(tenant, reference, title=title, filing_date=date(2026, 1, 5), **fields).id


def template(key: str) -> ChecklistTemplate:
    operations.ensure_default_templates()
    return db.session.execute(select(ChecklistTemplate).where(ChecklistTemplate.key == key)).scalar_one()


@pytest.fixture
def matter_id(world):
    return add_matter(world.firm_a)


def pdf_text(data: bytes) -> str:
    """The decoded content streams of a ReportLab PDF, enough to find the text drawn on its pages."""
    chunks = []
    for header, body in re.findall(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        if b"ASCII85Decode" in header:
            body = base64.a85decode(body.strip().removesuffix(b"~>"))
        if b"FlateDecode" in header:
            body = zlib.decompress(body)
        chunks.append(body.decode("latin-1"))
    # ReportLab draws a line in fragments, "(<) Tj (para) Tj": join them back into one string.
    return re.sub(r"\) Tj \(", "", "\n".join(chunks))
