"""Newline-framed messages from a child's pipe, read with a deadline and a size cap (no threads, no signals)."""

from __future__ import annotations

import os
import select
import time


class ChannelClosed(Exception):
    """The other side closed its pipe (it exited or was killed)."""


class ChannelTimeout(Exception):
    """No complete line arrived before the deadline."""


class ChannelOverflow(Exception):
    """A line longer than the cap: the sender is flooding the channel."""


class LineReader:
    """Reads whole lines from a raw file descriptor."""

    def __init__(self, fd: int, max_line: int):
        self.fd, self.max_line = fd, max_line
        self._buffer = bytearray()
        self._scanned = 0  # bytes of the buffer already known to hold no newline

    def readline(self, deadline: float) -> bytes:
        """The next line (without its newline) before `deadline` (a time.monotonic value). Each byte is
        scanned for the newline once, and at most `max_line` plus one read is ever buffered."""
        while True:
            end = self._buffer.find(b"\n", self._scanned)
            if end >= 0:
                line = bytes(self._buffer[:end])
                del self._buffer[: end + 1]
                self._scanned = 0
                return line
            self._scanned = len(self._buffer)
            if len(self._buffer) > self.max_line:
                raise ChannelOverflow(f"a message longer than {self.max_line} bytes")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChannelTimeout()
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                raise ChannelTimeout()
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                raise ChannelClosed()
            self._buffer += chunk


def write_all(fd: int, data: bytes, deadline: float) -> bool:
    """Write every byte before `deadline`; False when the reader is gone or stopped reading."""
    view = memoryview(data)
    try:
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
                return False
            view = view[os.write(fd, view[: select.PIPE_BUF]) :]
    except OSError:  # BrokenPipeError included
        return False
    return True
