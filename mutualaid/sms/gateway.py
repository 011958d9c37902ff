"""The SMS gateway: one small interface, two backends (``twilio``, ``console``).

Every call has a timeout. Errors are typed: ``RetryableSmsError`` (HTTP 429 / 20429, 5xx,
connection failures), ``AmbiguousSmsError`` (a timeout after the request went out: it may
have been sent, so the outbox reconciles before any resend), ``OptedOutError`` (21610) and
``PermanentSmsError`` (21211, 21614, 21408 and every other 4xx).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Literal, Protocol

import requests
from flask import current_app
from twilio.base.exceptions import TwilioRestException

from mutualaid.settings import Settings

log = logging.getLogger(__name__)

OPTED_OUT_CODE = 21610
RETRYABLE_CODES = {20429, 20500, 20503}


class SmsError(Exception):
    """Base class; ``code`` is the provider's error code when it gave one."""

    def __init__(self, message: str, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


class RetryableSmsError(SmsError):
    """Nothing was sent; trying again later may work."""


class AmbiguousSmsError(RetryableSmsError):
    """The request may have reached the provider; reconcile before sending again."""


class PermanentSmsError(SmsError):
    """The provider refused this message; sending it again will not help."""


class OptedOutError(PermanentSmsError):
    """The recipient has opted out at the provider (21610)."""


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str  # the provider's word: queued, accepted, sent...
    segments: int | None = None


@dataclass(frozen=True)
class ProviderMessage:
    sid: str
    to: str
    body: str
    status: str
    date_created: datetime | None
    error_code: int | None = None


class SmsGateway(Protocol):
    name: str

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendResult: ...

    def find_sent(self, to: str, since: datetime) -> list[ProviderMessage]:
        """Messages to ``to`` created at or after ``since`` (for reconciling a crash)."""
        ...


class ConsoleGateway:
    """Logs each text; the rows in the database are what the simulator shows."""

    name = "console"

    def __init__(self, sender: str = "+15005550006") -> None:
        self.sender = sender

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendResult:
        sid = f"CONSOLE{secrets.token_hex(13)}"
        log.info("SMS to %s (%s): %s", to, sid, body)
        return SendResult(sid=sid, status="sent")

    def find_sent(self, to: str, since: datetime) -> list[ProviderMessage]:
        return []  # nothing leaves the machine, so a crashed send never went out


class TwilioGateway:
    """The real ``twilio`` REST client; ``api_url`` replaces https://api.twilio.com."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str = "",
        messaging_service_sid: str = "",
        api_url: str = "https://api.twilio.com",
        timeout: float = 10.0,
    ) -> None:
        # Imported here: twilio.rest costs ~170 ms at start-up, and the console gateway
        # (development, tests, the simulator) never needs it.
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.http_client = TwilioHttpClient(timeout=timeout, pool_connections=True)
        # environment={} so TWILIO_REGION / TWILIO_EDGE never rewrite the host.
        self.client = Client(account_sid, auth_token, http_client=self.http_client, environment={})
        self.client.api.base_url = api_url.rstrip("/")

    @property
    def sender(self) -> str:
        return self.from_number or self.messaging_service_sid

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendResult:
        kwargs: dict[str, object] = {"to": to, "body": body}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_number
        if status_callback:
            kwargs["status_callback"] = status_callback
        with _translated_errors(sent_maybe=True):
            message = self.client.messages.create(**kwargs)
        segments = None
        try:
            segments = int(message.num_segments) if message.num_segments else None
        except (TypeError, ValueError):
            segments = None
        return SendResult(
            sid=message.sid or "", status=message.status or "queued", segments=segments
        )

    def find_sent(self, to: str, since: datetime) -> list[ProviderMessage]:
        # Filtered by recipient (and sender) at the provider, newest first; by creation time
        # here, because DateSent stays empty while a message waits in Twilio's own queue.
        kwargs: dict[str, object] = {"to": to, "limit": 50}
        if self.from_number and not self.messaging_service_sid:
            kwargs["from_"] = self.from_number
        with _translated_errors(sent_maybe=False):
            found = self.client.messages.list(**kwargs)
        out = []
        for m in found:
            created = m.date_created
            if created is not None and created < since:
                continue
            out.append(
                ProviderMessage(
                    sid=m.sid or "",
                    to=m.to or "",
                    body=m.body or "",
                    status=str(m.status or ""),
                    date_created=created,
                    error_code=m.error_code,
                )
            )
        return out


class _translated_errors:
    """Turn twilio / requests exceptions into our typed errors."""

    def __init__(self, sent_maybe: bool) -> None:
        self.sent_maybe = sent_maybe

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:  # never swallows: re-raises typed, or lets the exception through
        if exc is None:
            return False
        if isinstance(exc, TwilioRestException):
            raise classify(exc.status, exc.code, str(exc.msg or exc)) from exc
        if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
            raise RetryableSmsError(f"could not connect: {exc}") from exc
        if isinstance(exc, requests.exceptions.Timeout):
            cls = AmbiguousSmsError if self.sent_maybe else RetryableSmsError
            raise cls(f"timed out: {exc}") from exc
        if isinstance(exc, requests.exceptions.ConnectionError):
            # Refused before sending is safe to retry; a dropped connection mid-request may
            # have been received, so reconcile first.
            text = str(exc)
            refused = "refused" in text.lower() or "NewConnectionError" in text
            cls = AmbiguousSmsError if self.sent_maybe and not refused else RetryableSmsError
            raise cls(f"connection failed: {exc}") from exc
        if isinstance(exc, requests.exceptions.RequestException):
            raise RetryableSmsError(f"request failed: {exc}") from exc
        return False


def classify(status: int | None, code: int | None, message: str) -> SmsError:
    """The typed error for an HTTP status and a provider error code."""
    if code == OPTED_OUT_CODE:
        return OptedOutError(message, code, status)
    if status == 429 or code in RETRYABLE_CODES or (status is not None and status >= 500):
        return RetryableSmsError(message, code, status)
    return PermanentSmsError(message, code, status)


def build_gateway(settings: Settings) -> SmsGateway:
    if settings.sms_backend == "twilio":
        if not settings.public_url:
            log.warning(
                "PUBLIC_URL is not set: texts go out without a StatusCallback, so their "
                "status stays 'sent' (no delivered/undelivered)"
            )
        return TwilioGateway(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            api_url=settings.twilio_api_url,
            timeout=settings.sms_timeout_seconds,
        )
    return ConsoleGateway(settings.twilio_from_number or "+15005550006")


def get_gateway() -> SmsGateway:
    """The app's gateway, built once per app (tests may swap ``app.extensions['sms_gateway']``)."""
    gateway = current_app.extensions.get("sms_gateway")
    if gateway is None:
        gateway = build_gateway(current_app.config["MUTUALAID"])
        current_app.extensions["sms_gateway"] = gateway
    return gateway


def sender_number(settings: Settings) -> str:
    """What to store as the From of outbound rows."""
    if settings.twilio_from_number:
        return settings.twilio_from_number
    return "service" if settings.twilio_messaging_service_sid else "console"
