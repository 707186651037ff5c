"""Pieces shared by `verify` and `eval`: loading the environment, progress bars, metadata files."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from ..environment import Environment
from ..errors import EnvsdkError
from ..executor import ExecutorConfig
from ..registry import load_environment
from ..runmeta import run_metadata, write_metadata
from ..verdict import Verdict


def add_env_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("env", help="environment name (see `envsdk list`)")
    p.add_argument("-a", "--env-args", default="{}", help="JSON object of load_environment kwargs")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="verification worker processes")
    p.add_argument("--timeout", type=float, default=60.0, help="wall-clock seconds per row (all its tests)")
    p.add_argument("--memory-mb", type=int, default=4096, help="memory cap per verification worker")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (there is none off a terminal)")


def load_env(args: argparse.Namespace) -> Environment:
    try:
        kwargs = json.loads(args.env_args)
    except json.JSONDecodeError as exc:
        raise EnvsdkError(f"--env-args is not valid JSON: {exc}") from exc
    if not isinstance(kwargs, dict):
        raise EnvsdkError("--env-args must be a JSON object")
    return load_environment(args.env, **kwargs)


def executor_config(args: argparse.Namespace) -> ExecutorConfig:
    """The command's executor: workers are forks of this single-threaded process when that is safe."""
    return ExecutorConfig(workers=args.workers, timeout_s=args.timeout, memory_mb=args.memory_mb, start="fork")


class _Silent:
    """The progress bar off a terminal: does nothing, and spares a batch job tqdm's import."""

    def update(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


def progress(total: int, desc: str, *, enabled: bool = True):
    """A tqdm bar on a terminal, silent otherwise or when not `enabled` (`--no-progress`)."""
    if not enabled or not sys.stderr.isatty():
        return _Silent()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr)


def verdict_line(verdict: Verdict, **fields: Any) -> dict[str, Any]:
    """An output line: the fields given first (e.g. id), then the verdict's fields."""
    return {**fields, **verdict.model_dump()}


def meta_path(out: Path) -> Path:
    """`OUT.meta.json` for `OUT.jsonl`: what produced the output (and what a resume must match)."""
    return out.with_name(out.name.removesuffix(".jsonl") + ".meta.json")


def write_meta(out: Path, command: str, env: Environment, args: argparse.Namespace, **extra: Any) -> None:
    meta = run_metadata(
        command,
        env.name,
        env.spec.kwargs if env.spec else {},
        env_metadata=env.metadata(),
        workers=args.workers,
        timeout_s=args.timeout,
        **extra,
    )
    write_metadata(meta_path(out), meta)


def print_summary(summary: dict[str, Any], file: TextIO) -> None:
    """A summary as an aligned two-column table (floats to four places)."""
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"{key:<{width}}  {shown}", file=file)
