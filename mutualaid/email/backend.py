"""The email transport: one small interface, two backends (``console``, ``smtp``).

The SMTP backend is the one module that talks to a mail server. Every connection and command
has a timeout (``EMAIL_TIMEOUT_SECONDS``). Errors are typed: ``RetryableEmailError``
(connection refused or dropped, timeouts, any 4xx answer such as 421 or 451) and
``PermanentEmailError`` (5xx, e.g. 550 "no such user"). One connection is reused for a
batch (``open``/``close``); a dropped connection is re-opened on the next message.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
import ssl
from email.message import Message
from typing import Protocol
from urllib.parse import unquote, urlsplit

from flask import current_app

from mutualaid.settings import Settings

log = logging.getLogger(__name__)


class EmailError(Exception):
    """Base class; ``code`` is the SMTP reply code when the server gave one."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class RetryableEmailError(EmailError):
    """Not accepted this time (4xx, connection trouble); trying again later may work."""


class PermanentEmailError(EmailError):
    """The server refused this message for good (5xx); sending it again will not help."""


class EmailBackend(Protocol):
    name: str

    def send(self, message: Message) -> None:
        """Hand one message over; returns once the server accepted it (250)."""
        ...

    def close(self) -> None: ...


class ConsoleBackend:
    """Development: print the message; the mailbox page shows the stored rows."""

    name = "console"

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        log.info("email to %s: %s (%s)", message["To"], message["Subject"], message["Message-ID"])
        self.sent.append(message)
        del self.sent[:-100]  # keep the last hundred, for tests and debugging

    def close(self) -> None:
        return None


def _code_error(code: int, text: str) -> EmailError:
    if 400 <= code < 500:
        return RetryableEmailError(f"{code} {text}", code)
    return PermanentEmailError(f"{code} {text}", code)


def _reply_text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


class SmtpBackend:
    """``smtp://user:pass@host:587`` (STARTTLS when the server offers it, required when
    credentials are given), ``smtps://user:pass@host:465`` (implicit TLS)."""

    name = "smtp"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.timeout = timeout
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        conn: smtplib.SMTP
        if self.implicit_tls:
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            conn.ehlo()
            if conn.has_extn("starttls"):
                conn.starttls(context=context)
                conn.ehlo()
            elif self.username:
                conn.close()
                raise PermanentEmailError(
                    "the SMTP server does not offer STARTTLS; not sending a password in clear"
                )
        if self.username:
            conn.login(self.username, self.password)
        if conn.sock is not None:
            with contextlib.suppress(OSError):  # commands are small: no Nagle wait
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def send(self, message: Message) -> None:
        try:
            if self._conn is None:
                self._conn = self._connect()
            refused = self._conn.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset()
            code, text = next(iter(exc.recipients.values()), (550, b"recipient refused"))
            raise _code_error(code, _reply_text(text)) from exc
        except smtplib.SMTPResponseException as exc:  # sender refused, data error, 421...
            self.close()
            raise _code_error(exc.smtp_code, _reply_text(exc.smtp_error)) from exc
        except (smtplib.SMTPException, OSError) as exc:  # dropped, refused, timed out, TLS
            self.close()
            raise RetryableEmailError(f"{type(exc).__name__}: {exc}") from exc
        if refused:  # one recipient per message: a partial refusal is a refusal
            code, text = next(iter(refused.values()))
            raise _code_error(code, _reply_text(text))

    def _reset(self) -> None:
        """After a refused recipient the connection can go on (RSET)."""
        if self._conn is None:
            return
        try:
            self._conn.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


def build_backend(settings: Settings) -> EmailBackend:
    if settings.email_backend == "smtp":
        return SmtpBackend(settings.smtp_url, timeout=settings.email_timeout_seconds)
    return ConsoleBackend()


def get_backend() -> EmailBackend:
    """A backend for one batch (callers close it). Tests may put one in
    ``app.extensions['email_backend']``, which is then shared."""
    backend: EmailBackend | None = current_app.extensions.get("email_backend")
    if backend is not None:
        return backend
    settings: Settings = current_app.config["MUTUALAID"]
    if settings.email_backend == "console":
        console: EmailBackend = current_app.extensions.setdefault("email_console", ConsoleBackend())
        return console
    return build_backend(settings)
