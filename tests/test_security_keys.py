"""Security keys (WebAuthn) as a second factor, driven by a software authenticator that signs like a real key:
registering one leads a must-enrol person through, signing in needs the key's fresh signature, and replayed,
cloned or someone else's answers are refused.

ASVS 5.0 V6.5.x (hardware-backed authenticators), V6.3.3 (multi-factor), V6.5.1 (no replay).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from app import two_factor
from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD

BASE_URL = "https://desk.example"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftKey:
    """A FIDO2 authenticator in software: an EC P-256 key pair, "none" attestation, a signature counter."""

    def __init__(self, rp_id: str = "desk.example", origin: str = BASE_URL):
        self.rp_id, self.origin = rp_id, origin
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0

    def _client_data(self, kind: str, options: dict) -> bytes:
        return json.dumps({"type": kind, "challenge": options["challenge"], "origin": self.origin,
                           "crossOrigin": False}).encode()

    def _cose_key(self) -> bytes:
        numbers = self.private.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def create(self, options: dict) -> str:
        client_data = self._client_data("webauthn.create", options)
        auth_data = (hashlib.sha256(self.rp_id.encode()).digest() + bytes([0x45]) + self.counter.to_bytes(4, "big")
                     + bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + self._cose_key())
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps({"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                           "response": {"clientDataJSON": b64url(client_data),
                                        "attestationObject": b64url(attestation)},
                           "clientExtensionResults": {}})

    def get(self, options: dict, counter: int | None = None) -> str:
        self.counter = self.counter + 1 if counter is None else counter
        client_data = self._client_data("webauthn.get", options)
        auth_data = hashlib.sha256(self.rp_id.encode()).digest() + bytes([0x05]) + self.counter.to_bytes(4, "big")
        signature = self.private.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps({"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                           "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                                        "signature": b64url(signature)},
                           "clientExtensionResults": {}})


def _add_key(client, key: SoftKey, name: str = "YubiKey"):
    options = client.post("/account/security-keys/options").get_json()
    return client.post("/account/security-keys", json={"name": name, "credential": key.create(options)})


def _password_step(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).location.endswith(
        "/login/second-factor")
    return client


def _key_step(client, key: SoftKey, counter: int | None = None):
    options = client.post("/login/security-key/options").get_json()
    return client.post("/login/security-key", json={"credential": key.get(options, counter)})


def test_a_person_who_must_enrol_can_add_a_security_key_and_sign_in_with_it(app, world):
    app.config["BASE_URL"] = BASE_URL
    newcomer = User(email="keys@provider.test", name="Key Person", role="specialist",
                    password_hash=world["a_attorney"].password_hash)
    db.session.add(newcomer)
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": newcomer.email, "password": PASSWORD})
    assert client.get("/").location.endswith("/account/two-factor/authenticator")  # led to set one up

    key = SoftKey()
    added = _add_key(client, key)
    assert added.status_code == 200 and added.get_json()["redirect"].endswith("/account/two-factor")
    assert client.get("/tenants/choose").status_code == 200  # no longer held back
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "YubiKey" in page

    client.post("/logout")
    second = _password_step(app, newcomer)
    assert "Use my security key" in second.get("/login/second-factor").get_data(as_text=True)
    signed_in = _key_step(second, key)
    assert signed_in.status_code == 200 and signed_in.get_json()["redirect"].endswith("/")
    assert second.get("/tenants/choose").status_code == 200
    stored = db.session.execute(select(two_factor.SecurityKey)).scalar_one()
    assert stored.sign_count == 1 and stored.last_used_at is not None


def test_replayed_cloned_and_foreign_answers_are_refused(app, world):
    app.config["BASE_URL"] = BASE_URL
    specialist, other = world["specialist_a"], world["specialist_both"]
    mine, theirs = SoftKey(), SoftKey()
    for user, key in ((specialist, mine), (other, theirs)):
        from tests.conftest import current_code
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        client.post("/login/second-factor", data={"code": current_code(user)})
        assert _add_key(client, key).status_code == 200

    client = _password_step(app, specialist)
    options = client.post("/login/security-key/options").get_json()
    answer = mine.get(options)
    assert client.post("/login/security-key", json={"credential": answer}).status_code == 200
    replay = _password_step(app, specialist)
    replay.post("/login/security-key/options")
    assert replay.post("/login/security-key", json={"credential": answer}).status_code == 401  # old challenge

    cloned = _password_step(app, specialist)
    assert _key_step(cloned, mine, counter=1).status_code == 401  # the counter went backwards: a copied key
    foreign = _password_step(app, specialist)
    assert _key_step(foreign, theirs).status_code == 401  # another person's key
    wrong_site = _password_step(app, specialist)
    assert _key_step(wrong_site, SoftKey(origin="https://evil.example")).status_code == 401
    assert _key_step(_password_step(app, specialist), mine).status_code == 200


def test_a_key_answer_without_the_password_step_signs_nobody_in(app, world):
    app.config["BASE_URL"] = BASE_URL
    client = app.test_client()
    assert client.post("/login/security-key/options").status_code == 401
    assert client.post("/login/security-key", json={"credential": "{}"}).status_code == 401
    assert client.get("/matters").status_code == 302


def test_nobody_removes_another_persons_key(app, world, login_as):
    key = two_factor.SecurityKey(user_id=world["b_paralegal"].id, name="B key", credential_id=os.urandom(16),
                                 public_key=b"x")
    db.session.add(key)
    db.session.commit()
    assert login_as(world["a_attorney"]).post(f"/account/security-keys/{key.id}/remove").status_code == 404
    assert login_as(world["b_attorney"]).post(f"/account/security-keys/{key.id}/remove").status_code == 404
    assert db.session.get(two_factor.SecurityKey, key.id) is not None
