"""Reminder benchmark on PostgreSQL: the sweep over 1M open deadlines in 50 firms, and SMTP delivery throughput.

Creates a database of its own (``reminders_bench_<pid>``; the owner role owns it, the app role does not,
as in tests/conftest.py) and drops it at the end; it never touches another database. Bulk-loads it with
COPY, times run_sweep() (first sweep of the day, then an idle minute) and counts its SQL statements,
then delivers a slice of the outbox to a local aiosmtpd, and in the same run measures the ceiling: a
plain smtplib loop sending as many ready-made messages of the same size to the same server.

    .venv/bin/python bench/reminders_bench.py [--deadlines 1000000] [--tenants 50] [--deliver 2000] [--profile]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import create_engine, event, select, text  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB = f"reminders_bench_{os.getpid()}"  # this run's own database, dropped at the end
OWNER_ROLE, APP_ROLE = "patentdesk_owner", "patentdesk_app"
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
SPREAD_DAYS = 1460  # due dates spread over four years: about 10k reminders fall due on one day
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles", "Europe/London"]


def url(role: str) -> str:
    return f"postgresql+psycopg://{role}@127.0.0.1:5432/{DB}"


def create_database() -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for role, options in ((OWNER_ROLE, "LOGIN"),
                              (APP_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")):
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
                conn.execute(text(f"CREATE ROLE {role} {options}"))
        conn.execute(text(f"CREATE DATABASE {DB} OWNER {OWNER_ROLE}"))
    admin.dispose()


def drop_database() -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
    admin.dispose()


def bulk_load(tenants: int, deadline_count: int) -> None:
    """COPY as the superuser (row-level security does not apply to it), then ANALYZE."""
    rng = random.Random(42)
    conninfo = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + f"/{DB}"
    today = NOW.date()
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy("COPY tenants (id, name, slug, time_zone, active, created_at) FROM STDIN") as copy:
            for t in range(1, tenants + 1):
                copy.write_row((t, f"Firm {t}", f"firm{t}", ZONES[t % len(ZONES)], True, NOW))
        users, user_id = [], 0
        attorneys: dict[int, list[int]] = {}
        for t in range(1, tenants + 1):
            for role in ["firm_admin"] + ["attorney"] * 5:
                user_id += 1
                users.append((user_id, f"u{user_id}@firm{t}.example", f"User {user_id}", role, t))
                if role == "attorney":
                    attorneys.setdefault(t, []).append(user_id)
        provider_admin = user_id + 1
        users.append((provider_admin, "admin@provider.example", "Provider admin", "provider_admin", None))
        with cur.copy("COPY users (id, email, name, role, home_tenant_id, password_hash, active, created_at) "
                      "FROM STDIN") as copy:
            for row in users:
                copy.write_row(row + ("x", True, NOW))
        with cur.copy("COPY specialist_assignments (user_id, tenant_id, created_at) FROM STDIN") as copy:
            for t in range(1, tenants + 1):
                copy.write_row((provider_admin, t, NOW))
        matters_per_tenant = deadline_count // tenants // 5
        with cur.copy("COPY matters (id, tenant_id, reference, title, jurisdiction, application_type, status, "
                      "responsible_attorney_id, created_at, updated_at) FROM STDIN") as copy:
            for t in range(1, tenants + 1):
                for m in range(matters_per_tenant):
                    matter_id = (t - 1) * matters_per_tenant + m + 1
                    copy.write_row((matter_id, t, f"F{t}-{m:06d}", "Widget", "US", "utility", "pending",
                                    rng.choice(attorneys[t]), NOW, NOW))
        with cur.copy("COPY deadlines (tenant_id, matter_id, kind, label, nominal, due, current_due, final_due, "
                      "extensions, citation, explanation, status, manual, created_at, updated_at) FROM STDIN") as copy:
            for n in range(deadline_count):
                t = n % tenants + 1
                matter_id = (t - 1) * matters_per_tenant + rng.randrange(matters_per_tenant) + 1
                due = today + timedelta(days=rng.randrange(-2, SPREAD_DAYS))
                copy.write_row((t, matter_id, "US_OA_REPLY" if n % 10 else "MANUAL", "Reply", due, due, due,
                                due + timedelta(days=90), "[]", "35 U.S.C. 133", '["+3 months"]', "open",
                                n % 10 == 0, NOW, NOW))
        for table in ("tenants", "users", "matters", "deadlines"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        cur.execute("ANALYZE")


class SinkProcess:
    """The local mail server, in a process of its own (as a real one would be), counting what it accepts."""

    def __init__(self):
        import multiprocessing
        self.port = 8025 + os.getpid() % 1000
        self.counts = multiprocessing.Array("q", 2)
        self.process = multiprocessing.get_context("fork").Process(target=_serve, args=(self.port, self.counts),
                                                                      daemon=True)
        self.process.start()
        import socket
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)

    def totals(self) -> tuple[int, int]:
        return self.counts[0], self.counts[1]

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)


def _serve(port: int, counts) -> None:
    class Counting:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            counts[0] += 1
            counts[1] += len(envelope.content)
            return "250 OK"
    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    while True:
        time.sleep(3600)


class Sink:
    def __init__(self):
        self.count = 0
        self.size = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.count += 1
        self.size += len(envelope.content)
        return "250 OK"


def plain_smtplib_ceiling(port: int, count: int, size: int) -> float:
    """Messages/s of a bare smtplib loop, one connection, ready-made messages of the given size."""
    import smtplib
    lines = max(size - 200, 100) // 78 + 1
    body = b"".join(b"x" * 76 + b"\r\n" for _ in range(lines))
    payload = b"From: a@bench.example\r\nTo: b@bench.example\r\nSubject: ceiling\r\n\r\n" + body
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for _ in range(count):
            client.sendmail("a@bench.example", ["b@bench.example"], payload)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deadlines", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--deliver", type=int, default=2000, help="messages to deliver for the throughput figure")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the delivery slice")
    options = parser.parse_args()

    create_database()
    try:
        run(options)
    finally:
        drop_database()


def run(options) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": url(APP_ROLE), "MIGRATION_DATABASE_URL": url(OWNER_ROLE),
                      "DATABASE_APP_ROLE": APP_ROLE, "REDIS_URL": None, "BASE_URL": "https://desk.example"})
    with app.app_context():
        upgrade(revision="heads")
    started = time.perf_counter()
    bulk_load(options.tenants, options.deadlines)
    print(f"loaded {options.deadlines:,} open deadlines in {options.tenants} firms in "
          f"{time.perf_counter() - started:.1f} s (COPY)")

    from app.patents.reminders.delivery import deliver_pending
    from app.patents.reminders.models import OutboxMessage
    from app.patents.reminders.sweep import run_sweep
    from app.tenancy import tenant_scope
    with app.app_context():
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
        from app.patents.reminders.models import FirmSweep
        for label, moment in (("first sweep of the day", NOW),
                              ("next minute (idle: nothing changed, firms are quiet)", NOW + timedelta(minutes=1)),
                              ("full re-sweep with nothing new (every 15 minutes)", NOW + timedelta(minutes=2))):
            if label.startswith("full"):
                with tenant_scope(range(1, options.tenants + 1)):
                    db.session.execute(FirmSweep.__table__.update().values(
                        finished_at=datetime.now(UTC) - timedelta(minutes=20)))
                    db.session.commit()
            statements.clear()
            started = time.perf_counter()
            summary = run_sweep(moment)
            elapsed = time.perf_counter() - started
            print(f"sweep, {label}: {elapsed:.2f} s, {len(statements)} SQL statements, "
                  f"{summary.written:,} reminders written to the outbox, {summary.tenants} firms")

        sink = SinkProcess()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
        # The ceiling is measured before and after the delivery slice and the higher figure kept: on a busy
        # machine either can be slowed down, and the higher one makes the ratio the conservative one.
        ceiling_before = plain_smtplib_ceiling(sink.port, 1000, 3400)
        count_before, size_before = sink.totals()
        profiler = None
        if options.profile:
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        sent, started = 0, time.perf_counter()
        for tenant_id in range(1, options.tenants + 1):
            if sent >= options.deliver:
                break
            with tenant_scope(tenant_id):
                sent += deliver_pending(tenant_id, now=NOW + timedelta(minutes=1)).sent
                db.session.commit()
        elapsed = time.perf_counter() - started
        if profiler is not None:
            import pstats
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        rate = sent / elapsed
        count, size = sink.totals()
        average_size = (size - size_before) // max(count - count_before, 1)
        ceiling = max(ceiling_before, plain_smtplib_ceiling(sink.port, min(sent, 2000) or 1000, average_size))
        sink.stop()
        print(f"delivery: {sent:,} messages (text + HTML + ICS, {average_size:,} bytes on average) to local aiosmtpd "
              f"in {elapsed:.1f} s = {rate:.0f} messages/s")
        print(f"ceiling: a plain smtplib loop to the same server, same size: {ceiling:.0f} messages/s; "
              f"delivery reaches {100 * rate / ceiling:.1f} % of it")
        with tenant_scope(range(1, options.tenants + 1)):
            pending = db.session.execute(select(db.func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == "pending")).scalar()
        print(f"outbox rows still pending after the delivery slice: {pending:,}")


if __name__ == "__main__":
    main()
