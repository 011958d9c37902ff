"""Fixtures for the email tests: a loopback SMTP server and the app's SMTP backend
pointed at it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from mutualaid.email.backend import SmtpBackend
from tests.fakes.smtp_server import LoopbackSmtp


@pytest.fixture
def smtp_server() -> Iterator[LoopbackSmtp]:
    with LoopbackSmtp() as server:
        yield server


@pytest.fixture
def smtp(app, smtp_server) -> Iterator[LoopbackSmtp]:
    """Emails go through the real SMTP backend to the loopback server for this test."""
    previous = app.extensions.get("email_backend")
    app.extensions["email_backend"] = SmtpBackend(smtp_server.url, timeout=5.0)
    yield smtp_server
    if previous is None:
        app.extensions.pop("email_backend", None)
    else:
        app.extensions["email_backend"] = previous


@pytest.fixture
def settings_override(app):
    """Call with keyword settings (field names of Settings); restored after the test."""
    original = app.config["MUTUALAID"]

    def apply(**changes):
        app.config["MUTUALAID"] = dataclasses.replace(app.config["MUTUALAID"], **changes)
        return app.config["MUTUALAID"]

    yield apply
    app.config["MUTUALAID"] = original
