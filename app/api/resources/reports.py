"""API resource: reports as background jobs, the job's progress, and the download of what it made."""
from __future__ import annotations

from flask import g, jsonify
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from ...files import StoredFile, send_stored
from ...jobs import JobRecord
from ...patents.docketing.exports import request_report
from ...patents.docketing.queries import DocketFilters, tenant_today
from ..auth import api_operation
from ..http import abort_problem, json_body, load_or_404
from ..openapi import COMPONENTS, api_route, json_response
from ..schemas import DocketReportRequestSchema, JobSchema

COMPONENTS.update({"Job": JobSchema, "DocketReportRequest": DocketReportRequestSchema(
    only=DocketReportRequestSchema.writable["viewer"])})


def _job_representation(job: JobRecord) -> dict:
    representation = JobSchema.dumper(current_user.role).dump(job)
    representation["download"] = f"/api/v1/files/{job.file_id}" if job.file_id else None
    return representation


@api_route("/reports/docket", "POST", summary="Start a docket report (PDF)", tag="reports",
           request_body="DocketReportRequest",
           responses={"202": json_response("The job that makes the report; poll it, then download", "Job")})
@api_operation(write=True, capability=None)  # any role may ask for a report
def start_docket_report():
    """The docket page's PDF report, made in the background; the Location header names the job."""
    try:
        values = DocketReportRequestSchema.loader(current_user.role).load(json_body())
    except ValidationError as error:
        abort_problem(400, "Bad Request", "Some fields are invalid.", errors=error.normalized_messages())
    filters = DocketFilters(tenant_ids=[g.tenant.id], status=values["status"],
                                          jurisdiction=values.get("jurisdiction"), due_from=values.get("due_from"),
                                          due_to=values.get("due_to"),
                                          todays={g.tenant.id: tenant_today(g.tenant)})
    record = request_report(filters, g.tenant, current_user.id)
    response = jsonify(_job_representation(load_or_404(JobRecord, record.id)))
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/jobs/{record.id}"
    return response


@api_route("/jobs/<int:job_id>", "GET", summary="Get a job's progress", tag="reports",
           responses={"200": json_response("The job; `download` names the file once it is finished", "Job")})
@api_operation()
def get_job(job_id: int):
    """Jobs you started; other people's jobs, and the files they made, are not found."""
    return jsonify(_job_representation(load_or_404(JobRecord, job_id, JobRecord.created_by_id == current_user.id)))


@api_route("/files/<int:file_id>", "GET", summary="Download a file a job of yours made", tag="reports",
           responses={"200": {"description": "The file, as an attachment",
                              "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}})
@api_operation()
def download_file(file_id: int):
    """Only what your own jobs made: uploads and other people's work products keep their pages' own rules."""
    return send_stored(load_or_404(StoredFile, file_id, StoredFile.id.in_(
        select(JobRecord.file_id).where(JobRecord.created_by_id == current_user.id))))
