"""The demo sets up Coordinator Lee's morning: unplaced texts and a duplicate to merge."""

from sqlalchemy import func, select

from mutualaid.accounts import find_by_email, find_by_phone
from mutualaid.extensions import db
from mutualaid.models import SmsMessage
from mutualaid.sms.intake import process_stored
from tests.conftest import login_as, text_of


def test_demo_gives_lee_texts_to_read_and_a_duplicate_to_merge(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0  # idempotent
    demo_texts = select(func.count()).where(SmsMessage.provider_sid.like("SMdemo%"))
    assert db.session.scalar(demo_texts) == 2
    # The worker (``make run`` starts it) leaves them for a coordinator (issue 18).
    ids = db.session.scalars(select(SmsMessage.id).where(SmsMessage.provider_sid.like("SMdemo%")))
    assert [process_stored(message_id) for message_id in ids] == [False, False]
    lee = login_as(app.test_client(), find_by_email(db.session, "lee@demo.mutualaid.test"))
    inbox = text_of(lee.get("/coordinate/inbox"))
    assert "my mom fell" in inbox and "ayuda con la renta" in inbox
    # The fall is a sign of an emergency: flagged urgent and first.
    assert inbox.index("my mom fell") < inbox.index("ayuda con la renta")
    assert "Urgent: signs of an emergency" in inbox
    web = find_by_email(db.session, "sam@demo.mutualaid.test")
    phone_only = find_by_phone(db.session, "+17185550103")
    preview = text_of(lee.get(f"/coordinate/people/{web.id}/merge?other={phone_only.id}"))
    assert "phone: +1 •••-•••-0103" in preview and "sms_messages.person_id" in preview
    lee.submit(f"/coordinate/people/{web.id}/merge", {"other": str(phone_only.id)})
    assert find_by_phone(db.session, "+17185550103").id == web.id
