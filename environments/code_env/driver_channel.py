"""The drivers' private channel to the host. Stdlib only: shipped into the sandboxes after codec.py.

It is taken before any candidate or test code runs: duplicates of stdin/stdout carry the protocol, then
fds 0 and 1 point at /dev/null and stderr, so prints cannot reach the channel by accident.
"""

import os


class DriverChannel:
    """Newline-framed protocol messages to and from the host."""

    def __init__(self):
        self.reader = os.fdopen(os.dup(0), "rb")
        self.write_fd = os.dup(1)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(2, 1)
        os.close(null)

    def send(self, message):
        data = dumps(message)  # noqa: F821 (codec.py is prepended)
        while data:
            data = data[os.write(self.write_fd, data):]

    def recv(self):
        line = self.reader.readline()
        if not line:
            raise SystemExit(0)  # the host hung up: nothing left to do
        return loads(line)  # noqa: F821
