"""ASVS 5.0 3.5.1 (CSRF) and 3.5.3 (safe methods stay safe): every state-changing page needs the CSRF token,
and no GET changes stored state.
"""
from __future__ import annotations

from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import csrf, db
from tests.conftest import BACKEND, PASSWORD, PG_DB
from tests.test_cross_tenant_routes import EXEMPT, FOREIGN_IDS

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# What a GET may change, with why: bookkeeping of the sign-in itself, never business data.
GET_MAY_CHANGE = {
    "login_sessions": "last_seen_at is refreshed at most once a minute to enforce the idle timeout",
    "reminder_policies": "the reminders settings page copies the provider's defaults into the firm's row on "
                         "first read (app/patents/reminders/policy.py tenant_policy); idempotent, no user data",
    "totp_authenticators": "the set-up page makes an unconfirmed seed to show as a QR code; it signs nobody in "
                           "until the person types a code from it (app/two_factor.py start_totp_enrolment)",
}


# Every CSRF exemption in the app, with why it is safe; an exemption not listed here fails the walk.
CSRF_EXEMPT = {
    "api": "the REST API: a bearer token is no cookie a forged page could send; a write made with a session cookie "
           "is checked by api_operation (csrf.protect), walked in test_api_writes_with_a_session_cookie_need_the_token",
    "app.blueprints.docket.feed": "the calendar feed: GET only, its secret address is the credential",
}

# API POSTs that change nothing (a body too large or too structured for a query string), with why.
API_READS_BY_POST = {
    "api.search_similar": "a similarity search: the pasted text is the query; nothing is stored",
    "api.deadlines_preview": "a \"what if\" computation of deadlines from the rules; nothing is stored",
}


def _exemption(app, rule) -> str | None:
    view = app.view_functions[rule.endpoint]
    name = f"{view.__module__}.{view.__name__}"
    if name in csrf._exempt_views:
        return name
    blueprint = app.blueprints.get(rule.endpoint.rsplit(".", 1)[0]) if "." in rule.endpoint else None
    return blueprint.name if blueprint is not None and blueprint.name in {b.name for b in
                                                                          csrf._exempt_blueprints} else None


def _signed_in_with_csrf_on(world, database_config):
    app = create_app({"TESTING": True, "REDIS_URL": None, **database_config})  # CSRF on
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token"')[1].split('value="')[1].split('"')[0]
    assert client.post("/login", data={"email": world["a_firm_admin"].email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return app, client


def _url(rule, world, cache) -> str:
    values = {}
    for argument in rule.arguments:
        if argument not in cache:
            cache[argument] = FOREIGN_IDS[argument](world, world.firm_a)
        values[argument] = cache[argument]
    return rule.build(values, append_unknown=False)[1]


def test_every_state_changing_page_refuses_a_request_without_the_csrf_token(database_config, world):
    """ASVS 3.5.1: walk every POST/PUT/PATCH/DELETE page route; without the token each is a 400 that says CSRF
    (a 400 for some other reason, a missing field say, would hide a route that never checks the token)."""
    app, client = _signed_in_with_csrf_on(world, database_config)
    cache: dict = {}
    checked, accepted = 0, []
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & UNSAFE
        if not methods or rule.rule.startswith("/api/") or rule.endpoint in EXEMPT or _exemption(app, rule):
            continue
        url = _url(rule, world, cache)
        for method in sorted(methods):
            response = client.open(url, method=method, data={"name": "x"})
            checked += 1
            if response.status_code != 400 or "CSRF" not in response.get_data(as_text=True):
                accepted.append(f"{method} {url} -> {response.status_code}")
    assert checked > 20 and not accepted, "state-changing routes without CSRF:\n" + "\n".join(accepted)


def test_api_writes_with_a_session_cookie_need_the_token(database_config, world):
    """A signed-in browser's cookie reaches /api/ too: every API write made with it alone is refused for CSRF."""
    app, client = _signed_in_with_csrf_on(world, database_config)
    cache: dict = {}
    checked, accepted = 0, []
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & UNSAFE
        if not methods or not rule.rule.startswith("/api/") or rule.endpoint in API_READS_BY_POST:
            continue
        url = _url(rule, world, cache)
        for method in sorted(methods):
            response = client.open(url, method=method, json={"title": "x"})
            checked += 1
            if response.status_code != 400 or "CSRF" not in (response.get_json(silent=True) or {}).get("detail", ""):
                accepted.append(f"{method} {url} -> {response.status_code} {response.get_data(as_text=True)[:120]}")
    assert checked > 5 and not accepted, "API writes accepted with a session cookie alone:\n" + "\n".join(accepted)


def test_every_csrf_exemption_says_why(database_config):
    app = create_app({"TESTING": True, "REDIS_URL": None, **database_config})
    exempt = {_exemption(app, rule) for rule in app.url_map.iter_rules()} - {None}
    assert exempt == set(CSRF_EXEMPT), f"exemptions without a reason: {exempt - set(CSRF_EXEMPT)}; " \
                                       f"reasons for no exemption: {set(CSRF_EXEMPT) - exempt}"


def _snapshot_engine(database_config):
    if BACKEND == "postgresql":  # a superuser sees every tenant's rows despite row-level security
        return create_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}")
    return create_engine(database_config["SQLALCHEMY_DATABASE_URI"])


def _database_state(engine) -> dict[str, list]:
    with engine.connect() as connection:
        return {table.name: sorted(map(repr, connection.execute(text(f'SELECT * FROM "{table.name}"')).all()))
                for table in db.metadata.sorted_tables if table.name not in GET_MAY_CHANGE}


def test_no_get_changes_stored_state(app, world, login_as, database_config):
    """ASVS 3.5.3: GETting every page (with and without ids) changes no business data."""
    cache: dict = {}
    get_rules = [rule for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods and rule.endpoint != "static" and rule.endpoint not in EXEMPT]
    urls = [_url(rule, world, cache) for rule in get_rules]
    clients = [login_as(world["a_firm_admin"]), login_as(world["specialist_a"], world.firm_a)]
    db.session.commit()
    engine = _snapshot_engine(database_config)
    before = _database_state(engine)
    for client in clients:
        for url in urls:
            client.get(url)
    after = _database_state(engine)
    engine.dispose()
    changed = [table for table in before if before[table] != after[table]]
    assert not changed, f"GET requests changed these tables: {changed}"
