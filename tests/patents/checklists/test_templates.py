"""Templates are versioned data: a provider admin's change never alters a checklist already started."""
import re

from sqlalchemy import select

from app.extensions import db
from app.patents.checklists.models import Checklist
from app.tenancy import tenant_scope

from .conftest import add_matter, template


def start(client, matter_id):
    response = client.post("/checklists/new", data={"matter_id": matter_id, "template_id": 0, "entity": "large"})
    return int(re.search(r"/checklists/(\d+)", response.location).group(1))


def item_texts(checklist_id, tenant):
    with tenant_scope(tenant.id):
        db.session.expire_all()
        checklist = db.session.get(Checklist, checklist_id)
        return checklist.template_version.version, [i.text for i in checklist.items]


def form_for(version_items, **extra):
    data = {"name": "US utility nonprovisional", "application_types": ["utility", "national_phase"],
            "jurisdictions": ["US"]}
    for n, item in enumerate(version_items):
        for field in ("key", "section", "text", "source"):
            data[f"items-{n}-{field}"] = item[field]
    data.update(extra)
    return data


def test_editing_a_template_leaves_started_checklists_alone(world, login_as):
    specialist = login_as(world["specialist_a"], world.firm_a)
    admin = login_as(world["provider_admin"], world.firm_a)
    first = start(specialist, add_matter(world.firm_a, "A-1"))
    version, before = item_texts(first, world.firm_a)
    assert version == 1

    utility = template("us_utility")
    items = [dict(item) for item in utility.latest.items]
    items[0]["text"] = "The title is short, specific and at most 500 characters."
    items.append({"key": "", "section": "Formalities", "text": "A power of attorney is on file.",
                  "source": "37 CFR 1.32"})
    edit_url = f"/checklists/templates/{utility.id}"
    assert "Version 1" in admin.get(edit_url).get_data(as_text=True)
    missing_note = admin.post(edit_url, data=form_for(items))
    assert missing_note.status_code == 400 and "Say what changed" in missing_note.get_data(as_text=True)
    no_source = admin.post(edit_url, data=form_for(items, **{"items-0-source": "", "change_note": "x"}))
    assert no_source.status_code == 400 and "cite the rule" in no_source.get_data(as_text=True)
    saved = admin.post(edit_url, data=form_for(items, change_note="Power of attorney added."))
    assert saved.status_code == 302

    assert item_texts(first, world.firm_a) == (1, before)
    second = start(specialist, add_matter(world.firm_a, "A-2"))
    version, after = item_texts(second, world.firm_a)
    assert version == 2
    assert after[0] == "The title is short, specific and at most 500 characters."
    assert after[-1] == "A power of attorney is on file." and len(after) == len(before) + 1
    assert "Power of attorney added." in admin.get("/checklists/templates").get_data(as_text=True)


def test_provider_admin_adds_a_template_others_cannot(world, login_as):
    data = {"key": "us_reissue", "name": "US reissue", "application_types": [], "jurisdictions": ["US"],
            "items-0-text": "The reissue declaration states at least one error.", "items-0-source": "37 CFR 1.175"}
    for person in ("specialist_a", "a_firm_admin"):
        assert login_as(world[person]).post("/checklists/templates/new", data=data).status_code == 403
    admin = login_as(world["provider_admin"], world.firm_a)
    assert admin.post("/checklists/templates/new", data=data).status_code == 302
    duplicate = admin.post("/checklists/templates/new", data=data)
    assert duplicate.status_code == 400 and "already exists" in duplicate.get_data(as_text=True)
    reissue = template("us_reissue")
    assert reissue.latest.items == [{"key": "the_reissue_declaration_states", "section": "General",
                                     "text": "The reissue declaration states at least one error.",
                                     "source": "37 CFR 1.175"}]
    assert db.session.execute(select(db.func.count()).select_from(type(reissue))).scalar() == 7
