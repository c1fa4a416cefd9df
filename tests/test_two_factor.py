"""Two-factor sign-in: who must enrol and is led through it, TOTP with replay refusal, recovery codes,
throttling, an admin's reset, and a fresh second factor for API tokens.

ASVS 5.0 V6.3.3 (multi-factor for privileged access), V6.5.1 (one-time use), V6.5.2 (lookup secrets
hashed), V6.5.5 (TOTP lifetime), V6.3.1 (throttling), V6.4.3 (factor reset), V7.5.3 (re-authentication
before a sensitive change).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from sqlalchemy import select, update

from app import two_factor
from app.extensions import db
from app.models import AuditEntry, LoginSession, User
from tests.conftest import PASSWORD, TOTP_SECRETS, current_code, enrol_authenticator


def _sign_in_with_password(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def _secret_shown_on(page: str) -> str:
    return re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")


def _enrol_through_the_pages(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor/authenticator").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code is drawn here, not by an outside service
    secret = _secret_shown_on(page)
    done = client.post("/account/two-factor/authenticator", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.get_data(as_text=True))
    return secret, codes


def test_a_new_provider_specialist_must_enrol_before_working(app, world, login_as):
    admin = login_as(world["provider_admin"], world.firm_a)
    made = admin.post("/admin/users/new", data={"name": "New Specialist", "email": "new@provider.test",
                                                "role": "specialist", "active": "y", "password": PASSWORD})
    assert made.status_code == 302
    newcomer = db.session.execute(select(User).where(User.email == "new@provider.test")).scalar_one()

    client = app.test_client()
    signed_in = _sign_in_with_password(client, newcomer)
    assert signed_in.status_code == 302  # no second factor yet, so the password starts the session...
    for page in ("/", "/docket", "/tenants/choose", "/api-tokens"):
        response = client.get(page)
        assert response.status_code == 302 and response.location.endswith("/account/two-factor/authenticator"), page
    assert client.get("/api/v1/matters").status_code == 403  # ...but nothing else until a second factor is set up

    secret, codes = _enrol_through_the_pages(client)
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT and len(set(codes)) == len(codes)
    assert client.get("/tenants/choose").status_code == 200

    client.post("/logout")
    asked = _sign_in_with_password(client, newcomer)
    assert asked.location.endswith("/login/second-factor")
    assert client.get("/").status_code == 302  # the password alone does not sign in
    assert client.post("/login/second-factor", data={"code": "000000"}).status_code == 401
    TOTP_SECRETS[newcomer.email] = secret
    assert client.post("/login/second-factor", data={"code": current_code(newcomer)}).status_code == 302
    assert client.get("/tenants/choose").status_code == 200
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "second_factor_enrolled",
                                                       AuditEntry.target_id == newcomer.id)).first()


def test_a_firm_that_requires_two_factor_leads_its_people_through_it(app, world, login_as):
    attorney_a = login_as(world["a_attorney"])
    attorney_b = login_as(world["b_attorney"])
    admin_a = login_as(world["a_firm_admin"])
    assert admin_a.post("/admin/security", data={"require_two_factor": "y"}).status_code == 302

    led = attorney_a.get("/matters")  # already signed in: led to enrolment at the next page
    assert led.status_code == 302 and led.location.endswith("/account/two-factor/authenticator")
    assert attorney_b.get("/matters").status_code == 200  # another firm is not affected

    _enrol_through_the_pages(attorney_a)
    assert attorney_a.get("/matters").status_code == 200
    fresh = app.test_client()
    assert _sign_in_with_password(fresh, world["a_paralegal"]).status_code == 302
    assert fresh.get("/docket").location.endswith("/account/two-factor/authenticator")
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "two_factor_requirement")).scalar_one()
    assert entry.subject_tenant_id == world.firm_a.id


def test_only_a_firm_admin_sets_the_firms_requirement(world, login_as):
    for who in ("a_attorney", "a_paralegal", "a_viewer"):
        assert login_as(world[who]).post("/admin/security", data={"require_two_factor": "y"}).status_code == 403
    assert world.firm_a.require_two_factor is False


def test_a_code_works_once(app, world):
    user = world["specialist_a"]
    code = current_code(user)
    first, second = app.test_client(), app.test_client()
    _sign_in_with_password(first, user)
    assert first.post("/login/second-factor", data={"code": code}).status_code == 302
    _sign_in_with_password(second, user)
    assert second.post("/login/second-factor", data={"code": code}).status_code == 401


def test_codes_from_another_time_step_window_are_refused(world):
    user = world["specialist_a"]
    totp = pyotp.TOTP(TOTP_SECRETS[user.email])
    later = two_factor.utcnow() + timedelta(seconds=30)  # enrolment used the current step
    assert not two_factor.verify_totp(user, totp.at(later - timedelta(minutes=2)), at=later)
    assert two_factor.verify_totp(user, totp.at(later), at=later)


def test_recovery_codes_are_hashed_and_each_works_once(app, world):
    user = world["specialist_a"]
    codes = two_factor.new_recovery_codes(user)
    db.session.commit()
    stored = db.session.execute(select(two_factor.RecoveryCode.code_hash)
                                .where(two_factor.RecoveryCode.user_id == user.id)).scalars().all()
    assert len(stored) == len(codes)
    assert not any(code.replace("-", "") in hashed or code in hashed for code in codes for hashed in stored)

    client = app.test_client()
    _sign_in_with_password(client, user)
    assert client.post("/login/second-factor", data={"code": codes[0].upper()}).status_code == 302
    client.post("/logout")
    _sign_in_with_password(client, user)
    assert client.post("/login/second-factor", data={"code": codes[0]}).status_code == 401
    assert two_factor.recovery_codes_left(user) == len(codes) - 1


def test_the_totp_seed_is_not_stored_in_the_clear(world):
    user = world["specialist_a"]
    sealed = db.session.execute(select(two_factor.TotpAuthenticator.sealed_secret)
                                .where(two_factor.TotpAuthenticator.user_id == user.id)).scalar_one()
    assert TOTP_SECRETS[user.email] not in sealed and TOTP_SECRETS[user.email].lower() not in sealed.lower()


def test_second_factor_attempts_are_throttled_like_passwords(app, world):
    user = world["specialist_a"]
    client = app.test_client()
    _sign_in_with_password(client, user)
    for _ in range(5):
        assert client.post("/login/second-factor", data={"code": "123456"}).status_code == 401
    # The sixth try is refused whatever it says, even the right code.
    assert client.post("/login/second-factor", data={"code": current_code(user)}).status_code == 429
    failures = db.session.execute(select(AuditEntry).where(AuditEntry.action == "second_factor_failed")).all()
    assert len(failures) == 5


def test_the_password_step_expires(app, world):
    user = world["specialist_a"]
    client = app.test_client()
    _sign_in_with_password(client, user)
    with client.session_transaction() as state:
        state["second_factor_since"] -= 11 * 60
    answer = client.post("/login/second-factor", data={"code": current_code(user)})
    assert answer.status_code == 302 and answer.location.endswith("/login")
    assert client.get("/").status_code == 302


def test_the_second_factor_page_without_a_password_step_sends_to_sign_in(client):
    answer = client.post("/login/second-factor", data={"code": "123456"})
    assert answer.status_code == 302 and answer.location.endswith("/login")


def test_an_admin_reset_is_audited_ends_sessions_and_asks_to_enrol_again(app, world, login_as):
    specialist = world["specialist_a"]
    working = login_as(specialist)
    assert working.get("/docket").status_code == 200
    token_client = app.test_client()
    from app.api import tokens
    _token, secret = tokens.create_token(specialist, world.firm_a, "ci", "read", 30)
    db.session.commit()

    admin = login_as(world["provider_admin"], world.firm_a)
    assert admin.post(f"/admin/users/{specialist.id}/two-factor/reset").status_code == 302
    assert not two_factor.enrolled(specialist)
    assert working.get("/docket").status_code == 302  # the session is over
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "second_factor_reset")).scalar_one()
    assert entry.actor_user_id == world["provider_admin"].id and entry.target_id == specialist.id
    # API tokens are not affected by the reset.
    answer = token_client.get("/api/v1/matters", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200

    again = app.test_client()
    assert _sign_in_with_password(again, specialist).status_code == 302
    assert again.get("/docket").location.endswith("/account/two-factor/authenticator")


def test_a_firm_admin_resets_only_their_own_people(world, login_as):
    admin_a = login_as(world["a_firm_admin"])
    enrol_authenticator(world["b_attorney"])
    db.session.commit()
    assert admin_a.post(f"/admin/users/{world['b_attorney'].id}/two-factor/reset").status_code == 404
    assert admin_a.post(f"/admin/users/{world['specialist_a'].id}/two-factor/reset").status_code == 404
    assert two_factor.enrolled(world["b_attorney"]) and two_factor.enrolled(world["specialist_a"])
    assert admin_a.post(f"/admin/users/{world['a_firm_admin'].id}/two-factor/reset").status_code == 302
    assert login_as(world["a_attorney"]).post(
        f"/admin/users/{world['a_paralegal'].id}/two-factor/reset").status_code == 403


def test_making_an_api_token_needs_a_fresh_second_factor(app, world, login_as):
    without = login_as(world["a_attorney"])
    page = without.get("/api-tokens").get_data(as_text=True)
    assert "Set up two-factor sign-in" in page
    refused = without.post("/api-tokens", data={"name": "CI", "scope": "read", "lifetime_days": 30})
    assert refused.status_code == 302 and "/account/two-factor" in refused.location

    user = world["specialist_a"]
    client = login_as(user, world.firm_a)
    assert client.post("/api-tokens", data={"name": "CI", "scope": "read", "lifetime_days": 30}).status_code == 200
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user.id)
                       .values(second_factor_at=two_factor.utcnow() - timedelta(minutes=11)))
    db.session.commit()
    stale = client.post("/api-tokens", data={"name": "Later", "scope": "read", "lifetime_days": 30})
    assert stale.status_code == 302 and "/account/two-factor/confirm" in stale.location
    confirmed = client.post("/account/two-factor/confirm", data={"code": current_code(user), "next": "/api-tokens"})
    assert confirmed.status_code == 302 and confirmed.location.endswith("/api-tokens")
    made = client.post("/api-tokens", data={"name": "Later", "scope": "read", "lifetime_days": 30})
    assert made.status_code == 200 and "pd_" in made.get_data(as_text=True)


def test_the_confirm_page_goes_only_to_local_pages(world, login_as):
    user = world["specialist_a"]
    client = login_as(user, world.firm_a)
    answer = client.post("/account/two-factor/confirm", data={"code": current_code(user),
                                                                "next": "https://evil.example/"})
    assert answer.status_code == 302 and answer.location.endswith("/account/two-factor")


def test_new_recovery_codes_replace_the_old_ones(world, login_as):
    user = world["specialist_a"]
    old = two_factor.new_recovery_codes(user)
    db.session.commit()
    client = login_as(user, world.firm_a)
    page = client.post("/account/two-factor/recovery-codes").get_data(as_text=True)
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", page)
    assert len(new) == two_factor.RECOVERY_CODE_COUNT and not set(new) & set(old)
    assert not two_factor.use_recovery_code(user, old[0])


def test_removing_a_required_authenticator_leads_back_to_enrolment(world, login_as):
    user = world["specialist_a"]
    client = login_as(user, world.firm_a)
    assert client.post("/account/two-factor/authenticator/remove").status_code == 302
    assert not two_factor.enrolled(user)
    assert client.get("/docket").location.endswith("/account/two-factor/authenticator")
