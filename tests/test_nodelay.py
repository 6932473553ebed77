"""The app server's sockets send at once (sna.ui.nodelay): Streamlit binds its listener with protocol 0, so
asyncio left Nagle's algorithm on and every rerun waited ~40 ms for a delayed acknowledgement."""

from __future__ import annotations

import socket
import sys

import pytest

from sna.ui.nodelay import set_nodelay

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")


def nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_listener_and_open_connections_get_nodelay_and_new_connections_inherit_it():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)  # as Streamlit binds it: protocol 0
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    first = socket.create_connection(listener.getsockname())
    served_first, _ = listener.accept()
    try:
        assert not nodelay(listener) and not nodelay(served_first)
        assert set_nodelay() >= 2
        assert nodelay(listener) and nodelay(served_first)
        second = socket.create_connection(listener.getsockname())
        served_second, _ = listener.accept()
        with second, served_second:
            assert nodelay(served_second)  # Linux: an accepted connection inherits it from the listener
        assert set_nodelay() == 0  # nothing left to change; the sockets are still open and usable
        first.sendall(b"ok")
        assert served_first.recv(2) == b"ok"
    finally:
        for sock in (first, served_first, listener):
            sock.close()


def test_other_descriptors_are_left_alone(tmp_path):
    (tmp_path / "not-a-number").write_text("")
    assert set_nodelay(tmp_path) == 0
    assert set_nodelay(tmp_path / "missing") == 0
