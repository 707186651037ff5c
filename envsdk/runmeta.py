"""Run metadata: what produced a result file (versions, git SHA, environment, seed, sandbox)."""

from __future__ import annotations

import functools
import json
import platform
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .errors import OptionError

_PACKAGES = ("envsdk", "torch", "transformers", "trl", "math-verify", "sympy", "sentence-transformers", "ray")


@functools.cache
def _versions() -> dict[str, str]:
    """Installed versions of the packages a run's numbers depend on (read once per process: a command writes its
    metadata twice, before and after the work)."""
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


@functools.cache
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
        "packages": dict(_versions()),
        "git_sha": git_sha(),
        "environment": {"name": env_name, "kwargs": env_kwargs or {}},
        **extra,
    }


def write_metadata(path: Path, meta: dict[str, Any]) -> None:
    path.write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n")


def resume_key(**fields: Any) -> dict[str, Any]:
    """What must be the same for a run to continue another's work (environment, its kwargs, the input,
    the sampling settings), as JSON would give it back."""
    return json.loads(json.dumps(fields, sort_keys=True, default=str))


def check_resume(meta_path: Path, key: dict[str, Any], work: Path) -> bool:
    """Whether `work` (a journal or a partial output) can be resumed by a run with `key`: False when there
    is nothing to resume; an OptionError, one line, when `meta_path` records another producer or is missing."""
    if not work.exists():
        return False
    recorded = None
    if meta_path.is_file():
        try:
            recorded = json.loads(meta_path.read_text(encoding="utf-8")).get("resume_key")
        except (json.JSONDecodeError, AttributeError):
            recorded = None
    if not isinstance(recorded, dict):
        raise OptionError(
            f"--resume: {meta_path.name} does not say what produced {work}; start afresh with --overwrite"
        )
    changed = [f"{name} {recorded.get(name)!r} -> {key.get(name)!r}" for name in key if recorded.get(name) != key.get(name)]
    if changed:
        raise OptionError(
            f"--resume: {work} was produced by another run ({'; '.join(changed)}); "
            "resume with the same settings, or start afresh with --overwrite"
        )
    return True
