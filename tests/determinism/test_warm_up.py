"""The executor calls an environment's `warm_up()` in each pool worker before the worker takes its first row."""

from __future__ import annotations

import asyncio
import os

import envsdk
from envsdk import Environment, Rubric, reward
from envsdk.executor import Executor, ExecutorConfig

_WARMED: list[int] = []  # pids of the processes whose environment was warmed


class _WarmEnv(Environment):
    def warm_up(self) -> None:
        _WARMED.append(os.getpid())


@reward(cpu_heavy=True)
def _warmed_before_this_row(completion) -> float:
    return 1.0 if os.getpid() in _WARMED else 0.0


def warm_env() -> Environment:
    return _WarmEnv(dataset=[{"prompt": "p"}], rubric=Rubric([_warmed_before_this_row]))


def test_every_pool_worker_is_warmed_before_its_first_row():
    envsdk.register_environment("determinism-warm", warm_env)
    env = envsdk.load_environment("determinism-warm")

    async def go():
        async with Executor(env, ExecutorConfig(workers=2, rows_per_task=1)) as executor:
            return await executor.score_rows([{"prompt": "p"}] * 6, ["c"] * 6)

    verdicts = asyncio.run(go())
    assert [v.reward for v in verdicts] == [1.0] * 6 and os.getpid() not in _WARMED
