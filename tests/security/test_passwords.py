"""ASVS 5.0 V6 (authentication): password policy, argon2id parameters, and no user enumeration by answer or time.

The length and breached-list rules are also exercised through the UI in tests/test_auth_and_security.py.
"""
from __future__ import annotations

import statistics
import time
import uuid

import pytest

from app import accounts
from app.extensions import db
from tests.conftest import PASSWORD


@pytest.mark.parametrize("password, accepted", [
    ("seven77", False),            # ASVS 6.2.1: at least 8 characters
    ("eight888", True),
    ("p" * 64 + "q" * 64, True),   # ASVS 6.2.9: 64 characters and more are allowed
    ("password", False),           # ASVS 6.2.12: breached passwords are refused
    ("Password1", False),
])
def test_password_policy(password, accepted):
    """ASVS 6.2.1, 6.2.9, 6.2.12."""
    if accepted:
        accounts.check_password_policy(password)
    else:
        with pytest.raises(accounts.PasswordRejected):
            accounts.check_password_policy(password)


def test_argon2id_parameters_meet_owasp_minimums(production_password_hashing):
    """ASVS 11.4.2: passwords are stored with argon2id at no less than OWASP's memory and time cost."""
    from app.config import password_hashing
    assert password_hashing({}) == production_password_hashing  # what a deployment gets unless it says otherwise
    stored = accounts.hash_password("a long enough password")
    variant, version, params, _salt, _hash = stored.split("$")[1:]
    settings = dict(pair.split("=") for pair in params.split(","))
    assert variant == "argon2id" and version == "v=19"
    assert int(settings["m"]) >= 19 * 1024 and int(settings["t"]) >= 2 and int(settings["p"]) >= 1


def _median_seconds(client, email: str | None, password: str, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.post("/login", data={"email": email or f"{uuid.uuid4().hex}@nowhere.test",
                                               "password": password})
        timings.append(time.perf_counter() - started)
        assert response.status_code == 401
    return statistics.median(timings)


def test_unknown_user_and_wrong_password_take_similar_time(client, world, production_password_hashing):
    """ASVS 6.3.8: the sign-in answer and its timing do not reveal whether an account exists."""
    world["a_attorney"].password_hash = accounts.hash_password(PASSWORD)  # at the production cost, as deployed
    db.session.commit()
    _median_seconds(client, None, "warm-up-password", 1)
    wrong = _median_seconds(client, world["a_attorney"].email, PASSWORD + "x", 4)  # under the 5-per-account throttle
    unknown = _median_seconds(client, None, PASSWORD + "x", 4)
    assert 0.5 <= unknown / wrong <= 2.0, (wrong, unknown)
