"""A work request as the thread of the work it asks for: the search sessions and checklists started from it, and
delivering from them. Flushes, never commits.

A search session or checklist started from a request remembers it (``work_request_id``); delivering the session's
report delivers the request in the same step, with the specialist's note; the request's own delivery form offers only
the files of its own work. Starting work on a request that was accepted but not started starts it.
"""
from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...files import StoredFile
from ...models import User
from ..checklists import operations as checklist_operations
from ..checklists.models import Checklist
from ..search import sessions as search_sessions
from ..search.models import SearchSession
from . import operations
from .models import WorkRequest, WorkRequestTransition

WorkflowError = operations.WorkflowError


def _note_on_thread(work_request: WorkRequest, action: str, by: User, note: str) -> None:
    db.session.add(WorkRequestTransition(tenant_id=work_request.tenant_id, request_id=work_request.id, action=action,
                                         from_state=work_request.state, to_state=work_request.state, by_id=by.id,
                                         note=note))


def _begin(work_request: WorkRequest, by: User) -> None:
    """The request must be the worker's and open for work; an accepted one is started now."""
    if not operations.is_worker(work_request, by):
        raise WorkflowError("Only the assigned specialist or the provider's admin works on this request.")
    if work_request.state == "accepted":
        operations.start(work_request, by)
    if work_request.state != "in_progress":
        raise WorkflowError(f"This request is {work_request.state_label.lower()}; work can be started on it while "
                            f"it is accepted or in progress.")


def start_search(work_request: WorkRequest, by: User) -> SearchSession:
    """A search session for the request's matter that remembers the request."""
    _begin(work_request, by)
    session = search_sessions.create_session(work_request.matter, f"#{work_request.id} {work_request.title}", by)
    session.work_request_id = work_request.id
    _note_on_thread(work_request, "search_started", by, f"Search session “{session.title}” started.")
    db.session.flush()
    return session


def start_checklist(work_request: WorkRequest, by: User) -> Checklist:
    """A checklist of the matter's default template that remembers the request."""
    _begin(work_request, by)
    template = checklist_operations.default_template_for(work_request.matter)
    if template is None:
        raise WorkflowError("No checklist template is the default for this matter's application type; start one "
                            "from the Checklists page and choose its template.")
    checklist = checklist_operations.start_checklist(work_request.matter, template, by)
    checklist.work_request_id = work_request.id
    _note_on_thread(work_request, "checklist_started", by, f"{template.name} checklist started.")
    db.session.flush()
    return checklist


def sessions_of(work_request: WorkRequest) -> list[SearchSession]:
    return list(db.session.execute(select(SearchSession).where(SearchSession.work_request_id == work_request.id)
                                   .order_by(SearchSession.id)).scalars())


def checklists_of(work_request: WorkRequest) -> list[Checklist]:
    return list(db.session.execute(select(Checklist).where(Checklist.work_request_id == work_request.id)
                                   .order_by(Checklist.id)).scalars())


def deliverable_files(work_request: WorkRequest) -> list[StoredFile]:
    """The work product of this request's own work: its sessions' reports and its checklists' latest PDFs."""
    found = [s.report_file for s in sessions_of(work_request) if s.report_file is not None]
    found += [c.pdf_job.file for c in checklists_of(work_request) if c.pdf_job is not None and c.pdf_job.file]
    return found


def deliver_session(session: SearchSession, by: User, note: str = "") -> WorkRequest | None:
    """Deliver the session's report to the firm; when the session answers a request, that request is delivered in
    the same step with the report and the note. Returns the request delivered, if any."""
    work_request = session.work_request
    if work_request is not None:
        _begin(work_request, by)
    search_sessions.deliver_report(session, by)
    if work_request is None:
        return None
    operations.deliver(work_request, by, [session.report_file], note)
    return work_request


def latest_delivery_note(work_request: WorkRequest) -> WorkRequestTransition | None:
    """The transition of the latest delivery (its note is what the specialist said with it)."""
    return db.session.execute(select(WorkRequestTransition).where(
        WorkRequestTransition.request_id == work_request.id, WorkRequestTransition.action == "delivered")
        .order_by(WorkRequestTransition.at.desc(), WorkRequestTransition.id.desc()).limit(1)).scalar()
