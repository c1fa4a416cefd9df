"""Automatic draft checks for patent applications (pure Python).

Public API:
    check_draft(claims_text, abstract=None, title=None, description=None,
                entity="large", as_of=None) -> dict
    parse_claims(text) -> list[Claim]
    read_text(filename, data) -> str
    DraftInputError
"""
from .checks import check_draft
from .claims import Claim, DraftInputError, parse_claims
from .docx import read_text

__all__ = ["Claim", "DraftInputError", "parse_claims", "check_draft", "read_text"]
