"""Development only (`MAIL_CAPTURE=true`, set by `make run`): outgoing mail is kept in the development server's
memory (the newest 500 messages, gone on restart) instead of going to an SMTP server, and provider admins read
it at /dev/mail. Nothing is written to disk (stored files go through app/files.py, encrypted). Never on in
production (the setting is ignored there)."""
from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from email import policy as email_policy
from email.parser import BytesParser

KEEP = 500
_messages: deque = deque(maxlen=KEEP)
_lock = threading.Lock()


def capture(data: bytes, recipient: str) -> str:
    name = f"{int(time.time() * 1000):013d}-{secrets.token_hex(4)}"
    with _lock:
        _messages.append((name, recipient, data))
    return name


def forget_all() -> None:
    with _lock:
        _messages.clear()


def captured_messages() -> list[dict]:
    """The captured messages, newest first: name, envelope recipient, subject, date."""
    with _lock:
        kept = list(_messages)
    found = []
    for name, recipient, data in reversed(kept):
        headers = BytesParser(policy=email_policy.default).parsebytes(data, headersonly=True)
        found.append({"name": name, "to": recipient, "subject": headers["Subject"], "date": headers["Date"],
                      "message_id": headers["Message-ID"]})
    return found


def captured_message(name: str) -> dict | None:
    """One message's headers and plain-text body; None when no captured message has that name."""
    with _lock:
        match = next(((recipient, data) for n, recipient, data in _messages if n == name), None)
    if match is None:
        return None
    recipient, data = match
    message = BytesParser(policy=email_policy.default).parsebytes(data)
    body = message.get_body(("plain",))
    attachments = [part.get_filename() for part in message.iter_attachments()]
    return {"name": name, "to": recipient, "subject": message["Subject"], "date": message["Date"],
            "message_id": message["Message-ID"], "text": body.get_content() if body else "",
            "attachments": [a for a in attachments if a]}
