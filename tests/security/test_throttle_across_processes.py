"""ASVS 5.0 6.3.1 (brute force): the sign-in throttle holds across app processes that share Redis."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import redis

from app import create_app
from tests import resources
from tests.conftest import PASSWORD

# Not REDIS_URL's own database: every PostgreSQL test's app fixture flushes that one, which would reset
# the counters under this test.
THROTTLE_REDIS_URL = resources.claim_redis_url("throttle")

SECOND_PROCESS = """
import json, os, sys
from app import create_app
app = create_app(json.loads(os.environ["SECOND_APP_CONFIG"]))
client = app.test_client()
codes = [client.post("/login", data={"email": sys.argv[1], "password": "wrong-password"}).status_code
         for _ in range(int(sys.argv[2]))]
print(json.dumps(codes))
"""


def test_failures_in_one_process_count_in_another(database_config, world):
    """Five failures spread over two processes sharing Redis lock the account in both."""
    config = {"TESTING": True, "WTF_CSRF_ENABLED": False, "REDIS_URL": None, **database_config,
              "RATELIMIT_STORAGE_URI": THROTTLE_REDIS_URL,
              "LOGIN_THROTTLE_PER_ACCOUNT": "5 per 15 minutes", "LOGIN_THROTTLE_PER_ADDRESS": "1000 per minute"}
    redis.Redis.from_url(THROTTLE_REDIS_URL).ping()  # a missing Redis is an error, never a skip
    email = world["a_attorney"].email
    # A fresh limiter key space: the account key includes the e-mail, so make the window ours alone.
    first = create_app({**config, "RATELIMIT_KEY_PREFIX": f"throttle-{uuid.uuid4().hex}"})
    client = first.test_client()
    assert [client.post("/login", data={"email": email, "password": "wrong-password"}).status_code
            for _ in range(3)] == [401, 401, 401]
    second = subprocess.run([sys.executable, "-c", SECOND_PROCESS, email, "2"], capture_output=True, text=True,
                            env={**os.environ, "SECOND_APP_CONFIG": json.dumps(
                                {**config, "RATELIMIT_KEY_PREFIX": first.config["RATELIMIT_KEY_PREFIX"]})},
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))), timeout=120)
    assert second.returncode == 0, second.stderr[-2000:]
    assert json.loads(second.stdout.strip().splitlines()[-1]) == [401, 401]
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 429
