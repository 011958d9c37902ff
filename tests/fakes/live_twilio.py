"""The app under a real HTTP server with SMS_BACKEND=twilio pointed at the loopback Twilio
emulator: the real twilio client sends, the emulator fires signed status callbacks back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from mutualaid import create_app
from mutualaid.extensions import db
from tests.conftest import TEST_ENV
from tests.fakes.twilio_emulator import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioEmulator


@contextmanager
def live_twilio_app(database_url: str) -> Iterator[tuple[Flask, str, TwilioEmulator]]:
    """Yields (app, base URL, emulator); the app's PUBLIC_URL is the server's own address so
    webhook signatures validate."""
    holder: dict[str, Flask] = {}
    server = make_server("127.0.0.1", 0, lambda env, sr: holder["app"](env, sr), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    with TwilioEmulator(callback_delay=0.02) as emu:
        live_app = create_app(
            {
                **TEST_ENV,
                "DATABASE_URL": database_url,
                "SMS_BACKEND": "twilio",
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_FROM_NUMBER": FROM_NUMBER,
                "TWILIO_API_URL": emu.url,
                "PUBLIC_URL": base,
            }
        )
        holder["app"] = live_app
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        try:
            yield live_app, base, emu
        finally:
            emu.wait_callbacks()
            server.shutdown()
            thread.join(timeout=5)
            with live_app.app_context():
                db.engine.dispose()
            from mutualaid.web.sms_hooks.routes import dispose_inbound_engine

            dispose_inbound_engine(live_app)
