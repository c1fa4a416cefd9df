"""Sessions people can see: their own open sessions, ending one or all others; admins end their people's;
an e-mail when a sign-in comes from a new device or address.

ASVS 5.0 V7.4.3 (terminate other sessions), V7.4.5 (admins terminate sessions), V7.5.2 (view and end
active sessions), V6.3.7 (notify users of suspicious sign-ins).
"""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, LoginSession
from tests.conftest import PASSWORD
from tests.patents.reminders.conftest import mailbox  # noqa: F401 - the real SMTP server fixture

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1"


def _sign_in(app, user, agent=FIREFOX, address="198.51.100.4"):
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def _open_ids(user) -> set[int]:
    return set(db.session.execute(select(LoginSession.id).where(LoginSession.user_id == user.id,
                                                                LoginSession.ended_at.is_(None))).scalars())


def test_your_sessions_shows_where_and_when_and_ends_one_or_all_others(app, world):
    user = world["a_attorney"]
    laptop = _sign_in(app, user)
    phone = _sign_in(app, user, SAFARI, "203.0.113.9")
    tablet = _sign_in(app, user, SAFARI, "203.0.113.10")
    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert "Firefox on Windows" in page and "Safari on iPhone" in page and "203.0.113.9" in page
    assert page.count("This session") == 1

    phone_id = max(_open_ids(user)) - 1
    assert laptop.post(f"/account/sessions/{phone_id}/end").status_code == 302
    assert phone.get("/matters").status_code == 302  # signed out
    assert tablet.get("/matters").status_code == 200
    assert laptop.post("/account/sessions/end-others").status_code == 302
    assert tablet.get("/matters").status_code == 302
    assert laptop.get("/matters").status_code == 200  # the one asking stays signed in
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "sessions_ended")).first()


def test_nobody_ends_another_persons_session(app, world):
    victim = world["b_attorney"]
    victim_client = _sign_in(app, victim)
    victim_session = max(_open_ids(victim))
    other = _sign_in(app, world["a_attorney"])
    assert other.post(f"/account/sessions/{victim_session}/end").status_code == 404
    colleague = _sign_in(app, world["b_paralegal"])
    assert colleague.post(f"/account/sessions/{victim_session}/end").status_code == 404
    assert victim_client.get("/matters").status_code == 200


def test_an_admin_sees_and_ends_their_peoples_sessions_only(app, world, login_as):
    attorney = world["a_attorney"]
    working = _sign_in(app, attorney)
    admin = login_as(world["a_firm_admin"])
    page = admin.get(f"/admin/users/{attorney.id}/sessions").get_data(as_text=True)
    assert "Firefox on Windows" in page and "198.51.100.4" in page
    assert admin.post(f"/admin/users/{attorney.id}/sessions/end-all").status_code == 302
    assert working.get("/matters").status_code == 302

    other_firm = _sign_in(app, world["b_attorney"])
    assert admin.get(f"/admin/users/{world['b_attorney'].id}/sessions").status_code == 404
    assert admin.post(f"/admin/users/{world['b_attorney'].id}/sessions/end-all").status_code == 404
    assert admin.get(f"/admin/users/{world['specialist_a'].id}/sessions").status_code == 404
    assert other_firm.get("/matters").status_code == 200
    assert login_as(world["a_paralegal"]).get(f"/admin/users/{attorney.id}/sessions").status_code == 403


def test_a_sign_in_from_a_new_device_or_address_is_mailed_to_the_person(app, world, mailbox):  # noqa: F811
    user = world["a_attorney"]
    _sign_in(app, user)  # the first sign-in of an account is not news
    _sign_in(app, user)  # the same device and address again
    assert mailbox.to(user.email) == []
    _sign_in(app, user, SAFARI)  # a new device
    _sign_in(app, user, FIREFOX, "203.0.113.50")  # a new address
    notices = mailbox.to(user.email)
    assert len(notices) == 2
    body = notices[0].get_content()
    assert "Safari on iPhone" in body and "198.51.100.4" in body and "/account/sessions" in body
    assert "203.0.113.50" in notices[1].get_content()


def test_a_mail_server_that_is_down_does_not_stop_a_sign_in(app, world):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens on the discard port
    user = world["a_attorney"]
    _sign_in(app, user)
    assert _sign_in(app, user, SAFARI).get("/matters").status_code == 200


def test_a_person_changes_their_password_and_every_other_session_ends(app, world):
    """Issue 11 item 14: self-service password change (ASVS V6.2.2/V6.2.3: current password first)."""
    user = world["a_attorney"]
    laptop, phone = _sign_in(app, user), _sign_in(app, user, SAFARI, "203.0.113.9")
    wrong = laptop.post("/account/password", data={"current_password": "not it", "new_password": "a fresh one 2026",
                                                   "confirm": "a fresh one 2026"})
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    breached = laptop.post("/account/password", data={"current_password": PASSWORD, "new_password": "password",
                                                      "confirm": "password"})
    assert breached.status_code == 400 and "breached" in breached.get_data(as_text=True)
    differ = laptop.post("/account/password", data={"current_password": PASSWORD, "new_password": "a fresh one 2026",
                                                    "confirm": "a fresh one 2025"})
    assert differ.status_code == 400 and "The two new passwords differ" in differ.get_data(as_text=True)

    changed = laptop.post("/account/password", data={"current_password": PASSWORD,
                                                     "new_password": "a fresh one 2026", "confirm": "a fresh one 2026"})
    assert changed.status_code == 302
    assert laptop.get("/account/sessions").status_code == 200  # this session goes on
    assert phone.get("/account/sessions").status_code == 302  # the other one is signed out
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": user.email, "password": PASSWORD}).status_code != 302
    assert fresh.post("/login", data={"email": user.email, "password": "a fresh one 2026"}).status_code == 302
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "password_changed")).scalar_one()
