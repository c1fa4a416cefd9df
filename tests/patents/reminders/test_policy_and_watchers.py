"""Policies are validated data copied from the provider's defaults; watchers join a matter's recipients."""
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
    assert "30, 10, 2" in admin.get("/reminders/policy").get_data(as_text=True)
    assert admin.post("/reminders/policy", data=dict(POLICY_FORM, statutory_ladder="14, 0")).status_code == 302
    assert login_as(world["a_attorney"]).get("/reminders/policy").status_code == 403
    with tenant_scope(world.firm_a.id):
        policy = db.session.execute(db.select(ReminderPolicy)).scalar_one()
        assert (policy.statutory_ladder, policy.kind_ladders, policy.soft_kinds) == (
            [14, 0], {"US_OA_REPLY": [5, 0]}, ["MANUAL"])


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
