"""Policies are validated data copied from the provider's defaults; watchers join a matter's recipients."""
import re
from datetime import date

import pytest

from app.extensions import db
from app.patents.reminders.models import ReminderPolicy
from app.patents.reminders.policy import PolicyError, parse_ladder
from app.patents.reminders.sweep import run_sweep
from app.tenancy import tenant_scope
from tests.patents.reminders.conftest import add_deadline, add_matter, outbox_rows, utc

POLICY_FORM = {"statutory_ladder": "10, 30, 2", "soft_ladder": "1", "soft_kinds": "manual", "kind_ladders":
               "US_OA_REPLY: 5, 0", "escalate_within_days": "1", "digest_hour": "9"}


def test_ladders_are_whole_days_sorted_and_at_most_a_year():
    assert parse_ladder("7, 60, 0, 7") == [60, 7, 0]
    for bad in ("", "-1", "366", "seven"):
        with pytest.raises(PolicyError):
            parse_ladder(bad)


def test_new_firms_copy_the_provider_defaults_and_firm_admins_edit_their_own(world, login_as):
    provider = login_as(world["provider_admin"])
    assert provider.post("/reminders/provider-defaults", data=dict(POLICY_FORM, statutory_ladder="400")
                         ).status_code == 400
    assert provider.post("/reminders/provider-defaults", data=POLICY_FORM).status_code == 302
    admin = login_as(world["a_firm_admin"])
    page = admin.get("/reminders/policy").get_data(as_text=True)
    for day in ("30", "10", "2"):
        assert f'name="statutory_days" value="{day}" checked' in page
    assert admin.post("/reminders/policy", data=dict(POLICY_FORM, statutory_ladder="14, 0")).status_code == 302
    assert login_as(world["a_attorney"]).get("/reminders/policy").status_code == 403
    with tenant_scope(world.firm_a.id):
        policy = db.session.execute(db.select(ReminderPolicy)).scalar_one()
        assert (policy.statutory_ladder, policy.kind_ladders, policy.soft_kinds) == (
            [14, 0], {"US_OA_REPLY": [5, 0]}, ["MANUAL"])


def _ticked(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]+)" checked', page)


def test_policy_forms_use_controls_not_codes(world, login_as):
    admin = login_as(world["a_firm_admin"])
    page = admin.get("/reminders/policy").get_data(as_text=True)
    assert "KIND:" not in page and "EP_OPPOSITION, " not in page
    assert "EP opposition period ends (watch)" in page and "Deadlines entered by hand" in page
    assert _ticked(page, "statutory_days") == ["60", "30", "14", "7", "3", "1", "0"]
    assert sorted(_ticked(page, "soft_kinds")) == ["EP_OPPOSITION", "MANUAL"]
    form = {"statutory_days": ["30", "7", "0"], "statutory_other": "120", "soft_days": ["1"], "soft_other": "",
            "soft_kinds": ["MANUAL"], "override_kind_0": "US_ISSUE_FEE", "override_days_0": ["30", "7"],
            "override_other_0": "", "escalate_within_days": "2", "digest_hour": "7"}
    assert admin.post("/reminders/policy", data=form).status_code == 302
    with tenant_scope(world.firm_a.id):
        policy = db.session.execute(db.select(ReminderPolicy)).scalar_one()
        assert (policy.statutory_ladder, policy.soft_kinds, policy.kind_ladders, policy.digest_hour) == (
            [120, 30, 7, 0], ["MANUAL"], {"US_ISSUE_FEE": [30, 7]}, 7)
    page = admin.get("/reminders/policy").get_data(as_text=True)
    assert 'value="US_ISSUE_FEE" selected' in page and 'name="statutory_other" value="120"' in page
    refused = admin.post("/reminders/policy", data=dict(form, statutory_other="400"))
    assert refused.status_code == 400 and "Statutory deadlines: 400 is outside" in refused.get_data(as_text=True)
    assert admin.post("/reminders/policy", data=dict(form, soft_kinds=["NOT_A_KIND"])).status_code == 400


def test_a_watcher_gets_the_matters_reminders(world, mailbox, login_as):
    matter = add_matter(world.firm_a, "ACME-W", attorney=world["a_attorney"])
    paralegal = login_as(world["a_paralegal"])
    assert paralegal.post(f"/matters/{matter.id}/watchers", data={"user_id": world["b_paralegal"].id}
                          ).status_code == 302  # refused with a message: not this firm's person
    assert paralegal.post(f"/matters/{matter.id}/watchers", data={"user_id": world["a_viewer"].id}
                          ).status_code == 302
    assert world["a_viewer"].name in paralegal.get(f"/matters/{matter.id}/watchers").get_data(as_text=True)
    assert login_as(world["a_viewer"]).post(f"/matters/{matter.id}/watchers",
                                            data={"user_id": world["a_viewer"].id}).status_code == 403
    add_deadline(matter, date(2026, 3, 9))
    run_sweep(utc(2026, 3, 2, 15, 0))
    recipients = {r.recipient_id for r in outbox_rows(world.firm_a) if r.stage == "7"}
    assert recipients == {world["a_attorney"].id, world["a_viewer"].id}
