"""The `envsdk` command run as a user runs it: a subprocess of this interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

COMMAND = [sys.executable, "-m", "envsdk.cli.main"]


def envsdk(*args: str, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """Run `envsdk ARGS...` to completion; stdout and stderr captured as text."""
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=timeout, **kw)


def write_jsonl(path: Path, lines: list) -> Path:
    """Write dicts as JSON lines (strings as they are: blank or broken lines on purpose)."""
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
