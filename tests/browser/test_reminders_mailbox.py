"""Journey: the demo's deadlines are swept, their reminders are captured in development, and the provider's admin
reads them on the captured-mail page; the attorney sees them under My reminders. Runs once the captured-mail page
(MAIL_CAPTURE, issue 12) is part of the app."""
import pytest


def test_reminders_of_the_demo_portfolio_are_in_the_development_mailbox(walk):
    capture = pytest.importorskip("app.patents.reminders.capture", reason="the captured-mail page is not in this app")
    from app.patents.reminders.jobs import sweep_and_deliver_inline

    app = walk.site.app
    with app.app_context():
        summary, totals = sweep_and_deliver_inline(None)
    captured = capture.captured_messages()
    assert totals["sent"] >= 1 and captured

    walk.as_("provider_admin")
    walk.go("/dev/mail", "the development mailbox: the reminders the sweep sent")
    assert captured[0]["subject"] in walk.text
    walk.go(f"/dev/mail?message={captured[0]['name']}", "one reminder as the attorney would receive it")
    walk.as_("acme_attorney")
    walk.go("/reminders", "the attorney's reminders")
