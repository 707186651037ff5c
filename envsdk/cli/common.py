"""Pieces shared by the commands: their common options, loading the environment, progress bars, metadata files.

Every command that takes an environment spells it the same way (`ENV -a JSON`), and every command accepts
`--no-progress`; each option family has one `add_*` function here, so a new shared option is one line per
command (docs/reference.md, "Common options").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence, TextIO

from ..environment import Environment
from ..errors import EnvsdkError
from ..executor import ExecutorConfig
from ..record import RolloutRecord
from ..registry import load_environment
from ..runmeta import run_metadata, write_metadata
from .main import NO_PROGRESS


def add_env_option(p: argparse.ArgumentParser, *, required: bool = True,
                   help: str = "environment name (see `envsdk list`)") -> None:
    """The environment, as every command names it: positional `ENV` and `-a/--env-args JSON`; `help` says what
    a command does with it, where that is more than naming the environment it scores."""
    p.add_argument("env", nargs=None if required else "?", metavar="ENV", help=help)
    p.add_argument("-a", "--env-args", default="{}", metavar="JSON",
                   help='JSON object of load_environment kwargs, e.g. \'{"size": 50}\'')


def add_executor_options(p: argparse.ArgumentParser) -> None:
    """The verification pool: workers, per-row deadline, memory cap (their defaults are `ExecutorConfig`'s)."""
    p.add_argument("--workers", type=int, default=ExecutorConfig.workers, help="verification worker processes")
    p.add_argument("--timeout", type=float, default=ExecutorConfig.timeout_s,
                   help="wall-clock seconds per row (all its tests)")
    p.add_argument("--memory-mb", type=int, default=ExecutorConfig.memory_mb, help="memory cap per verification worker")
    p.add_argument("--ray-address", metavar="HOST:PORT", default=None,
                   help="verify on the existing Ray cluster at HOST:PORT (its head's GCS port), actors spread "
                        "over its nodes; --workers actors (docs/scale.md)")


def add_progress_option(p: argparse.ArgumentParser) -> None:
    """`--no-progress` (every command accepts it through `envsdk`; this shows it in the command's help)."""
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bars, ours or the libraries' (there are none off a terminal)")


def add_env_args(p: argparse.ArgumentParser) -> None:
    """The options of a command that scores an environment: ENV, -a, the pool, --no-progress."""
    add_env_option(p)
    add_executor_options(p)
    add_progress_option(p)


def show_progress(args: argparse.Namespace | None = None) -> bool:
    """False when `--no-progress` was given, to this command or through `envsdk`."""
    return not (getattr(args, "no_progress", False) or os.environ.get(NO_PROGRESS) == "1")


def env_kwargs(text: str, flag: str = "--env-args") -> dict[str, Any]:
    """The kwargs of `-a JSON`: a JSON object, else a one-line error naming the flag."""
    try:
        kwargs = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EnvsdkError(f"{flag} is not valid JSON: {exc}") from exc
    if not isinstance(kwargs, dict):
        raise EnvsdkError(f"{flag} must be a JSON object")
    return kwargs


def load_env(args: argparse.Namespace) -> Environment:
    return load_environment(args.env, **env_kwargs(args.env_args))


def executor_config(args: argparse.Namespace) -> ExecutorConfig:
    """The command's executor: workers are forks of this single-threaded process when that is safe."""
    return ExecutorConfig(workers=args.workers, timeout_s=args.timeout, memory_mb=args.memory_mb, start="fork")


def ray_executor(env: Environment, args: argparse.Namespace):
    """Actors on the Ray cluster at `--ray-address` (joined now: a cluster that cannot be joined is one
    `error:` line before any work), or None without the option."""
    if not getattr(args, "ray_address", None):
        return None
    from ..ray_executor import RayExecutor

    return RayExecutor(env, executor_config(args), address=args.ray_address)


class _Silent:
    """The progress bar off a terminal: does nothing, and spares a batch job tqdm's import."""

    def update(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


def progress(total: int, desc: str, *, enabled: bool = True):
    """A tqdm bar on a terminal, silent otherwise or when not `enabled` (`--no-progress`)."""
    if not (enabled and show_progress()) or not sys.stderr.isatty():
        return _Silent()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr)


def meta_path(out: Path) -> Path:
    """`OUT.meta.json` for `OUT.jsonl`: what produced the output (and what a resume must match)."""
    return out.with_name(out.name.removesuffix(".jsonl") + ".meta.json")


def write_meta(out: Path, command: str, env: Environment, args: argparse.Namespace, *,
               records: Sequence[RolloutRecord] = (), **extra: Any) -> None:
    """`OUT.meta.json`; given the run's `records`, its `env_metadata` also says which sandbox the rows really ran
    in (the workers' environments, not this process's, ran the programs)."""
    meta = run_metadata(
        command,
        env.name,
        env.spec.kwargs if env.spec else {},
        env_metadata={**env.metadata(), **sandbox_used(records)},
        workers=args.workers,
        timeout_s=args.timeout,
        **extra,
    )
    write_metadata(meta_path(out), meta)


def sandbox_used(records: Sequence[RolloutRecord]) -> dict[str, Any]:
    """`{"sandbox": {"backend": ..., "tier": ...}}` from the verdicts' details (code environments record where
    each program ran); a list when rows ran in different ones; `{}` when none ran in a sandbox."""
    seen = {json.dumps(sandbox, sort_keys=True) for r in records
            if isinstance(sandbox := r.verdict.details.get("sandbox"), dict)}
    found = [json.loads(s) for s in sorted(seen)]
    if not found:
        return {}
    return {"sandbox": found[0] if len(found) == 1 else found}


def print_summary(summary: dict[str, Any], file: TextIO) -> None:
    """A summary as an aligned two-column table (floats to four places)."""
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"{key:<{width}}  {shown}", file=file)


def add_output_options(p: argparse.ArgumentParser, output_help: str, resume_help: str) -> None:
    """`--output`, `--resume` and `--overwrite`: what a command does with a file an earlier run wrote."""
    p.add_argument("--output", type=Path, help=output_help)
    p.add_argument("--resume", action="store_true", help=resume_help)
    p.add_argument("--overwrite", action="store_true",
                   help="replace an --output an earlier run wrote (without it, that is refused: exit 2)")


def refuse_to_replace(out: Path, work: Path, args: argparse.Namespace, earlier: str) -> None:
    """Never replace an earlier run's work without `--overwrite`: `work` (what `--resume` continues: a journal,
    a partial output) needs `--resume`, and a finished `out` cannot be resumed at all. `earlier` says what the
    earlier run left, for the message."""
    if args.overwrite or (args.resume and work.exists()):
        return
    if work.exists():
        raise EnvsdkError(f"{out}: {earlier}; --resume continues it, --overwrite starts afresh")
    if out.exists():
        raise EnvsdkError(f"{out} holds a finished run; --overwrite replaces it (or choose another --output)")
