import socket

import pytest

from tests.netguard import NetworkBlocked


def test_reaching_beyond_loopback_fails_the_test():
    # 203.0.113.0/24 is TEST-NET-3; the guard raises before any packet is sent.
    with pytest.raises(NetworkBlocked, match=r"203\.0\.113\.7"):
        socket.create_connection(("203.0.113.7", 80), timeout=0.1)


def test_resolving_public_names_fails_the_test():
    with pytest.raises(NetworkBlocked, match=r"api\.twilio\.com"):
        socket.getaddrinfo("api.twilio.com", 443)


def test_loopback_is_allowed():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        socket.create_connection(server.getsockname(), timeout=1).close()
    finally:
        server.close()
