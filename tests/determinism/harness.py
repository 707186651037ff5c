"""Run the same rows through the real executor four ways and compare verdicts (issue 21, "Determinism").

The ways: idle with two workers; under CPU load (more busy processes than cores) with two fresh workers;
the rows shuffled; one worker taking one row per task. A verdict must be a function of the completion, the
gold and the options only, so every way must give the same verdict for every row.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from envsdk import Environment, Verdict
from envsdk.executor import Executor, ExecutorConfig

Key = Callable[[Verdict], tuple]
MODES = ("idle", "loaded", "shuffled", "one worker")


def verdict_key(verdict: Verdict) -> tuple:
    """What must not change: reward, pass/abstain, flags, and the verifier's stated reason."""
    reason = verdict.details.get("reason") or verdict.details.get("outcome")
    return verdict.reward, verdict.passed, verdict.error is not None, verdict.timed_out, reason


@contextmanager
def cpu_load() -> Iterator[int]:
    """More busy processes than cores for the duration of the block; yields how many."""
    count = (os.cpu_count() or 1) + 1
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield count
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


def _score(env: Environment, rows: list[dict], completions: list[Any], config: ExecutorConfig) -> list[Verdict]:
    async def go() -> list[Verdict]:
        async with Executor(env, config) as executor:
            return await executor.score_rows(rows, completions)

    return asyncio.run(go())


def verdicts_four_ways(env: Environment, rows: list[dict], completions: list[Any], *, timeout_s: float = 60.0,
                       key: Key = verdict_key) -> dict[str, list[tuple]]:
    """mode -> verdict keys in the rows' original order, for each of MODES (fresh workers every time)."""
    two = ExecutorConfig(workers=2, timeout_s=timeout_s, mode="pool")
    one = ExecutorConfig(workers=1, timeout_s=timeout_s, mode="pool", rows_per_task=1)
    out = {"idle": [key(v) for v in _score(env, rows, completions, two)]}
    with cpu_load():
        out["loaded"] = [key(v) for v in _score(env, rows, completions, two)]
    order = list(range(len(rows)))
    random.Random(21).shuffle(order)
    shuffled = _score(env, [rows[i] for i in order], [completions[i] for i in order], two)
    back: list[tuple] = [()] * len(rows)
    for position, i in enumerate(order):
        back[i] = key(shuffled[position])
    out["shuffled"] = back
    out["one worker"] = [key(v) for v in _score(env, rows, completions, one)]
    return out


def flips(results: dict[str, list[tuple]], labels: list[str]) -> list[str]:
    """One line per row whose verdict differs between modes (empty when all agree)."""
    lines = []
    for i, label in enumerate(labels):
        seen = {mode: results[mode][i] for mode in MODES}
        if len(set(seen.values())) > 1:
            lines.append(f"{label}: {seen}")
    return lines
