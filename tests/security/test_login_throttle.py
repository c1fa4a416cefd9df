"""Nobody can lock a named account from afar (issue 11, item 11).

Failed sign-ins are counted per account *and* address (quick), per address (any account), and per
account from anywhere (a slower backstop). X-Forwarded-For counts only behind the configured number of
trusted proxies; otherwise it is the client's own claim and is ignored.
"""
from __future__ import annotations

from app import create_app
from tests.conftest import PASSWORD

WRONG = "not the password at all"


def _app(database_config, **settings):
    # No RATELIMIT_KEY_PREFIX: Flask-Limiter keeps the first one it sees for every later app. The counters
    # start empty anyway: memory storage is new per app, and the app fixture empties Redis per test.
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "REDIS_URL": None, **database_config,
                       "LOGIN_THROTTLE_PER_ACCOUNT": "5 per 15 minutes",
                       "LOGIN_THROTTLE_PER_ADDRESS": "1000 per minute", **settings})


def _sign_in(client, email, password, address, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers).status_code


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(database_config, world):
    app = _app(database_config)
    email = world["a_attorney"].email
    guesser, owner = app.test_client(), app.test_client()
    assert [_sign_in(guesser, email, WRONG, "203.0.113.9") for _ in range(5)] == [401] * 5
    assert _sign_in(guesser, email, PASSWORD, "203.0.113.9") == 429  # the guesser is stopped
    assert _sign_in(owner, email, PASSWORD, "198.51.100.20") == 302  # the owner still signs in


def test_forwarded_for_is_ignored_without_trusted_proxies(database_config, world):
    app = _app(database_config)
    email, client = world["a_attorney"].email, app.test_client()
    codes = [_sign_in(client, email, WRONG, "203.0.113.9", forwarded_for=f"192.0.2.{n}") for n in range(7)]
    assert codes[5:] == [429, 429]  # a made-up header does not make a new address


def test_behind_a_trusted_proxy_the_forwarded_address_counts(database_config, world):
    app = _app(database_config, TRUSTED_PROXIES=1)
    email, client = world["a_attorney"].email, app.test_client()
    assert [_sign_in(client, email, WRONG, "10.0.0.2", forwarded_for="203.0.113.9") for _ in range(6)][-1] == 429
    assert _sign_in(client, email, PASSWORD, "10.0.0.2", forwarded_for="198.51.100.20") == 302


def test_the_slow_per_account_backstop_holds_across_addresses(database_config, world):
    app = _app(database_config, LOGIN_THROTTLE_PER_ACCOUNT_GLOBAL="8 per hour")
    email, client = world["a_attorney"].email, app.test_client()
    codes = [_sign_in(client, email, WRONG, f"203.0.113.{n}") for n in range(10)]
    assert codes[:8] == [401] * 8 and codes[8:] == [429, 429]
