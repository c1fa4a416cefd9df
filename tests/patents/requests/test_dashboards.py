"""Dashboards: the right figures, links to the filtered lists, and a query count that does not grow with the data."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import utcnow
from app.patents.docketing.queries import tenant_today
from app.patents.work_requests.models import WorkRequest
from app.tenancy import tenant_scope

from .conftest import counted_queries


def _portfolio(world, make_matter, make_deadline, make_request, generated_file, size: int) -> None:
    """`size` matters in each firm, each with deadlines and requests in every state."""
    today = tenant_today(world.firm_a)
    states = ("submitted", "accepted", "in_progress", "delivered", "approved")
    for tenant in (world.firm_a, world.firm_b):
        for n in range(size):
            matter = make_matter(tenant, jurisdiction=("US", "EP", "PCT")[n % 3],
                                 status=("pending", "granted")[n % 2])
            make_deadline(tenant, matter, today + timedelta(days=(n % 5) * 20 - 10),
                          changed_by=world["a_paralegal"] if n % 4 == 0 else None)
            make_request(tenant, states[n % len(states)], assignee=world["specialist_both"])
            generated_file(tenant, "search-report" if n % 2 else "checklist_pdf", f"report-{n}.pdf")


def _count(client, url) -> int:
    client.get(url)  # warm caches (templates, rule sets) so only the queries of the page are counted
    with counted_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_query_counts_do_not_grow_with_the_data(world, login_as, make_matter, make_deadline, make_request,
                                               generated_file):
    attorney = login_as(world["a_attorney"])
    admin = login_as(world["provider_admin"], world.firm_a)
    specialist = login_as(world["specialist_both"])
    pages = ((attorney, "/"), (admin, "/provider"), (specialist, "/provider"))
    _portfolio(world, make_matter, make_deadline, make_request, generated_file, 3)
    small = [_count(client, url) for client, url in pages]
    _portfolio(world, make_matter, make_deadline, make_request, generated_file, 27)
    large = [_count(client, url) for client, url in pages]
    assert small == large
    assert max(large) <= 25, large  # PostgreSQL adds a set_config per transaction and scope


def test_the_firm_dashboard_counts_and_links(world, login_as, make_matter, make_deadline, make_request):
    today = tenant_today(world.firm_a)
    granted = make_matter(world.firm_a, jurisdiction="US", status="granted")
    make_matter(world.firm_a, jurisdiction="EP")
    for days in (-3, 2, 20, 60, 200):
        make_deadline(world.firm_a, granted, today + timedelta(days=days))
    make_deadline(world.firm_a, granted, today + timedelta(days=10), changed_by=world["a_paralegal"])
    delivered = make_request(world.firm_a, "delivered", title="Review me")
    make_request(world.firm_a, "submitted")
    page = login_as(world["a_attorney"]).get("/").get_data(as_text=True)
    assert 'href="/docket?status=overdue"><span class="stat">1</span>' in page
    assert 'href="/docket?next=7"><span class="stat">1</span>' in page
    assert 'href="/docket?next=30"><span class="stat">3</span>' in page
    assert 'href="/docket?next=90"><span class="stat">4</span>' in page
    assert 'href="/docket?status=unverified"><span class="stat">1</span>' in page
    assert f'/requests/{delivered.id}">#{delivered.id} Review me</a>' in page
    assert 'href="/requests?state=delivered"' in page
    assert '/matters?jurisdiction=US&amp;status=granted">1</a>' in page
    # Home and the dashboard are one page; provider staff land on their queue across firms.
    attorney = login_as(world["a_attorney"])
    assert attorney.get("/dashboard").location.endswith("/")
    assert "Team" in page and "acme paralegal" in page
    for person in ("specialist_both", "provider_admin"):
        landed = login_as(world[person]).get("/", follow_redirects=True).get_data(as_text=True)
        assert "Choose a client firm" not in landed and "Review me" in landed


def test_the_provider_dashboard_shows_load_risk_queues_and_turnaround(world, login_as, make_request):
    late = make_request(world.firm_a, "in_progress", assignee=world["specialist_a"], title="Late one")
    finished = make_request(world.firm_a, "approved", assignee=world["specialist_a"])
    with tenant_scope(world.firm_a.id):
        db.session.get(WorkRequest, late.id).target_at = utcnow() - timedelta(hours=1)
        db.session.get(WorkRequest, finished.id).submitted_at = utcnow() - timedelta(hours=30)
        db.session.commit()
    make_request(world.firm_b, "in_progress", assignee=world["specialist_both"], title="Borealis work")
    admin_page = login_as(world["provider_admin"], world.firm_a).get("/provider").get_data(as_text=True)
    assert "Acme IP LLP" in admin_page and "Borealis" not in admin_page  # the admin is assigned to firm A only
    assert f'/requests?tenant={world.firm_a.id}&amp;state=at_risk">1</a>' in admin_page
    assert "Late one" in admin_page and world["specialist_a"].name in admin_page
    assert "<svg" in admin_page and "Prior-art search" in admin_page and "style=" not in admin_page
    own = login_as(world["specialist_both"]).get("/provider").get_data(as_text=True)
    assert "Borealis work" in own and "Late one" not in own  # a specialist sees only their own queue
    assert login_as(world["a_attorney"]).get("/provider").status_code == 403


def test_turnaround_statistics_cover_the_last_30_days(world, make_request):
    from app.patents.dashboards.provider import turnaround_stats
    now = utcnow()
    made = [make_request(world.firm_a, "delivered") for _ in range(3)]
    with tenant_scope(world.firm_a.id):
        for found, hours in zip(made, (10, 20, 90)):
            row = db.session.get(WorkRequest, found.id)
            row.first_delivered_at = now - timedelta(days=1)
            row.submitted_at = row.first_delivered_at - timedelta(hours=hours)
        db.session.get(WorkRequest, made[2].id).first_delivered_at = now - timedelta(days=40)
        db.session.commit()
        [stats] = turnaround_stats([world.firm_a.id], now)
    assert (stats.kind, stats.count, stats.median_hours, stats.p90_hours) == ("prior_art_search", 2, 15.0, 20.0)
