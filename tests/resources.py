"""What a test run borrows from the machine: sample files, a PostgreSQL database and Redis databases.

Several runs share one machine (two backends side by side, a developer's run beside CI), so each run
gets names of its own: a PostgreSQL database named after its process, and Redis databases claimed
with a key that names the claiming process. A claim left by a run that was killed is taken over
once its process is gone. ``TEST_POSTGRES_DB`` and ``TEST_REDIS_URL`` pin them instead.
"""
from __future__ import annotations

import atexit
import os
import socket
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
# The real sample patents ship with the tests; PATENTDESK_SAMPLE_DATA points at another copy.
SAMPLE_PATENTS = Path(os.environ.get("PATENTDESK_SAMPLE_DATA", REPOSITORY / "tests" / "data" / "patents"))

REDIS_SERVER = os.environ.get("TEST_REDIS_SERVER", "redis://127.0.0.1:6379")
_CLAIM_KEY = "patentdesk-test:claim:{}"
_HOST = socket.gethostname()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim_is_stale(owner: bytes | None) -> bool:
    if owner is None:
        return True
    host, _, pid = owner.decode().rpartition(":")
    return host == _HOST and pid.isdigit() and not _process_alive(int(pid))


def claim_redis_url(purpose: str) -> str:
    """A Redis database (1–15) of this run's own, released when the run ends.

    Database 0 holds the claims. Returns a URL even when Redis is down, so the tests that need it
    fail with Redis's own error rather than the whole run failing at import.
    """
    pinned = os.environ.get(f"TEST_REDIS_URL{'' if purpose == 'main' else '_' + purpose.upper()}")
    if pinned:
        return pinned
    import redis

    claims = redis.Redis.from_url(f"{REDIS_SERVER}/0", socket_connect_timeout=2)
    me = f"{_HOST}:{os.getpid()}"
    try:
        for number in range(1, 16):
            key = _CLAIM_KEY.format(number)
            if claims.set(key, me, nx=True) or (_claim_is_stale(claims.get(key)) and claims.set(key, me)):
                atexit.register(_release, key, me)
                return f"{REDIS_SERVER}/{number}"
    except redis.exceptions.ConnectionError:
        return f"{REDIS_SERVER}/15"
    raise RuntimeError("every Redis test database (1-15) is claimed by a running test run")


def _release(key: str, me: str) -> None:
    import redis

    try:
        claims = redis.Redis.from_url(f"{REDIS_SERVER}/0", socket_connect_timeout=2)
        if claims.get(key) == me.encode():
            claims.delete(key)
    except redis.exceptions.RedisError:
        pass


def postgres_database_name() -> str:
    return os.environ.get("TEST_POSTGRES_DB") or f"patentdesk_test_{os.getpid()}"


def stale_postgres_databases(names: list[str]) -> list[str]:
    """Databases of earlier runs on this machine whose process has ended."""
    stale = []
    for name in names:
        suffix = name.removeprefix("patentdesk_test_")
        if suffix.isdigit() and int(suffix) != os.getpid() and not _process_alive(int(suffix)):
            stale.append(name)
    return stale
