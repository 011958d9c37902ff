"""A loopback SMTP server for tests and benchmarks (aiosmtpd): records every message it
accepts, and can be told to answer with an error (421/451/550...) for given recipients a
given number of times, or for every message during an outage."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    # recipient -> list of replies to give before accepting (e.g. ["451 try later"])
    scripted: dict[str, list[str]] = field(default_factory=dict)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # recipient -> "550 ..."
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        reply = self.refuse_rcpt.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        rcpt = envelope.rcpt_tos[0].lower() if envelope.rcpt_tos else ""
        with self.lock:
            queue = self.scripted.get(rcpt) or self.scripted.get("*")
            if queue:
                return queue.pop(0)
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopbackSmtp:
    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> LoopbackSmtp:
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller._thread is not None:
            self.controller.stop()

    def __enter__(self) -> LoopbackSmtp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address.lower() in [a.lower() for a in r.rcpt_tos]]

    def answer(self, recipient: str, *replies: str) -> None:
        """The next DATA for ``recipient`` ("*": anyone) gets these replies, one each."""
        with self.handler.lock:
            self.handler.scripted.setdefault(recipient.lower(), []).extend(replies)

    def refuse(self, recipient: str, reply: str = "550 5.1.1 No such user") -> None:
        self.handler.refuse_rcpt[recipient.lower()] = reply

    def message_id_counts(self) -> Counter[str]:
        return Counter(r.message_id for r in self.received)


def main() -> None:
    """``python -m tests.fakes.smtp_server PORT``: serve in a process of its own (benchmarks:
    the server's work must not share the measured process's GIL). On SIGTERM it prints how
    many messages it accepted and how many distinct Message-IDs."""
    import signal
    import sys
    import threading as _threading

    server = LoopbackSmtp()
    server.port = int(sys.argv[1])
    server.controller = Controller(server.handler, hostname="127.0.0.1", port=server.port)
    server.start()
    done = _threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print("ready", flush=True)
    done.wait()
    counts = server.message_id_counts()
    server.stop()
    print(f"{sum(counts.values())} {len(counts)}", flush=True)


if __name__ == "__main__":
    main()
