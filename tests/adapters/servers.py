"""Run the reward server on a loopback port in a background thread for the duration of a test."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from envsdk.scoring import BatchScorer
from envsdk.server.app import ServerLimits, create_app
from tests.helpers.asgi import serve_app


@contextlib.contextmanager
def running(scorer: BatchScorer, *, token: str | None = None, limits: ServerLimits | None = None,
            log_rollouts: Path | None = None):
    """Yield the base URL of a live server (its environment built); stop it on exit."""
    ready = threading.Event()
    app = create_app(scorer, token=token, limits=limits, on_ready=ready.set, log_rollouts=log_rollouts)
    with serve_app(app, ready=ready) as url:
        yield url
