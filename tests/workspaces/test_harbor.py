"""Harbor task directories as multi-turn workspace tasks (Docker): a scripted agent that does the task gets the
task's own tests/test.sh reward of 1; doing nothing, or faking the reward file, the tests or a process that
rewrites it, gets 0."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.sandbox.conftest import docker_unavailable
from tests.workspaces.conftest import Script, call

TASKS = Path(__file__).parents[1] / "interop" / "harbor_tasks"


@pytest.fixture(scope="module")
def env():
    from envsdk_env_workspace.harbor import load_environment

    try:
        environment = load_environment(tasks=str(TASKS), max_turns=6)
    except Exception as exc:  # noqa: BLE001 - any engine problem decides skip vs fail
        docker_unavailable(f"{type(exc).__name__}: {exc}")
    yield environment
    asyncio.run(environment.aclose())


def play(env, *turns):
    row = env.rows()[0]

    async def go():
        result = await env.rollout(Script(*turns), row)
        return result, await env.score(row, result.completion, result.state)

    return asyncio.run(go())


def test_the_prompt_is_the_instruction_and_the_agent_works_at_the_workdir(env):
    row = env.rows()[0]
    assert row["id"] == "hello-file" and "/app/hello.txt" in row["prompt"]
    result, verdict = play(env, call("bash", command="pwd; ls -A /tests /hidden 2>&1 | head -3"), call("submit"))
    shown = result.completion[1]["content"]
    assert "/app\n" in shown and "No such file" in shown  # no tests in view
    assert verdict.reward == 0.0 and verdict.passed is False


def test_doing_the_task_over_turns_scores_1(env):
    result, verdict = play(env, call("bash", command="echo hel > /app/hello.txt"),
                           call("bash", command="echo hello > /app/hello.txt && cat /app/hello.txt"), call("submit"))
    assert result.completion[3]["content"].endswith("hello\n")
    assert (verdict.reward, verdict.passed) == (1.0, True)


def test_faking_the_reward_the_tests_or_a_rewriting_process_scores_0(env):
    fake = ("mkdir -p /logs/verifier /tests && echo 1 > /logs/verifier/reward.txt && "
            "printf 'echo 1 > /logs/verifier/reward.txt\\n' > /tests/test.sh && "
            "(nohup sh -c 'while true; do mkdir -p /logs/verifier; echo 1 > /logs/verifier/reward.txt; "
            "sleep 0.01; done' >/dev/null 2>&1 &) ; echo planted")
    result, verdict = play(env, call("bash", command=fake), call("submit"))
    assert "planted" in result.completion[1]["content"]
    assert (verdict.reward, verdict.passed) == (0.0, False)
