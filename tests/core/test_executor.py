"""The executor: verdicts in order, failures flagged per row, workers killed and replaced."""

from __future__ import annotations

import asyncio

import pytest

import envsdk
from envsdk.executor import Executor, ExecutorConfig
from tests.core.sample_envs import load_grouped, load_misbehaving


@pytest.fixture(scope="module")
def misbehaving():
    envsdk.register_environment("test-misbehaving", load_misbehaving)
    return envsdk.load_environment("test-misbehaving")


def score(env, completions, **config):
    async def go():
        async with Executor(env, ExecutorConfig(**config)) as ex:
            rows = [{"answer": "ok"} for _ in completions]
            return await ex.score_group(rows, completions)

    return asyncio.run(go())


def test_cpu_heavy_rubric_runs_in_pool(misbehaving):
    assert Executor(misbehaving).mode == "pool"


def test_hung_row_is_flagged_and_others_finish(misbehaving):
    verdicts = score(misbehaving, ["ok", "hang", "ok", "no"], workers=1, timeout_s=1.0)
    assert [v.timed_out for v in verdicts] == [False, True, False, False]
    assert [v.reward for v in verdicts] == [1.0, 0.0, 1.0, 0.0]
    assert verdicts[1].error and "timed out" in verdicts[1].error


def test_crashed_worker_is_replaced(misbehaving):
    verdicts = score(misbehaving, ["crash", "ok"], workers=1, timeout_s=5.0)
    assert "crashed" in verdicts[0].error and not verdicts[0].timed_out
    assert verdicts[1].reward == 1.0 and verdicts[1].error is None


def test_worker_over_memory_cap_is_killed(misbehaving):
    verdicts = score(misbehaving, ["bloat", "ok"], workers=1, timeout_s=20.0, memory_mb=300)
    assert "memory cap" in verdicts[0].error
    assert verdicts[1].reward == 1.0


def test_raising_verifier_gives_error_verdict_not_zero(misbehaving):
    (verdict,) = score(misbehaving, ["raise"], workers=1)
    assert verdict.failed and "verifier bug" in verdict.error and verdict.passed is None


def test_a_cancelled_task_frees_its_worker_for_the_next(misbehaving):
    async def go():
        async with Executor(misbehaving, ExecutorConfig(workers=1, timeout_s=60)) as ex:
            await ex.score_group([{"answer": "ok"}], ["ok"])  # the worker is up
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(ex.score_group([{"answer": "ok"}], ["hang"]), 1.0)
            return await asyncio.wait_for(ex.score_group([{"answer": "ok"}], ["ok"]), 60)

    (verdict,) = asyncio.run(go())
    assert (verdict.reward, verdict.error) == (1.0, None)


def test_inline_mode_times_out_without_signals():
    env = envsdk.Environment(rubric=envsdk.Rubric([_slow_async]))
    verdicts = score(env, ["a", "slow"], timeout_s=0.2)
    assert [v.timed_out for v in verdicts] == [False, True]


def test_group_function_sees_whole_group():
    envsdk.register_environment("test-grouped", load_grouped)
    env = envsdk.load_environment("test-grouped")
    verdicts = score(env, ["a", "abc", "ab"])
    assert [v.reward for v in verdicts] == [0.0, 1.0, 0.0]


async def _slow_async(completion: str) -> float:
    if completion == "slow":
        await asyncio.sleep(10)
    return 1.0
