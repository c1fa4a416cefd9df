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


EP_REGISTER_STEPS = Path(__file__).parents[1] / "data" / "office" / "ep-register-EP3221665-procedural-steps.xml"


def test_the_offices_file_history_is_confirmed_by_a_second_person(walk):
    """The demo's granted US patent waits with its real PEDS history; an EP matter gets its real register extract."""
    walk.as_("acme_paralegal")
    walk.go("/matters?q=ACME-0046", "the taken-over patent in the list")
    walk.press(walk.find("main table a[href^='/matters/']"), "the matter: its file history waits for a second person")
    assert "waiting for a second person" in walk.text
    walk.press(walk.find(".flash-warning a"), "the paralegal's own upload: only a second person confirms")
    assert "You uploaded this file" in walk.text and "Mail Non-Final Rejection" in walk.text
    proposal_path = walk.path

    walk.as_("acme_attorney")
    walk.go(proposal_path, "the attorney checks the proposals against the office's record")
    for months in walk.find_all("input[name$='_months']"):  # the extensions bought with each reply
        months.send_keys("1")
    walk.press(walk.button("Confirm and record the ticked events"), "recorded: the matter's prosecution history")
    # 11 proposals; the grant is already on the docket from the matter's own grant date
    assert "Recorded 10 events from the office's file history" in walk.text

    walk.go("/matters/new", "a Euro-PCT matter for the EP register extract")
    walk.fill("#reference", "ACME-0150")
    walk.fill("#title", "Cooling of data-centre racks")
    walk.fill("#jurisdiction", "EP")
    walk.fill("#application_type", "national_phase")
    walk.fill("#application_number", "EP15860753.1")
    walk.fill("#filing_date", "2015-11-19")
    walk.press(walk.button("Save matter"), "the new EP matter")
    walk.press(walk.find("a[href$='/office-data']"), "office data: upload the register extract")
    walk.find("#office_file").send_keys(str(EP_REGISTER_STEPS))
    walk.press(walk.button("Read the file"), "the register's steps: renewals, fees, examination")
    assert "Renewal fee payment, year 03" in walk.text and "Not mapped" not in walk.text
