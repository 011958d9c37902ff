"""Issue 16, finding 13: an inbound webhook during a database outage used to answer 503 and
store nothing (recovery depended on a Twilio fallback URL nobody configured). Now the text
is spooled to local disk, Twilio gets its 200, and the minute sweep stores and answers it
when the database is back, once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from mutualaid.extensions import db
from mutualaid.models import SmsMessage
from mutualaid.models.messages import INBOUND, OUTBOUND
from mutualaid.sms import spool
from mutualaid.sms.dispatcher import drain_spool
from tests.factories import unique_phone
from tests.fakes.twilio_emulator import new_sid, send_inbound
from tests.sms.conftest import INBOUND_URL


def _inbound(sid: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(SmsMessage).where(SmsMessage.provider_sid == sid)
    )


def _database_down(monkeypatch) -> None:
    def down(**fields):
        raise OperationalError("INSERT ...", {}, Exception("could not connect to server"))

    monkeypatch.setattr("mutualaid.web.sms_hooks.routes._store", down)


def test_a_text_during_an_outage_is_kept_and_answered_when_the_database_returns(
    client, settings_override, tmp_path, monkeypatch
):
    settings_override(sms_spool_dir=str(tmp_path))
    number, sid = unique_phone(), new_sid("SM")
    with monkeypatch.context() as outage:
        _database_down(outage)
        response = send_inbound(client, INBOUND_URL, number, "NEED groceries 11211", sid=sid)
    assert response.status_code == 200  # Twilio is told the text arrived: no retries, no loss
    assert _inbound(sid) == 0 and spool.pending(tmp_path) == 1

    assert drain_spool(bind=db.session.get_bind()) == 1  # the database is back: the sweep
    db.session.expire_all()
    assert _inbound(sid) == 1 and spool.pending(tmp_path) == 0
    replies = db.session.scalars(
        select(SmsMessage.body).where(
            SmsMessage.direction == OUTBOUND, SmsMessage.to_number == number
        )
    ).all()
    assert any("Got it: need" in body for body in replies), replies

    # Twilio delivering the same text again later changes nothing.
    assert (
        send_inbound(client, INBOUND_URL, number, "NEED groceries 11211", sid=sid).status_code
        == 200
    )
    assert drain_spool(bind=db.session.get_bind()) == 0
    db.session.expire_all()
    assert _inbound(sid) == 1


def test_a_failed_drain_keeps_the_spool_for_the_next_sweep(tmp_path):
    spool.spool(
        tmp_path, {"sid": "SM1", "from_number": "+12125550100", "to_number": "", "body": "hi"}
    )

    def still_down(rows):
        raise OperationalError("INSERT ...", {}, Exception("still down"))

    with pytest.raises(OperationalError):
        spool.drain(tmp_path, still_down)
    assert spool.pending(tmp_path) == 1
    stored: list[dict] = []
    assert spool.drain(tmp_path, stored.extend) == 1
    assert [row["sid"] for row in stored] == ["SM1"] and spool.pending(tmp_path) == 0


def test_texts_spooled_by_many_threads_are_all_kept(tmp_path):
    start = threading.Barrier(8)

    def write(i: int) -> None:
        start.wait()
        for j in range(25):
            spool.spool(tmp_path, {"sid": f"SM{i}-{j}", "body": "x" * 1500})

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    stored: list[dict] = []
    drained = spool.drain(tmp_path, stored.extend)  # a sweep while they write
    for thread in threads:
        thread.join()
    drained += spool.drain(tmp_path, stored.extend)
    assert drained == 200
    assert sorted(row["sid"] for row in stored) == sorted(
        f"SM{i}-{j}" for i in range(8) for j in range(25)
    )


def test_inbound_rows_are_still_one_per_text(client):
    number, sid = unique_phone(), new_sid("SM")
    send_inbound(client, INBOUND_URL, number, "hello", sid=sid)
    send_inbound(client, INBOUND_URL, number, "hello", sid=sid)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(SmsMessage)
            .where(SmsMessage.provider_sid == sid, SmsMessage.direction == INBOUND)
        )
        == 1
    )
