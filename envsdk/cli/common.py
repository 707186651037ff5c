"""Pieces shared by `verify` and `eval`: loading the environment, progress bars, metadata files."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

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


def progress(total: int, desc: str):
    """A tqdm bar on a terminal, silent otherwise."""
    if not sys.stderr.isatty():
        return _Silent()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr)


def verdict_line(verdict: Verdict, **fields: Any) -> dict[str, Any]:
    """An output line: the fields given first (e.g. id), then the verdict's fields."""
    return {**fields, **verdict.model_dump()}


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
    write_metadata(out.with_name(out.name.removesuffix(".jsonl") + ".meta.json"), meta)
