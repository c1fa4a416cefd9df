"""Security-test fixtures: bearer headers for any person in any tenant."""
from tests.api.conftest import token_for  # noqa: F401  (re-exported fixture)
