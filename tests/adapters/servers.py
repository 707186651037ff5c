"""Run the reward server on a loopback port in a background thread for the duration of a test."""

from __future__ import annotations

import contextlib
import socket
import threading

import uvicorn
from envsdk.scoring import BatchScorer
from envsdk.server.app import ServerLimits, create_app


@contextlib.contextmanager
def running(scorer: BatchScorer, *, token: str | None = None, limits: ServerLimits | None = None):
    """Yield the base URL of a live server; stop it on exit."""
    ready = threading.Event()
    app = create_app(scorer, token=token, limits=limits, on_ready=ready.set)
    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert ready.wait(60), "server did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@contextlib.contextmanager
def socket_closed_port():
    """A loopback port that nothing listens on."""
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    yield port
