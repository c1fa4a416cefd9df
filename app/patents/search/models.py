"""Search data in the database (the source of truth; the Whoosh index is rebuilt from it).

* PatentDocument: the public corpus of published documents, shared by every tenant (public data).
* PrivateDocument: a tenant's own collection (own documents, NPL); TenantScoped like all tenant data.
* SearchSession, SearchQuery, MarkedHit: a prior-art search on one matter, its strategy and its citations.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from ...files import StoredFile
from ...models import User, utcnow
from ...tenancy import TenantScoped
from ...utc import UtcDateTime
from ..docketing.models import Matter
from .records import Citation, Claim, PatentRecord

CATEGORIES = {"X": "X: relevant on its own", "Y": "Y: relevant combined with another document",
              "A": "A: technological background"}


class _DocumentColumns:
    """Every field of a PatentRecord; `root` is country + doc_number, for matching citations with any kind code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60))  # canonical, e.g. US8147483B2
    root: Mapped[str] = mapped_column(String(60), index=True)
    country: Mapped[str] = mapped_column(String(4))
    doc_number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str | None] = mapped_column(String(4))
    title: Mapped[str] = mapped_column(Text, default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    claims: Mapped[list] = mapped_column(JSON, default=list)  # [{"number", "text", "depends_on"}]
    cpc: Mapped[list] = mapped_column(JSON, default=list)
    ipc: Mapped[list] = mapped_column(JSON, default=list)
    applicants: Mapped[list] = mapped_column(JSON, default=list)
    assignees: Mapped[list] = mapped_column(JSON, default=list)
    inventors: Mapped[list] = mapped_column(JSON, default=list)
    priority_date: Mapped[date | None] = mapped_column(Date)
    filing_date: Mapped[date | None] = mapped_column(Date)
    publication_date: Mapped[date | None] = mapped_column(Date)
    application_number: Mapped[str | None] = mapped_column(String(60))
    family_id: Mapped[str | None] = mapped_column(String(60))
    related_documents: Mapped[list] = mapped_column(JSON, default=list)
    citations: Mapped[list] = mapped_column(JSON, default=list)  # [{"number", "category", "text"}]
    source_format: Mapped[str] = mapped_column(String(60), default="")
    source_file: Mapped[str | None] = mapped_column(String(255))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    def fill_from(self, record: PatentRecord, source_file: str | None = None) -> None:
        self.number, self.country, self.doc_number, self.kind = (record.number, record.country,
                                                                 record.doc_number, record.kind)
        self.root = f"{record.country}{record.doc_number}"
        for name in ("title", "abstract", "description"):
            setattr(self, name, getattr(record, name) or "")
        self.claims = [{"number": c.number, "text": c.text, "depends_on": list(c.depends_on)} for c in record.claims]
        for name in ("cpc", "ipc", "applicants", "assignees", "inventors"):
            setattr(self, name, list(getattr(record, name)))
        for name in ("priority_date", "filing_date", "publication_date", "application_number", "family_id"):
            setattr(self, name, getattr(record, name))
        self.related_documents = list(record.related_documents)
        self.citations = [{"number": c.number, "category": c.category, "text": c.text} for c in record.citations]
        self.source_format = (record.source_format or "")[:60]
        if source_file:
            self.source_file = source_file[:255]

    def to_record(self) -> PatentRecord:
        return PatentRecord(
            number=self.number, country=self.country, doc_number=self.doc_number, kind=self.kind,
            title=self.title or "", abstract=self.abstract or "", description=self.description or "",
            claims=[Claim(c["number"], c["text"], list(c.get("depends_on") or [])) for c in self.claims or []],
            cpc=list(self.cpc or []), ipc=list(self.ipc or []), applicants=list(self.applicants or []),
            assignees=list(self.assignees or []), inventors=list(self.inventors or []),
            priority_date=self.priority_date, filing_date=self.filing_date, publication_date=self.publication_date,
            application_number=self.application_number, family_id=self.family_id,
            related_documents=list(self.related_documents or []),
            citations=[Citation(c.get("number"), c.get("category"), c.get("text")) for c in self.citations or []],
            source_format=self.source_format or "",
        )


class PatentDocument(_DocumentColumns, db.Model):
    """A published document of the public corpus: the same for every tenant."""

    __tablename__ = "patent_documents"
    __table_args__ = (UniqueConstraint("number"),)


class PrivateDocument(TenantScoped, _DocumentColumns, db.Model):
    """A document in one tenant's private collection: searchable by that tenant only."""

    __tablename__ = "private_documents"
    __table_args__ = (UniqueConstraint("tenant_id", "number"),)


class SearchSession(TenantScoped, db.Model):
    """A prior-art search for one matter: its queries, the hits marked X/Y/A, and the report."""

    __tablename__ = "search_sessions"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    cutoff_date: Mapped[date | None] = mapped_column(Date)  # default for new queries: earliest priority
    classes_searched: Mapped[str] = mapped_column(Text, default="")  # searcher's note, e.g. "H02J50, H04B5"
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    report_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    report_generated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The firm's request this search answers: delivering the report delivers the request.
    work_request_id: Mapped[int | None] = mapped_column(ForeignKey("work_requests.id", ondelete="SET NULL"),
                                                        index=True)

    matter: Mapped[Matter] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    delivered_by: Mapped[User | None] = relationship(foreign_keys=[delivered_by_id])
    report_file: Mapped[StoredFile | None] = relationship()
    work_request = relationship("WorkRequest")
    queries: Mapped[list[SearchQuery]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SearchQuery.id")
    marks: Mapped[list[MarkedHit]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="MarkedHit.id")


class SearchQuery(TenantScoped, db.Model):
    """One query as run in a session, with its filters and hit count: the search strategy."""

    __tablename__ = "search_queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("search_sessions.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(10), default="query")  # query | similar
    text: Mapped[str] = mapped_column(Text)
    before: Mapped[date | None] = mapped_column(Date)
    cpc_prefix: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(4))
    kind: Mapped[str | None] = mapped_column(String(4))
    collapse_family: Mapped[bool] = mapped_column(Boolean, default=False)
    hit_count: Mapped[int] = mapped_column(default=0)
    saved: Mapped[bool] = mapped_column(Boolean, default=False)
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    run_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    session: Mapped[SearchSession] = relationship(back_populates="queries")
    run_by: Mapped[User | None] = relationship()


class MarkedHit(TenantScoped, db.Model):
    """A cited document: its EPO category, the relevant passage, the claims it bears on, notes."""

    __tablename__ = "search_marked_hits"
    __table_args__ = (UniqueConstraint("session_id", "number"),)
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("search_sessions.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(60))
    collection: Mapped[str] = mapped_column(String(20), default="public")  # public | private
    title: Mapped[str] = mapped_column(Text, default="")
    publication_date: Mapped[date | None] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(1))
    passage: Mapped[str] = mapped_column(Text, default="")
    claims: Mapped[str] = mapped_column(String(200), default="")  # claims of the matter, e.g. "1-3, 7"
    notes: Mapped[str] = mapped_column(Text, default="")
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    session: Mapped[SearchSession] = relationship(back_populates="marks")
    marked_by: Mapped[User | None] = relationship()
