"""API fixtures: a token maker that returns ready-to-send headers."""
from __future__ import annotations

import pytest

from app.api import tokens
from app.extensions import db


@pytest.fixture
def token_for(app):
    """token_for(user, tenant, scope='read_write') -> headers with a fresh bearer token."""
    def make(user, tenant, scope: str = "read_write", days: int = 90) -> dict:
        _token, secret = tokens.create_token(user, tenant, "test", scope, days)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}
    return make
