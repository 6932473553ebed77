"""Send a rerun's messages at once: TCP_NODELAY on the app server's sockets.

Why: Streamlit 1.67 binds its listening socket itself, with protocol number 0, and asyncio turns Nagle's
algorithm off only on sockets whose protocol is IPPROTO_TCP. So the server held each rerun's second and
later messages until the browser acknowledged the first, which a receiver delays by up to 40 ms: measured
here, every rerun of every page reached the client ~40 ms late (the first message, a 40 ms gap, then the
rest together). On Linux an accepted connection inherits TCP_NODELAY from its listening socket, so setting
it once per process on the listener (and on the connections already open) fixes every later session.
"""

from __future__ import annotations

import os
import socket
import stat
from functools import lru_cache
from pathlib import Path

FD_FOLDER = Path("/proc/self/fd")  # Linux: this process's open files; elsewhere nothing is changed


def set_nodelay(fd_folder: Path = FD_FOLDER) -> int:
    """Turn Nagle's algorithm off on every TCP socket this process holds; returns how many were changed.
    The sockets are reached through duplicates of their descriptors, closed again; nothing else is touched."""
    try:
        descriptors = [int(name) for name in os.listdir(fd_folder)]
    except (OSError, ValueError):
        return 0
    changed = 0
    for fd in descriptors:
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        with sock:
            try:
                if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM \
                        and not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    changed += 1
            except OSError:
                continue
    return changed


@lru_cache(maxsize=1)
def once() -> int:
    """set_nodelay, once per server process (a page's first run): later connections inherit it."""
    return set_nodelay()
