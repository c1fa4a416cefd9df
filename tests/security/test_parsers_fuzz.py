"""ASVS 5.0 2.2.1 (input validation): the parsers atheris fuzzes (`make fuzz`) also get a quick hypothesis run
in the suite; each may raise only its documented error.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.targets import claims, file_name, search_query

QUICK = settings(max_examples=200, derandomize=True, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))
QUERY_TEXT = st.text(alphabet=st.sampled_from(list('abc xyz"()*?~^:/0123456789ANDORNOT-+_.\\\'')) | st.characters(),
                     max_size=200)
CLAIMS_TEXT = st.lists(st.sampled_from(["1. A widget.", "2. The widget of claim 1.", "3. (Canceled)",
                                        "  wherein", "claims 1-3", "\n", "4 . The", "of claims 1 or 2"])
                       | st.text(max_size=40), max_size=20).map("\n".join)


@QUICK
@given(QUERY_TEXT)
def test_search_query_parser_raises_only_its_syntax_error(text):
    search_query(text)


@QUICK
@given(CLAIMS_TEXT)
def test_claims_parser_raises_only_its_input_error(text):
    claims(text)


@QUICK
@given(st.text(max_size=300))
def test_file_name_sanitiser_always_returns_a_safe_name(text):
    file_name(text)
