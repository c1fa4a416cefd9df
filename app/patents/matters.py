"""Finding matters: the one filter behind the matter list page and the API's matter list."""
from __future__ import annotations

from sqlalchemy import or_, select

from .models import Matter


def matters_query(text: str = "", jurisdiction: str | None = None, status: str | None = None):
    """Matters whose reference, title, application number or client reference contain ``text``."""
    query = select(Matter)
    text = text.strip()
    if text:
        like = f"%{text}%"
        query = query.where(or_(Matter.reference.ilike(like), Matter.title.ilike(like),
                                Matter.application_number.ilike(like), Matter.client_reference.ilike(like)))
    if jurisdiction:
        query = query.where(Matter.jurisdiction == jurisdiction)
    if status:
        query = query.where(Matter.status == status)
    return query
