"""Development only (`MAIL_CAPTURE=true`, set by `make run`): outgoing mail is written to files instead of
an SMTP server, and provider admins read them at /dev/mail. Never on in production (the setting is ignored)."""
from __future__ import annotations

import re
import secrets
import time
from email import policy as email_policy
from email.parser import BytesParser
from pathlib import Path

NAME = re.compile(r"^\d{13}-[0-9a-f]{8}\.eml$")
SHOWN = 200


def capture(directory: str, data: bytes, recipient: str) -> Path:
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{int(time.time() * 1000):013d}-{secrets.token_hex(4)}.eml"
    path.write_bytes(f"X-Captured-For: {recipient}\r\n".encode() + data)
    return path


def captured_messages(directory: str) -> list[dict]:
    """The newest captured messages: file name, envelope recipient, subject, date."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted((p for p in folder.iterdir() if NAME.match(p.name)), reverse=True)[:SHOWN]:
        headers = BytesParser(policy=email_policy.default).parsebytes(path.read_bytes(), headersonly=True)
        found.append({"name": path.name, "to": headers["X-Captured-For"], "subject": headers["Subject"],
                      "date": headers["Date"], "message_id": headers["Message-ID"]})
    return found


def captured_message(directory: str, name: str) -> dict | None:
    """One message's headers and plain-text body; None for a name that is not a captured file."""
    if not NAME.match(name):
        return None
    path = Path(directory) / name
    if not path.is_file():
        return None
    message = BytesParser(policy=email_policy.default).parsebytes(path.read_bytes())
    body = message.get_body(("plain",))
    attachments = [part.get_filename() for part in message.iter_attachments()]
    return {"name": name, "to": message["X-Captured-For"], "subject": message["Subject"], "date": message["Date"],
            "message_id": message["Message-ID"], "text": body.get_content() if body else "",
            "attachments": [a for a in attachments if a]}
