"""Bad input on the signed Twilio webhooks: missing fields, oversized bodies, too many
media, invalid phone numbers, unknown ``To`` numbers, unknown sids and statuses. Every
request is correctly signed (so it reaches the view); the answer is a 4xx or a polite
TwiML reply, never a 500, and a refused request stores nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import Person, SmsMessage, SmsStatusEvent
from tests.factories import unique_phone
from tests.fakes.twilio_emulator import inbound_params, new_sid, sign
from tests.sms.conftest import INBOUND_URL, STATUS_URL


def _post(client, url, params):
    path = url.removeprefix("http://localhost")
    return client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)})


def _counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (SmsMessage, Person, SmsStatusEvent)
    )


def _without(params, *keys):
    return {k: v for k, v in params.items() if k not in keys}


def _media(params, n):
    out = {**params, "NumMedia": str(n)}
    for i in range(n):
        out[f"MediaUrl{i}"] = f"https://api.twilio.com/media/ME{i:032d}"
        out[f"MediaContentType{i}"] = "image/jpeg"
    return out


CASES = {
    "no MessageSid": lambda p: _without(p, "MessageSid", "SmsMessageSid"),
    "no From": lambda p: _without(p, "From"),
    "no Body": lambda p: _without(p, "Body"),
    "no To": lambda p: _without(p, "To"),
    "nothing at all": lambda p: {},
    "body over 1600 characters": lambda p: {**p, "Body": "help " * 400},
    "body of 100k characters": lambda p: {**p, "Body": "x" * 100_000},
    "11 media": lambda p: _media(p, 11),
    "NumMedia not a number": lambda p: {**p, "NumMedia": "lots"},
    "NumMedia beyond an integer column": lambda p: {**p, "NumMedia": "99999999999"},
    "NumSegments beyond an integer column": lambda p: {**p, "NumSegments": "-99999999999"},
    "negative segments": lambda p: {**p, "NumSegments": "-3"},
    "From not a phone number": lambda p: {**p, "From": "not-a-number"},
    "From too short": lambda p: {**p, "From": "+1"},
    "From absurdly long": lambda p: {**p, "From": "+1" + "5" * 80},
    "From a short code": lambda p: {**p, "From": "55555"},
    "unknown To": lambda p: {**p, "To": "+19995550123"},
    "To garbage": lambda p: {**p, "To": "<script>"},
    "sid absurdly long": lambda p: {**p, "MessageSid": "SM" + "a" * 500},
    "emoji and RTL text": lambda p: {**p, "Body": "😀\u202e NEED comida 11211 \u200b"},
    "NUL in body": lambda p: {**p, "Body": "hi\x00"},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_inbound_bad_input_is_never_a_500(client, case):
    params = CASES[case](inbound_params(unique_phone(), "NEED groceries 11211"))
    before = _counts()
    response = _post(client, INBOUND_URL, params)
    assert response.status_code < 500, (case, response.status_code)
    if 400 <= response.status_code < 500:
        assert _counts() == before, f"{case}: refused but stored something"
    else:
        assert response.status_code == 200
        assert response.mimetype == "application/xml"


def test_missing_fields_are_a_clear_400(client):
    params = _without(inbound_params(unique_phone(), "hi"), "MessageSid", "SmsMessageSid")
    response = client.post(
        "/sms/inbound",
        data=params,
        headers={"X-Twilio-Signature": sign(INBOUND_URL, params), "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "MessageSid and From are required" in response.get_json()["detail"]


def test_an_oversized_body_is_stored_once_and_answered(client):
    number = unique_phone()
    params = inbound_params(number, "please " * 400)
    assert _post(client, INBOUND_URL, params).status_code == 200
    stored = db.session.scalars(select(SmsMessage).where(SmsMessage.from_number == number)).all()
    assert len([m for m in stored if m.direction == "in"]) == 1


STATUS_CASES = {
    "unknown sid": {"MessageSid": new_sid(), "MessageStatus": "delivered"},
    "unknown status word": {"MessageSid": new_sid(), "MessageStatus": "teleported"},
    "ErrorCode not a number": {
        "MessageSid": new_sid(),
        "MessageStatus": "failed",
        "ErrorCode": "oops",
    },
    "no status": {"MessageSid": new_sid()},
    "ErrorCode beyond an integer column": {
        "MessageSid": new_sid(),
        "MessageStatus": "failed",
        "ErrorCode": "99999999999",
    },
    "no sid": {"MessageStatus": "sent"},
    "sid absurdly long": {"MessageSid": "SM" + "b" * 400, "MessageStatus": "sent"},
}


@pytest.mark.parametrize("case", sorted(STATUS_CASES))
def test_status_callback_bad_input_is_never_a_500(client, case):
    response = _post(client, STATUS_URL, STATUS_CASES[case])
    assert response.status_code < 500, (case, response.status_code)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.dictionaries(
        st.sampled_from(
            ["MessageSid", "From", "To", "Body", "NumMedia", "NumSegments", "MediaUrl0"]
        ),
        st.text(max_size=300),
    )
)
def test_any_signed_inbound_form_is_answered_without_a_500(client, fields):
    response = _post(client, INBOUND_URL, fields)
    assert response.status_code < 500, (fields, response.status_code)
