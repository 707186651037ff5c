"""Run the reward server on a loopback port in a background thread for the duration of a test."""

from __future__ import annotations

import contextlib
import threading

from envsdk.scoring import BatchScorer
from envsdk.server.app import ServerLimits, create_app
from tests.helpers.asgi import serve_app


@contextlib.contextmanager
def running(scorer: BatchScorer, *, token: str | None = None, limits: ServerLimits | None = None):
    """Yield the base URL of a live server (its environment built); stop it on exit."""
    ready = threading.Event()
    with serve_app(create_app(scorer, token=token, limits=limits, on_ready=ready.set), ready=ready) as url:
        yield url
