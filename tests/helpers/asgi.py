"""ASGI apps and server commands on loopback for the duration of a test."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

READY = re.compile(r"ready on (http://\S+)")


@contextlib.contextmanager
def serve_app(app, *, ready: threading.Event | None = None) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 (a free port) from a uvicorn thread; yields its base URL. With `ready`
    (an event the app sets once it is usable, e.g. `create_app(on_ready=...)`), waits for that too."""
    import uvicorn

    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started or (ready is not None and not ready.is_set()):
        if not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@contextlib.contextmanager
def serve_command(*argv: str, cwd: Path | None = None, timeout: float = 120.0) -> Iterator[str]:
    """Run a server command that prints 'ready on http://HOST:PORT' to stderr; yields that URL."""
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=cwd)
    try:
        deadline = time.monotonic() + timeout
        lines = []
        for line in proc.stderr:
            lines.append(line)
            match = READY.search(line)
            if match:
                threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe drained
                yield match.group(1)
                return
            if time.monotonic() > deadline:
                break
        raise RuntimeError(f"{argv[:3]} did not report ready:\n{''.join(lines)}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def closed_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]
