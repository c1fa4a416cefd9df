"""The request boundary's logger (authorisation failures, sign-in events, unexpected errors)."""
import logging

log = logging.getLogger("patentdesk.web")
