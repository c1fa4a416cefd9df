"""Single-line text: the free-text fields that end up in e-mail subjects and other one-line places.

A CR/LF in a matter reference or a deadline label once stopped every reminder of a firm, because the
subject header refused it (issue 11, item 9). The input side is closed here, on every way in:

* forms and the API refuse control characters with a message naming the field
  (``NoControlCharacters`` for WTForms, ``SingleLineText`` for marshmallow);
* the models normalise them whatever path the value takes (imports, the demo, the CLI, code):
  ``SINGLE_LINE_ATTRIBUTES`` lists every such column, and a ``set`` listener replaces each run of
  control characters with one space before the value is stored or used.

Delivery isolates a bad row on its own side (app/patents/reminders/delivery.py); this keeps bad rows
from being written at all.
"""
from __future__ import annotations

import re

from sqlalchemy import event

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators (NEL is in C1).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
REFUSAL = "Use one line of text: line breaks, tabs and other control characters are not allowed."


def has_control_characters(value: str | None) -> bool:
    return bool(value) and CONTROL_CHARACTERS.search(value) is not None


def single_line(value):
    """``value`` with each run of control characters replaced by one space (and trimmed if it changed)."""
    if not isinstance(value, str) or not CONTROL_CHARACTERS.search(value):
        return value
    return CONTROL_CHARACTERS.sub(" ", value).strip()


class NoControlCharacters:
    """WTForms validator: refuse a value with line breaks or other control characters."""

    def __init__(self, message: str = REFUSAL):
        self.message = message

    def __call__(self, form, field) -> None:
        from wtforms.validators import StopValidation
        if isinstance(field.data, str) and has_control_characters(field.data):
            # Stop: later checks (a uniqueness lookup) must not send a NUL to the database.
            raise StopValidation(self.message)


def _attributes():
    from .models import Tenant, User
    from .patents.docketing.models import Deadline, Matter
    from .patents.notifications.models import Notification
    from .patents.search.models import SearchSession
    from .patents.work_requests.models import WorkRequest
    return (Tenant.name, User.name, Matter.reference, Matter.client_reference, Matter.title,
            Matter.application_number, Matter.publication_number, Matter.grant_number, Deadline.label,
            WorkRequest.title, SearchSession.title, Notification.message)


SINGLE_LINE_ATTRIBUTES: tuple = ()


def _normalise_on_set(target, value, oldvalue, initiator):
    return single_line(value)


def install() -> None:
    """Normalise every single-line attribute on assignment (idempotent; called by create_app)."""
    global SINGLE_LINE_ATTRIBUTES
    SINGLE_LINE_ATTRIBUTES = _attributes()
    for attribute in SINGLE_LINE_ATTRIBUTES:
        if not event.contains(attribute, "set", _normalise_on_set):
            event.listen(attribute, "set", _normalise_on_set, retval=True)
