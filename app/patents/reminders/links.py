"""Signed, expiring acknowledgement links: tenant, outbox row and recipient, usable without signing in."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

ACK_SALT = "patentdesk.reminders.acknowledge.v1"


class AckLinkError(ValueError):
    """The link is tampered with, made for another purpose, or expired."""


@dataclass(frozen=True)
class AckClaim:
    tenant_id: int
    outbox_id: int
    recipient_id: int


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=ACK_SALT)


def make_ack_token(tenant_id: int, outbox_id: int, recipient_id: int) -> str:
    return _serializer().dumps({"t": tenant_id, "o": outbox_id, "r": recipient_id})


def read_ack_token(token: str) -> AckClaim:
    max_age = current_app.config["REMINDER_ACK_MAX_AGE_SECONDS"]
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise AckLinkError("This link has expired. Open PatentDesk to acknowledge the reminder.") from None
    except BadSignature:
        raise AckLinkError("This link is not valid.") from None
    try:
        return AckClaim(int(payload["t"]), int(payload["o"]), int(payload["r"]))
    except (KeyError, TypeError, ValueError):
        raise AckLinkError("This link is not valid.") from None


def ack_url(tenant_id: int, outbox_id: int, recipient_id: int) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/reminders/ack/{make_ack_token(tenant_id, outbox_id, recipient_id)}"
