"""Run metadata: what produced a result file (versions, git SHA, environment, seed, sandbox)."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

_PACKAGES = ("envsdk", "torch", "transformers", "trl", "math-verify", "sympy", "sentence-transformers", "ray")


def _versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def git_sha(path: Path | None = None) -> str | None:
    """The git commit of the working directory (or of envsdk's checkout), if any."""
    for where in (path or Path.cwd(), Path(__file__).resolve().parent):
        try:
            out = subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if out.returncode == 0:
            return out.stdout.strip()
    return None


def run_metadata(command: str, env_name: str | None, env_kwargs: dict | None, **extra: Any) -> dict[str, Any]:
    """A JSON-ready record of what produced a run."""
    return {
        "command": command,
        "argv": sys.argv,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": _versions(),
        "git_sha": git_sha(),
        "environment": {"name": env_name, "kwargs": env_kwargs or {}},
        **extra,
    }


def write_metadata(path: Path, meta: dict[str, Any]) -> None:
    path.write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n")
