"""One authorisation vocabulary (app/permissions.py): the README's role table is the code's."""
from __future__ import annotations

import re

from app.permissions import ROLE_CAPABILITIES, ROLES, Can, can, role_table, roles_that
from tests.resources import REPOSITORY


def test_readme_role_table_is_generated_from_the_code():
    readme = (REPOSITORY / "README.md").read_text()
    shown = re.search(r"<!-- roles: generated -->\n(.*?)\n<!-- roles: end -->", readme, re.S)
    assert shown and shown.group(1) == role_table(), "run `python -m app.permissions` and paste it into the README"


def test_every_role_has_an_entry_and_a_viewer_changes_nothing():
    assert set(ROLE_CAPABILITIES) == set(ROLES)
    assert ROLE_CAPABILITIES["viewer"] == frozenset()
    assert roles_that(Can.DOCKET) == ("firm_admin", "attorney", "paralegal", "provider_admin", "specialist")


def test_signed_out_and_unknown_roles_may_do_nothing():
    class Someone:
        role = "intruder"

    assert not any(can(who, capability) for who in (None, Someone()) for capability in Can)
