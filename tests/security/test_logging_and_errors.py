"""ASVS 5.0 V16 (security logging and error handling): structured events, no secrets in logs, generic errors."""
from __future__ import annotations

import json

from app import create_app
from tests.conftest import PASSWORD


def _log_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]


def test_security_events_are_logged_with_who_where_when_and_never_a_secret(app, world, login_as, token_for,
                                                                           capsys):
    """ASVS 16.2.1, 16.3.1, 16.3.2 (what and whose), 16.2.5 (no credentials in logs), 16.4.1 (no forged lines)."""
    client = app.test_client()
    client.post("/login", data={"email": world["a_attorney"].email, "password": PASSWORD + "-wrong"})
    viewer = login_as(world["a_viewer"])
    cookie = viewer.get_cookie("patentdesk").value
    assert viewer.get("/matters/new").status_code == 403
    headers = token_for(world["a_viewer"], world.firm_a, scope="read")
    secret = headers["Authorization"].split()[1]
    assert client.get("/api/v1/matters", headers=headers).status_code == 200
    assert client.post("/api/v1/matters", json={"reference": "x"}, headers=headers).status_code == 403
    assert client.get("/api/v1/matters", headers={"Authorization": "Bearer " + secret[:-2] + "xx"}).status_code == 401
    client.post("/login", data={"email": "forger@x.test\n{\"message\": \"forged\"}", "password": "whatever-123"})

    lines = _log_lines(capsys)
    raw = json.dumps(lines)
    for secret_value in (PASSWORD, secret, secret[len("pd_") + 13:], cookie):
        assert secret_value not in raw
    assert all(line["time"].endswith("Z") and line.get("request_id") for line in lines)
    sign_in_failure = next(line for line in lines if "sign-in failed" in line["message"])
    assert world["a_attorney"].email in sign_in_failure["message"]
    role_failure = next(line for line in lines if "authorisation failure" in line["message"]
                        and line.get("path") == "/matters/new")
    assert role_failure["user"] == world["a_viewer"].email and role_failure["tenant"] == world.firm_a.slug
    token_failure = next(line for line in lines if "read-only token" in line["message"])
    assert token_failure["user"] == world["a_viewer"].email and token_failure["tenant"] == world.firm_a.slug
    assert any("API authentication refused" in line["message"] for line in lines)
    assert not any(line.get("message") == "forged" for line in lines)


def test_api_errors_in_production_are_generic_problems_with_an_error_id(database_config, world):
    """ASVS 16.5.1: an unexpected API error gives a generic problem with an id, never internals."""
    app = create_app({"TESTING": True, "SHOW_ERROR_PAGES": True, **database_config})

    @app.route("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")
    response = app.test_client().get("/api/v1/boom")
    body = response.get_json()
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert body["error_id"] and "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
