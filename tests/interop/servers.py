"""OpenEnv's own template environment served on loopback for the interop tests (generic servers:
tests/helpers/asgi.py)."""

from __future__ import annotations

import contextlib
import importlib
import sys
from pathlib import Path
from typing import Iterator

from tests.helpers.asgi import serve_app


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
