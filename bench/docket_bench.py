"""Docket benchmark: 50 firms x 2,000 matters and about 1M deadlines on PostgreSQL.

Prints p50/p95 latency of the specialist's docket page (next 30 days, first page, all 50 firms) and of
the deadline preview, both in-process and as the `flask deadlines preview` command.

    .venv/bin/python bench/docket_bench.py [--tenants 50] [--matters 2000] [--deadlines-per-matter 10]
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUPERUSER = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "patentdesk_bench_docket"
OWNER, APP_ROLE = "patentdesk_owner", "patentdesk_app"
KINDS = ["US_OA_REPLY", "US_FINAL_OA_REPLY", "US_ISSUE_FEE", "US_IDS_NO_FEE", "US_MAINTENANCE_FEE",
         "EP_RENEWAL", "EP_COMMUNICATION_REPLY", "PCT_DEMAND", "US_RESTRICTION_REPLY", "EP_OPPOSITION"]


def url(role: str, dialect: str = "postgresql+psycopg") -> str:
    return f"{dialect}://{role}@127.0.0.1:5432/{DB}"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(round(fraction * (len(ordered) - 1))), len(ordered) - 1)]


def create_database() -> None:
    with psycopg.connect(SUPERUSER, autocommit=True) as conn:
        for role, options in ((OWNER, "LOGIN"), (APP_ROLE, "LOGIN NOSUPERUSER NOBYPASSRLS")):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(f"CREATE ROLE {role} {options}")
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB} OWNER {OWNER}")


def copy_rows(conn, table: str, columns: list[str], rows) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load(tenants: int, matters: int, per_matter: int, password_hash: str) -> dict:
    """Bulk-load as the superuser (bypassing RLS, as a data migration would)."""
    rng = random.Random(42)
    today = date.today()
    started = time.perf_counter()
    with psycopg.connect(url("postgres", "postgresql"), autocommit=False) as conn:
        copy_rows(conn, "tenants", ["id", "name", "slug", "time_zone", "active", "created_at"],
                  ((t, f"Firm {t:02d} LLP", f"firm{t:02d}", "America/New_York", True, "now()")
                   for t in range(1, tenants + 1)))
        conn.execute("INSERT INTO users (id, email, name, role, password_hash, active, created_at) "
                     "VALUES (1, 'specialist@bench.test', 'Bench Specialist', 'specialist', %s, true, now())",
                     (password_hash,))
        copy_rows(conn, "specialist_assignments", ["user_id", "tenant_id", "created_at"],
                  ((1, t, "now()") for t in range(1, tenants + 1)))
        copy_rows(conn, "matters", ["id", "tenant_id", "reference", "title", "jurisdiction", "application_type",
                                    "status", "created_at", "updated_at", "specialist_id"],
                  ((t * matters + m, t, f"F{t:02d}-{m:05d}", f"Invention {m} of firm {t}",
                    rng.choice(["US", "EP", "PCT"]), "utility", "pending", "now()", "now()", 1)
                   for t in range(1, tenants + 1) for m in range(matters)))

        def deadlines():
            for t in range(1, tenants + 1):
                for m in range(matters):
                    for _ in range(per_matter):
                        due = today + timedelta(days=rng.randint(-365, 3650))
                        status = "open" if rng.random() < 0.8 else "done"
                        yield (t, t * matters + m, rng.choice(KINDS), "Deadline", due, due, due, due, "[]", "rule",
                               "[]", status, False, "now()", "now()")
        copy_rows(conn, "deadlines", ["tenant_id", "matter_id", "kind", "label", "nominal", "due", "current_due",
                                      "final_due", "extensions", "citation", "explanation", "status", "manual",
                                      "created_at", "updated_at"], deadlines())
        for table in ("tenants", "users", "matters", "deadlines", "specialist_assignments"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.execute("ANALYZE")
        total = conn.execute("SELECT count(*) FROM deadlines").fetchone()[0]
    return {"deadlines": total, "seconds": time.perf_counter() - started}


def measure_docket(runs: int) -> tuple[list[float], int]:
    os.environ.update(DATABASE_URL=url(APP_ROLE), MIGRATION_DATABASE_URL=url(OWNER))
    from app import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    with app.app_context():
        response = client.post("/login", data={"email": "specialist@bench.test", "password": "bench password 1"})
        assert response.status_code == 302, response.status_code
        timings, rows = [], 0
        for i in range(runs + 3):
            started = time.perf_counter()
            page = client.get("/docket?next=30")
            elapsed = time.perf_counter() - started
            assert page.status_code == 200
            if i >= 3:  # warm-up excluded
                timings.append(elapsed)
        rows = page.get_data(as_text=True).count("<tr class=")
    return timings, rows


def measure_preview(runs: int) -> tuple[list[float], list[float]]:
    from app.patents.deadlines import preview
    preview("US", "GRANTED", "2028-01-04", {})  # loads rules and calendars once
    cases = [("US", "NONFINAL_OA", "2028-01-31", {}), ("US", "GRANTED", "2028-01-04", {}),
             ("EP", "EP_FILED", "2024-03-15", {}), ("PCT", "PCT_FILED", "2025-02-01", {"isr_date": "2025-09-10"})]
    in_process = []
    for i in range(runs):
        case = cases[i % len(cases)]
        started = time.perf_counter()
        preview(*case)
        in_process.append(time.perf_counter() - started)
    command = []
    flask = str(ROOT / ".venv" / "bin" / "flask")
    for _ in range(10):
        started = time.perf_counter()
        subprocess.run([flask, "--app", "wsgi", "deadlines", "preview", "--jurisdiction", "US", "--event",
                        "NONFINAL_OA", "--date", "2028-01-31", "--json"], cwd=ROOT, check=True, capture_output=True)
        command.append(time.perf_counter() - started)
    return in_process, command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--matters", type=int, default=2000)
    parser.add_argument("--deadlines-per-matter", type=int, default=10)
    parser.add_argument("--runs", type=int, default=50)
    options = parser.parse_args()

    create_database()
    os.environ.update(DATABASE_URL=url(APP_ROLE), MIGRATION_DATABASE_URL=url(OWNER))
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts import hash_password
    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
    loaded = load(options.tenants, options.matters, options.deadlines_per_matter, hash_password("bench password 1"))
    print(f"loaded {loaded['deadlines']:,} deadlines for {options.tenants} firms x {options.matters:,} matters "
          f"in {loaded['seconds']:.1f} s")
    docket, rows = measure_docket(options.runs)
    print(f"specialist docket, next 30 days, first page ({rows} rows shown), {options.tenants} firms, "
          f"{len(docket)} requests: p50 {percentile(docket, .5) * 1000:.1f} ms, "
          f"p95 {percentile(docket, .95) * 1000:.1f} ms")
    in_process, command = measure_preview(400)
    print(f"deadline preview in-process, {len(in_process)} calls: p50 {percentile(in_process, .5) * 1000:.2f} ms, "
          f"p95 {percentile(in_process, .95) * 1000:.2f} ms")
    print(f"`flask deadlines preview --json` command, {len(command)} runs (includes Python start-up): "
          f"p50 {percentile(command, .5) * 1000:.0f} ms, p95 {percentile(command, .95) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
