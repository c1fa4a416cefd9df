"""A firm admin cannot learn whether an address has an account in another firm or at the provider (issue 11 item 12).

Accounts belong to one firm (or to the provider); an address is unique only within that scope. Adding a person at an
address that has an account elsewhere answers exactly as adding one at a fresh address, and the two accounts stay
apart: each opens with its own password, and a person whose one password opens both chooses where to sign in.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import User

PASSWORD = "a brand new passphrase"


def _normalised(response) -> tuple[int, str | None, str]:
    body = re.sub(r'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"\s+name="csrf_token"', "", response.get_data(
        as_text=True))
    return response.status_code, response.headers.get("Location"), body


def _add(admin, email: str):
    return admin.post("/admin/users/new", data={"name": "New Person", "email": email, "role": "paralegal",
                                                "active": "y", "password": PASSWORD})


def test_adding_a_person_answers_the_same_whether_the_address_exists_elsewhere_or_not(world, login_as):
    admin = login_as(world["a_firm_admin"])
    fresh = _normalised(_add(admin, "nobody.yet@example.test"))
    for elsewhere in (world["b_paralegal"].email, world["provider_admin"].email, world["specialist_a"].email):
        assert _normalised(_add(admin, elsewhere)) == fresh, elsewhere
    # ... and the firm's list shows each as its own person, like the fresh one
    page = admin.get("/admin/users").get_data(as_text=True)
    assert all(email in page for email in ("nobody.yet@example.test", world["b_paralegal"].email,
                                           world["provider_admin"].email, world["specialist_a"].email))
    # editing a person's address to one used elsewhere is no probe either
    hire = db.session.execute(select(User).where(User.email == "nobody.yet@example.test")).scalar_one()
    moved = admin.post(f"/admin/users/{hire.id}", data={"name": "New Person", "email": world["b_attorney"].email,
                                                         "role": "paralegal", "active": "y"})
    assert moved.status_code == 302


def test_within_the_firm_an_address_still_names_one_person(world, login_as):
    admin = login_as(world["a_firm_admin"])
    refused = _add(admin, world["a_paralegal"].email)
    assert refused.status_code == 400 and "Someone in this firm already uses this e-mail address" in \
        refused.get_data(as_text=True)


def test_the_other_firms_account_is_untouched_and_each_password_opens_its_own_account(world, login_as, client):
    victim = world["b_paralegal"]
    _add(login_as(world["a_firm_admin"]), victim.email)
    from tests.conftest import PASSWORD as WORLD_PASSWORD
    signed_in = client.post("/login", data={"email": victim.email, "password": WORLD_PASSWORD})
    assert signed_in.status_code == 302
    assert "Borealis" in client.get("/").get_data(as_text=True)  # firm B's own account, as before
    other = login_as(world["a_firm_admin"]).application.test_client()
    into_a = other.post("/login", data={"email": victim.email, "password": PASSWORD})
    assert into_a.status_code == 302 and "Acme" in other.get("/").get_data(as_text=True)
    assert "Borealis" not in other.get("/").get_data(as_text=True)


def test_one_password_opening_accounts_in_two_firms_asks_where_to_sign_in(world, app):
    from app import accounts
    from tests.conftest import PASSWORD as WORLD_PASSWORD
    person = world["b_paralegal"]
    in_a = accounts.create_user("Pat Both", person.email, "paralegal", WORLD_PASSWORD, home_tenant_id=world.firm_a.id)
    db.session.commit()
    client = app.test_client()
    asked = client.post("/login", data={"email": person.email, "password": WORLD_PASSWORD})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "open accounts in several firms" in page
    assert "Acme IP LLP" in page and "Borealis Patent Group" in page
    chosen = client.post("/login", data={"email": person.email, "password": WORLD_PASSWORD, "account": str(in_a.id)})
    assert chosen.status_code == 302 and "Acme" in client.get("/").get_data(as_text=True)
    # a chosen account the password does not open is no way in
    stranger = app.test_client()
    wrong = stranger.post("/login", data={"email": person.email, "password": WORLD_PASSWORD,
                                          "account": str(world["a_paralegal"].id)})
    assert wrong.status_code == 200 and "open accounts in several firms" in wrong.get_data(as_text=True)
