"""Journey: a firm asks for a prior-art search; the provider's admin assigns it; the specialist runs a session from
the request, cites hits X/Y/A and delivers; the firm's attorney reads the note and approves."""
import re
from datetime import date, timedelta
from pathlib import Path

DISCLOSURE = Path(__file__).parent / "data" / "invention-disclosure.txt"


def test_a_search_request_from_the_firm_to_an_approved_delivery(walk):
    # The firm's paralegal asks for a search on one of the firm's matters.
    walk.as_("acme_paralegal")
    walk.go("/", "paralegal lands on the firm's home page")
    walk.press(walk.button("New work request"), "the request form")
    walk.fill("#matter_id-search", "packaging film")  # search as you type among the firm's matters
    assert walk.find("#matter_id option:checked").text.startswith("ACME-0201")
    walk.fill("#kind", "prior_art_search")
    walk.fill("#instructions", "Search US and EP art on compostable multilayer films before our priority date.")
    walk.fill("#requested_due", (date.today() + timedelta(days=10)).isoformat())
    walk.fill("#priority", "2")
    walk.find("#attachments").send_keys(str(DISCLOSURE))
    walk.press(walk.button("Send"), "a missing summary: the form keeps the chosen file")
    assert "Attached already" in walk.text and "invention-disclosure.txt" in walk.text
    walk.fill("#title", "Novelty search: biodegradable packaging film")
    walk.press(walk.button("Send"), "the request as sent, with its attachment")
    assert "invention-disclosure.txt" in walk.text
    request_path = re.match(r"/requests/\d+", walk.path).group(0)
    assert "Submitted" in walk.text

    # The provider's admin lands on the queue across firms and assigns the specialist.
    walk.as_("provider_admin")
    walk.go("/", "provider admin lands on the queue across firms")
    assert "Choose a client firm" not in walk.text
    walk.go(request_path, "provider admin opens the request")
    walk.fill("#accept-assignee_id", "Sam Specialist")
    walk.press(walk.button("Accept request"), "accepted and assigned")
    assert "Sam Specialist" in walk.text

    # The specialist starts a search session from the request, runs a query and cites hits.
    walk.as_("specialist")
    walk.go("/", "specialist lands on their queue")
    assert "Novelty search: biodegradable packaging film" in walk.text
    walk.go(request_path, "specialist opens the request")
    walk.press(walk.button("Start a search session for this request"), "the session answers the request")
    assert "Answers" in walk.text and "Request #" in walk.text
    session_path = walk.path
    walk.fill("#q", "film OR packaging")
    walk.press(walk.button("Run and record"), "results: a compact list with the first hit previewed")
    assert "US7157516B2" in walk.text  # the demo's real film patents (app/data/demo_patents/README.md)
    second = walk.find_all("a[data-preview-link]")[1]
    second.click()  # the preview pane shows the second hit: no page load
    assert walk.find("#preview-2").is_displayed() and not walk.find("#preview-1").is_displayed()
    walk.step("the second hit previewed: abstract, first claim, key terms")
    walk.find("table.results th button.sort").send_keys("\n")  # sort by a heading from the keyboard
    assert walk.find("table.results th").get_attribute("aria-sort") in ("ascending", "descending")
    walk.driver.refresh()
    for row, category in enumerate(("X", "Y", "A"), start=1):
        walk.press(walk.find(f"#hit-{row} button[value='{category}']"),
                   "hit 1 cited as X from the list" if row == 1 else None)
    box = walk.find("#preview-1 details.mark-box")
    walk.driver.execute_script("arguments[0].open = true;", box)
    box.find_element("css selector", "textarea").send_keys("Column 2, lines 10-30: a compostable film.")
    walk.press(box.find_element("css selector", "button"), "a passage added to the X citation")
    walk.go(session_path, "the session with three citations")
    assert "Cited documents (3)" in walk.text and "Column 2, lines 10-30" in walk.text
    assert walk.find("a[href$='citations.ris']") and walk.find("a[href$='citations.csv']")
    walk.press(walk.button("Generate report (PDF)"))
    walk.wait_for_text("Finished", reload_every=1)
    walk.step("the report is made")
    walk.go(session_path)
    walk.fill("#deliver-note", "Two X documents on compostable films; see pages 2-3 of the report.")
    walk.step("the delivery note before sending")
    walk.press(walk.button("Deliver to the firm"), "delivered: back on the request")
    assert walk.path == request_path and "Delivered" in walk.text

    # The firm's attorney sees the delivery with the note up front and approves it.
    walk.as_("acme_attorney")
    walk.go("/", "attorney's home: a delivery awaits review")
    assert "Novelty search: biodegradable packaging film" in walk.text
    walk.go(request_path, "the delivery for review, note up front")
    assert "Two X documents on compostable films" in walk.text
    assert "Approve the delivery" in walk.text and "Send back with this reason" in walk.text
    walk.press(walk.button("Approve the delivery"), "approved")
    assert "Approved" in walk.text
