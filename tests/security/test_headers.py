"""ASVS 5.0 V3.4 (browser security headers): on every response, pages, API and errors alike."""
from __future__ import annotations

from tests.test_cross_tenant_routes import EXEMPT, FOREIGN_IDS


def assert_hardened(response, what: str, signed_in: bool) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert headers.get("Strict-Transport-Security", "").startswith("max-age="), what        # ASVS 3.4.1
    assert "frame-ancestors 'none'" in csp or "sandbox" in csp, what                         # ASVS 3.4.6
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, what                     # ASVS 3.4.3
    assert headers.get("X-Content-Type-Options") == "nosniff", what                          # ASVS 3.4.4
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), what
    if signed_in:
        assert "no-store" in headers.get("Cache-Control", "") or "private" in headers.get("Cache-Control", ""), what


def test_every_get_route_and_error_carries_the_headers(app, world, login_as, token_for):
    """ASVS 3.4.1, 3.4.3, 3.4.4, 3.4.5, 3.4.6 and 14.3.2 (no caching of authenticated responses)."""
    client = login_as(world["a_firm_admin"])
    cache: dict = {}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint in EXEMPT:
            continue
        values = {}
        for argument in rule.arguments:
            cache.setdefault(argument, FOREIGN_IDS[argument](world, world.firm_a))
            values[argument] = cache[argument]
        url = rule.build(values, append_unknown=False)[1]
        response = client.get(url)
        assert_hardened(response, f"GET {url} -> {response.status_code}", signed_in=True)
        if response.mimetype == "text/html":
            assert "<script>" not in response.get_data(as_text=True), url
        checked += 1
    api = token_for(world["a_attorney"], world.firm_a)
    for url in ("/api/v1/matters", "/api/v1/matters/2147483647", "/api/v1/no-such-thing"):
        assert_hardened(client.get(url, headers=api), f"API {url}", signed_in=True)
    anonymous = app.test_client()
    for url in ("/login", "/no-such-page", "/api/v1/matters", "/api/v1/openapi.json"):
        assert_hardened(anonymous.get(url), f"anonymous {url}", signed_in=False)
    assert_hardened(anonymous.post("/matters"), "405/redirect", signed_in=False)
    assert checked > 30
