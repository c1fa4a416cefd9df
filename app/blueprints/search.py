"""Prior-art search pages: search, similarity, documents, uploads, sessions with marked hits, the report."""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from .. import uploads
from ..extensions import db
from ..files import FilePurpose, send_stored, store_bytes
from ..jobs import JobKind, start_tracked_job
from ..patents.docketing.models import Matter
from ..patents.search import corpus, listing, report, sessions
from ..patents.search.backends import SearchIndexes, SearchStopped, parse_engine_setting
from ..patents.search.engine import MAX_RESULT_WINDOW, search, similar
from ..patents.search.models import CATEGORIES, MarkedHit, SearchQuery, SearchSession
from ..patents.search.query import QuerySyntaxError
from ..patents.work_requests import thread
from ..permissions import Can, can, requires
from ..single_line import NoControlCharacters
from ..tenancy import get_or_404
from ..web import tenant_required

bp = Blueprint("search", __name__, url_prefix="/search")

PAGE_SIZE = 20
MAX_PAGE = MAX_RESULT_WINDOW // PAGE_SIZE
COUNT_LIMIT = 10_000  # counts are exact up to here, then "more than 10,000"
UPLOAD_TYPES = (".xml", ".jsonl", ".csv", ".txt")


@bp.record_once
def _configure_indexes(state) -> None:
    """The search domain finds the current application's indexes through corpus.indexes()."""
    config = state.app.config
    state.app.extensions["patentdesk.search"] = SearchIndexes(
        root=config["SEARCH_INDEX_DIR"],
        engines=parse_engine_setting(config.get("SEARCH_ENGINES")),
        time_budget=config["SEARCH_TIME_BUDGET_SECONDS"])
    corpus.use_indexes(lambda: current_app.extensions["patentdesk.search"])


# Forms --------------------------------------------------------------------------------------------


class _FilterFields:
    before = DateField("Published before", validators=[Optional()],
                       description="Date cut-off: only documents published before it are prior art.")
    cpc = StringField("CPC prefix", validators=[Optional(), Length(max=40), Regexp(r"^[A-Za-z0-9/ ]*$")])
    country = StringField("Country", validators=[Optional(), Length(max=2), Regexp(r"^[A-Za-z]*$")])
    kind = StringField("Kind", validators=[Optional(), Length(max=3), Regexp(r"^[A-Za-z0-9]*$")])
    collapse = BooleanField("Collapse families")


class SearchForm(_FilterFields, FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    q = StringField("Query", validators=[DataRequired(), Length(max=2000)])


class SessionQueryForm(_FilterFields, FlaskForm):
    q = StringField("Query", validators=[DataRequired(), Length(max=2000)])


class SimilarForm(FlaskForm):
    text = TextAreaField("Claim or disclosure", validators=[DataRequired(), Length(max=50_000)])
    before = DateField("Published before", validators=[Optional()])


class SessionForm(FlaskForm):
    matter = SelectField("Matter", coerce=int, validators=[DataRequired()])
    title = StringField("Title", validators=[Length(max=200), NoControlCharacters()])
    classes_searched = TextAreaField("Classes searched", validators=[Length(max=2000)],
                                     description="Comma-separated; classes used in queries are added automatically.")


class MarkForm(FlaskForm):
    number = HiddenField(validators=[DataRequired(), Length(max=60)])
    category = SelectField("Category", choices=list(CATEGORIES.items()), validators=[DataRequired()])
    passage = TextAreaField("Relevant passage", validators=[Length(max=5000)])
    claims = StringField("Bears on claims", validators=[Length(max=200)], description="e.g. 1-3, 7")
    notes = TextAreaField("Notes", validators=[Length(max=5000)])


class UploadForm(FlaskForm):
    file = FileField("Patent file", validators=[FileRequired()],
                     description="USPTO or EPO XML, JSONL or CSV (.xml, .jsonl, .csv, .txt).")
    target = SelectField("Import into")


class ActionForm(FlaskForm):
    """A button that changes something: CSRF only."""


# Helpers ------------------------------------------------------------------------------------------


def _page() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, MAX_PAGE))


def _collections() -> list[str]:
    return corpus.collections_for_tenant(g.tenant.id)


def _session_or_404(session_id: int) -> SearchSession:
    found = get_or_404(SearchSession, session_id)
    if not sessions.readable(found, current_user):
        abort(404)  # work in progress: indistinguishable from not existing
    return found


def _query_or_404(session: SearchSession, query_id: int) -> SearchQuery:
    query = get_or_404(SearchQuery, query_id)
    if query.session_id != session.id:
        abort(404)
    return query


def _matter_link(matter):
    if matter is not None and "matters.detail" in current_app.view_functions:
        return url_for("matters.detail", matter_id=matter.id)
    return None


def _hits(count: int) -> str:
    return f"{count:,} hit" + ("" if count == 1 else "s")


def _is_searcher() -> bool:
    return can(current_user, Can.SEARCH_PRIOR_ART)


@bp.app_template_filter("snippet")
def _snippet_filter(value):
    return sessions.safe_snippet(value)


@bp.app_context_processor
def _search_helpers():
    def page_url(page: int) -> str:
        return url_for(request.endpoint, **(request.view_args or {}), **{**request.args.to_dict(), "page": page})
    return {"matter_link": _matter_link, "categories": CATEGORIES, "page_url": page_url,
            "max_result_window": MAX_RESULT_WINDOW}


# Search ---------------------------------------------------------------------------------------------


@bp.route("/")
@login_required
@tenant_required
def index():
    if not _is_searcher():
        return redirect(url_for("search.session_list"))
    form = SearchForm(request.args)
    matter = get_or_404(Matter, request.args.get("matter", type=int)) if request.args.get("matter") else None
    if matter is not None and "before" not in request.args:
        form.before.data = matter.earliest_priority_date
    result, error, page = None, None, _page()
    if request.args.get("q") and form.validate():
        try:
            result = search(corpus.indexes(), form.q.data, form.before.data, _collections(), PAGE_SIZE,
                            (page - 1) * PAGE_SIZE, cpc_prefix=form.cpc.data or None, country=form.country.data or None,
                            kind=form.kind.data or None, collapse_family=form.collapse.data, count_limit=COUNT_LIMIT)
        except (QuerySyntaxError, SearchStopped) as problem:
            error = problem
    return render_template("search/search.html", form=form, result=result, error=error, page=page,
                           page_size=PAGE_SIZE, matter=matter, search_session=None, query=None,
                           details=listing.hit_details(result.hits) if result else {})


@bp.route("/help")
@login_required
def help_page():
    return render_template("search/help.html")


@bp.route("/similar", methods=["GET", "POST"])
@login_required
@tenant_required
@requires(Can.SEARCH_PRIOR_ART)
def similar_page():
    form = SimilarForm()
    result = None
    error = None
    if form.validate_on_submit():
        try:
            result = similar(corpus.indexes(), form.text.data, form.before.data, _collections(), PAGE_SIZE,
                             count_limit=COUNT_LIMIT)
        except SearchStopped as problem:
            error = problem
    return render_template("search/similar.html", form=form, result=result, error=error,
                           details=listing.hit_details(result.hits) if result else {})


@bp.route("/documents/<number>")
@login_required
@tenant_required
def document(number: str):
    found, source = sessions.find_document(number, prefer=request.args.get("c"))
    if found is None:
        abort(404)
    return render_template("search/document.html", doc=found, source=source,
                           claim_tree=sessions.claim_tree(found.claims or []), citations=sessions.cited_links(found))


# Upload -----------------------------------------------------------------------------------------------


def _upload_targets():
    """The firm's private collection first (the default); the shared public corpus only as an explicit choice."""
    targets = [("private", f"{g.tenant.name}'s own collection (only this firm can search it)")]
    if can(current_user, Can.MANAGE_PUBLIC_CORPUS):
        targets.append(("public", "Public corpus (shared by every firm: choose only for published documents)"))
    return targets


def _content_problem(data: bytes, extension: str) -> str | None:
    """Content sniffing: the bytes must look like the type the name claims."""
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start:
        return "The file is empty."
    if b"\x00" in data[:65536]:
        return "This looks like a binary file, not patent data."
    if extension == ".xml":
        return None if start.startswith(b"<") else "This .xml file does not start with XML markup."
    try:
        data[:65536].decode("utf-8", errors="strict") if len(data) <= 65536 else data[:65536].decode("utf-8", "ignore")
    except UnicodeDecodeError:
        return "The file is not UTF-8 text."
    if extension == ".jsonl":
        return None if start.startswith(b"{") else "A .jsonl file must hold one JSON object per line."
    if extension == ".csv" or (extension == ".txt" and not start.startswith(b"{")):
        first_line = start.split(b"\n", 1)[0].lower()
        return None if b"number" in first_line else "The CSV header must name a 'number' column."
    return None


@bp.route("/upload", methods=["GET", "POST"])
@login_required
@tenant_required
@requires(Can.UPLOAD_PRIVATE_ART)
def upload():
    form = UploadForm()
    form.target.choices = _upload_targets()
    if request.method == "GET":
        form.target.data = "private"
    if form.validate_on_submit():
        upload_file = form.file.data
        name = upload_file.filename or "upload"
        extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        limit = uploads.max_file_bytes()
        data, size = uploads.read_limited(upload_file, limit)
        problem = (f"Only {', '.join(UPLOAD_TYPES)} files can be imported." if extension not in UPLOAD_TYPES
                   else uploads.size_refusal(name, size, limit) + " Split it into smaller files." if size > limit
                   else _content_problem(data, extension))
        if problem:
            form.file.errors.append(problem)
        else:
            private = form.target.data == "private"
            stored = store_bytes(data, name, "application/octet-stream", FilePurpose.SEARCH_IMPORT,
                                 created_by_id=current_user.id)
            label = f"Import {stored.filename} into " + ("the firm's collection" if private else "the public corpus")
            job = start_tracked_job("indexing", JobKind.SEARCH_IMPORT, label, corpus.import_upload, stored.id, private,
                                    created_by_id=current_user.id)
            return redirect(url_for("jobs.job_page", job_id=job.id))
    return render_template("search/upload.html", form=form, limit_mb=_limit_mb()), (400 if form.errors else 200)


def _limit_mb() -> str:
    return uploads.limit_text()


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    form = UploadForm(formdata=None)
    form.target.choices = _upload_targets() if g.get("tenant") else []
    total = uploads.limit_text(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    message = (f"The upload was over the {total} upload limit (each file may be at most {_limit_mb()}). "
               f"Split it into smaller files.")
    form.file.errors = [message]
    return render_template("search/upload.html", form=form, limit_mb=_limit_mb(), too_large=message), 413


# Sessions -------------------------------------------------------------------------------------------


@bp.route("/sessions")
@login_required
@tenant_required
def session_list():
    rows = db.session.execute(sessions.readable_sessions(current_user)
                              .order_by(SearchSession.created_at.desc())).scalars().all()
    return render_template("search/sessions.html", search_sessions=rows, can_search=_is_searcher())


@bp.route("/sessions/new", methods=["GET", "POST"])
@login_required
@tenant_required
@requires(Can.SEARCH_PRIOR_ART)
def new_session():
    form = SessionForm()
    matters = db.session.execute(select(Matter).order_by(Matter.reference)).scalars().all()
    form.matter.choices = [(m.id, f"{m.reference} · {m.title[:80]}") for m in matters]
    if request.method == "GET" and request.args.get("matter"):
        form.matter.data = get_or_404(Matter, request.args.get("matter", type=int)).id
    if form.validate_on_submit():
        matter = get_or_404(Matter, form.matter.data)
        created = sessions.create_session(matter, form.title.data or "", current_user)
        created.classes_searched = form.classes_searched.data or ""
        flash("Search session started. The date cut-off defaults to the matter's earliest priority date.", "success")
        return redirect(url_for("search.session_detail", session_id=created.id))
    return render_template("search/session_new.html", form=form, has_matters=bool(matters))


@bp.route("/sessions/<int:session_id>")
@login_required
@tenant_required
def session_detail(session_id: int):
    found = _session_or_404(session_id)
    form = SessionQueryForm(formdata=None, before=found.cutoff_date)
    return render_template("search/session.html", s=found, form=form, similar_form=SimilarForm(
        formdata=None, before=found.cutoff_date), action=ActionForm(), grouped=sessions.marks_by_category(found),
        classes=sessions.classes_searched(found), can_search=_is_searcher())


@bp.route("/sessions/<int:session_id>/queries", methods=["POST"])
@login_required
@tenant_required
@requires(Can.SEARCH_PRIOR_ART)
def run_session_query(session_id: int):
    found = _session_or_404(session_id)
    mode = "similar" if request.form.get("mode") == "similar" else "query"
    form = SimilarForm() if mode == "similar" else SessionQueryForm()
    if not form.validate_on_submit():
        flash("Enter a query (and check the filters): " + "; ".join(
            f"{getattr(form, name).label.text}: {' '.join(errors)}" for name, errors in form.errors.items()), "error")
        return redirect(url_for("search.session_detail", session_id=found.id))
    try:
        if mode == "similar":
            query, _ = sessions.record_query(found, current_user, text=form.text.data, mode="similar",
                                             before=form.before.data)
        else:
            query, _ = sessions.record_query(found, current_user, text=form.q.data, before=form.before.data,
                                             cpc_prefix=form.cpc.data, country=form.country.data,
                                             kind=form.kind.data, collapse_family=form.collapse.data)
    except QuerySyntaxError as error:
        flash(f"The query could not be read: {error}. See the query language help.", "error")
        return redirect(url_for("search.session_detail", session_id=found.id, q=form.q.data))
    except SearchStopped as stopped:
        flash(str(stopped), "error")
        return redirect(url_for("search.session_detail", session_id=found.id))
    return redirect(url_for("search.session_query", session_id=found.id, query_id=query.id))


@bp.route("/sessions/<int:session_id>/queries/<int:query_id>")
@login_required
@tenant_required
def session_query(session_id: int, query_id: int):
    found = _session_or_404(session_id)
    query = _query_or_404(found, query_id)
    page = _page()
    try:
        result = sessions.run_query(query, PAGE_SIZE, (page - 1) * PAGE_SIZE, count_limit=COUNT_LIMIT)
    except SearchStopped as stopped:
        flash(str(stopped), "error")
        return redirect(url_for("search.session_detail", session_id=found.id))
    marked = {m.number: m for m in found.marks}
    return render_template("search/query.html", s=found, query=query, result=result, page=page, page_size=PAGE_SIZE,
                           marked=marked, mark_form=MarkForm(formdata=None), action=ActionForm(),
                           can_search=_is_searcher(), details=listing.hit_details(result.hits))


@bp.route("/sessions/<int:session_id>/queries/<int:query_id>/rerun", methods=["POST"])
@login_required
@tenant_required
@requires(Can.SEARCH_PRIOR_ART)
def rerun_query(session_id: int, query_id: int):
    found = _session_or_404(session_id)
    query = _query_or_404(found, query_id)
    ActionForm().validate_on_submit() or abort(400)
    fresh, _ = sessions.rerun(query, current_user)
    flash(f"Re-ran the saved search: {_hits(fresh.hit_count)} today (was {_hits(query.hit_count)}).", "success")
    return redirect(url_for("search.session_query", session_id=found.id, query_id=fresh.id))


@bp.route("/sessions/<int:session_id>/queries/<int:query_id>/save", methods=["POST"])
@login_required
@tenant_required
@requires(Can.SEARCH_PRIOR_ART)
def save_query(session_id: int, query_id: int):
    found = _session_or_404(session_id)
    query = _query_or_404(found, query_id)
    ActionForm().validate_on_submit() or abort(400)
    query.saved = not query.saved
    flash("Saved search kept." if query.saved else "Removed from saved searches.", "success")
    return redirect(url_for("search.session_detail", session_id=found.id))


@bp.route("/sessions/<int:session_id>/marks", methods=["POST"])
@login_required
@tenant_required
@requires(Can.SEARCH_PRIOR_ART)
def mark(session_id: int):
    found = _session_or_404(session_id)
    form = MarkForm()
    back = request.form.get("back_query", type=int)
    target = (url_for("search.session_query", session_id=found.id, query_id=back) if back
              else url_for("search.session_detail", session_id=found.id))
    if not form.validate_on_submit():
        flash("Choose a category (X, Y or A) for the document.", "error")
        return redirect(target)
    earlier = next((m for m in found.marks if m.number == form.number.data), None)
    if request.form.get("quick") and earlier is not None:  # X/Y/A from the list keeps what was written before
        form.passage.data, form.claims.data, form.notes.data = earlier.passage, earlier.claims, earlier.notes
    try:
        marked = sessions.mark_hit(found, current_user, number=form.number.data, category=form.category.data,
                                   passage=form.passage.data or "", claims=form.claims.data or "",
                                   notes=form.notes.data or "")
    except LookupError:
        abort(404)
    flash(f"{marked.number} marked {marked.category}.", "success")
    return redirect(target)


@bp.route("/sessions/<int:session_id>/marks/<int:mark_id>/delete", methods=["POST"])
@login_required
@tenant_required
@requires(Can.SEARCH_PRIOR_ART)
def unmark(session_id: int, mark_id: int):
    found = _session_or_404(session_id)
    marked = get_or_404(MarkedHit, mark_id)
    if marked.session_id != found.id:
        abort(404)
    ActionForm().validate_on_submit() or abort(400)
    db.session.delete(marked)
    flash(f"{marked.number} is no longer cited.", "success")
    return redirect(url_for("search.session_detail", session_id=found.id))


@bp.route("/sessions/<int:session_id>/report", methods=["POST"])
@login_required
@tenant_required
@requires(Can.SEARCH_PRIOR_ART)
def make_report(session_id: int):
    found = _session_or_404(session_id)
    ActionForm().validate_on_submit() or abort(400)
    job = start_tracked_job("reports", JobKind.SEARCH_REPORT, f"Search report for {found.matter.reference}",
                            report.generate_report, found.id, current_user.id,
                            url_for("search.session_detail", session_id=found.id), created_by_id=current_user.id)
    return redirect(url_for("jobs.job_page", job_id=job.id))


@bp.route("/sessions/<int:session_id>/deliver", methods=["POST"])
@login_required
@tenant_required
@requires(Can.SEARCH_PRIOR_ART)
def deliver(session_id: int):
    found = _session_or_404(session_id)
    ActionForm().validate_on_submit() or abort(400)
    if found.report_file_id is None:
        flash("Generate the report before delivering it.", "error")
        return redirect(url_for("search.session_detail", session_id=found.id))
    try:
        delivered = thread.deliver_session(found, current_user, (request.form.get("note") or "").strip()[:5000])
    except thread.WorkflowError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("search.session_detail", session_id=found.id))
    if delivered is None:
        flash("The report is delivered: the firm can now download it.", "success")
        return redirect(url_for("search.session_detail", session_id=found.id))
    flash(f"Delivered request #{delivered.id} with the report: the firm has been told and can approve it or send "
          f"it back.", "success")
    return redirect(url_for("requests.detail", request_id=delivered.id))


@bp.route("/sessions/<int:session_id>/citations.csv")
@login_required
@tenant_required
def export_citations_csv(session_id: int):
    """The session's cited documents for a spreadsheet."""
    return _export_citations(_session_or_404(session_id), "csv")


@bp.route("/sessions/<int:session_id>/citations.ris")
@login_required
@tenant_required
def export_citations_ris(session_id: int):
    """The session's cited documents for a reference manager (EndNote, Zotero, Citavi)."""
    return _export_citations(_session_or_404(session_id), "ris")


def _export_citations(found: SearchSession, kind: str):
    reference = re.sub(r"[^A-Za-z0-9_-]+", "-", found.matter.reference)
    if kind == "csv":
        body, mimetype = "\ufeff" + listing.citations_csv(found), "text/csv"
    else:
        body, mimetype = listing.citations_ris(found), "application/x-research-info-systems"
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="citations-{reference}-{found.id}.{kind}"'
    return response


@bp.route("/sessions/<int:session_id>/report.pdf")
@login_required
@tenant_required
def download_report(session_id: int):
    found = _session_or_404(session_id)
    if found.report_file is None or (not _is_searcher() and found.delivered_at is None):
        abort(404)
    return send_stored(found.report_file)
