"""Structured, single-line logs in UTC with the request id, user and tenant; user text cannot forge lines."""
from __future__ import annotations

import json
import logging
import sys
import time

from flask import Flask, g, has_request_context, request


class JsonLineFormatter(logging.Formatter):
    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),  # json.dumps escapes newlines, so no forged lines
        }
        if has_request_context():
            from flask_login import current_user
            entry["request_id"] = g.get("request_id")
            entry["path"] = request.path
            entry["remote_addr"] = request.remote_addr
            if current_user and current_user.is_authenticated:
                entry["user"] = current_user.email
            if g.get("tenant") is not None:
                entry["tenant"] = g.tenant.slug
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is now, so redirection after start-up is honoured."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(app: Flask) -> None:
    handler = StderrHandler()
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger("patentdesk")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
