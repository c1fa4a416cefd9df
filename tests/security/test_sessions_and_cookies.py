"""ASVS 5.0 V7 (session management) and V3.3 (cookie setup): sessions end for real, cookies are locked down.

Already covered in tests/test_auth_and_security.py, not repeated here: sign-out, password change and
disabling end sessions (V7.4.1, V7.4.3); idle timeout (V7.3.1); a new session at sign-in (V7.2.4).
"""
from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie

from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import LoginSession, utcnow
from tests.conftest import PASSWORD


def test_absolute_timeout_ends_an_active_session(app, world, login_as):
    """ASVS 7.3.2: a session ends after the absolute lifetime even while it is in use."""
    client = login_as(world["a_attorney"])
    for login_session in db.session.execute(select(LoginSession)).scalars():
        login_session.created_at = utcnow() - app.config["SESSION_ABSOLUTE_TIMEOUT"] - timedelta(minutes=1)
        login_session.last_seen_at = utcnow()  # busy right now: only the absolute limit applies
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location
    assert db.session.execute(select(LoginSession.ended_reason)).scalar() == "absolute timeout"


def test_the_server_side_session_is_new_at_each_sign_in(client, world, auth):
    """ASVS 7.2.4: a fresh session token at every authentication, so a planted one is worthless."""
    auth.login(world["a_attorney"])
    auth.logout()
    auth.login(world["a_attorney"])
    hashes = db.session.execute(select(LoginSession.token_hash)).scalars().all()
    assert len(hashes) == len(set(hashes)) == 2


def test_production_set_cookie_is_secure_httponly_samesite_and_host_prefixed(database_config, world, monkeypatch):
    """ASVS 3.3.1, 3.3.2, 3.3.4 and 3.3.3: Secure, SameSite=Lax, HttpOnly and the __Host- prefix in production."""
    monkeypatch.setenv("PATENTDESK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "REDIS_URL": None, **database_config})
    response = app.test_client().post("/login", base_url="https://localhost",
                                      data={"email": world["a_attorney"].email, "password": PASSWORD})
    assert response.status_code == 302
    set_cookies = response.headers.getlist("Set-Cookie")
    assert set_cookies
    for header in set_cookies:
        name = header.split("=", 1)[0]
        attributes = [part.strip().lower() for part in header.split(";")[1:]]
        assert name.startswith("__Host-"), header
        assert "secure" in attributes and "httponly" in attributes and "path=/" in attributes, header
        assert "samesite=lax" in attributes or "samesite=strict" in attributes, header
        assert not any(a.startswith("domain=") for a in attributes), header
        morsel = SimpleCookie(header)[name]
        if morsel["max-age"]:
            assert int(morsel["max-age"]) <= 30 * 86400
    assert app.config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
