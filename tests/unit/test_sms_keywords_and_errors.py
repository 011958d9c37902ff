"""Compliance keywords and the gateway's error classification."""

import pytest

from mutualaid.models import Person
from mutualaid.models.people import CONSENT_OPTED_IN, CONSENT_OPTED_OUT
from mutualaid.sms.compliance import classify_keyword, keyword_of
from mutualaid.sms.gateway import OptedOutError, PermanentSmsError, RetryableSmsError, classify


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOPALL",
        "unsubscribe",
        "Cancel",
        "END",
        "quit!",
        "REVOKE",
        "opt-out",
        "OPTOUT",
        "PARAR",
        "alto",
        "¡Alto!",
    ],
)
def test_opt_out_words(body):
    assert classify_keyword(body, None) == "stop"


@pytest.mark.parametrize("body", ["stop it now", "STOPPING", "please stop", "", "   "])
def test_not_opt_out(body):
    assert classify_keyword(body, None) != "stop"


def test_yes_and_si_opt_in_only_when_opted_out():
    out = Person(sms_consent=CONSENT_OPTED_OUT)
    inn = Person(sms_consent=CONSENT_OPTED_IN)
    assert classify_keyword("yes", out) == "start"
    assert classify_keyword("Sí", out) == "start"
    assert classify_keyword("yes", inn) is None
    assert classify_keyword("START", inn) == "start"
    assert classify_keyword("unstop", None) == "start"


@pytest.mark.parametrize("body", ["HELP", "help?", "Info", "AYUDA", "¡ayuda!"])
def test_help_words(body):
    assert classify_keyword(body, None) == "help"


def test_keyword_normalisation():
    assert keyword_of("  ¡Ayúda! ") == "AYUDA"


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (429, 20429, RetryableSmsError),
        (500, 20500, RetryableSmsError),
        (503, None, RetryableSmsError),
        (400, 21610, OptedOutError),
        (400, 21211, PermanentSmsError),
        (400, 21614, PermanentSmsError),
        (400, 21408, PermanentSmsError),
        (404, 20404, PermanentSmsError),
    ],
)
def test_errors_are_typed(status, code, kind):
    error = classify(status, code, "x")
    assert type(error) is kind
    assert error.code == code
