"""One authorisation vocabulary: what each role may do, asked as ``can(user, Can.X)`` everywhere.

Views use ``@requires(Can.X)``, the API's operations ``api_operation(capability=Can.X)``, templates
``can(Can.X)``, and the domain's operations ``can(by, Can.X)`` before they change anything. A role's
capabilities are listed once, in ``ROLE_CAPABILITIES``; the README's role table is generated from it
(``python -m app.permissions``) and tests/test_permissions.py checks the two agree.

What a capability does not say: *which* tenant or object. The tenant filter (app/tenancy.py) and the
object checks after a lookup (a foreign object is a 404) still apply; e.g. cancelling a work request
needs ``Can.CANCEL_WORK_REQUEST`` and, for provider staff, being the one assigned to it.
"""
from __future__ import annotations

import logging
from enum import StrEnum
from functools import wraps

from flask import abort, request
from flask_login import current_user

from .extensions import login_manager
from .models import FIRM_ROLES, PROVIDER_ROLES, ROLE_LABELS

log = logging.getLogger("patentdesk.web")

ROLES = FIRM_ROLES + PROVIDER_ROLES


class Can(StrEnum):
    """Things a role may do; the value is the description in the README's role table."""

    DOCKET = "create and edit matters, record events, edit deadline watchers, change data through the API"
    OPEN_WORK_REQUEST = "open work requests for the provider"
    COMMENT_ON_WORK_REQUEST = "comment on work requests"
    CANCEL_WORK_REQUEST = "cancel work requests (provider staff: those assigned to them)"
    DELIVER_WORK = "start work on requests and deliver files"
    MANAGE_WORK_REQUESTS = "accept and assign work requests, set a firm's service levels"
    REVIEW_DELIVERY = "send a delivery back or approve it"
    SEE_PROVIDER_DASHBOARD = "see the provider's dashboard of queues and service levels"
    SEARCH_PRIOR_ART = "search prior art, keep search sessions and deliver search reports"
    UPLOAD_PRIVATE_ART = "upload the firm's own documents into its private search collection"
    MANAGE_PUBLIC_CORPUS = "import into the public corpus every firm searches (audited, before and after)"
    EDIT_CHECKLIST = "start checklists and edit their items"
    PREPARE_CHECKLIST = "mark a checklist prepared"
    SIGN_CHECKLIST = "sign a checklist off"
    MANAGE_CHECKLIST_TEMPLATES = "edit checklist templates"
    SEE_REMINDER_OUTBOX = "see the reminder outbox and retry failed messages"
    SET_REMINDER_POLICY = "set the firm's reminder policy"
    SET_REMINDER_DEFAULTS = "set the provider's default reminder policy"
    MANAGE_PEOPLE = "add and edit people, reset their passwords and second factors, end their sessions"
    READ_AUDIT_LOG = "read and export the audit log"
    MANAGE_FIRM_SECURITY = "set the firm's security settings and export all of its data"
    EXPORT_FIRM_DATA = "follow and download firm data exports"
    MANAGE_FIRMS = "add and edit client firms, assign staff to them, export and offboard any firm"
    DECLARE_OFFICE_CLOSURES = "record a patent office's declared closure (deadlines move in every firm)"


_EVERY_DOCKETER = {Can.DOCKET, Can.COMMENT_ON_WORK_REQUEST, Can.CANCEL_WORK_REQUEST, Can.EDIT_CHECKLIST}

ROLE_CAPABILITIES: dict[str, frozenset[Can]] = {
    "firm_admin": frozenset(_EVERY_DOCKETER | {
        Can.OPEN_WORK_REQUEST, Can.REVIEW_DELIVERY, Can.UPLOAD_PRIVATE_ART, Can.SIGN_CHECKLIST,
        Can.SEE_REMINDER_OUTBOX, Can.SET_REMINDER_POLICY, Can.MANAGE_PEOPLE, Can.READ_AUDIT_LOG,
        Can.MANAGE_FIRM_SECURITY, Can.EXPORT_FIRM_DATA}),
    "attorney": frozenset(_EVERY_DOCKETER | {
        Can.OPEN_WORK_REQUEST, Can.REVIEW_DELIVERY, Can.UPLOAD_PRIVATE_ART, Can.SIGN_CHECKLIST}),
    "paralegal": frozenset(_EVERY_DOCKETER | {Can.OPEN_WORK_REQUEST}),
    "viewer": frozenset(),
    "provider_admin": frozenset(_EVERY_DOCKETER | {
        Can.DELIVER_WORK, Can.MANAGE_WORK_REQUESTS, Can.SEE_PROVIDER_DASHBOARD, Can.SEARCH_PRIOR_ART,
        Can.UPLOAD_PRIVATE_ART, Can.PREPARE_CHECKLIST, Can.MANAGE_CHECKLIST_TEMPLATES, Can.SEE_REMINDER_OUTBOX,
        Can.SET_REMINDER_POLICY, Can.SET_REMINDER_DEFAULTS, Can.MANAGE_PEOPLE, Can.READ_AUDIT_LOG,
        Can.EXPORT_FIRM_DATA, Can.MANAGE_FIRMS, Can.DECLARE_OFFICE_CLOSURES, Can.MANAGE_PUBLIC_CORPUS}),
    "specialist": frozenset(_EVERY_DOCKETER | {
        Can.DELIVER_WORK, Can.SEE_PROVIDER_DASHBOARD, Can.SEARCH_PRIOR_ART, Can.UPLOAD_PRIVATE_ART,
        Can.PREPARE_CHECKLIST}),
}


def can(user, capability: Can) -> bool:
    """Whether this person's role allows it (signed out or unknown role: no)."""
    role = getattr(user, "role", None)
    return capability in ROLE_CAPABILITIES.get(role, ())


def roles_that(capability: Can) -> tuple[str, ...]:
    """The roles that have a capability, in the usual role order (for queries and schema views)."""
    return tuple(role for role in ROLES if capability in ROLE_CAPABILITIES[role])


def requires(capability: Can):
    """Refuse with a clear 403 page unless the signed-in person's role has this capability."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, capability):
                log.warning("authorisation failure: role %s may not %s (%s)", current_user.role, capability.name,
                            request.path)
                abort(403, description="Your role does not allow this. Ask your administrator if you need access.")
            return view(*args, **kwargs)
        return wrapped
    return decorator


def role_table() -> str:
    """The README's table of roles and what they may do (Markdown)."""
    header = "| may … | " + " | ".join(ROLE_LABELS[role] for role in ROLES) + " |"
    lines = [header, "|---|" + "---|" * len(ROLES)]
    for capability in Can:
        marks = " | ".join("✓" if capability in ROLE_CAPABILITIES[role] else "" for role in ROLES)
        lines.append(f"| {capability.value} | {marks} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(role_table())
