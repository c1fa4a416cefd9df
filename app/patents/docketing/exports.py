"""The docket as files: CSV for spreadsheets, iCalendar for calendars, and the PDF report job."""
from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import date, datetime

from .models import DEADLINE_STATUSES
from .queries import DocketFilters, DocketRow, docket_rows

CSV_COLUMNS = ["Firm", "Matter", "Client ref", "Title", "Jurisdiction", "Application no.", "Deadline", "Due",
               "Final due", "Days left", "Status", "Verified", "Citation"]


def _csv_safe(value) -> str:
    """Spreadsheets run cells starting with = + - @ (or tab/CR) as formulas; make them plain text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def docket_csv(rows: list[DocketRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        d, m = row.deadline, row.matter
        writer.writerow([_csv_safe(v) for v in (
            row.tenant.name, m.reference, m.client_reference, m.title, m.jurisdiction, m.application_number,
            d.label, d.current_due.isoformat(), d.final_due.isoformat() if d.final_due else "", row.days_left,
            DEADLINE_STATUSES.get(d.status, d.status), "no" if d.needs_verification else "yes", d.citation)])
    return out.getvalue()


def docket_ics(rows: list[DocketRow], calendar_name: str) -> bytes:
    from ...ical import DayEntry, day_calendar

    entries = []
    for row in rows:
        d, m = row.deadline, row.matter
        lines = [m.title, f"Due {d.current_due.isoformat()}"]
        if d.final_due:
            lines.append(f"Final date {d.final_due.isoformat()}")
        lines += [d.citation, *d.explanation]
        entries.append(DayEntry(f"deadline-{d.id}@patentdesk", d.current_due, f"[{m.reference}] {d.label}",
                                "\n".join(x for x in lines if x)))
    return day_calendar(entries, "Docket", datetime.now().astimezone(), name=calendar_name)


def request_report(filters: DocketFilters, tenant, user_id: int):
    """Start the PDF of a firm's docket with these filters in the background; returns the job's record.

    The docket page and the API both start it here.
    """
    from ...jobs import JobKind, start_tracked_job

    return start_tracked_job("reports", JobKind.DOCKET_REPORT, f"Docket report for {tenant.name}", render_docket_pdf,
                             asdict(filters), f"{tenant.name}: docket", user_id, created_by_id=user_id)


DOCKET_PDF_COLUMNS = ["Matter", "Deadline and rule", "Due", "Final", "Left", "Status", "Responsible"]
# Points on A4 inside 15 mm margins (510 pt): a date ("2026-11-23") and a day count ("-1234") never wrap.
DOCKET_PDF_WIDTHS = [92, 120, 60, 60, 42, 64, 72]


def docket_pdf_row(row) -> list[str]:
    deadline, matter = row.deadline, row.matter
    status = DEADLINE_STATUSES.get(deadline.status, deadline.status)
    if deadline.needs_verification:
        status += "\nUnverified"
    responsible = "\n".join(person.name for person in (matter.responsible_attorney, matter.specialist) if person)
    return [f"{matter.reference}\n{matter.title[:80]}", f"{deadline.label}\n{deadline.citation or 'entered by hand'}",
            deadline.current_due.isoformat(), deadline.final_due.isoformat() if deadline.final_due else "",
            str(row.days_left) if deadline.is_open else "", status, responsible or "—"]


def render_docket_pdf(progress, filters_dict: dict, title: str, user_id: int | None) -> dict:
    """Job body: the filtered docket as a PDF, stored for the tenant."""
    from ...files import FilePurpose, store_bytes
    from ..reports import pdf

    filters = DocketFilters(**filters_dict)
    rows = docket_rows(filters)
    progress.update(0, len(rows), "Laying out the docket report…")
    body = [pdf.text(f"{len(rows)} deadline(s). Dates are the dates to meet now, after any extension; "
                     "'Left' counts days from the firm's today (negative: overdue).", "small"),
            pdf.table(DOCKET_PDF_COLUMNS, [docket_pdf_row(r) for r in rows], widths=DOCKET_PDF_WIDTHS)]
    content = pdf.render(title, "Docket report", body, footer="PatentDesk docket")
    stored = store_bytes(content, f"docket-{date.today().isoformat()}.pdf", "application/pdf",
                         FilePurpose.DOCKET_REPORT, created_by_id=user_id)
    progress.attach(stored)
    return {"rows": len(rows)}
