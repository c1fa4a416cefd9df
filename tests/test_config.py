"""Settings are read once in app/config.py, typed, with an error naming the setting."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.config import ConfigError, load_config


def test_settings_are_parsed_and_the_documented_rate_limits_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("API_READ_RATE_LIMIT", "100 per minute")
    monkeypatch.setenv("API_WRITE_RATE_LIMIT", "10/minute")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("MAIL_USE_TLS", "yes")
    monkeypatch.setenv("MAX_UPLOAD_MB", "2")
    config = load_config(str(tmp_path))
    assert (config["API_READ_RATE_LIMIT"], config["API_WRITE_RATE_LIMIT"]) == ("100 per minute", "10/minute")
    assert config["SESSION_IDLE_TIMEOUT"] == timedelta(minutes=5) and config["MAIL_USE_TLS"] is True
    assert config["MAX_UPLOAD_BYTES"] == 2 * 1024 * 1024
    assert config["REMINDER_ACK_MAX_AGE_SECONDS"] == 60 * 86400


@pytest.mark.parametrize("name, value", [
    ("MAIL_PORT", "twenty-five"),
    ("SESSION_IDLE_MINUTES", "0"),
    ("MAIL_USE_TLS", "maybe"),
    ("API_WRITE_RATE_LIMIT", "lots"),
    ("SEARCH_TIME_BUDGET_SECONDS", "soon"),
    ("PATENTDESK_ENV", "prod"),
    ("PASSWORD_HASH_TIME_COST", "three"),
])
def test_a_malformed_setting_stops_the_start_with_its_name(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path))
