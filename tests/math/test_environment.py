"""The environment through the core executor: killable workers flag hangs; bombs and huge completions are wrong;
rows are validated; the gold is parsed once per group."""

from __future__ import annotations

import asyncio

import pytest

import envsdk
from envsdk.executor import Executor, ExecutorConfig
from envsdk_env_math.verifier import parse_gold

HANG = r"$\boxed{(x+1)^{99999}}$"  # passes the guard; sympy's expansion runs for minutes
BOMB = r"$\boxed{\dfrac{5^{5^{5^{5^5}}}-5}{16}}$"
HUGE = "7" * 1_000_000 + r" so $\boxed{3}$"


@pytest.fixture(scope="module")
def env():
    return envsdk.load_environment("math", size=1)


@pytest.fixture(scope="module")
def group_verdicts(env):
    completions = [r"$\boxed{3}$", HANG, BOMB, HUGE, r"$\boxed{4}$"]

    async def go():
        async with Executor(env, ExecutorConfig(workers=2, timeout_s=5.0)) as executor:
            return await executor.score_group([{"answer": "3"}] * len(completions), completions)

    return asyncio.run(go())


def test_correctness_runs_in_the_process_pool(env):
    assert env.cpu_heavy and Executor(env).mode == "pool"


def test_hung_row_is_flagged_timed_out(group_verdicts):
    assert group_verdicts[1].timed_out and group_verdicts[1].passed is None


def test_latex_bomb_is_a_wrong_answer_without_timing_out(group_verdicts):
    verdict = group_verdicts[2]
    assert (verdict.reward, verdict.passed, verdict.error, verdict.timed_out) == (0.0, False, None, False)
    assert verdict.details["reason"].startswith("refused: ")


def test_megabyte_completion_is_a_wrong_answer_without_timing_out(group_verdicts):
    verdict = group_verdicts[3]
    assert (verdict.reward, verdict.passed, verdict.error, verdict.timed_out) == (0.0, False, None, False)
    assert "too long" in verdict.details["reason"]


def test_rest_of_group_is_scored_around_failures(group_verdicts):
    assert [group_verdicts[0].reward, group_verdicts[4].reward] == [1.0, 0.0]
    assert group_verdicts[0].details == {"extracted": "3", "reason": "equal (boxed)", "outcome": "correct"}


def test_gold_is_parsed_once_per_group(env):
    parse_gold.cache_clear()
    rows = [{"answer": r"\frac{1}{2}"}] * 8
    asyncio.run(env.score_group(rows, [r"$\boxed{0.5}$"] * 8))
    info = parse_gold.cache_info()
    assert (info.misses, info.hits) == (1, 7)


@pytest.mark.parametrize("row", [{}, {"answer": None}, {"answer": ["3"]}, {"answer": "  "}, {"answer": True}])
def test_missing_or_bad_answer_is_a_row_error(env, row):
    with pytest.raises(envsdk.RowError, match="answer"):
        env.validate_row(row)


def test_numeric_gold_is_accepted_as_text(env):
    assert env.validate_row({"answer": 27.0})["answer"] == "27.0"
