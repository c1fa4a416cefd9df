"""The sign-ins people can see: their open sessions, ending them, and an e-mail on a new device or address."""
from __future__ import annotations

import logging
import re
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select, update

from .extensions import db
from .models import LoginSession, User, utcnow
from .utc import as_utc

log = logging.getLogger("patentdesk.sign_ins")


def open_sessions(user: User) -> list[LoginSession]:
    """The person's sessions that still work: not ended, not idle too long, not too old. Newest activity first."""
    now = utcnow()
    idle, absolute = current_app.config["SESSION_IDLE_TIMEOUT"], current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    candidates = db.session.execute(
        select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None),
                                   LoginSession.created_at >= now - absolute)
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())).scalars()
    return [found for found in candidates if as_utc(found.last_seen_at) + idle >= now]


def end_session_of(user: User, login_session_id: int, reason: str) -> bool:
    """End one of this person's sessions; false when no such open session is theirs."""
    ended = db.session.execute(
        update(LoginSession).where(LoginSession.id == login_session_id, LoginSession.user_id == user.id,
                                   LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason))
    return ended.rowcount == 1


def end_other_sessions(user: User, keep_id: int | None, reason: str) -> int:
    query = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if keep_id is not None:
        query = query.where(LoginSession.id != keep_id)
    return db.session.execute(query.values(ended_at=utcnow(), ended_reason=reason)).rowcount


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"), ("curl/", "curl"), ("python-requests/", "a Python program"))
_SYSTEMS = (("Windows", "Windows"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def describe_device(user_agent: str | None) -> str:
    """'Firefox on Windows' from a User-Agent header, for people rather than parsers."""
    text = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in text), None)
    system = next((name for marker, name in _SYSTEMS if marker in text), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (re.sub(r"[^\w ./()-]", "", text)[:40] or "Unknown device")


def is_from_somewhere_new(login_session: LoginSession) -> bool:
    """A device or an address this person has not signed in from before (their first sign-in ever is not news)."""
    earlier = db.session.execute(
        select(LoginSession.user_agent, LoginSession.remote_addr)
        .where(LoginSession.user_id == login_session.user_id, LoginSession.id != login_session.id)).all()
    if not earlier:
        return False
    devices = {agent for agent, _ in earlier}
    addresses = {address for _, address in earlier}
    return login_session.user_agent not in devices or login_session.remote_addr not in addresses


def send_sign_in_notice(login_session_id: int) -> bool:
    """Job body: e-mail the person about a sign-in from a new device or address. A failure is logged, not retried:
    the notice is a courtesy, and the sessions page shows the same facts."""
    from .jobs import app_context
    from .patents.reminders.delivery import SmtpConnection, mail_domain

    with app_context():
        login_session = db.session.get(LoginSession, login_session_id)
        user = db.session.get(User, login_session.user_id) if login_session else None
        if user is None:
            return False
        config = current_app.config
        message = EmailMessage()
        message["Subject"] = "New sign-in to your PatentDesk account"
        message["From"], message["To"] = config["MAIL_FROM"], user.email
        message["Message-ID"] = f"<sign-in-{login_session.id}@{mail_domain()}>"
        when = as_utc(login_session.created_at).strftime("%Y-%m-%d %H:%M UTC")
        link = config["BASE_URL"].rstrip("/") + "/account/sessions"
        message.set_content(
            f"Hello {user.name},\n\nYour PatentDesk account was just signed in to from a device or address it has "
            f"not used before:\n\n  When:    {when}\n  Device:  {describe_device(login_session.user_agent)}\n"
            f"  Address: {login_session.remote_addr or 'unknown'}\n\nIf this was you, there is nothing to do.\n"
            f"If it was not, change your password now and end the session on Your sessions: {link}\n")
        connection = SmtpConnection()
        try:
            connection.send(message, user.email)
        except Exception as error:  # noqa: BLE001 - any SMTP or network failure
            log.warning("sign-in notice %s not sent: %s", login_session_id, error)
            return False
        finally:
            connection.close()
        return True


def notice_if_new(login_session: LoginSession) -> None:
    """Queue the e-mail when this sign-in comes from a new device or address."""
    from .jobs import enqueue

    if is_from_somewhere_new(login_session):
        enqueue("reminders", send_sign_in_notice, login_session.id, job_id=f"sign-in-notice-{login_session.id}")

