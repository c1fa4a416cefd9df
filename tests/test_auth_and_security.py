"""Sign-in, sign-out that really ends the session, throttling, CSRF, roles, headers and the audit trail."""
import json

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import AuditEntry, LoginSession, User
from tests.conftest import PASSWORD


def audit_actions():
    return [e.action for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_sign_in_lands_on_home_and_is_audited(client, world):
    response = client.post("/login", data={"email": world["a_attorney"].email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "Acme IP LLP" in home.get_data(as_text=True)
    assert "sign_in" in audit_actions()


def test_unknown_user_and_wrong_password_get_the_same_answer(client, world):
    wrong = client.post("/login", data={"email": world["a_attorney"].email, "password": "nope-nope-nope"})
    unknown = client.post("/login", data={"email": "nobody@acme.test", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    message = "That e-mail and password do not match an active account."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert audit_actions().count("sign_in_failed") == 2


def test_disabled_account_cannot_sign_in(client, world):
    world["a_viewer"].active = False
    db.session.commit()
    assert client.post("/login", data={"email": world["a_viewer"].email, "password": PASSWORD}).status_code == 401


def test_throttle_after_repeated_failures_with_a_clear_message(client, world):
    for _ in range(5):
        assert client.post("/login", data={"email": world["a_attorney"].email, "password": "bad"}).status_code == 401
    blocked = client.post("/login", data={"email": world["a_attorney"].email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # Another account from the same address is not locked by this one's failures.
    assert client.post("/login", data={"email": world["a_paralegal"].email, "password": PASSWORD}).status_code == 302


def test_a_cookie_captured_before_sign_out_is_refused_afterwards(client, world, auth):
    auth.login(world["a_attorney"])
    stolen = client.get_cookie("patentdesk").value
    auth.logout()
    thief = client.application.test_client()
    thief.set_cookie("patentdesk", stolen)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_password_change_ends_other_sessions(app, world, login_as):
    victim = login_as(world["a_attorney"])
    admin = login_as(world["a_firm_admin"])
    response = admin.post(f"/admin/users/{world['a_attorney'].id}/password",
                          data={"pw-password": "a much longer passphrase 42"})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302


def test_disabling_an_account_ends_its_sessions(world, login_as):
    victim = login_as(world["a_paralegal"])
    admin = login_as(world["a_firm_admin"])
    person = world["a_paralegal"]
    admin.post(f"/admin/users/{person.id}", data={"name": person.name, "email": person.email, "role": person.role})
    assert victim.get("/").status_code == 302


def test_idle_sessions_expire(app, world, login_as):
    client = login_as(world["a_attorney"])
    from datetime import timedelta

    from app.models import utcnow
    for login_session in db.session.execute(select(LoginSession)).scalars():
        login_session.last_seen_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_the_session_cookie_changes_at_sign_in(client, world):
    client.get("/login")
    before = client.get_cookie("patentdesk")
    client.post("/login", data={"email": world["a_attorney"].email, "password": PASSWORD})
    after = client.get_cookie("patentdesk")
    assert after is not None and (before is None or before.value != after.value)


def test_csrf_is_enforced_on_forms(database_config, world):
    app = create_app({"TESTING": True, **database_config})  # CSRF on
    client = app.test_client()
    response = client.post("/login", data={"email": world["a_attorney"].email, "password": PASSWORD})
    assert response.status_code == 400


def test_passwords_are_hashed_with_argon2id(world):
    assert world["a_attorney"].password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("password, accepted", [
    ("short1!", False), ("password123", False), ("iloveyou", False),
    ("tolerable length ok", True), ("x" * 64 + "y" * 40, True),
])
def test_password_policy(world, login_as, password, accepted):
    admin = login_as(world["a_firm_admin"])
    response = admin.post(f"/admin/users/{world['a_viewer'].id}/password", data={"pw-password": password})
    assert (response.status_code == 302) is accepted


def test_role_checks_show_a_clear_page(world, login_as):
    paralegal = login_as(world["a_paralegal"])
    response = paralegal.get("/admin/users")
    assert response.status_code == 403
    assert "Your role does not allow this" in response.get_data(as_text=True)
    assert login_as(world["a_firm_admin"]).get("/admin/tenants").status_code == 403
    assert login_as(world["specialist_a"]).get("/admin/users").status_code == 403


def test_firm_admin_manages_own_firm_users_only(world, login_as):
    admin = login_as(world["a_firm_admin"])
    page = admin.get("/admin/users").get_data(as_text=True)
    assert world["a_paralegal"].email in page and world["b_paralegal"].email not in page
    created = admin.post("/admin/users/new", data={"name": "New Hire", "email": "hire@acme.test",
                                                   "role": "paralegal", "active": "y",
                                                   "password": "welcome aboard friend"})
    assert created.status_code == 302
    hire = db.session.execute(select(User).where(User.email == "hire@acme.test")).scalar_one()
    assert hire.home_tenant_id == world.firm_a.id
    # A firm admin cannot create provider staff.
    refused = admin.post("/admin/users/new", data={"name": "Sneaky", "email": "sneaky@acme.test",
                                                   "role": "provider_admin", "password": "welcome aboard friend"})
    assert refused.status_code == 400


def test_a_form_with_errors_keeps_what_was_typed(world, login_as):
    admin = login_as(world["a_firm_admin"])
    response = admin.post("/admin/users/new", data={"name": "Typed Name", "email": "typed@acme.test",
                                                    "role": "paralegal", "password": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Typed Name" in page and "typed@acme.test" in page and "at least 8 characters" in page


def test_provider_admin_sets_up_a_firm_and_assigns_a_specialist(world, login_as):
    admin = login_as(world["provider_admin"])
    response = admin.post("/admin/tenants/new", data={
        "name": "Cobalt Patents", "slug": "cobalt", "time_zone": "Europe/London", "active": "y",
        "admin_name": "Cora Admin", "admin_email": "cora@cobalt.test", "admin_password": "cobalt passphrase 1"})
    assert response.status_code == 302
    from app.models import Tenant
    cobalt = db.session.execute(select(Tenant).where(Tenant.slug == "cobalt")).scalar_one()
    specialist = world["specialist_a"]
    admin.post(f"/admin/staff/{specialist.id}/assignments", data={"tenant_ids": [world.firm_a.id, cobalt.id]})
    from app.accounts import assigned_tenants
    assert {t.slug for t in assigned_tenants(specialist)} == {"acme", "cobalt"}


def test_specialist_works_only_in_assigned_tenants(world, login_as):
    specialist = login_as(world["specialist_a"])
    assert specialist.post("/tenants/choose", data={"tenant_id": world.firm_b.id}).status_code == 404
    assert specialist.post("/tenants/choose", data={"tenant_id": world.firm_a.id}).status_code == 302


def test_revoked_assignment_takes_effect_on_the_next_request(world, login_as):
    from app.models import SpecialistAssignment
    specialist = login_as(world["specialist_both"], world.firm_b)
    assert "Borealis" in specialist.get("/", follow_redirects=True).get_data(as_text=True)
    for row in db.session.execute(select(SpecialistAssignment).where(
            SpecialistAssignment.user_id == world["specialist_both"].id,
            SpecialistAssignment.tenant_id == world.firm_b.id)).scalars():
        db.session.delete(row)
    db.session.commit()
    page = specialist.get("/matters", follow_redirects=True).get_data(as_text=True)
    assert "Borealis Patent Group</option>" not in page and "Choose a client firm" in page


def test_audit_log_records_changes_and_is_scoped(world, login_as):
    admin_a = login_as(world["a_firm_admin"])
    person = world["a_viewer"]
    admin_a.post(f"/admin/users/{person.id}", data={"name": "Renamed Viewer", "email": person.email,
                                                    "role": person.role, "active": "y"})
    login_as(world["b_attorney"])
    page = admin_a.get("/admin/audit").get_data(as_text=True)
    assert "update User" in page and "viewer@acme.test" in page
    assert "attorney@borealis.test" not in page
    provider = login_as(world["provider_admin"])
    provider_page = provider.get(f"/admin/audit?tenant={world.firm_b.id}").get_data(as_text=True)
    assert "attorney@borealis.test" in provider_page


def test_audit_entries_cannot_be_changed(world, client):
    client.post("/login", data={"email": world["a_attorney"].email, "password": "bad"})
    entry = db.session.execute(select(AuditEntry)).scalars().first()
    entry.summary = "nothing happened"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_security_headers_on_pages_and_errors(client, world, auth):
    for response in (client.get("/login"), client.get("/no-such-page")):
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"]
        assert headers["Strict-Transport-Security"].startswith("max-age=")
    auth.login(world["a_attorney"])
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_no_inline_script_in_pages(client, world, auth):
    auth.login(world["a_firm_admin"])
    for path in ("/", "/admin/users", "/admin/audit"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " onclick=" not in page


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    from app.config import ConfigError, load_config
    monkeypatch.setenv("PATENTDESK_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        load_config(str(tmp_path))


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    from app.config import load_config
    monkeypatch.setenv("PATENTDESK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax" and config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert config["REMEMBER_COOKIE_DURATION"].days <= 30


def test_production_errors_show_an_id_not_a_traceback(database_config, world):
    app = create_app({"TESTING": True, "SHOW_ERROR_PAGES": True, **database_config})

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")
    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "error id" in page and "secret internals" not in page


def test_api_paths_get_json_errors(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_healthz_reports_the_database(client):
    body = client.get("/healthz").get_json()
    assert body["checks"]["database"] == "ok"


def test_log_lines_are_json_and_user_input_cannot_forge_lines(client, world, capsys):
    client.post("/login", data={"email": "evil@x.test\n{\"level\": \"INFO\", \"message\": \"forged\"}",
                                "password": "whatever-123"})
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert lines and all(json.loads(line)["time"].endswith("Z") for line in lines)
    assert not any(json.loads(line).get("message") == "forged" for line in lines)
    assert PASSWORD not in "".join(lines)
