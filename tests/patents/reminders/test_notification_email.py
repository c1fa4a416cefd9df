"""Work-request notifications reach people who asked for e-mail, once, through the per-minute run."""
from app.extensions import db
from app.patents.notifications.operations import notify, set_email_preference
from app.patents.reminders.jobs import email_notifications_everywhere
from app.tenancy import tenant_scope


def _notify(tenant, *users, message="Request #7 delivered for review"):
    with tenant_scope(tenant.id):
        notify([u.id for u in users], "delivered", message, "/requests/7", tenant.id)
        db.session.commit()


def test_opted_in_people_get_one_email_and_others_none(world, mailbox):
    set_email_preference(world["a_attorney"].id, True)
    db.session.commit()
    _notify(world.firm_a, world["a_attorney"], world["a_paralegal"])
    _notify(world.firm_b, world["b_attorney"])

    assert email_notifications_everywhere() == 1
    assert email_notifications_everywhere() == 0  # claimed and sent: never twice
    [message] = mailbox.messages
    assert message["To"] == world["a_attorney"].email
    assert "Delivered for review" in message["Subject"] and "Acme IP LLP" in message["Subject"]
    assert "https://desk.example/requests/7" in message.get_content()
    assert message["Message-ID"].startswith("<notification-")


def test_a_refused_send_is_retried_on_the_next_run(world, mailbox):
    set_email_preference(world["b_attorney"].id, True)
    db.session.commit()
    _notify(world.firm_b, world["b_attorney"])
    mailbox.reply = "451 try again later"
    assert email_notifications_everywhere() == 0
    mailbox.reply = "250 OK"
    assert email_notifications_everywhere() == 1
    assert [m["To"] for m in mailbox.messages] == [world["b_attorney"].email]
