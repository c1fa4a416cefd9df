"""Every page a firm admin and the provider's admin reach from the navigation, with axe-core on each (the journeys
check the pages they pass through; this walks the rest)."""

FIRM_ADMIN_PAGES = ("/", "/docket", "/docket/calendar", "/matters", "/matters/new", "/requests", "/requests/new",
                    "/search/sessions", "/search/upload", "/checklists/", "/checklists/new", "/reminders",
                    "/notifications", "/api-tokens", "/admin/users", "/admin/audit", "/admin/security",
                    "/admin/audit/export",
                    "/reminders/outbox", "/reminders/policy", "/calendar-feed",
                    "/account/two-factor", "/account/sessions")
PROVIDER_ADMIN_PAGES = ("/", "/requests?state=all", "/search/", "/search/?q=brake", "/search/similar",
                        "/search/help", "/checklists/templates", "/admin/tenants", "/admin/users",
                        "/requests/service-levels", "/docket")


def test_every_page_in_the_navigation_passes_axe(walk):
    walk.as_("acme_admin")
    for path in FIRM_ADMIN_PAGES:
        walk.go(path, f"firm admin: {path}")
    walk.as_("provider_admin", firm="Acme IP LLP")
    for path in PROVIDER_ADMIN_PAGES:
        walk.go(path, f"provider admin: {path}")
    not_found = [s["path"] for s in walk.steps if s["title"].startswith(("Not found", "You can't"))]
    assert not not_found, not_found
