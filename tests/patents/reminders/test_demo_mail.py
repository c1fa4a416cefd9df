"""Visible in the demo: the demo portfolio has deadlines inside their ladders, so the first sweep sends
reminders; in development they are captured and shown to provider admins at /dev/mail; the development
server sweeps on a timer of its own."""
import time

from app.demo import load_demo_matters
from app.models import utcnow
from app.patents.reminders.capture import captured_messages, forget_all
from app.patents.reminders.jobs import sweep_and_deliver_inline
from app.patents.reminders.timer import start_sweep_timer
from app.utc import local_today


def capturing(app, tmp_path):
    forget_all()
    app.config.update(MAIL_CAPTURE=True, BASE_URL="https://desk.example")


def demo_portfolio(world):
    today = local_today(utcnow(), world.firm_a.time_zone)
    assert load_demo_matters(world.firm_a, world["a_attorney"].id, world["specialist_a"].id, "ACME", today)


def test_the_demo_sends_reminders_at_the_first_sweep_and_they_are_captured(app, world, tmp_path, login_as):
    capturing(app, tmp_path)
    demo_portfolio(world)
    summary, totals = sweep_and_deliver_inline(None)
    captured = captured_messages()
    assert summary.written >= 2 and totals["sent"] == len(captured) >= 2
    assert {m["to"] for m in captured} >= {world["a_attorney"].email}
    page = login_as(world["provider_admin"]).get("/dev/mail")
    assert page.status_code == 200 and captured[0]["subject"] in page.get_data(as_text=True)
    one = login_as(world["provider_admin"]).get(f"/dev/mail?message={captured[0]['name']}").get_data(as_text=True)
    assert "deadline.ics" in one and "/reminders/ack/" in one
    assert login_as(world["a_firm_admin"]).get("/dev/mail").status_code == 403
    assert login_as(world["provider_admin"]).get("/dev/mail?message=../../etc/passwd").status_code == 200
    forget_all()


def test_no_captured_mail_page_unless_capturing(app, world, login_as):
    assert login_as(world["provider_admin"]).get("/dev/mail").status_code == 404


def test_the_development_server_sweeps_on_a_timer(app, world, tmp_path):
    capturing(app, tmp_path)
    demo_portfolio(world)
    app.config["REMINDER_SWEEP_TIMER_SECONDS"] = 1
    thread = start_sweep_timer(app)
    try:
        deadline = time.monotonic() + 30
        while not captured_messages():
            assert time.monotonic() < deadline, "no reminder captured by the timer"
            time.sleep(0.2)
    finally:
        thread.stop.set()
        thread.join(10)


def test_the_delivery_page_links_to_captured_mail_in_development(app, world, tmp_path, login_as):
    capturing(app, tmp_path)
    assert "/dev/mail" in login_as(world["provider_admin"]).get("/reminders/health").get_data(as_text=True)
