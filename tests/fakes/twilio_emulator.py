"""A loopback Twilio REST emulator that the REAL ``twilio`` client talks to over HTTP.

Speaks the parts of the 2010-04-01 Messages API the app uses:
- ``POST /2010-04-01/Accounts/{AC}/Messages.json`` (To, From | MessagingServiceSid, Body,
  StatusCallback) -> 201 with an ``SM...`` sid;
- ``GET .../Messages/{SM}.json`` (fetch) and ``GET .../Messages.json`` (list, filters To,
  From, DateSent, DateSent<, DateSent>, PageSize; the page's records under ``messages``).
Basic auth is checked (account sid + auth token). Failures can be scripted per request
(``fail_next``): HTTP 429 (code 20429), 500, 21610, 21211, 21614, 21408, a timeout before the
message is stored, and ``accepted_then_timeout`` (stored, but the answer comes too late: the
case the outbox must reconcile). Like Twilio, it then POSTs signed status callbacks
(``sent`` then ``delivered``, or a scripted final status) to the StatusCallback URL.

``send_inbound`` / ``sign`` build inbound webhooks exactly as Twilio does.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "emulator-auth-token-0123456789ab"
FROM_NUMBER = "+15005550006"

ERRORS = {
    "429": (429, 20429, "Too Many Requests"),
    "500": (500, 20500, "Internal Server Error"),
    "503": (503, 20503, "Service Unavailable"),
    "21610": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "21211": (400, 21211, "The 'To' number is not a valid phone number."),
    "21614": (400, 21614, "'To' number is not a valid mobile number"),
    "21408": (400, 21408, "Permission to send an SMS has not been enabled for the region"),
}


@dataclass
class EmulatedMessage:
    sid: str
    to: str
    from_: str
    body: str
    status: str
    messaging_service_sid: str | None
    status_callback: str | None
    date_created: datetime
    date_sent: datetime | None = None
    error_code: int | None = None
    callbacks: list[tuple[str, int]] = field(default_factory=list)

    def to_json(self, account_sid: str) -> dict[str, Any]:
        gsm = all(ord(c) < 128 for c in self.body)
        per = 153 if gsm else 67
        single = 160 if gsm else 70
        segments = 1 if len(self.body) <= single else -(-len(self.body) // per)
        return {
            "sid": self.sid,
            "account_sid": account_sid,
            "to": self.to,
            "from": self.from_,
            "body": self.body,
            "status": self.status,
            "num_segments": str(segments),
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "messaging_service_sid": self.messaging_service_sid,
            "price": None,
            "price_unit": "USD",
            "error_code": self.error_code,
            "error_message": None,
            "date_created": format_datetime(self.date_created, usegmt=True),
            "date_updated": format_datetime(self.date_created, usegmt=True),
            "date_sent": format_datetime(self.date_sent, usegmt=True) if self.date_sent else None,
            "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{self.sid}.json",
            "subresource_uris": {},
        }


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature for a POST to ``url`` with form ``params``."""
    return RequestValidator(token).compute_signature(url, params)


def inbound_params(
    from_: str, body: str, *, to: str = FROM_NUMBER, sid: str | None = None
) -> dict[str, str]:
    """The form fields Twilio posts for an incoming SMS."""
    return {
        "ToCountry": "US",
        "SmsMessageSid": sid or "",
        "NumMedia": "0",
        "From": from_,
        "To": to,
        "Body": body,
        "MessageSid": sid or new_sid("SM"),
        "AccountSid": ACCOUNT_SID,
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def post_form(url: str, params: dict[str, str], token: str = AUTH_TOKEN, timeout: float = 10):
    """POST a signed form over a real socket; returns (status, body)."""
    data = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(
        url, data=data, headers={"X-Twilio-Signature": sign(url, params, token)}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def send_inbound(target, url: str, from_: str, body: str, **kw) -> Any:
    """Send a signed inbound webhook like Twilio. ``target`` is a Flask test client (then
    ``url`` is e.g. "http://localhost/sms/inbound") or None for a real HTTP POST."""
    params = inbound_params(from_, body, sid=kw.pop("sid", None), to=kw.pop("to", FROM_NUMBER))
    params.update(kw)
    if target is None:
        return post_form(url, params)
    path = urllib.parse.urlsplit(url).path
    return target.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)})


class TwilioEmulator:
    """Start with ``with TwilioEmulator() as emu:``; ``emu.url`` goes into TWILIO_API_URL."""

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        *,
        callbacks: bool = True,
        callback_delay: float = 0.05,
        timeout_sleep: float = 1.5,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.callbacks = callbacks
        self.callback_delay = callback_delay
        self.timeout_sleep = timeout_sleep
        self.messages: dict[str, EmulatedMessage] = {}
        self.requests: list[tuple[str, str]] = []
        self.callback_results: list[tuple[str, str, int]] = []
        self.final_status: dict[str, tuple[str, int | None]] = {}  # by To number
        self._script: list[str] = []
        self.outage_until = 0.0  # time.monotonic(): until then creates answer 500 / 429
        self.outage_errors = 0
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._pending = 0
        self._pending_cv = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- control -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self) -> TwilioEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.wait_callbacks()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> TwilioEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, *kinds: str) -> None:
        """Script the next create requests: "429", "500", "21610", "21211", "21614",
        "21408", "timeout" (nothing stored), "accepted_then_timeout" (stored, answer late)."""
        with self._lock:
            self._script.extend(kinds)

    def outage(self, seconds: float) -> None:
        """For ``seconds`` from now every create answers 500 or 429 (alternating), as during
        a provider incident; nothing is stored."""
        self.outage_until = time.monotonic() + seconds

    def sent_to(self, number: str) -> list[EmulatedMessage]:
        with self._lock:
            return [m for m in self.messages.values() if m.to == number]

    def wait_callbacks(self, timeout: float = 5.0) -> None:
        """Block until every status callback scheduled so far has been delivered."""
        with self._pending_cv:
            self._pending_cv.wait_for(lambda: self._pending == 0, timeout=timeout)

    def fire_status(self, sid: str, status: str, error_code: int | None = None) -> int:
        """POST one signed status callback now, as Twilio would; returns the HTTP status."""
        message = self.messages[sid]
        assert message.status_callback, "message has no StatusCallback"
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": self.account_sid,
            "From": message.from_,
            "To": message.to,
            "ApiVersion": "2010-04-01",
        }
        if error_code:
            params["ErrorCode"] = str(error_code)
        code, _body = post_form(message.status_callback, params, self.auth_token)
        with self._lock:
            message.status = status
            message.callbacks.append((status, code))
            self.callback_results.append((sid, status, code))
        return code

    # -- server --------------------------------------------------------------------------
    def _handler(self):
        emu = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes; without NODELAY, Nagle plus the
                # client's delayed ACK adds ~40 ms to every keep-alive request.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _json(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, code: int, message: str) -> None:
                self._json(
                    status,
                    {
                        "code": code,
                        "message": message,
                        "more_info": f"https://www.twilio.com/docs/errors/{code}",
                        "status": status,
                    },
                )

            def _authorised(self) -> bool:
                expected = base64.b64encode(f"{emu.account_sid}:{emu.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self._error(401, 20003, "Authenticate")
                    return False
                return True

            def _route(self) -> tuple[list[str], dict[str, list[str]]]:
                parts = urllib.parse.urlsplit(self.path)
                return parts.path.strip("/").split("/"), urllib.parse.parse_qs(parts.query)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                segs, _query = self._route()
                emu.requests.append(("POST", self.path))
                if not self._authorised():
                    return
                if segs[-1] != "Messages.json" or segs[2] != emu.account_sid:
                    self._error(404, 20404, "Not found")
                    return
                if time.monotonic() < emu.outage_until:
                    with emu._lock:
                        emu.outage_errors += 1
                        kind = "500" if emu.outage_errors % 2 else "429"
                    self._error(*ERRORS[kind])
                    return
                with emu._lock:
                    action = emu._script.pop(0) if emu._script else ""
                if action in ERRORS:
                    self._error(*ERRORS[action])
                    return
                if action == "timeout":
                    time.sleep(emu.timeout_sleep)
                    self._error(504, 20504, "Gateway timeout")
                    return
                to, body = form.get("To", ""), form.get("Body", "")
                if not to or not (form.get("From") or form.get("MessagingServiceSid")):
                    self._error(
                        400, 21604, "A 'To' and a 'From' or MessagingServiceSid are required"
                    )
                    return
                message = EmulatedMessage(
                    sid=new_sid("SM"),
                    to=to,
                    from_=form.get("From") or "+15005550001",
                    body=body,
                    status="queued",
                    messaging_service_sid=form.get("MessagingServiceSid"),
                    status_callback=form.get("StatusCallback"),
                    date_created=datetime.now(UTC).replace(microsecond=0),
                )
                with emu._lock:
                    emu.messages[message.sid] = message
                fire = bool(emu.callbacks and message.status_callback)
                if fire:  # counted before the answer, so wait_callbacks() cannot miss it
                    with emu._pending_cv:
                        emu._pending += 1
                if action == "accepted_then_timeout":
                    time.sleep(emu.timeout_sleep)
                self._json(201, message.to_json(emu.account_sid))
                if fire:
                    threading.Thread(
                        target=emu._callbacks_for, args=(message,), daemon=True
                    ).start()

            def do_GET(self) -> None:
                segs, query = self._route()
                emu.requests.append(("GET", self.path))
                if not self._authorised():
                    return
                if len(segs) == 5 and segs[3] == "Messages" and segs[4].endswith(".json"):
                    sid = segs[4].removesuffix(".json")
                    message = emu.messages.get(sid)
                    if message is None:
                        self._error(404, 20404, f"The requested resource {sid} was not found")
                        return
                    self._json(200, message.to_json(emu.account_sid))
                    return
                if segs[-1] != "Messages.json":
                    self._error(404, 20404, "Not found")
                    return
                found = emu._filter(query)
                size = int((query.get("PageSize") or ["50"])[0])
                base = f"/2010-04-01/Accounts/{emu.account_sid}/Messages.json"
                self._json(
                    200,
                    {
                        "messages": [m.to_json(emu.account_sid) for m in found[:size]],
                        "end": max(0, min(size, len(found)) - 1),
                        "first_page_uri": f"{base}?PageSize={size}&Page=0",
                        "next_page_uri": None,
                        "page": 0,
                        "page_size": size,
                        "previous_page_uri": None,
                        "start": 0,
                        "uri": f"{base}?PageSize={size}&Page=0",
                    },
                )

        return Handler

    def _filter(self, query: dict[str, list[str]]) -> list[EmulatedMessage]:
        def one(name: str) -> str | None:
            return query[name][0] if name in query else None

        def when(value: str) -> datetime:
            if "T" in value:
                return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)

        with self._lock:
            found = sorted(self.messages.values(), key=lambda m: m.date_created, reverse=True)
        if one("To"):
            found = [m for m in found if m.to == one("To")]
        if one("From"):
            found = [m for m in found if m.from_ == one("From")]
        for key, test in (
            ("DateSent", lambda d, v: d is not None and d.date() == when(v).date()),
            ("DateSent>", lambda d, v: d is not None and d >= when(v)),
            ("DateSent<", lambda d, v: d is not None and d <= when(v)),
        ):
            value = one(key)
            if value:
                found = [m for m in found if test(m.date_sent, value)]
        return found

    def _callbacks_for(self, message: EmulatedMessage) -> None:
        try:
            time.sleep(self.callback_delay)
            message.date_sent = datetime.now(UTC).replace(microsecond=0)
            final, code = self.final_status.get(message.to, ("delivered", None))
            for status in ("sent", final):
                try:
                    self.fire_status(message.sid, status, code if status == final else None)
                except OSError:
                    self.callback_results.append((message.sid, status, 0))
                    return
                time.sleep(self.callback_delay)
        finally:
            with self._pending_cv:
                self._pending -= 1
                self._pending_cv.notify_all()
