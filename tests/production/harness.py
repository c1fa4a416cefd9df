"""The production paths as real processes: gunicorn, the RQ worker, the scheduler and a redis-server of our own.

Each process runs in its own process group with its output in a log file, so a test can start, stop or
kill (SIGKILL to the group) any one of them mid-run and read what it wrote. The Redis server is ours alone,
on a spare port, so killing it disturbs nobody else on the machine. Nothing here knows about a feature:
fault servers (SMTP and the like) are further ``ManagedProcess``es or in-process servers a test adds.

Note on RQ: a work-horse runs in a process group of its own, so killing the worker's group leaves a
horse that is mid-job running to the end (as in production when only the worker is killed).
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests

from tests.resources import REPOSITORY

READY_TIMEOUT_SECONDS = 30


class NotReady(AssertionError):
    """A process did not become ready, or died; the message carries the end of its log."""


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float = READY_TIMEOUT_SECONDS, interval: float = 0.05,
               what: str = "condition"):
    """Poll until ``condition()`` returns something truthy (and return it); exceptions count as not yet."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = condition()
            if result:
                return result
        except Exception as error:  # noqa: BLE001  (not ready yet: connection refused and the like)
            last_error = error
        time.sleep(interval)
    raise NotReady(f"{what} not reached within {timeout} s" + (f" (last error: {last_error!r})" if last_error else ""))


@dataclass
class ManagedProcess:
    """One long-running process of the deployment: start, wait until ready, stop, kill, read its log."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    ready: Callable[[ManagedProcess], object] = lambda process: True
    popen: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> ManagedProcess:
        if self.running:
            return self
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start {' '.join(self.command)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(self.command, env=self.env, cwd=REPOSITORY, stdout=log,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> ManagedProcess:
        def ready_or_dead():
            if not self.running:
                raise NotReady(f"{self.name} exited with {self.popen.returncode if self.popen else None}")
            return self.ready(self)
        try:
            wait_until(ready_or_dead, timeout, what=f"{self.name} ready")
        except NotReady as error:
            raise NotReady(f"{error}\n--- {self.name} log ---\n{self.log_tail()}") from None
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def signal_group(self, signum: int) -> None:
        if self.popen is not None:
            try:
                os.killpg(self.popen.pid, signum)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM to the group (a graceful shutdown), SIGKILL if it does not end in time."""
        if not self.running:
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL to the whole process group: a crash, with no chance to clean up."""
        if self.popen is None:
            return
        self.signal_group(signal.SIGKILL)
        self.popen.wait(10)

    def restart(self) -> ManagedProcess:
        self.stop()
        return self.start().wait_ready()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, characters: int = 4000) -> str:
        return self.log_text()[-characters:]


def redis_server(workdir: Path) -> ManagedProcess:
    port = spare_port()
    process = ManagedProcess(
        "redis-server",
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        dict(os.environ), workdir / "redis-server.log",
        ready=lambda p: redis.Redis(port=port, socket_connect_timeout=0.5).ping())
    process.port = port  # type: ignore[attr-defined]
    return process


@dataclass
class Deployment:
    """A production-style deployment: gunicorn, one RQ worker, the scheduler, Redis; PostgreSQL is given."""

    workdir: Path
    database_url: str
    migration_database_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    web_workers: int = 2
    processes: dict[str, ManagedProcess] = field(default_factory=dict)

    def __post_init__(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.redis = self.processes["redis"] = redis_server(self.workdir)
        self.redis_url = f"redis://127.0.0.1:{self.redis.port}/0"
        self.web_port = spare_port()
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.index_dir = str(self.workdir / "search-index")
        self.upload_dir = str(self.workdir / "uploads")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PATENTDESK_", "FLASK_"))},
            "PATENTDESK_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "PATENTDESK_KEK": os.environ["PATENTDESK_KEK"],  # the tests' own (tests/conftest.py): same files
            "DATABASE_URL": self.database_url,
            "MIGRATION_DATABASE_URL": self.migration_database_url,
            "REDIS_URL": self.redis_url,
            "SEARCH_INDEX_DIR": self.index_dir,
            "UPLOAD_DIR": self.upload_dir,
            "BASE_URL": self.base_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(spare_port()),  # nobody listens unless a test starts a mail server here
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        python = sys.executable
        self.web = self.processes["web"] = ManagedProcess(
            "gunicorn",
            [python, "-m", "gunicorn", "--workers", str(self.web_workers), "--bind", f"127.0.0.1:{self.web_port}",
             "--timeout", "30", "--graceful-timeout", "5", "--access-logfile", "-", "wsgi:app"],
            self.env, self.workdir / "gunicorn.log",
            ready=lambda p: requests.get(f"{self.base_url}/healthz", timeout=2).status_code == 200)
        self.worker = self.processes["worker"] = ManagedProcess(
            "worker", [python, "-m", "worker"], self.env, self.workdir / "worker.log",
            ready=lambda p: self._worker_registered())
        self.scheduler = self.processes["scheduler"] = ManagedProcess(
            "scheduler", [python, "-m", "worker.schedule"], self.env, self.workdir / "scheduler.log",
            ready=lambda p: self.redis_client().keys("patentdesk:scheduled:*"))

    def _worker_registered(self) -> bool:
        from rq import Worker
        return any(w.hostname and w.pid for w in Worker.all(connection=self.redis_client()))

    def redis_client(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, socket_connect_timeout=1)

    def start(self) -> Deployment:
        """Start whatever is not running (Redis first) and wait until each of those is ready.

        A process that survived a fault (a worker that lost Redis and reconnected) is left as it is;
        whether it really recovered is for the test to show, with a job that has to run.
        """
        if not self.redis.running:
            self.redis.start().wait_ready()
        started = [process.start() for name, process in self.processes.items()
                   if name != "redis" and not process.running]
        for process in started:
            process.wait_ready()
        return self

    def stop(self) -> None:
        """Ask every process to shut down at once, then wait for each (Redis last)."""
        for process in self.processes.values():
            if process.running:
                process.signal_group(signal.SIGTERM)
        for name in reversed(list(self.processes)):
            self.processes[name].stop()

    def logs(self) -> str:
        return "\n".join(f"--- {name} ({p.log_path}) ---\n{p.log_tail()}" for name, p in self.processes.items())

    def client(self) -> Browser:
        return Browser(self.base_url)


class Browser(requests.Session):
    """Real HTTP against the deployment, with cookies and the CSRF token a browser would send."""

    CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url
        self.csrf_token: str | None = None

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        response = super().request(method, url if url.startswith("http") else self.base_url + url, *args, **kwargs)
        self._remember_csrf(response)
        return response

    def prepare_request(self, request):
        """Production cookies are ``Secure`` (``__Host-`` prefix). TLS ends at a proxy in front of gunicorn,
        which this harness leaves out, so send them over plain HTTP to our one host, as the proxy would."""
        prepared = super().prepare_request(request)
        if self.cookies:
            prepared.headers["Cookie"] = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)
        return prepared

    def _remember_csrf(self, response) -> None:
        if "text/html" in response.headers.get("Content-Type", ""):
            found = self.CSRF_FIELD.search(response.text)
            if found:
                self.csrf_token = next(group for group in found.groups() if group)

    def submit(self, path: str, data: dict | None = None, **kwargs):
        """POST a form the way a browser does after loading its page: with the page's CSRF token."""
        if self.csrf_token is None:
            self.get(path)
        return self.post(path, data={"csrf_token": self.csrf_token, **(data or {})}, **kwargs)

    def sign_in(self, email: str, password: str, tenant_id: int | None = None):
        self.get("/login")
        response = self.submit("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.text[:500]
        self.get("/")  # sign-in starts a new session, and with it a new CSRF token
        if tenant_id is not None:
            chosen = self.submit("/tenants/choose", {"tenant_id": tenant_id})
            assert chosen.status_code == 302, chosen.text[:500]
        return response
