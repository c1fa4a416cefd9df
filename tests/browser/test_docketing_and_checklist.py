"""Journeys: the paralegal opens a matter, records an office action and sees the deadlines; the specialist prepares a
checklist with a defective claims file and the attorney cannot sign off until each error is overridden with a reason."""
import re
from datetime import date, timedelta
from pathlib import Path

DEFECTIVE_CLAIMS_FILE = Path(__file__).parent / "data" / "defective-claims.txt"


def test_a_paralegal_dockets_an_office_action_and_sees_its_deadlines(walk):
    walk.as_("acme_paralegal")
    walk.go("/matters", "the firm's matters")
    walk.press(walk.button("New matter"), "the new-matter form")
    walk.fill("#reference", "ACME-0300")
    walk.fill("#title", "Inductive charging dock for handheld tools")
    walk.fill("#jurisdiction", "US")
    walk.fill("#application_type", "utility")
    walk.fill("#application_number", "18/555,123")
    walk.fill("#filing_date", (date.today() - timedelta(days=400)).isoformat())
    walk.press(walk.button("Save matter"), "the new matter")
    assert "ACME-0300" in walk.text
    mailed = (date.today() - timedelta(days=5)).isoformat()
    walk.fill("#code", "NONFINAL_OA")
    walk.fill("#event_date", mailed)
    walk.press(walk.button("Preview deadlines"), "what the office action would docket")
    assert "What this event would docket" in walk.text
    walk.fill("#code", "NONFINAL_OA")
    walk.fill("#event_date", mailed)
    walk.press(walk.button("Record event"), "the office action recorded: its deadlines")
    assert "Open deadlines" in walk.text and "37 CFR" in walk.text
    walk.go("/docket", "the firm's docket with the new deadlines")
    assert "ACME-0300" in walk.text


def test_sign_off_waits_for_overrides_of_each_error(walk):
    walk.as_("specialist", firm="Acme IP LLP")
    walk.go("/checklists/new", "start a checklist")
    walk.fill("#matter_id", "ACME-0045 · Bicycle disc brake caliper")
    walk.press(walk.button("Start"), "the new checklist")
    checklist_path = walk.path
    walk.find("#claims_file").send_keys(str(DEFECTIVE_CLAIMS_FILE))
    walk.fill("#title", "Bicycle disc brake caliper")
    walk.press(walk.button("Check the draft"), "the draft's findings beside their items")
    # The four: a numbering gap, a forward dependency, a missing claim, a multiple-dependent chain.
    assert walk.text.count("Unresolved") == 4
    for _ in range(len(walk.find_all(".item-form"))):
        form = next(f for f in walk.find_all(".item-form")
                    if f.find_element("css selector", "select").get_attribute("value") == "open")
        form.find_element("css selector", "select").send_keys("Done")
        walk.press(form.find_element("css selector", "button"))
    walk.step("every item worked")
    walk.press(walk.button("Mark prepared"), "prepared for sign-off, errors still unresolved")

    walk.as_("acme_attorney")
    walk.go(checklist_path, "the attorney cannot sign off: errors unresolved")
    assert "error(s) from the automatic draft check are unresolved" in walk.text
    assert not [b for b in walk.find_all("main button") if b.text == "Sign off"]
    overrides = walk.find_all("details.override-form")
    assert len(overrides) == 4
    for number in range(len(overrides)):
        box = walk.find_all("details.override-form")[0]
        walk.driver.execute_script("arguments[0].open = true;", box)
        box.find_element("css selector", "textarea").send_keys(
            f"Kept deliberately: the client's numbering mirrors the parent ({number + 1}).")
        walk.press(box.find_element("css selector", "button"), "an error overridden with a reason"
                   if number == 0 else None)
    walk.step("every error overridden: sign-off possible")
    assert "Overridden" in walk.text
    walk.fill("#comments", "Good to file with the overrides noted.")
    walk.press(walk.button("Sign off"), "signed off")
    assert "Signed off" in walk.text
    walk.press(walk.button("Make the PDF"), "the PDF for the file")
    walk.wait_for_text("Finished", reload_every=1)
    assert re.search(r"Download checklist-ACME-0045-\d+\.pdf", walk.text)
