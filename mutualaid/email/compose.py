"""Build the message an outbox row describes: headers that cannot be injected, a plain-text
part and a simple HTML part.

Header values never carry CR, LF or other control characters (they are replaced by spaces
before the value reaches the header; non-ASCII text is RFC 2047 encoded); addresses are checked
through ``email.headerregistry.Address`` (ASCII only: no SMTPUTF8),
so a display name is quoted or encoded, never parsed as headers. Every message has a
``Message-ID`` (fixed when the row was written), a ``Date`` and ``Auto-Submitted``; notices
carry ``List-Unsubscribe`` with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
(RFC 8058).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")
MAX_SUBJECT = 200


class BadAddress(ValueError):
    """The address cannot be written into a header."""


def clean_header(value: str, limit: int = MAX_SUBJECT) -> str:
    """One line of text, safe as a header value: control characters become one space."""
    text = _CONTROL.sub(" ", value or "").strip()
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
    return text[:limit]


def clean_text(value: str) -> str:
    """A body as valid UTF-8 (lone surrogates from badly decoded input become "?")."""
    return (value or "").encode("utf-8", "replace").decode("utf-8")


def address(addr: str, name: str = "") -> Address:
    """``Address`` for ``addr`` (checked: one @, no spaces or control characters)."""
    addr = (addr or "").strip()
    if not addr or _CONTROL.search(addr) or " " in addr or addr.count("@") != 1 or len(addr) > 254:
        raise BadAddress(addr)
    if not addr.isascii():  # no SMTPUTF8: internationalised addresses are refused
        raise BadAddress(addr)
    local, _, domain = addr.partition("@")
    if not local or not domain or any(c in addr for c in '<>,;"()[]\\'):
        raise BadAddress(addr)
    try:
        return Address(display_name=clean_header(name, 80), username=local, domain=domain)
    except (ValueError, IndexError) as exc:
        raise BadAddress(addr) from exc


def sender(email_from: str) -> Address:
    name, addr = parseaddr(email_from)
    return address(addr, name)


def new_message_id(email_from: str) -> str:
    """``<random@sender-domain>``, made without a DNS lookup (make_msgid would ask for the
    host's FQDN)."""
    domain = parseaddr(email_from)[1].rpartition("@")[2] or "localhost"
    return f"<{secrets.token_hex(16)}@{clean_header(domain, 200)}>"


def _formatted(addr: Address) -> str:
    return formataddr((addr.display_name, addr.addr_spec), charset="utf-8")


def _header(value: str) -> str:
    """ASCII as is; other text as an RFC 2047 header the generator folds after the name."""
    return value if value.isascii() else Header(value, "utf-8", header_name="Subject")  # type: ignore[return-value]  # compat32 accepts Header objects as values


def build(
    *,
    email_from: str,
    to_address: str,
    to_name: str,
    subject: str,
    body_text: str,
    body_html: str,
    message_id: str,
    created_at: datetime,
    unsubscribe_url: str = "",
    auto_submitted: str = "auto-generated",
) -> Message:
    """The message, built with the stdlib's MIME classes (compat32: a fifth of the modern
    policy's cost per message, docs/benchmarks.md). Every header value has been cleaned
    (``clean_header``) or built from a checked ``Address``; non-ASCII text is RFC 2047
    encoded."""
    frm, to = sender(email_from), address(to_address, to_name)
    text_part = MIMEText(clean_text(body_text), "plain", "utf-8")
    msg: Message
    if body_html:
        msg = MIMEMultipart("alternative")
        msg.attach(text_part)
        msg.attach(MIMEText(clean_text(body_html), "html", "utf-8"))
    else:
        msg = text_part
    msg["From"] = _formatted(frm)
    msg["To"] = _formatted(to)
    msg["Subject"] = _header(clean_header(subject))
    msg["Date"] = format_datetime(created_at)
    msg["Message-ID"] = clean_header(message_id, 255)
    msg["Auto-Submitted"] = auto_submitted
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{clean_header(unsubscribe_url, 500)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return msg
