"""Loopback servers for the interop tests: an app on a uvicorn thread, and OpenEnv's own template environment."""

from __future__ import annotations

import contextlib
import importlib
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

READY = re.compile(r"ready on (http://\S+)")


@contextlib.contextmanager
def serve_app(app) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 (a free port) from a thread; yields its base URL."""
    import uvicorn

    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


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


def reference_env_classes(root: Path) -> tuple[type, type, type]:
    """(Environment, Action, Observation) of OpenEnv's reference echo environment, generated under `root` by
    the openenv package's own `openenv init` and imported as the package `refecho`."""
    from openenv.cli.commands.init import init

    if not (root / "refecho").exists():
        init("refecho", output_dir=str(root))
    sys.path.insert(0, str(root))
    try:
        env_module = importlib.import_module("refecho.server.refecho_environment")
        models = importlib.import_module("refecho.models")
    finally:
        sys.path.remove(str(root))
    return env_module.RefechoEnvironment, models.RefechoAction, models.RefechoObservation


@contextlib.contextmanager
def serve_reference_env(root: Path, max_sessions: int = 8) -> Iterator[str]:
    """Serve OpenEnv's reference echo environment with OpenEnv's `create_app`; yields its base URL."""
    from openenv.core.env_server.http_server import create_app

    env_cls, action_cls, observation_cls = reference_env_classes(root)
    app = create_app(env_cls, action_cls, observation_cls, env_name="refecho", max_concurrent_envs=max_sessions)
    with serve_app(app) as url:
        yield url
